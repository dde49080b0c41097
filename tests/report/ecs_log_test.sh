#!/usr/bin/env bash
# The report reads a log written with `output.format: ecs` as it reads the default format: the
# same captures replayed once in each format give the same services, devices, encounters and
# visibility tables (an ECS log once gave an empty report and exit 0).
#   ecs_log_test.sh BAAWATCH SOURCE_DIR WORK_DIR
set -euo pipefail
baawatch=$1 source=$2 work=$3/ecs-log
rm -rf "$work" && mkdir -p "$work"
read_args=()
for capture in whatsapp_chat_call zoom_meeting wire_shapes facetime_relay_video; do
  read_args+=(-r "$source/pcaps/$capture.pcap")
done
for format in json ecs; do
  sed -e "s#^signatures: .*#signatures: $source/signatures#" \
      -e "s#^policy: .*#policy: $source/etc/policy.yaml#" \
      -e "s#^  json: .*#  json: $work/$format.jsonl\n  format: $format#" \
      "$source/etc/baawatch.yaml" > "$work/$format.yaml"
  "$baawatch" -c "$work/$format.yaml" "${read_args[@]}" 2> "$work/$format.log"
  "$baawatch" report --out "$work/report-$format" "$work/$format.jsonl" > /dev/null
done
grep -q '"@timestamp"' "$work/ecs.jsonl" || { echo "FAIL: the ECS log has no ECS records"; exit 1; }
encounters=$(($(wc -l < "$work/report-json/encounters.csv") - 1))
(( encounters >= 3 )) || { echo "FAIL: only $encounters encounters in the JSON-format report"; exit 1; }
for table in services devices encounters visibility daily; do
  # Encounter ids and record ids carry the run id; the rest must be the same.
  if ! diff <(cut -d, -f2- "$work/report-json/$table.csv") \
            <(cut -d, -f2- "$work/report-ecs/$table.csv") > "$work/$table.diff"; then
    echo "FAIL: $table.csv differs between the JSON and the ECS log:"; cat "$work/$table.diff"; exit 1
  fi
done
echo "ok: $encounters encounters, the same tables from both formats"
