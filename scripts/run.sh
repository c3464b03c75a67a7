#!/usr/bin/env bash
# The main job: builds the dita CLI (only it and what it links: not the tests, benchmarks or the
# Python module, which scripts/test.sh builds), then runs every built-in chaos scenario on the
# kernel, first against the mock venue, then through the real BingX adapter against the local
# BingX simulator (faults on, in-process), checking every invariant.
# Exit 0: all hold, 1: one fails, 2: bad usage or input.
# With arguments, runs `dita chaos` with them instead (e.g. --group field, --html report.html).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bash scripts/setup.sh
if [ ! -f build/CMakeCache.txt ]; then
  echo "run.sh: configuring build/ (once)"
fi
cmake --preset release >/dev/null
if [ ! -x build/bin/dita ]; then
  echo "run.sh: first build of dita: roughly 10 minutes on 2 cores (less with ccache); progress below"
else
  echo "run.sh: bringing build/bin/dita up to date"
fi
# Ninja draws one progress line on a terminal and prints each step otherwise.
cmake --build --preset release -j "$(nproc)" --target dita
echo "run.sh: dita built in $((SECONDS - started)) s: $(build/bin/dita --version)"
echo
if [ "$#" -gt 0 ]; then
  exec build/bin/dita chaos "$@"
fi
status=0
build/bin/dita chaos || status=$?
echo
build/bin/dita chaos --venue bingx-sim || { s=$?; [ "$s" -gt "$status" ] && status=$s; }
exit "$status"
