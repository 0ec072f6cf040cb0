#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ClusterFuzzLite / OSS-Fuzz entry point ($SRC/build.sh in the builder image): the real build
# is ci/oss-fuzz/build.sh, which reads $CC, $CFLAGS, $LIB_FUZZING_ENGINE, $SRC and $OUT and
# writes fuzz_<target>, fuzz_<target>_seed_corpus.zip, .dict and .options for every target.
set -euo pipefail
exec "$SRC/txpath/ci/oss-fuzz/build.sh"
