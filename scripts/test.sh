#!/usr/bin/env bash
# Builds everything and runs every test: C++ (ctest) and Python (pytest), the users' seed module included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"
ctest --preset release -j "$(nproc)"
