#!/usr/bin/python3
"""Per-call overhead of ExecutionKernel.process_intent through the Python binding.

Google Benchmark cannot time Python, so this script does: for each round it builds a batch of
intents, feeds them to a fresh kernel one `process_intent` call at a time from Python, and
feeds the same batch to another fresh kernel through `_process_intents_timed`, which runs the
identical C++ calls in a C++ loop. Both kernels see the same inputs and do the same work;
the difference per call is what the binding adds (intent conversion, GIL release, locking,
wrapping the outcome, the Python loop itself). Reported: medians over rounds, in ns per call.

Usage (after a build):  PYTHONPATH=build/python /usr/bin/python3 python/bench_binding.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Callable, Dict, List

# Python puts this file's directory first on sys.path; its dita/ is the uncompiled source.
# Import the built package (PYTHONPATH=build/python) instead.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

from dita import (  # noqa: E402
    ControlUpdate,
    ExecutionKernel,
    InMemoryControlPlane,
    InMemoryZincPlane,
    KernelCommandType,
    KernelIntent,
    KernelMode,
    MockVenueAdapter,
    TradeSide,
)

TARGET_OVERHEAD_NS = 2000.0


def enter_exit_intents(count: int, tag: str) -> List[KernelIntent]:
    """Alternating ENTER/EXIT on slot 0: every call sends an order that fills (2 venue events)."""
    out = []
    for i in range(count):
        action = KernelCommandType.ENTER if i % 2 == 0 else KernelCommandType.EXIT
        out.append(KernelIntent(intent_id=f"{tag}-{i}", trade_id=f"{tag}-t{i // 2}", slot_id=0,
                                side=TradeSide.LONG, action=action, reference_price=100.0 + (i % 7),
                                target_size=0.01 if action == KernelCommandType.ENTER else 0.0))
    return out


def mark_intents(count: int, tag: str) -> List[KernelIntent]:
    """MARK_PRICE only: the least kernel work per call, so the binding's share is largest."""
    return [KernelIntent(intent_id=f"{tag}-{i}", trade_id="mark", action=KernelCommandType.MARK_PRICE,
                         reference_price=100.0 + (i % 13) * 0.5) for i in range(count)]


def make_kernel(debug: bool) -> ExecutionKernel:
    control = InMemoryControlPlane()
    if debug:
        control.update(ControlUpdate(mode=KernelMode.DEBUG, trace_transitions=True))
    return ExecutionKernel(2, control, MockVenueAdapter(), InMemoryZincPlane())


def measure(name: str, build: Callable[[int, str], List[KernelIntent]], debug: bool, batch: int,
            rounds: int) -> Dict[str, float]:
    python_ns: List[float] = []
    native_ns: List[float] = []
    batched_ns: List[float] = []
    for r in range(rounds + 1):  # round 0 warms caches and allocators, not counted
        intents = build(batch, f"r{r}")
        kernel = make_kernel(debug)
        process = kernel.process_intent
        start = time.perf_counter_ns()
        for intent in intents:
            process(intent)
        elapsed_python = time.perf_counter_ns() - start
        elapsed_native = make_kernel(debug)._process_intents_timed(intents)
        batch_kernel = make_kernel(debug)
        start = time.perf_counter_ns()
        batch_kernel.process_intents(intents)
        elapsed_batched = time.perf_counter_ns() - start
        if r == 0:
            continue
        python_ns.append(elapsed_python / batch)
        native_ns.append(elapsed_native / batch)
        batched_ns.append(elapsed_batched / batch)
    overheads = [p - n for p, n in zip(python_ns, native_ns)]
    return {
        "workload": name,
        "python_ns": statistics.median(python_ns),
        "native_ns": statistics.median(native_ns),
        "overhead_ns": statistics.median(overheads),
        "overhead_min_ns": min(overheads),
        "overhead_max_ns": max(overheads),
        "batched_overhead_ns": statistics.median(b - n for b, n in zip(batched_ns, native_ns)),
    }


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=2000, help="intents per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=25, help="measured rounds (default 25)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.batch < 2 or args.rounds < 1:
        parser.error("--batch must be at least 2 and --rounds at least 1")

    results = [
        measure("enter_exit", enter_exit_intents, False, args.batch, args.rounds),
        measure("enter_exit_debug_traced", enter_exit_intents, True, args.batch, args.rounds),
        measure("mark_price", mark_intents, False, args.batch, args.rounds),
    ]
    print(f"process_intent per call, median of {args.rounds} rounds x {args.batch} calls (ns)")
    print(f"{'workload':<26}{'python':>10}{'c++':>10}{'overhead':>10}{'min..max':>16}{'batched':>10}")
    for r in results:
        spread = f"{r['overhead_min_ns']:.0f}..{r['overhead_max_ns']:.0f}"
        print(f"{r['workload']:<26}{r['python_ns']:>10.0f}{r['native_ns']:>10.0f}{r['overhead_ns']:>10.0f}"
              f"{spread:>16}{r['batched_overhead_ns']:>10.0f}")
    worst = max(r["overhead_ns"] for r in results)
    verdict = "within" if worst <= TARGET_OVERHEAD_NS else "ABOVE"
    print(f"worst median overhead {worst:.0f} ns: {verdict} the {TARGET_OVERHEAD_NS:.0f} ns target")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"target_overhead_ns": TARGET_OVERHEAD_NS, "results": results}, out, indent=2)
    return 0 if worst <= TARGET_OVERHEAD_NS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
