#!/usr/bin/env bash
# `dita chaos` against BingX accounts that outlive runs, as a new user would run it:
#  1. --venue bingx-sim with one persistent account file, twice: both runs pass every built-in.
#  2. the documented live command against a bingx-sim process (one account for everything),
#     twice in a row: both pass.
#  3. the same command with a wrong secret: exit 2 before the first scenario, BingX's code shown.
# Everything talks to 127.0.0.1 only and is bounded by timeouts.
set -u
dita="$1"
sim="$2"
work="$(mktemp -d)"
trap 'kill "${sim_pid:-0}" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for run in 1 2; do
    timeout 300 "$dita" chaos --venue bingx-sim --bingx-sim-state "$work/account.json" --no-progress \
        > "$work/sim-$run.txt" 2>&1 || { cat "$work/sim-$run.txt"; fail "bingx-sim run $run with a persistent account"; }
done

timeout 600 "$sim" --port 0 --state "$work/live-account.json" --duration-s 500 > "$work/sim.txt" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
    port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/sim.txt" | head -n 1)"
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "${port:-}" ] || fail "bingx-sim printed no port"
live=(chaos --venue bingx --bingx-url "http://127.0.0.1:$port" --live --max-order-qty 1 --max-order-notional 1000000
      --no-progress)
for run in 1 2; do
    BINGX_API_KEY=dita-sim-key BINGX_API_SECRET=dita-sim-secret timeout 300 "$dita" "${live[@]}" \
        > "$work/live-$run.txt" 2>&1 || { cat "$work/live-$run.txt"; fail "live command run $run"; }
done

BINGX_API_KEY=dita-sim-key BINGX_API_SECRET=wrong-secret timeout 120 "$dita" "${live[@]}" > "$work/bad.txt" 2>&1
code=$?
[ "$code" -eq 2 ] || { cat "$work/bad.txt"; fail "a wrong secret exited $code, not 2"; }
grep -q "100001" "$work/bad.txt" || { cat "$work/bad.txt"; fail "no BingX code in the refusal"; }
grep -q "wrong-secret" "$work/bad.txt" && fail "the secret was printed"
grep -qi "scenario.*PASS\|PASS " "$work/bad.txt" && fail "a scenario ran with refused keys"
echo "bingx account runs: ok"
