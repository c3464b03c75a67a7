#!/bin/sh
# Proof for issue 5: a kernel with a planted bug (duplicate fills counted twice) is found by a
# 10,000-seed campaign, shrunk to at most 4 steps, and `dita chaos --scenario-file` on the
# reproducer fails the same invariant. Builds only the dita target, in a subdirectory.
# Usage: planted_bug_campaign.sh SOURCE_DIR WORK_DIR
set -eu
src="$1"; work="$2"
cmake -S "$src" -B "$work" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDITA_PLANT_BUG=duplicate_fill \
  -DDITA_BUILD_TESTS=OFF -DDITA_BUILD_BENCH=OFF -DDITA_BUILD_PYTHON=OFF > "$work.configure.log" 2>&1 || { cat "$work.configure.log"; exit 1; }
cmake --build "$work" --target dita -j2 > "$work.build.log" 2>&1 || { tail -50 "$work.build.log"; exit 1; }
rm -rf "$work/repro"
set +e
"$work/bin/dita" fuzz --seeds 10000 --no-progress --json "$work/fuzz.json" --save-dir "$work/repro" > "$work/fuzz.out"
status=$?
set -e
tail -3 "$work/fuzz.out"
[ "$status" -eq 1 ] || { echo "expected exit 1 from dita fuzz, got $status"; exit 1; }
/usr/bin/python3 - "$work" <<'PY'
import json, subprocess, sys
work = sys.argv[1]
report = json.load(open(work + "/fuzz.json"))
# The planted bug counts a duplicated fill twice: duplicate_events_noop is its signature (the
# campaign may also report findings of the real kernel; those are not the proof).
planted = [f for f in report["failures"] if f["invariant"] == "duplicate_events_noop"]
assert planted, [(f["seed"], f["invariant"]) for f in report["failures"]]
first = planted[0]
print(len(report["failures"]), "failure(s);", len(planted), "on duplicate_events_noop; first failing seed", first["seed"], "invariant", first["invariant"], "shrunk to", first["shrunk_steps"], "steps")
assert first["shrunk_steps"] <= 4, first
rerun = subprocess.run([work + "/bin/dita", "chaos", "--no-progress", "--scenario-file", first["reproducer"],
                        "--json", work + "/rerun.json"], stdout=subprocess.DEVNULL)
assert rerun.returncode == 1, rerun.returncode
checks = json.load(open(work + "/rerun.json"))["scenarios"][0]["checks"]
assert any(c["name"] == first["invariant"] and not c["passed"] for c in checks), checks
PY
