#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/fuzz-infra/planted-bug-demo.sh: show that one `ci/fuzz` command finds a planted bug,
# minimises it and turns it into a failing regression test.
#
# Usage: harness/fuzz-infra/planted-bug-demo.sh [--time SECONDS] [--keep]
#
# Works on a temporary copy of the source tree (never on this checkout, so the real
# corpus/regress/ stays clean):
#   1. copy the tree (without build/ and .git/) to a temporary folder;
#   2. plant a checksum off-by-one in the copy's components/pkt/src/csum.c: when a buffer of
#      more than 100 bytes has odd length and ends in 0x5A 0xA5, one is added to the sum;
#   3. run `ci/fuzz pkt_csum --time N` in the copy (libFuzzer + ASan, 2 jobs): it must find a
#      crash, minimise it and write corpus/regress/pkt_csum/crash-<sig>.bin + .txt;
#   4. build the copy's ordinary (replay) build and check that the ctest
#      pkt.fuzz-replay.pkt_csum now FAILS on that file;
#   5. restore the correct csum.c in the copy and check the same test PASSES (the reproducer
#      pins exactly the planted bug).
# Takes about 80 s (--time 40) to 2 minutes on 2 cores; exits 0 when every step behaved
# as described.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=60
keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --time) seconds=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '3,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "planted-bug-demo: unknown argument $1" >&2; exit 2 ;;
  esac
done

tmp=$(mktemp -d /tmp/txp-planted-bug.XXXXXX)
cleanup() {
  if [[ $keep -eq 1 ]]; then
    echo "planted-bug-demo: kept $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
say() { printf '\nplanted-bug-demo: %s\n' "$*"; }

say "1. copying the tree to $tmp/src"
mkdir -p "$tmp/src"
tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$tmp/src" -xf -
src=$tmp/src
csum=$src/components/pkt/src/csum.c
cp "$csum" "$tmp/csum.c.orig"

say "2. planting the bug in the copy's csum.c"
/usr/bin/python3 - "$csum" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
decl = "    uint64_t acc = 0;\n    uint32_t s;\n"
tail = "        s = txp_fold64_16((uint64_t)s + ((uint32_t)p[0] << 8));\n"
if text.count(decl) != 1 or text.count(tail) != 1:
    sys.exit("planted-bug-demo: csum.c changed; update the patch in this script")
text = text.replace(decl, decl + "    const size_t planted_len = len; /* PLANTED BUG (demo) */\n")
text = text.replace(tail, "        s = txp_fold64_16((uint64_t)s + ((uint32_t)p[0] << 8) +\n"
                    "                          (planted_len > 100 && p[0] == 0xA5u && p[-1] == 0x5Au ? 1u : 0u));\n")
open(path, "w").write(text)
PY
diff -u "$tmp/csum.c.orig" "$csum" || true

say "3. ci/fuzz pkt_csum --time $seconds (in the copy)"
rc=0
"$src/ci/fuzz" pkt_csum --engine libfuzzer --time "$seconds" --jobs 2 --minimize-time 20 || rc=$?
if [[ $rc -ne 1 ]]; then
  echo "planted-bug-demo: FAILED: ci/fuzz exited $rc, expected 1 (new crash found)" >&2
  exit 1
fi
shopt -s nullglob
found=("$src"/corpus/regress/pkt_csum/crash-*.bin)
if [[ ${#found[@]} -eq 0 ]]; then
  echo "planted-bug-demo: FAILED: nothing written to corpus/regress/pkt_csum/" >&2
  exit 1
fi
for f in "${found[@]}"; do
  echo "--- ${f#"$src"/} ($(stat -c %s "$f") bytes):"
  od -An -tx1 "$f" | head -n 4
  echo "--- ${f%.bin}.txt:"
  cat "${f%.bin}.txt"
done

say "4. the regression test must now fail (ordinary build of the copy, planted bug in)"
cmake -S "$src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Debug -DTXP_BUILD_TESTS=ON >/dev/null
cmake --build "$tmp/build" -j 2 --target fuzz_pkt_csum >/dev/null
if ctest --test-dir "$tmp/build" -R '^pkt\.fuzz-replay\.pkt_csum$' --output-on-failure; then
  echo "planted-bug-demo: FAILED: the regression test passed with the bug planted" >&2
  exit 1
fi
echo "planted-bug-demo: as expected, pkt.fuzz-replay.pkt_csum fails on the new reproducer"

say "5. with the correct csum.c the same test passes"
cp "$tmp/csum.c.orig" "$csum"
cmake --build "$tmp/build" -j 2 --target fuzz_pkt_csum >/dev/null
ctest --test-dir "$tmp/build" -R '^pkt\.fuzz-replay\.pkt_csum$' --output-on-failure

say "OK: found, minimised, written to corpus/regress/pkt_csum/ (in the copy), failing test"
