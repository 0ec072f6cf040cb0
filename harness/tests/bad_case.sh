#!/bin/sh
# SPDX-License-Identifier: MIT
# harness.conform.bad-case: malformed golden cases must give an ERROR that names the file and
# what was wrong (JSON line/column, JSON path of a bad value, a missing golden, an unknown
# component), with exit status 1, and never crash. Each case is a copy of pcaps/pkt/ipv4-udp
# with one defect.
# Usage: bad_case.sh TXPATH PCAPS_DIR WORK_DIR
set -u
txpath=$1
pcaps=$2
work=$3
src=$pcaps/pkt/ipv4-udp
if [ ! -f "$src/case.json" ]; then
    echo "SKIPPED: $src/case.json is missing"
    exit 77
fi
rm -rf "$work"
mkdir -p "$work" || exit 1
fails=0

# expect NAME REGEX: run txpath conform on $work/NAME, want exit 1 and output matching REGEX.
expect() {
    out=$("$txpath" conform --case "$work/$1" --actual-dir "$work/actual" 2>&1)
    rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAIL $1: exit $rc, expected 1"
        echo "$out"
        fails=$((fails + 1))
    elif ! printf '%s\n' "$out" | grep -Eq "$2"; then
        echo "FAIL $1: output does not match /$2/:"
        echo "$out"
        fails=$((fails + 1))
    else
        echo "ok   $1: $(printf '%s\n' "$out" | grep -E "$2" | head -n 1)"
    fi
}

mk() {
    mkdir -p "$work/$1" && cp "$src/case.json" "$src/golden.pcap" "$work/$1/"
}

# 1. JSON syntax error: the message names case.json with line and column.
mk syntax
sed 's/"dport": 53,/"dport": 53,,/' "$src/case.json" >"$work/syntax/case.json"
expect syntax 'case\.json:[0-9]+:[0-9]+: '

# 2. A value out of range: the JSON path of the field and the expected range.
mk ttl
sed 's/"id": 7238,/"id": 7238, "ttl": 300,/' "$src/case.json" >"$work/ttl/case.json"
expect ttl 'packets\[0\]\.layers\[1\]\.ttl.*0\.\.255'

# 3. A wrong type.
mk type
sed 's/"dport": 53,/"dport": "fifty-three",/' "$src/case.json" >"$work/type/case.json"
expect type 'packets\[0\]\.layers\[2\]\.dport'

# 4. A bad address.
mk addr
sed 's/"198.51.100.7"/"198.51.100.256"/' "$src/case.json" >"$work/addr/case.json"
expect addr 'layers\[1\]\.dst'

# 5. Odd hex payload.
mk hex
sed 's/"hex": "abcd/"hex": "abc/' "$src/case.json" >"$work/hex/case.json"
expect hex 'hex'

# 6. Missing golden.pcap.
mk nogolden
rm -f "$work/nogolden/golden.pcap"
expect nogolden 'golden\.pcap'

# 7. A component with no driver.
mk nocomp
sed 's/"component": "pkt"/"component": "nosuch"/' "$src/case.json" >"$work/nocomp/case.json"
expect nocomp 'nosuch'

# 8. A truncated golden.pcap (bad file, byte offset named).
mk trunc
head -c 30 "$src/golden.pcap" >"$work/trunc/golden.pcap"
expect trunc 'golden\.pcap'

# 9. An unknown layer key is rejected, not ignored.
mk key
sed 's/"sport": 5353,/"sport": 5353, "colour": 1,/' "$src/case.json" >"$work/key/case.json"
expect key 'colour'

if [ "$fails" -ne 0 ]; then
    echo "harness.conform.bad-case: $fails of 9 checks failed"
    exit 1
fi
echo "harness.conform.bad-case: all 9 malformed cases were reported with a precise message"
