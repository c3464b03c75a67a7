#!/usr/bin/env bash
# The main job: builds, then runs the demo on the mock venue.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
exec build/bin/dita demo "$@"
