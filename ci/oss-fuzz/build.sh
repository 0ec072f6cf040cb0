#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ci/oss-fuzz/build.sh: build every txpath fuzz target the OSS-Fuzz / ClusterFuzzLite way.
#
# Inputs (set by the OSS-Fuzz base-builder image): CC, CFLAGS (sanitizer and coverage flags
# included), LIB_FUZZING_ENGINE (the engine's link flags or library), OUT (where fuzzers go),
# optionally SRC (folder holding the txpath checkout; default: this script's tree) and WORK
# (scratch space; default build/). Outputs, for each target listed in fuzzers.tsv (written by
# txp_add_fuzzer, so new targets need no change here):
#   $OUT/fuzz_<target>                    the fuzzer
#   $OUT/fuzz_<target>_seed_corpus.zip    corpus/<target>/ + corpus/regress/<target>/ inputs
#   $OUT/fuzz_<target>.dict               corpus/<target>.dict, when present
#   $OUT/fuzz_<target>.options            corpus/<target>.options when present, else defaults
#
# Needs zip, or python3 (its zipfile module) when zip is missing.
#
# Local try (as the fuzz-infra ctest does):
#   CC=clang CFLAGS="-O1 -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope \
#     -fsanitize=fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out ci/oss-fuzz/build.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ -n ${SRC:-} && -f $SRC/txpath/CMakeLists.txt ]]; then
  src=$SRC/txpath
else
  src=$here
fi
: "${CC:?CC must be set}" "${OUT:?OUT must be set}" "${LIB_FUZZING_ENGINE:?LIB_FUZZING_ENGINE must be set}"
work=${WORK:-$src/build}/oss-fuzz
mkdir -p "$OUT" "$work"

# An engine given as a static library (libFuzzingEngine.a for AFL++ / honggfuzz / centipede) is
# C++: link the C fuzzers with the C++ runtime too.
engine=$LIB_FUZZING_ENGINE
if [[ $engine == *.a ]]; then
  engine="$engine -lstdc++"
fi

# CMAKE_BUILD_TYPE stays empty: optimisation and debug flags come from $CFLAGS only.
cmake -S "$src" -B "$work" \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" \
  -DCMAKE_C_FLAGS="${CFLAGS:-}" \
  -DTXP_BUILD_FUZZERS=ON \
  -DTXP_FUZZ_ENGINE=libfuzzer \
  -DTXP_LIB_FUZZING_ENGINE="$engine" \
  -DTXP_BUILD_TESTS=OFF \
  -DTXP_BUILD_HARNESS=OFF \
  -DTXP_BUILD_BENCH=OFF >"$work/configure.log" 2>&1 || {
  cat "$work/configure.log" >&2
  exit 1
}
cmake --build "$work" -j "$(nproc 2>/dev/null || echo 2)"

n=0
while IFS=$'\t' read -r name bin corpus dict _comp; do
  [[ -n $name ]] || continue
  exe=fuzz_$name
  cp "$bin" "$OUT/$exe"

  # Seed corpus: every input file (not READMEs, dot files or crash-*.txt signature notes).
  seeds=()
  for d in "$corpus" "$src/corpus/regress/$name"; do
    if [[ -d $d ]]; then
      while IFS= read -r -d '' f; do
        seeds+=("$f")
      done < <(find "$d" -type f ! -name '.*' ! -name 'README*' ! -name '*.txt' -print0 | sort -z)
    fi
  done
  rm -f "$OUT/${exe}_seed_corpus.zip"
  if [[ ${#seeds[@]} -eq 0 ]]; then
    # The engines need one input; an empty one is valid for every target.
    : >"$work/empty"
    seeds=("$work/empty")
  fi
  # -j flattens folders; a regression input with the same name as a seed would collide, so
  # the zip is built from a staging folder with unique names.
  stage=$work/stage/$name
  rm -rf "$stage"
  mkdir -p "$stage"
  i=0
  for f in "${seeds[@]}"; do
    cp "$f" "$stage/$(printf '%04d' "$i")-$(basename "$f")"
    i=$((i + 1))
  done
  if command -v zip >/dev/null; then
    (cd "$stage" && zip -q -X "$OUT/${exe}_seed_corpus.zip" ./*)
  else
    (cd "$stage" && python3 -m zipfile -c "$OUT/${exe}_seed_corpus.zip" ./*)
  fi

  if [[ -f $dict ]]; then
    cp "$dict" "$OUT/$exe.dict"
  fi
  if [[ -f ${corpus}.options ]]; then
    cp "${corpus}.options" "$OUT/$exe.options"
  else
    {
      echo "[libfuzzer]"
      echo "timeout = 25"
      echo "rss_limit_mb = 2560"
      if [[ -f $dict ]]; then echo "dict = $exe.dict"; fi
    } >"$OUT/$exe.options"
  fi
  n=$((n + 1))
done <"$work/fuzzers.tsv"
if [[ $n -eq 0 ]]; then
  echo "oss-fuzz: no fuzz target in $work/fuzzers.tsv" >&2
  exit 1
fi
echo "oss-fuzz: $n fuzzer(s) in $OUT"
