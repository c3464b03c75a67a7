#!/usr/bin/env bash
# The main job: builds, then runs every built-in chaos scenario on the kernel and the mock
# venue and checks every invariant (exit 0: all hold, 1: one fails, 2: bad usage or input).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
exec build/bin/dita chaos "$@"
