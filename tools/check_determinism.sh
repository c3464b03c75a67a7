#!/usr/bin/env bash
# Determinism guard: the kernel and chaos code read time only through dita::Clock and
# randomness only through seeded generators, and never iterate hash containers into output.
# Fails (exit 1) listing every offending line.
set -uo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root" || exit 2

dirs=()
for d in include/dita/contracts include/dita/kernel include/dita/control include/dita/zinc include/dita/chaos \
         src/contracts src/kernel src/control src/zinc src/chaos include/dita/venues/mock src/venues/mock; do
  [ -d "$d" ] && dirs+=("$d")
done

status=0
report() {
  local what="$1" pattern="$2"
  local hits
  hits=$(grep -rnE "$pattern" "${dirs[@]}" --include='*.hpp' --include='*.cpp' --include='*.h' \
         | grep -v 'src/contracts/wall_clock.cpp' | grep -v 'determinism: allowed' || true)
  if [ -n "$hits" ]; then
    echo "determinism guard: $what"
    echo "$hits"
    status=1
  fi
}

report "wall clock read outside src/contracts/wall_clock.cpp" \
  'std::chrono::(system_clock|steady_clock|high_resolution_clock)|\bgettimeofday\b|\bclock_gettime\b|\btime\(NULL\)|\btime\(nullptr\)|\blocaltime\b|\bgmtime\b'
report "unseeded or global random source" \
  'std::random_device|\brand\(\)|\bsrand\(|\bdrand48\b|\brandom\(\)|getrandom|/dev/u?random'
report "hash container (iteration order may leak into output; use std::map or a sorted vector)" \
  'std::unordered_(map|set|multimap|multiset)'

if [ $status -eq 0 ]; then
  echo "determinism guard: clean (${dirs[*]})"
fi
exit $status
