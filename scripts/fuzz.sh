#!/usr/bin/env bash
# Coverage-guided fuzzing with clang's libFuzzer (issue 12).
#
#   scripts/fuzz.sh                      build the targets (build-fuzz/) and run each briefly (ctest, label fuzz-short)
#   scripts/fuzz.sh TARGET [RUNS] [JOBS] run one target for RUNS executions (default 10^7) on its seeds;
#                                        new inputs go to build-fuzz/tests/fuzz/corpus-TARGET,
#                                        crashes to build-fuzz/crash-*
# Targets: fuzz_scenario_file fuzz_capture fuzz_bingx fuzz_kernel.
# A crash reproduces with: build-fuzz/bin/TARGET CRASH_FILE, and in the g++ build with
# build/bin/TARGET_corpus CRASH_FILE (copy it into tests/fuzz/corpus/<name>/ to pin it).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset fuzz > /dev/null
cmake --build --preset fuzz -j"${JOBS:-2}"
if [[ $# -eq 0 ]]; then
  ctest --preset fuzz -L fuzz-short -j2
  exit 0
fi
target=$1
runs=${2:-10000000}
jobs=${3:-1}
case $target in
  fuzz_scenario_file) seeds=(scenarios tests/fuzz/corpus/scenario_file) ;;
  fuzz_capture) seeds=(tests/fuzz/corpus/capture) ;;
  fuzz_bingx) seeds=(tests/fuzz/corpus/bingx) ;;
  fuzz_kernel) seeds=(tests/fuzz/corpus/kernel) ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
work=build-fuzz/tests/fuzz/corpus-$target
mkdir -p "$work"
start=$(date +%s)
# -timeout is wall-clock: on a shared, loaded machine 10 s flagged a 4 ms input as a hang.
# One job runs in this process (its log on stderr); several fork workers that write fuzz-N.log here.
parallel=()
if (( jobs > 1 )); then parallel=(-jobs="$jobs" -workers="$jobs"); fi
build-fuzz/bin/"$target" -runs="$runs" "${parallel[@]}" -max_len=65536 -timeout=60 \
  -rss_limit_mb=2048 -artifact_prefix=build-fuzz/ -print_final_stats=1 "$work" "${seeds[@]}"
echo "$target: $runs executions in $(( $(date +%s) - start )) s"
