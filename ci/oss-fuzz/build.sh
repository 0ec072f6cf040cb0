#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ci/oss-fuzz/build.sh: build every txpath fuzz target the OSS-Fuzz / ClusterFuzzLite way.
#
# Inputs (set by the OSS-Fuzz base-builder image): CC, CFLAGS (sanitizer and coverage flags
# included), LIB_FUZZING_ENGINE (the engine's link flags), OUT (where fuzzers go), optionally
# SRC and WORK. Outputs, for each target listed in fuzzers.tsv (see txp_add_fuzzer):
#   $OUT/fuzz_<target>                    the fuzzer
#   $OUT/fuzz_<target>_seed_corpus.zip    corpus/<target>/ + corpus/regress/<target>/
#   $OUT/fuzz_<target>.dict               corpus/<target>.dict, when present
#
# Local try: CC=clang CFLAGS="-fsanitize=address,fuzzer-no-link -g" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out ci/oss-fuzz/build.sh
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${CC:?CC must be set}" "${OUT:?OUT must be set}" "${LIB_FUZZING_ENGINE:?LIB_FUZZING_ENGINE must be set}"
work=${WORK:-$src/build}/oss-fuzz
mkdir -p "$OUT" "$work"

cmake -S "$src" -B "$work" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" \
  -DCMAKE_C_FLAGS="${CFLAGS:-}" \
  -DTXP_BUILD_FUZZERS=ON \
  -DTXP_FUZZ_ENGINE=libfuzzer \
  -DTXP_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DTXP_BUILD_TESTS=OFF \
  -DTXP_BUILD_HARNESS=OFF \
  -DTXP_BUILD_BENCH=OFF
cmake --build "$work" -j "$(nproc 2>/dev/null || echo 2)"

n=0
while IFS=$'\t' read -r name bin corpus dict _comp; do
  [[ -n $name ]] || continue
  exe=fuzz_$name
  cp "$bin" "$OUT/$exe"
  seeds=()
  for d in "$corpus" "$src/corpus/regress/$name"; do
    if [[ -d $d ]]; then
      while IFS= read -r -d '' f; do
        seeds+=("$f")
      done < <(find "$d" -type f ! -name '.*' ! -name 'README*' -print0)
    fi
  done
  rm -f "$OUT/${exe}_seed_corpus.zip"
  if [[ ${#seeds[@]} -gt 0 ]]; then
    zip -q -j "$OUT/${exe}_seed_corpus.zip" "${seeds[@]}"
  fi
  if [[ -f $dict ]]; then
    cp "$dict" "$OUT/$exe.dict"
  fi
  n=$((n + 1))
done <"$work/fuzzers.tsv"
echo "oss-fuzz: $n fuzzer(s) in $OUT"
