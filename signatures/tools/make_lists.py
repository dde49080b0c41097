#!/usr/bin/env python3
"""Regenerates the address lists in signatures/lists/ from the vendors' own published feeds.

  signatures/tools/make_lists.py --input DIR [--only NAME ...] [--out signatures/lists]
  signatures/tools/make_lists.py --show          # the feeds, their formats and where to get them

Each list in LISTS names the feed a vendor publishes, the format of that feed and the file name it
is saved under in the input folder. A clinic refreshes the lists by downloading the feeds (the
URLs below) into one folder and running this tool on it; then `baawatch --check-config` and a
reload (SIGHUP) load them. The tool reads each feed in its own format:

  cidr-lines       one prefix a line ('#' comments): Zoom's Zoom*.txt, Telegram's cidr.txt,
                   Tor's torbulkexitlist (bare addresses), the VPN providers' server lists
  ms-endpoints     Microsoft 365 endpoints JSON (https://endpoints.office.com/endpoints/worldwide),
                   the `ips` of the entries of the list's service area
  goog-json        Google's goog.json ({"prefixes": [{"ipv4Prefix"|"ipv6Prefix": ...}]})
  apple-egress     Apple's Private Relay egress CSV (prefix,country,region,city,)
  asn-routes       the routes an ASN originates: RIPEstat's announced-prefixes JSON
                   (https://stat.ripe.net/data/announced-prefixes/data.json?resource=ASxxxx),
                   or RADb/IRR whois output ('route:' / 'route6:' lines), or one prefix a line

A feed file may start with '#' header lines (as copies of feeds kept with their origin do):
those that say where the feed came from and of what date are carried into the list's header.
Prefixes are checked, normalised (host bits cleared), de-duplicated and sorted, IPv4 first.
Standard library only.
"""
import argparse
import datetime
import ipaddress
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent

# name: (feed format, feed file in the input folder, what the list holds, where the feed is
# published). Lists a service file uses are marked in the service's `ip_list` rule.
LISTS = {
    "zoom": ("cidr-lines", "zoom.txt", "Zoom meeting, media and web servers",
             "https://assets.zoom.us/docs/ipranges/Zoom.txt (+ ZoomMeetings.txt, ZoomCRC.txt, ZoomPhone.txt)"),
    "telegram": ("asn-routes", "telegram.txt", "Telegram data centres and call relays",
                 "https://core.telegram.org/resources/cidr.txt and the routes of AS62041, AS62014, AS59930, AS44907, AS211157"),
    "whatsapp": ("cidr-lines", "whatsapp.txt", "WhatsApp servers and relays",
                 "https://developers.facebook.com/docs/whatsapp/guides/network-requirements/"),
    "skype-teams": ("ms-endpoints", "skype-teams.txt", "Microsoft Teams and Skype media and signalling",
                    "https://endpoints.office.com/endpoints/worldwide (service area Skype)"),
    "discord": ("asn-routes", "discord.txt", "Discord, including its voice servers", "routes originated by AS49544"),
    "line": ("asn-routes", "line.txt", "LINE (LY Corporation)", "routes originated by AS38631"),
    "threema": ("asn-routes", "threema.txt", "Threema servers", "routes originated by AS29691"),
    "webex": ("asn-routes", "webex.txt", "Cisco Webex", "routes originated by AS13445 and Cisco's Webex ASNs"),
    "google": ("goog-json", "google.txt", "Google address space (Meet, STUN 19302, all Google services)",
               "https://www.gstatic.com/ipranges/goog.json"),
    "icloud-private-relay": ("apple-egress", "icloud-private-relay.txt", "iCloud Private Relay egress addresses",
                             "https://mask-api.icloud.com/egress-ip-ranges.csv"),
    "tor": ("cidr-lines", "tor.txt", "Tor exit relays (changes daily)", "https://check.torproject.org/torbulkexitlist"),
    "vpn-mullvad": ("cidr-lines", "vpn-mullvad.txt", "Mullvad VPN servers", "Mullvad's relay API https://api.mullvad.net/www/relays/all/"),
    "vpn-nordvpn": ("cidr-lines", "vpn-nordvpn.txt", "NordVPN servers", "NordVPN's server API https://api.nordvpn.com/v1/servers"),
    "vpn-protonvpn": ("cidr-lines", "vpn-protonvpn-entry.txt", "ProtonVPN entry servers",
                      "ProtonVPN's logical servers API https://api.protonmail.ch/vpn/logicals"),
    "vpn-surfshark": ("cidr-lines", "vpn-surfshark.txt", "Surfshark VPN servers",
                      "Surfshark's server list https://api.surfshark.com/v4/server/clusters"),
}

PROVENANCE = re.compile(r"^#\s*(as of|which .* generates? from|retrieved|origin|source)", re.I)


def split_header(text):
    header, body = [], []
    for line in text.splitlines():
        if not body and line.startswith("#"):
            header.append(line)
        else:
            body.append(line)
    return header, body


def prefix(text, where):
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        sys.exit(f"{where}: '{text.strip()}' is not an address or prefix")


def read_cidr_lines(body, where, _options):
    for number, line in enumerate(body, 1):
        content = line.split("#", 1)[0].strip()
        if content:
            yield prefix(content, f"{where}:{number}")


def read_asn_routes(body, where, options):
    text = "\n".join(body).strip()
    if text.startswith("{"):
        data = json.loads(text)
        for item in data.get("data", {}).get("prefixes", []):
            yield prefix(item["prefix"], where)
        return
    if re.search(r"^route6?:", text, re.M):
        for number, line in enumerate(body, 1):
            match = re.match(r"^route6?:\s*(\S+)", line)
            if match:
                yield prefix(match.group(1), f"{where}:{number}")
        return
    yield from read_cidr_lines(body, where, options)


def read_ms_endpoints(body, where, options):
    text = "\n".join(body).strip()
    if not text.startswith("["):
        yield from read_cidr_lines(body, where, options)
        return
    for entry in json.loads(text):
        if entry.get("serviceArea") == options.get("service_area", "Skype"):
            for ip in entry.get("ips", []):
                yield prefix(ip, where)


def read_goog_json(body, where, options):
    text = "\n".join(body).strip()
    if not text.startswith("{"):
        yield from read_cidr_lines(body, where, options)
        return
    for item in json.loads(text).get("prefixes", []):
        value = item.get("ipv4Prefix") or item.get("ipv6Prefix")
        if value:
            yield prefix(value, where)


def read_apple_egress(body, where, options):
    for number, line in enumerate(body, 1):
        content = line.split("#", 1)[0].strip()
        if content:
            yield prefix(content.split(",", 1)[0], f"{where}:{number}")


READERS = {
    "cidr-lines": read_cidr_lines,
    "asn-routes": read_asn_routes,
    "ms-endpoints": read_ms_endpoints,
    "goog-json": read_goog_json,
    "apple-egress": read_apple_egress,
}


def make_list(name, input_folder, out_folder):
    feed_format, feed_file, holds, published = LISTS[name]
    source = input_folder / feed_file
    if not source.is_file():
        sys.exit(f"{source}: feed for list '{name}' not found")
    header, body = split_header(source.read_text(errors="strict"))
    prefixes = sorted(set(READERS[feed_format](body, str(source), {})),
                      key=lambda p: (p.version, p.network_address, p.prefixlen))
    if not prefixes:
        sys.exit(f"{source}: no prefixes in the feed for list '{name}'")
    kept = [line for line in header if PROVENANCE.match(line)]
    today = datetime.date.today().isoformat()
    lines = [f"# {holds}",
             f"# Published at: {published}",
             f"# Format read: {feed_format}; generated {today} by signatures/tools/make_lists.py "
             f"from the feed file {feed_file}"]
    lines += [f"# Feed {line.lstrip('#').strip()}" for line in kept]
    lines.append(f"# {len(prefixes)} prefixes. Regenerate, do not edit by hand (signatures/README.md).")
    lines += [p.with_prefixlen for p in prefixes]
    out = out_folder / f"{name}.txt"
    out.write_text("\n".join(lines) + "\n")
    return out, len(prefixes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", type=Path, help="folder holding the downloaded feeds")
    parser.add_argument("--out", type=Path, default=REPO / "signatures/lists")
    parser.add_argument("--only", nargs="*", help="regenerate only these lists")
    parser.add_argument("--show", action="store_true", help="print the feeds and exit")
    args = parser.parse_args()
    if args.show or not args.input:
        for name, (feed_format, feed_file, holds, published) in LISTS.items():
            print(f"{name:22} {feed_format:13} {feed_file:28} {published}")
        return
    names = args.only or list(LISTS)
    unknown = [n for n in names if n not in LISTS]
    if unknown:
        sys.exit(f"unknown list(s): {', '.join(unknown)}; known: {', '.join(LISTS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in names:
        out, count = make_list(name, args.input, args.out)
        print(f"{out}: {count} prefixes")


if __name__ == "__main__":
    main()
