#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""harness/fuzz-infra/test_ci_fuzz.py: ci/fuzz without fuzzing (fast, no engine needed).

Usage: test_ci_fuzz.py SOURCE_DIR FUZZERS_TSV

Checks: --help and `list` work on the build's fuzzers.tsv; pcap reading/writing and the
pcap -> seed formats; crash signatures from a sanitizer-style report (noise frames skipped,
stable id, line numbers not part of the id); triage deduplicates, writes crash-<sig>.bin and
.txt into the regress folder, and skips signatures already there.
"""
import importlib.machinery
import importlib.util
import os
import struct
import subprocess
import sys
import tempfile
import unittest

SRC = os.path.abspath(sys.argv[1])
TSV = os.path.abspath(sys.argv[2])
CI_FUZZ = os.path.join(SRC, "ci", "fuzz")
_loader = importlib.machinery.SourceFileLoader("ci_fuzz", CI_FUZZ)
_spec = importlib.util.spec_from_loader("ci_fuzz", _loader)
fz = importlib.util.module_from_spec(_spec)
_loader.exec_module(fz)

REPORT = """INFO: Running with entropic power schedule (0xFF, 100).
==123==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011 at pc 0x1
READ of size 1 at 0x602000000011 thread T0
    #0 0x55d in __asan_memcpy (/x/fuzz_t+0x1)
    #1 0x55e in txp_thing_parse %(src)s/components/pkt/src/thing.c:%(line)d:5
    #2 0x55f in helper %(src)s/components/pkt/src/thing.c:40:2
    #3 0x560 in LLVMFuzzerTestOneInput %(src)s/components/pkt/fuzz/fuzz_t.c:99:3
    #4 0x561 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) x.cpp:1
allocated by thread T0 here:
    #0 0x600 in malloc (/x/fuzz_t+0x2)
    #1 0x601 in other_function %(src)s/components/pkt/src/alloc.c:7:1
"""


def fake_crasher(dirpath, line):
    """An executable that prints REPORT and fails for any input (a stand-in fuzzer)."""
    path = os.path.join(dirpath, "fake_fuzzer_%d" % line)
    with open(path, "w") as f:
        f.write("#!/bin/sh\ncat <<'R'\n%sR\nexit 1\n" % (REPORT % {"src": fz.ROOT, "line": line}))
    os.chmod(path, 0o755)
    return path


class CiFuzz(unittest.TestCase):
    def test_help_and_list(self):
        r = subprocess.run([CI_FUZZ, "--help"], stdout=subprocess.PIPE, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn("--engine libfuzzer|afl", r.stdout)
        r = subprocess.run([CI_FUZZ, "list"], stdout=subprocess.PIPE, text=True,
                           env=dict(os.environ, TXP_FUZZ_TSV=TSV))
        self.assertEqual(r.returncode, 0)
        with open(TSV) as f:
            for line in f:
                name = line.split("\t")[0]
                if name.strip():
                    self.assertIn(name, r.stdout)

    def test_durations(self):
        self.assertEqual(fz.parse_duration("90"), 90)
        self.assertEqual(fz.parse_duration("10m"), 600)
        self.assertEqual(fz.parse_duration("1h"), 3600)

    def test_pcap_seed_formats(self):
        eth = bytes(6) + bytes(6) + b"\x08\x00"
        ip = bytearray(20)
        ip[0], ip[9] = 0x45, 17
        ip[2:4] = struct.pack(">H", 28)
        ip[12:20] = bytes([192, 0, 2, 1, 198, 51, 100, 7])
        udp = b"\x00\x35\x00\x35\x00\x08\x00\x00"
        frame = eth + bytes(ip) + udp
        vlan = bytes(12) + b"\x81\x00\x00\x05\x08\x00" + bytes(ip) + udp
        with tempfile.TemporaryDirectory() as tmp:
            p = os.path.join(tmp, "x.pcap")
            fz.write_pcap(p, fz.LINK_ETH, [frame, vlan])
            link, pkts = fz.read_pcap(p)
            self.assertEqual((link, pkts), (fz.LINK_ETH, [frame, vlan]))
            self.assertEqual(fz.frame_to_seed("link-frame", link, frame), b"\x00" + frame)
            self.assertEqual(fz.frame_to_seed("ipv4", link, vlan), bytes(ip) + udp)
            self.assertEqual(fz.frame_to_seed("link-frame", fz.LINK_RAW, bytes(ip) + udp),
                             b"\x01" + bytes(ip) + udp)
            self.assertEqual(fz.frame_to_seed("csum-l4", link, frame),
                             bytes(4) + bytes(ip[12:20]) + b"\x11" + udp)
            seed = os.path.join(tmp, "seed")
            with open(seed, "wb") as f:
                f.write(b"\x01" + bytes(ip) + udp)
            self.assertTrue(fz.input_to_pcap("link-frame", seed, p))
            self.assertEqual(fz.read_pcap(p), (fz.LINK_IPV4, [bytes(ip) + udp]))
            self.assertFalse(fz.input_to_pcap("csum-l4", seed, p))

    def test_signature_and_triage(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = fake_crasher(tmp, 10), fake_crasher(tmp, 11)
            crash = os.path.join(tmp, "crash-1")
            with open(crash, "wb") as f:
                f.write(b"abc")
            sa, sb = fz.signature(a, crash), fz.signature(b, crash)
            self.assertEqual(sa[0], sb[0], "line numbers must not change the signature")
            self.assertEqual(sa[1], "AddressSanitizer: heap-buffer-overflow")
            self.assertEqual([f for f, _ in sa[2]],
                             ["txp_thing_parse", "helper", "LLVMFuzzerTestOneInput"])
            self.assertEqual(sa[2][0][1], "components/pkt/src/thing.c:10")
            crash2 = os.path.join(tmp, "crash-2")
            with open(crash2, "wb") as f:
                f.write(b"a")
            t = {"name": "fake", "comp": "none", "bin": a}
            regress, findings = os.path.join(tmp, "regress"), os.path.join(tmp, "findings")
            groups, new, unrepro = fz.triage(t, [crash, crash2], "libfuzzer", a, None, regress,
                                             findings, min_time=1)
            self.assertEqual((len(groups), len(new), len(unrepro)), (1, 1, 0))
            binf = os.path.join(regress, "crash-%s.bin" % sa[0])
            with open(binf, "rb") as f:
                self.assertEqual(f.read(), b"a", "the smallest duplicate is kept")
            with open(os.path.join(regress, "crash-%s.txt" % sa[0])) as f:
                txt = f.read()
            self.assertIn("signature-id: %s" % sa[0], txt)
            self.assertIn("duplicates: 2", txt)
            _, new, _ = fz.triage(t, [crash], "libfuzzer", b, None, regress, findings, 1)
            self.assertEqual(new, [], "a known signature is not written again")
            ok = os.path.join(tmp, "true")
            with open(ok, "w") as f:
                f.write("#!/bin/sh\nexit 0\n")
            os.chmod(ok, 0o755)
            self.assertIsNone(fz.signature(ok, crash))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
