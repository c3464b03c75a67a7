#!/usr/bin/env bash
# Installs the Debian 12 packages dita builds with. Idempotent; quick when all are present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev libsqlite3-dev
  libboost-dev libboost-system-dev libssl-dev zlib1g-dev
  pybind11-dev python3-dev python3-pytest
  python3-venv python3-pip python3-mypy
  chromium python3-jsonschema
  libtomlplusplus-dev
  clang libclang-rt-dev  # scripts/fuzz.sh: libFuzzer targets (the `fuzz` preset)
  valgrind  # bench/instructions.sh: instructions per unit (callgrind), the perf-budget tests
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1; then
  sudo_cmd=(sudo)
else
  echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
