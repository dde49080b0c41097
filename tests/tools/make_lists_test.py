#!/usr/bin/env python3
"""signatures/tools/make_lists.py reads each vendor's feed format: fixtures in the vendors' own
shapes go in, the prefixes (normalised, de-duplicated, sorted, IPv4 first) and a provenance
header come out; a broken prefix is refused with the file and line."""
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "signatures/tools/make_lists.py"

FEEDS = {
    "google.txt": '{"syncToken":"1","prefixes":[{"ipv4Prefix":"8.8.8.0/24"},'
                  '{"ipv6Prefix":"2001:4860::/32"},{"ipv4Prefix":"8.8.4.0/24"}]}',
    "skype-teams.txt": '[{"id":11,"serviceArea":"Skype","ips":["52.112.0.0/14","2603:1063::/38"]},'
                       '{"id":1,"serviceArea":"Exchange","ips":["40.96.0.0/13"]}]',
    "icloud-private-relay.txt": "172.225.46.0/24,US,US-CA,Los Angeles,\n"
                                "2a02:26f7:b3c0:4000::/64,DE,DE-BE,Berlin,\n",
    "discord.txt": '{"data":{"prefixes":[{"prefix":"66.22.196.0/22"},{"prefix":"5.200.0.0/19"}]}}',
    "line.txt": "route:      103.2.28.0/24\norigin:     AS38631\n\nroute6:     2001:df0::/48\n",
    "zoom.txt": "# as of 2024-10-21: a copy of Zoom.txt\n3.7.35.0/25\n3.7.35.7/25\n3.7.35.0/25\n",
    "tor.txt": "185.220.101.1\n2001:db8::1\n",
}

EXPECTED = {
    "google": ["8.8.4.0/24", "8.8.8.0/24", "2001:4860::/32"],
    "skype-teams": ["52.112.0.0/14", "2603:1063::/38"],
    "icloud-private-relay": ["172.225.46.0/24", "2a02:26f7:b3c0:4000::/64"],
    "discord": ["5.200.0.0/19", "66.22.196.0/22"],
    "line": ["103.2.28.0/24", "2001:df0::/48"],
    "zoom": ["3.7.35.0/25"],
    "tor": ["185.220.101.1/32", "2001:db8::1/128"],
}


def run(feeds, names):
    folder = Path(tempfile.mkdtemp())
    for name, text in feeds.items():
        (folder / name).write_text(text)
    proc = subprocess.run([sys.executable, str(TOOL), "--input", str(folder), "--out",
                           str(folder / "out"), "--only", *names], capture_output=True, text=True)
    return proc, folder / "out"


class MakeLists(unittest.TestCase):
    def test_each_vendor_format(self):
        proc, out = run(FEEDS, list(EXPECTED))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for name, prefixes in EXPECTED.items():
            lines = (out / f"{name}.txt").read_text().splitlines()
            self.assertTrue(lines[0].startswith("# "), name)
            self.assertEqual([l for l in lines if not l.startswith("#")], prefixes, name)

    def test_header_keeps_the_feed_date(self):
        proc, out = run(FEEDS, ["zoom"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        header = [l for l in (out / "zoom.txt").read_text().splitlines() if l.startswith("#")]
        self.assertIn("# Feed as of 2024-10-21: a copy of Zoom.txt", header)
        self.assertTrue(any("assets.zoom.us" in l for l in header))

    def test_broken_prefix_names_file_and_line(self):
        proc, _ = run({"tor.txt": "185.220.101.1\n300.1.1.1\n"}, ["tor"])
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("tor.txt:2: '300.1.1.1' is not an address or prefix", proc.stderr)


if __name__ == "__main__":
    unittest.main()
