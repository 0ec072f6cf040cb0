#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/fuzz-infra/oss_fuzz_build_test.sh: run ci/oss-fuzz/build.sh as OSS-Fuzz would for
# libFuzzer + ASan, then check its output for every fuzz target and run each fuzzer over its
# seed corpus.
#
# Usage: oss_fuzz_build_test.sh SOURCE_DIR FUZZERS_TSV SCRATCH_DIR
#   FUZZERS_TSV  the calling build's fuzzers.tsv: the targets that must be in $OUT
# Exit: 0 pass, 1 fail, 77 skipped (clang missing). Zips are read with python3's zipfile.
set -euo pipefail

src=$1 tsv=$2 scratch=$3
if ! command -v clang >/dev/null; then
  echo "SKIPPED: clang not installed (ci/setup installs it)"
  exit 77
fi
rm -rf "$scratch"
mkdir -p "$scratch/src" "$scratch/out" "$scratch/work"
ln -s "$src" "$scratch/src/txpath"

fail=0
bad() {
  echo "FAIL: $*"
  fail=1
}

# The variables OSS-Fuzz's base-builder sets for FUZZING_ENGINE=libfuzzer SANITIZER=address.
export CC=clang CXX=clang++
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS=$CFLAGS
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export SRC=$scratch/src OUT=$scratch/out WORK=$scratch/work
export FUZZING_ENGINE=libfuzzer SANITIZER=address ARCHITECTURE=x86_64 FUZZING_LANGUAGE=c
unset ASAN_OPTIONS UBSAN_OPTIONS

start=$SECONDS
if ! bash "$src/ci/oss-fuzz/build.sh" >"$scratch/build.log" 2>&1; then
  tail -n 60 "$scratch/build.log"
  echo "FAIL: ci/oss-fuzz/build.sh failed (log: $scratch/build.log)"
  exit 1
fi
echo "build.sh: $((SECONDS - start))s"

n=0
while IFS=$'\t' read -r name _bin corpus dict _comp; do
  [[ -n $name ]] || continue
  n=$((n + 1))
  exe=$OUT/fuzz_$name
  [[ -x $exe ]] || { bad "$name: $exe missing or not executable"; continue; }
  grep -q __asan_report "$exe" || bad "$name: $exe is not built with ASan"
  grep -q LLVMFuzzerRunDriver "$exe" || bad "$name: $exe is not linked with libFuzzer"

  # Seed corpus: as many entries as input files in corpus/<t>/ and corpus/regress/<t>/.
  zipf=${exe}_seed_corpus.zip
  want=0
  for d in "$corpus" "$src/corpus/regress/$name"; do
    if [[ -d $d ]]; then
      want=$((want + $(find "$d" -type f ! -name '.*' ! -name 'README*' ! -name '*.txt' | wc -l)))
    fi
  done
  [[ $want -gt 0 ]] || want=1 # an empty input when there are no seeds
  if [[ ! -f $zipf ]]; then
    bad "$name: $zipf missing"
    continue
  fi
  seeds=$scratch/seeds/$name
  mkdir -p "$seeds"
  if ! { python3 -m zipfile -t "$zipf" >/dev/null && python3 -m zipfile -e "$zipf" "$seeds"; }; then
    bad "$name: $zipf is not a valid zip"
  fi
  got=$(find "$seeds" -type f | wc -l)
  [[ $got -eq $want ]] || bad "$name: seed corpus has $got inputs, expected $want"

  # Dictionary: present exactly when corpus/<t>.dict is, and identical.
  if [[ -f $dict ]]; then
    cmp -s "$dict" "$exe.dict" || bad "$name: fuzz_$name.dict missing or differs from $dict"
  elif [[ -e $exe.dict ]]; then
    bad "$name: fuzz_$name.dict written but $dict does not exist"
  fi

  # Options: an INI file with a [libfuzzer] section.
  if [[ ! -f $exe.options ]]; then
    bad "$name: fuzz_$name.options missing"
  elif ! grep -qx '\[libfuzzer\]' "$exe.options"; then
    bad "$name: fuzz_$name.options has no [libfuzzer] section"
  fi

  # Run the fuzzer over its seeds only (-runs=0: execute the corpus, no mutation).
  args=(-runs=0 -timeout=25)
  [[ -f $exe.dict ]] && args+=(-dict="$exe.dict")
  if ! "$exe" "${args[@]}" "$seeds" >"$scratch/run-$name.log" 2>&1; then
    tail -n 30 "$scratch/run-$name.log"
    bad "$name: fuzz_$name crashed or failed on its seed corpus"
  elif ! grep -q 'INITED' "$scratch/run-$name.log"; then
    bad "$name: fuzz_$name did not run its corpus (no INITED line)"
  else
    echo "ok: $name ($got seeds, $(grep -o 'INITED cov: [0-9]*' "$scratch/run-$name.log"))"
  fi
done <"$tsv"

[[ $n -gt 0 ]] || bad "no fuzz target listed in $tsv"
extra=$(find "$OUT" -maxdepth 1 -type f -name 'fuzz_*' ! -name '*.*' | wc -l)
[[ $extra -eq $n ]] || bad "$OUT holds $extra fuzzers, $tsv lists $n"
if [[ $fail -ne 0 ]]; then
  echo "oss-fuzz build test: FAILED"
  exit 1
fi
echo "oss-fuzz build test: OK, $n fuzzer(s), $((SECONDS - start))s"
rm -rf "$scratch"
