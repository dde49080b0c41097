#pragma once
// Records as RFC 5424 syslog messages, without any transport (syslog_sink.hpp sends them).
//
// Message: PRI from the facility and the record's severity, TIMESTAMP the record's, HOSTNAME the
// sensor, APP-NAME configurable, PROCID our pid, MSGID the record type (`alert`, `encounter`,
// ...), STRUCTURED-DATA `[baawatch@32473 ...]` with the record's key fields (record_id, service,
// device, ip, host_name, severity, ...), and MSG the whole JSON record. Format: docs/gateway.md.
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "baawatch/record/ecs_record.hpp"
#include "baawatch/record/event_type.hpp"

namespace baawatch::sink {

// The SD-ID: our private enterprise number form (RFC 5424 §7.2.2 uses 32473 for examples;
// documented as a placeholder until a PEN is registered).
inline constexpr std::string_view kSyslogSdId = "baawatch@32473";

// The header fields that come from the configuration, not from the record.
struct SyslogHeader {
  int facility = 20;                      // local4
  std::string appName = "baawatch";
  std::string hostName;                   // HOSTNAME field: the sensor name
  int procId = 0;
};

// RFC 5424 §6.3.3: inside PARAM-VALUE, '"', '\' and ']' are escaped with a backslash.
std::string escapeSdParamValue(std::string_view value);
// One RFC 5424 message (no framing, no trailing newline). STRUCTURED-DATA is read from the
// record as built; MSG is the record in `format` (output.format), as record::recordText writes
// it, so MSG carries the same bytes as the file's line without its chain.
std::string formatRfc5424(const nlohmann::json& record, baawatch::record::EventType type,
                          const SyslogHeader& header,
                          baawatch::record::RecordFormat format =
                              baawatch::record::RecordFormat::kDefault);
// RFC 6587 §3.4.1 (and RFC 5425 §4.3) octet-counting frame: "LEN SP MSG".
std::string frameOctetCounted(std::string_view message);

}  // namespace baawatch::sink
