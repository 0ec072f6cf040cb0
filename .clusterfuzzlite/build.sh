#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ClusterFuzzLite entry point: the real build lives in ci/oss-fuzz/build.sh.
set -euo pipefail
exec "$SRC/txpath/ci/oss-fuzz/build.sh"
