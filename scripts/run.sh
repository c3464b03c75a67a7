#!/usr/bin/env bash
# The main job: builds, then runs every built-in chaos scenario on the kernel, first against the
# mock venue, then through the real BingX adapter against the local BingX simulator (faults on),
# checking every invariant. Exit 0: all hold, 1: one fails, 2: bad usage or input.
# With arguments, runs `dita chaos` with them instead (e.g. --group field, --venue bingx-sim).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
if [ "$#" -gt 0 ]; then
  exec build/bin/dita chaos "$@"
fi
status=0
build/bin/dita chaos || status=$?
echo
build/bin/dita chaos --venue bingx-sim || { s=$?; [ "$s" -gt "$status" ] && status=$s; }
exit "$status"
