#!/usr/bin/env bash
# The determinism guard must fail on each kind of offence and pass on a clean tree.
set -u
guard="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/kernel" "$tmp/src/chaos" "$tmp/src/contracts"
fail=0

expect() {
  local want="$1" label="$2"
  "$guard" "$tmp" >/dev/null 2>&1
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $label: guard exited $got, expected $want"
    fail=1
  else
    echo "ok: $label"
  fi
}

echo 'int f() { return 1; }' > "$tmp/src/kernel/clean.cpp"
echo 'auto t = std::chrono::system_clock::now(); // the one allowed place' > "$tmp/src/contracts/wall_clock.cpp"
expect 0 "clean tree (wall clock only in wall_clock.cpp)"

echo 'auto t = std::chrono::steady_clock::now();' > "$tmp/src/kernel/bad_clock.cpp"
expect 1 "steady_clock in the kernel"
rm "$tmp/src/kernel/bad_clock.cpp"

echo 'std::random_device rd;' > "$tmp/src/chaos/bad_rng.cpp"
expect 1 "random_device in chaos"
rm "$tmp/src/chaos/bad_rng.cpp"

echo 'int x = rand();' > "$tmp/src/kernel/bad_rand.cpp"
expect 1 "rand() in the kernel"
rm "$tmp/src/kernel/bad_rand.cpp"

echo '#include <unordered_map>
std::unordered_map<int, int> m;' > "$tmp/src/kernel/bad_map.cpp"
expect 1 "unordered_map in the kernel"
rm "$tmp/src/kernel/bad_map.cpp"

expect 0 "clean again"
exit $fail
