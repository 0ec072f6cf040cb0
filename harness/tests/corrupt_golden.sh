#!/bin/sh
# SPDX-License-Identifier: MIT
# harness.conform.corrupt-golden: proves that `txpath conform` catches a golden file with ONE
# corrupted byte and names the field. Copies the first pkt case that passes as it is to a
# scratch folder, flips one byte of the first record of its golden.pcap (the IPv4 TTL when the
# record is IPv4, else its last byte), and expects exit status 1 and a "golden=" field line.
# Usage: corrupt_golden.sh TXPATH PCAPS_DIR WORK_DIR. Exit 77 (skip) when no usable case exists.
set -u
txpath=$1
pcaps=$2
work=$3

rm -rf "$work"
mkdir -p "$work" || exit 1

# Byte at offset $2 of file $1, as a decimal number.
byte_at() {
    od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' \n'
}

# Little-endian 32-bit number at offset $2 of file $1.
le32_at() {
    set -- $(od -An -tu1 -j "$2" -N 4 "$1")
    echo $(($1 + $2 * 256 + $3 * 65536 + $4 * 16777216))
}

# 0 when the first record of pcap $1 is an IPv4 packet (Ethernet type 0x0800, or raw IPv4).
first_is_ipv4() {
    lt=$(le32_at "$1" 20)
    cl=$(le32_at "$1" 32)
    if [ "$lt" = "1" ]; then
        [ "$cl" -ge 34 ] && [ "$(byte_at "$1" 52)" = "8" ] && [ "$(byte_at "$1" 53)" = "0" ]
    else
        [ "$cl" -ge 20 ] && [ $(($(byte_at "$1" 40) / 16)) = "4" ]
    fi
}

# Pass 1 wants an IPv4 first record (so the corrupted field is ipv4.ttl), pass 2 takes any.
found=""
for pass in ipv4 any; do
    for cj in "$pcaps"/pkt/*/case.json; do
        [ -f "$cj" ] || continue
        dir=$(dirname "$cj")
        name=$(basename "$dir")
        [ -f "$dir/golden.pcap" ] || continue
        # Needs a little-endian microsecond file with at least one non-empty record.
        [ "$(le32_at "$dir/golden.pcap" 0)" = "2712847316" ] || continue
        caplen=$(le32_at "$dir/golden.pcap" 32)
        [ "${caplen:-0}" -gt 0 ] || continue
        if [ "$pass" = "ipv4" ] && ! first_is_ipv4 "$dir/golden.pcap"; then
            continue
        fi
        rm -rf "$work/$name"
        cp -R "$dir" "$work/$name" || exit 1
        if "$txpath" conform --case "$work/$name" --actual-dir "$work/actual" \
            >"$work/baseline.txt" 2>&1; then
            found=$name
            break 2
        fi
        echo "note: case $name does not pass as it is; trying the next one"
        sed 's/^/  | /' "$work/baseline.txt" | head -20
    done
done

if [ -z "$found" ]; then
    echo "****************************************************************************"
    echo "SKIP harness.conform.corrupt-golden: no pkt golden case under $pcaps/pkt that"
    echo "passes unmodified (cases not written yet, or the pkt driver is failing)."
    echo "****************************************************************************"
    exit 77
fi

golden="$work/$found/golden.pcap"
linktype=$(le32_at "$golden" 20)
caplen=$(le32_at "$golden" 32)
off=$((40 + caplen - 1))
field="last byte of record 0"
if first_is_ipv4 "$golden"; then
    field="ipv4.ttl"
    if [ "$linktype" = "1" ]; then
        off=$((40 + 14 + 8))
    else
        off=$((40 + 8))
    fi
fi
old=$(byte_at "$golden" "$off")
new=$(((old + 1) % 256))
printf "$(printf '\\%03o' "$new")" | dd of="$golden" bs=1 seek="$off" count=1 conv=notrunc 2>/dev/null
echo "case $found: golden byte $off ($field) changed from $old to $new"

"$txpath" conform --case "$work/$found" --actual-dir "$work/actual" >"$work/corrupt.txt" 2>&1
rc=$?
cat "$work/corrupt.txt"
if [ "$rc" != "1" ]; then
    echo "FAIL: txpath conform exited $rc on a corrupted golden (want 1)"
    exit 1
fi
if ! grep -q "golden=" "$work/corrupt.txt"; then
    echo "FAIL: no field-level 'golden=' line in the output"
    exit 1
fi
if [ "$field" = "ipv4.ttl" ] && ! grep -q "ipv4.ttl golden=$new actual=$old" "$work/corrupt.txt"; then
    echo "FAIL: expected the line 'ipv4.ttl golden=$new actual=$old'"
    exit 1
fi
echo "PASS: corrupted golden detected with a field-level diff"
exit 0
