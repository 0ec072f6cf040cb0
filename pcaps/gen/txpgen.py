#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""txpgen: writes the golden conformance cases of txpath with scapy as the oracle.

A generator module pcaps/gen/<component>.py defines

    COMPONENT = "pkt"
    CASES = [txpgen.Case(name=..., description=..., link="ether" | "raw-ipv4",
                         payload={...}, packets=callable, ts_ns=None), ...]

For every case txpgen writes

    pcaps/<component>/<name>/case.json   {"component", "description", "link"} + payload,
                                         sorted keys, two-space indent, trailing newline
    pcaps/<component>/<name>/golden.pcap what the callable returns, written by scapy's wrpcap
                                         (microsecond pcap, snaplen 65535, little-endian);
                                         link "ether" uses LINKTYPE_ETHERNET (1) and
                                         "raw-ipv4" LINKTYPE_IPV4 (228)

Timestamps are fixed so that regeneration is byte-identical: packet i gets ts_ns[i] when the
case gives a list, else i milliseconds. Golden files are never edited by hand: change the
generator and rerun (ci/regen-goldens).

Usage (always Debian's python, which has python3-scapy):
    /usr/bin/python3 pcaps/gen/txpgen.py [--component C] [--out DIR] [--check] [--list]
--out DIR writes the tree under DIR instead of pcaps/ (DIR/<component>/<case>/...).
--check regenerates into a temporary directory and compares byte for byte with the committed
tree (including case folders that exist on only one side); it lists every difference and
exits 1 if there is one.
"""

import argparse
import decimal
import filecmp
import importlib
import json
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
GEN_DIR = os.path.dirname(os.path.abspath(__file__))
PCAPS_DIR = os.path.dirname(GEN_DIR)

LINKTYPES = {"ether": 1, "raw-ipv4": 228}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class Case:
    """One conformance case: a folder with case.json and golden.pcap."""

    def __init__(self, name, description, link, payload, packets, ts_ns=None):
        if not NAME_RE.match(name):
            raise ValueError("case name %r: use letters, digits, '-' and '_'" % name)
        if link not in LINKTYPES:
            raise ValueError("case %s: link %r not in %s" % (name, link, sorted(LINKTYPES)))
        for k in ("component", "description", "link"):
            if k in payload:
                raise ValueError("case %s: payload must not set %r" % (name, k))
        self.name = name
        self.description = description
        self.link = link
        self.payload = payload
        self.packets = packets
        self.ts_ns = ts_ns

    def case_json(self, component):
        doc = dict(self.payload)
        doc["component"] = component
        doc["description"] = self.description
        doc["link"] = self.link
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def _scapy():
    # Imported lazily so that --help works without scapy; quiet its start-up warnings.
    import logging

    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    importlib.import_module("scapy.all")  # registers every layer (and bindings)
    from scapy.utils import wrpcap

    return wrpcap


def discover():
    """Generator module names: pcaps/gen/*.py except this file."""
    names = []
    for f in sorted(os.listdir(GEN_DIR)):
        if f.endswith(".py") and f != "txpgen.py" and not f.startswith("_"):
            names.append(f[:-3])
    return names


def load_module(name):
    if GEN_DIR not in sys.path:
        sys.path.insert(0, GEN_DIR)
    mod = importlib.import_module(name)
    comp = getattr(mod, "COMPONENT", name)
    cases = list(getattr(mod, "CASES"))
    seen = set()
    for c in cases:
        if c.name in seen:
            raise ValueError("%s: duplicate case name %s" % (name, c.name))
        seen.add(c.name)
    return comp, cases


def write_case(out_root, component, case):
    wrpcap = _scapy()
    d = os.path.join(out_root, component, case.name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "case.json"), "w", encoding="ascii", newline="\n") as f:
        f.write(case.case_json(component))
    pkts = list(case.packets())
    if case.ts_ns is not None and len(case.ts_ns) != len(pkts):
        raise ValueError("case %s: %d timestamps for %d packets" % (case.name, len(case.ts_ns),
                                                                     len(pkts)))
    for i, p in enumerate(pkts):
        ns = case.ts_ns[i] if case.ts_ns is not None else i * 1000000
        # Exact decimal seconds: scapy rounds (time - int(time)) * 1e6 to the microsecond.
        p.time = decimal.Decimal(ns) / decimal.Decimal(1000000000)
    wrpcap(os.path.join(d, "golden.pcap"), pkts, linktype=LINKTYPES[case.link])
    return d


def generate(out_root, only=None):
    written = []
    comps = []
    for modname in discover():
        comp, cases = load_module(modname)
        if only and comp != only and modname != only:
            continue
        comps.append(comp)
        for c in cases:
            written.append(write_case(out_root, comp, c))
    if only and not comps:
        raise SystemExit("txpgen: no generator for component %r (have: %s)"
                         % (only, ", ".join(discover())))
    return comps, written


def _tree(root, comp):
    base = os.path.join(root, comp)
    out = set()
    if not os.path.isdir(base):
        return out
    for case in os.listdir(base):
        cdir = os.path.join(base, case)
        if not os.path.isfile(os.path.join(cdir, "case.json")):
            continue  # not a case folder
        for f in ("case.json", "golden.pcap"):
            if os.path.isfile(os.path.join(cdir, f)):
                out.add(os.path.join(comp, case, f))
    return out


def check(only=None):
    tmp = tempfile.mkdtemp(prefix="txpgen-check-")
    try:
        comps, _ = generate(tmp, only)
        diffs = []
        for comp in comps:
            fresh = _tree(tmp, comp)
            committed = _tree(PCAPS_DIR, comp)
            for rel in sorted(fresh | committed):
                a = os.path.join(PCAPS_DIR, rel)
                b = os.path.join(tmp, rel)
                if not os.path.exists(a):
                    diffs.append("missing (not committed): pcaps/%s" % rel)
                elif not os.path.exists(b):
                    diffs.append("stale (no generator case): pcaps/%s" % rel)
                elif not filecmp.cmp(a, b, shallow=False):
                    diffs.append("differs from regeneration: pcaps/%s" % rel)
        for line in diffs:
            print(line)
        n = sum(len(_tree(tmp, c)) for c in comps) // 2  # two files per fresh case
        if diffs:
            print("txpgen --check: %d difference(s) over %d case(s); run ci/regen-goldens and "
                  "review the change" % (len(diffs), n))
            return 1
        print("txpgen --check: %d case(s) of %s reproduce byte for byte" % (n, ", ".join(comps)))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate txpath golden pcaps with scapy.")
    ap.add_argument("--component", help="only this component's generator")
    ap.add_argument("--out", help="output root (default: the pcaps/ folder)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed files")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    a = ap.parse_args(argv)
    if a.list:
        for modname in discover():
            comp, cases = load_module(modname)
            if a.component and comp != a.component:
                continue
            for c in cases:
                print("%s/%s\t%s" % (comp, c.name, c.description))
        return 0
    if a.check:
        if a.out:
            ap.error("--check compares with pcaps/; it takes no --out")
        return check(a.component)
    out = os.path.abspath(a.out) if a.out else PCAPS_DIR
    _, written = generate(out, a.component)
    for d in written:
        rel = os.path.relpath(d, os.getcwd())
        print("wrote %s" % (d if rel.startswith("..") else rel))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. --list | head
        sys.stderr.close()
        sys.exit(0)
