#!/usr/bin/python3
"""Instructions the Python binding adds to one ExecutionKernel.process_intent call, counted by
callgrind (independent of the machine's load, unlike bench_binding.py's times).

Four runs of this script's child mode under callgrind: N1 and N2 intents built and processed,
and N1 and N2 intents built only. The difference of differences is the cost of one call as a
Python loop makes it; the kernel's own share (ExecutionKernel::process_intent, inclusive) is
subtracted, leaving what the binding adds: the call's dispatch, finding the intent's kept
conversion, the locks and the GIL, and the outcome's Python object (made and freed).

With --keep every outcome is kept in a list (as the seed module keeps them), so none can be
refilled: each call makes a new KernelOutcome object, freed at the end.

Usage (after a build; needs valgrind):
  PYTHONPATH=build/python /usr/bin/python3 python/bench_binding_instructions.py [--workload mark|enter_exit] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

# Python puts this file's directory first on sys.path; its dita/ is the uncompiled source.
# Import the built package (PYTHONPATH=build/python) instead.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]


def child(workload: str, count: int, process: bool, keep: bool) -> None:
    from dita import (ExecutionKernel, InMemoryControlPlane, InMemoryZincPlane, KernelCommandType, KernelIntent,
                      MockVenueAdapter, TradeSide)
    intents = []
    for i in range(count):
        if workload == "mark":
            intents.append(KernelIntent(intent_id=f"m-{i}", trade_id="mark", action=KernelCommandType.MARK_PRICE,
                                        reference_price=100.0 + (i % 13) * 0.5))
        else:
            enter = i % 2 == 0
            intents.append(KernelIntent(intent_id=f"e-{i}", trade_id=f"t{i // 2}", slot_id=0, side=TradeSide.LONG,
                                        action=KernelCommandType.ENTER if enter else KernelCommandType.EXIT,
                                        reference_price=100.0 + (i % 7), target_size=0.01 if enter else 0.0))
    kernel = ExecutionKernel(2, InMemoryControlPlane(), MockVenueAdapter(), InMemoryZincPlane())
    kept = []
    if process:
        call = kernel.process_intent
        if keep:
            for intent in intents:
                kept.append(call(intent))
        else:
            for intent in intents:
                call(intent)
    elif keep:
        for intent in intents:  # the list's own cost, subtracted
            kept.append(intent)


def counted(workload: str, count: int, process: bool, keep: bool, out_dir: str) -> tuple[int, int]:
    """(program total, ExecutionKernel::process_intent inclusive) of one child run."""
    out = os.path.join(out_dir, f"cg.{workload}.{count}.{int(process)}")
    # A fixed string hash seed: with a random one, dict probing differs from run to run by a few
    # hundred instructions per call.
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
                    "--child", workload, str(count), str(int(process)), str(int(keep))], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=dict(os.environ, PYTHONHASHSEED="0"))
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out], check=True,
                          capture_output=True, text=True).stdout
    total = kernel = 0
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) ", line)
        if not m:
            continue
        value = int(m.group(1).replace(",", ""))
        if "PROGRAM TOTALS" in line:
            total = value
        elif "dita::ExecutionKernel::process_intent(dita::KernelIntent const&)" in line:
            kernel = max(kernel, value)
    return total, kernel


def main() -> int:
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5] == "1")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=["mark", "enter_exit"], default="mark")
    parser.add_argument("--keep", action="store_true",
                        help="keep every outcome (in a list), as the seed module does, instead of dropping it")
    parser.add_argument("--n1", type=int, default=1000)
    parser.add_argument("--n2", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        a1, k1 = counted(args.workload, args.n1, True, args.keep, work)
        a2, k2 = counted(args.workload, args.n2, True, args.keep, work)
        b1, _ = counted(args.workload, args.n1, False, args.keep, work)
        b2, _ = counted(args.workload, args.n2, False, args.keep, work)
    calls = args.n2 - args.n1
    per_call = ((a2 - a1) - (b2 - b1)) / calls
    kernel = (k2 - k1) / calls
    held = " (outcomes kept)" if args.keep else ""
    print(f"{args.workload}{held}: {per_call:,.0f} instructions per process_intent call from Python, "
          f"{kernel:,.0f} of them in the kernel: the binding adds {per_call - kernel:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
