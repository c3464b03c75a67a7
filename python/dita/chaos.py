"""Chaos testing from Python: the seed module's API on dita's C++ chaos layer.

The names are the users' seed module's (``test_chaos_seed.py``): ``ChaosAction``,
``ChaosStep``, ``ChaosScenario``, the ten ``SCENARIO_*`` built-ins and their groups,
``ChaosRunResult``, ``run_chaos_scenario``, ``EventSequencer``, ``InvariantResult``,
``StateInvariantChecker``, ``build_test_kernel``, ``run_scenario_and_check`` and
``run_scenario_twice_compare``.

The work is C++: the built-in scenarios come from the chaos layer, ``build_test_kernel`` makes
a kernel on a chaos stack (virtual time, every input logged), ``run_chaos_scenario`` runs the
C++ orchestrator on it with the GIL released, the checker is the C++ checker (the seed's six
checks, each able to fail, then the stronger ones) and the sequencer is the C++ sequencer.

A kernel the caller built (``ExecutionKernel(...)``) has no input log: it is driven step by
step from here, as the seed does, with ``delay_before`` advancing the kernel's ``VirtualClock``
(sleeping only on a wall clock), and the C++ checker reads the history. Without a log the two
replay checks (``duplicate_events_noop``, ``replay_converges``) cannot run and are left out of
its results.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import MutableSequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from dita import _core
from dita._core import ChaosAction
from dita.contracts import (
    KernelCommandType,
    KernelIntent,
    KernelOutcome,
    TradeSide,
    VenueEvent,
)
from dita.kernel import ExecutionKernel, VirtualClock
from dita.mock_venue import MockVenueScenario

__all__ = [
    "ALL_SCENARIOS",
    "BUILTIN_SCENARIOS",
    "ChaosAction",
    "ChaosRunResult",
    "ChaosScenario",
    "ChaosStep",
    "EDGE_CASE_SCENARIOS",
    "EventSequencer",
    "InvariantResult",
    "ReplayComparison",
    "SCENARIO_CANCEL_AFTER_FILL",
    "SCENARIO_COMPETING_CANCEL",
    "SCENARIO_ENTRY_EXIT_LOOP",
    "SCENARIO_ENTRY_RECONCILE_EXIT",
    "SCENARIO_ENTRY_THEN_MARK",
    "SCENARIO_NEGATIVE_PRICE",
    "SCENARIO_RAPID_ENTRY_EXIT",
    "SCENARIO_REJECT_ENTRY",
    "SCENARIO_REJECT_EXIT",
    "SCENARIO_SIZE_AT_LOT_BOUNDARY",
    "SCENARIO_TWO_LEG_RAPID",
    "SCENARIO_ZERO_SIZE_ENTRY",
    "StateInvariantChecker",
    "build_test_kernel",
    "invariant_names",
    "run_chaos_scenario",
    "run_scenario_and_check",
    "run_scenario_twice_compare",
]


# =========================================================================
# Scenarios
# =========================================================================


@dataclass(frozen=True)
class ChaosStep:
    """A single step in a chaos scenario timeline (the seed's defaults)."""

    action: ChaosAction
    delay_before: float = 0.0  # seconds; advances virtual time, sleeps only on a wall clock
    side: TradeSide = TradeSide.SHORT
    target_size: float = 0.01
    reference_price: float = 100.0
    leverage: float = 1.0
    exit_leg_ratios: Tuple[float, ...] = (1.0,)
    reason: str = "chaos"
    metadata: Dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChaosScenario:
    """A named chaos scenario — a timeline of adversarial intents.

    ``venue`` (MockVenueScenario fields) and ``slot_id`` are what a scenario file holds;
    ``run_scenario_and_check`` builds its kernel from ``venue`` (the caller's keywords win).
    """

    name: str
    steps: Tuple[ChaosStep, ...]
    description: str = ""
    venue: Mapping[str, Any] = field(default_factory=dict)
    slot_id: int = 0


def _value(x: Any) -> Any:
    return getattr(x, "value", x)


def _scenario_json(scenario: Any, slot_id: int) -> str:
    """The scenario-file form of a scenario (ours or the seed's); ValueError if not expressible."""
    steps = []
    for step in scenario.steps:
        steps.append({
            "action": str(_value(step.action)),
            "delay_before": float(step.delay_before),
            "side": str(_value(step.side)),
            "target_size": float(step.target_size),
            "reference_price": float(step.reference_price),
            "leverage": float(step.leverage),
            "exit_leg_ratios": [float(r) for r in step.exit_leg_ratios],
            "reason": str(step.reason),
            "metadata": {str(k): str(v) for k, v in dict(step.metadata).items()},
        })
    doc = {
        "name": scenario.name,
        "description": getattr(scenario, "description", ""),
        "slot_id": int(slot_id),
        "steps": steps,
    }
    # allow_nan=False: a NaN or infinite field cannot be a scenario file; such a scenario is
    # driven from Python instead (the kernel's own guards answer it).
    return json.dumps(doc, allow_nan=False)


def _scenario_from_json(doc: Mapping[str, Any]) -> ChaosScenario:
    steps = []
    for s in doc.get("steps", []):
        kwargs: Dict[str, Any] = {"action": ChaosAction(s["action"])}
        for key in ("delay_before", "target_size", "reference_price", "leverage", "reason"):
            if key in s:
                kwargs[key] = s[key]
        if "side" in s:
            kwargs["side"] = TradeSide(s["side"])
        if "exit_leg_ratios" in s:
            kwargs["exit_leg_ratios"] = tuple(s["exit_leg_ratios"])
        if "metadata" in s:
            kwargs["metadata"] = dict(s["metadata"])
        steps.append(ChaosStep(**kwargs))
    return ChaosScenario(
        name=doc["name"],
        steps=tuple(steps),
        description=doc.get("description", ""),
        venue=dict(doc.get("venue", {})),
        slot_id=int(doc.get("slot_id", 0)),
    )


def _load_builtins() -> Tuple[Dict[str, ChaosScenario], Dict[str, List[str]]]:
    doc = json.loads(_core._chaos_builtins_json())
    builtins = doc["builtins"]
    if isinstance(builtins, Mapping):
        builtins = builtins.get("scenarios", [])
    scenarios = {s["name"]: _scenario_from_json(s) for s in builtins}
    return scenarios, doc["groups"]


_BUILTINS, _GROUPS = _load_builtins()

#: The ten built-ins, in the seed's order.
BUILTIN_SCENARIOS: Tuple[ChaosScenario, ...] = tuple(_BUILTINS.values())

SCENARIO_RAPID_ENTRY_EXIT = _BUILTINS["rapid_entry_exit"]
SCENARIO_TWO_LEG_RAPID = _BUILTINS["two_leg_rapid"]
SCENARIO_COMPETING_CANCEL = _BUILTINS["competing_cancel"]
SCENARIO_CANCEL_AFTER_FILL = _BUILTINS["cancel_after_fill"]
SCENARIO_ENTRY_THEN_MARK = _BUILTINS["entry_then_mark"]
SCENARIO_ENTRY_RECONCILE_EXIT = _BUILTINS["entry_reconcile_exit"]
SCENARIO_SIZE_AT_LOT_BOUNDARY = _BUILTINS["size_at_lot_boundary"]
SCENARIO_ZERO_SIZE_ENTRY = _BUILTINS["zero_size_entry"]
SCENARIO_NEGATIVE_PRICE = _BUILTINS["negative_price_entry"]
SCENARIO_ENTRY_EXIT_LOOP = _BUILTINS["entry_exit_10x"]

ALL_SCENARIOS: Tuple[ChaosScenario, ...] = tuple(s for s in BUILTIN_SCENARIOS if "ALL" in _GROUPS.get(s.name, []))
EDGE_CASE_SCENARIOS: Tuple[ChaosScenario, ...] = tuple(
    s for s in BUILTIN_SCENARIOS if "EDGE_CASE" in _GROUPS.get(s.name, []))

# As in the seed: the same scenarios, meant for a venue with reject_entries=True and
# cancel_reject=True respectively.
SCENARIO_REJECT_ENTRY = SCENARIO_COMPETING_CANCEL
SCENARIO_REJECT_EXIT = SCENARIO_CANCEL_AFTER_FILL


# =========================================================================
# Orchestrator
# =========================================================================


@dataclass
class ChaosRunResult:
    """Result of executing a chaos scenario against a kernel.

    ``elapsed_ns`` is the time the run took on the kernel's clock (virtual time: the sum of
    the delays). The checker reads the fields as they are now, so an edited result is checked
    as edited.
    """

    scenario_name: str
    outcomes: List[KernelOutcome]
    events: List[VenueEvent]
    slot_states: List[Dict[str, Any]]
    account_snapshots: List[Dict[str, Any]]
    final_outcome: Optional[KernelOutcome]
    passed: bool = False
    failure_reason: str = ""
    elapsed_ns: int = 0
    _native: Any = field(default=None, repr=False, compare=False)


_ACTION_TO_COMMAND = {
    "ENTER": KernelCommandType.ENTER,
    "EXIT": KernelCommandType.EXIT,
    "CANCEL": KernelCommandType.CANCEL,
    "MARK_PRICE": KernelCommandType.MARK_PRICE,
    "RECONCILE": KernelCommandType.RECONCILE,
}


def _step_to_intent(step: Any, slot_id: int, trade_seq: int, timestamp: datetime) -> KernelIntent:
    """The seed's _step_to_intent, stamped with the kernel's clock."""
    action = str(_value(step.action))
    return KernelIntent(
        timestamp=timestamp,
        intent_id=f"chaos-{trade_seq}-{action.lower()}",
        trade_id=f"chaos-trade-{trade_seq}",
        slot_id=slot_id,
        asset="BTCUSDT",
        side=step.side,
        action=_ACTION_TO_COMMAND.get(action, KernelCommandType.MARK_PRICE),
        reference_price=step.reference_price,
        target_size=step.target_size,
        leverage=step.leverage,
        exit_leg_ratios=tuple(step.exit_leg_ratios),
        reason=step.reason,
        metadata=dict(step.metadata),
    )


def _result_from_native(native: Any) -> ChaosRunResult:
    return ChaosRunResult(
        scenario_name=native.scenario_name,
        outcomes=list(native.outcomes),
        events=list(native.events),
        slot_states=list(native.slot_states),
        account_snapshots=list(native.account_snapshots),
        final_outcome=native.final_outcome,
        elapsed_ns=native.elapsed_ns,
        _native=native,
    )


def _run_in_python(kernel: Any, scenario: Any, slot_id: int,
                   event_capture: Optional[MutableSequence]) -> ChaosRunResult:
    """The seed's loop, on virtual time when the kernel has a VirtualClock."""
    on_stack = _core._chaos_is_stack_kernel(kernel)
    clock = None if on_stack else getattr(kernel, "clock", None)
    virtual = isinstance(clock, VirtualClock)

    def now_ns() -> int:
        if on_stack:
            return _core._stack_now_ns(kernel)
        return clock.now_ns() if clock is not None else time.time_ns()

    start_ns = now_ns()
    threads_at_start = _core._count_threads()
    unmatched_at_start = len(kernel.unmatched_events())
    account_at_start = kernel.account()
    slot_ok = 0 <= slot_id < kernel.max_slots

    outcomes: List[KernelOutcome] = []
    events: List[VenueEvent] = []
    slot_states: List[Dict[str, Any]] = []
    account_snapshots: List[Dict[str, Any]] = []
    slot_views, accounts, step_times, step_actions = [], [], [], []
    trade_seq = 0
    for step in scenario.steps:
        if step.delay_before > 0:
            if on_stack:
                _core._stack_wait(kernel, step.delay_before)
            elif virtual:
                clock.advance(step.delay_before)
            else:
                time.sleep(step.delay_before)
        action = str(_value(step.action))
        if action == "WAIT":
            continue
        if action == "RECONCILE":
            slots = [kernel.slot(i) for i in range(kernel.max_slots)]
            outcome = kernel.reconcile_from_slots(
                [s._snapshot() if hasattr(s, "_snapshot") else None for s in slots if s])
        else:
            trade_seq += 1
            stamp = datetime.fromtimestamp(now_ns() / 1e9, tz=timezone.utc)
            outcome = kernel.process_intent(_step_to_intent(step, slot_id, trade_seq, stamp))
        outcomes.append(outcome)
        for event in outcome.emitted_events:
            events.append(event)
            if event_capture is not None:
                event_capture.append(event)
        account = kernel.account()
        accounts.append(account)
        account_snapshots.append(account.to_dict())
        if slot_ok:
            view = kernel.slot(slot_id)
            slot_views.append(view)
            slot_states.append(view.to_dict())
            step_times.append(now_ns())
            step_actions.append(action)
        else:
            slot_states.append({})
    elapsed_ns = now_ns() - start_ns
    native = _core._native_run(
        scenario.name, slot_id, outcomes, events, slot_views, accounts if slot_ok else [],
        step_times, step_actions, threads_at_start, unmatched_at_start, account_at_start, elapsed_ns)
    return ChaosRunResult(
        scenario_name=scenario.name,
        outcomes=outcomes,
        events=events,
        slot_states=slot_states,
        account_snapshots=account_snapshots,
        final_outcome=outcomes[-1] if outcomes else None,
        elapsed_ns=elapsed_ns,
        _native=native,
    )


def run_chaos_scenario(
    kernel: ExecutionKernel,
    scenario: ChaosScenario,
    slot_id: int = 0,
    *,
    event_capture: Optional[MutableSequence] = None,
) -> ChaosRunResult:
    """Execute a chaos scenario against a kernel; every event also goes to *event_capture*.

    On a kernel from ``build_test_kernel`` the C++ orchestrator runs the whole scenario on
    virtual time without the GIL (after each step it pumps the venue, and those outcomes are
    in ``outcomes`` too; ``final_outcome`` is the last step's own). On any other kernel the
    steps are driven from here as the seed does.
    """
    if _core._chaos_is_stack_kernel(kernel):
        try:
            scenario_json = _scenario_json(scenario, slot_id)
        except ValueError:
            scenario_json = None
        if scenario_json is not None:
            sink = event_capture._native if isinstance(event_capture, _EventList) else None
            native = _core._run_scenario(kernel, scenario_json, slot_id, sink)
            result = _result_from_native(native)
            if event_capture is not None and sink is None:
                event_capture.extend(result.events)
            return result
    return _run_in_python(kernel, scenario, slot_id, event_capture)


# =========================================================================
# Event sequencer
# =========================================================================


class _EventList(MutableSequence):
    """The seed's ``sequencer.events`` list, backed by the C++ sequencer: append-only."""

    def __init__(self, native: Any) -> None:
        self._native = native

    def __len__(self) -> int:
        return self._native.count

    def __getitem__(self, index):  # type: ignore[override]
        return self._native.events()[index]

    def __iter__(self):
        return iter(self._native.events())

    def __setitem__(self, index, value) -> None:  # type: ignore[override]
        raise TypeError("captured events cannot be replaced (capture is append-only)")

    def __delitem__(self, index) -> None:  # type: ignore[override]
        raise TypeError("captured events cannot be deleted one by one (use clear())")

    def insert(self, index: int, value: VenueEvent) -> None:
        if index < len(self):
            raise TypeError("captured events can only be appended")
        self._native.capture(value)

    def append(self, value: VenueEvent) -> None:
        self._native.capture(value)

    def extend(self, values: Iterable[VenueEvent]) -> None:
        self._native.capture_many(list(values))

    def clear(self) -> None:
        self._native.clear()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (list, tuple, _EventList)) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"EventList({list(self)!r})"


@dataclass
class ReplayComparison:
    """Replays of one event stream in many orders: the final state hash each order reached."""

    orders_tried: int
    exhaustive: bool
    state_hashes: Dict[int, Tuple[int, ...]]  # state hash -> the first order that reached it

    @property
    def converged(self) -> bool:
        return len(self.state_hashes) <= 1


class EventSequencer:
    """Captures, saves, loads and replays VenueEvent streams (the C++ sequencer).

    ``events`` is a list-like, append-only view (the seed hands it to run_chaos_scenario as
    ``event_capture``); capture is thread-safe.
    """

    def __init__(self) -> None:
        self._native = _core.EventSequencer()
        self._lock = threading.Lock()

    @property
    def events(self) -> _EventList:
        return _EventList(self._native)

    def capture(self, event: VenueEvent) -> None:
        self._native.capture(event)

    def capture_many(self, events: Sequence[VenueEvent]) -> None:
        self._native.capture_many(list(events))

    def _order(self, shuffle: bool, seed: int) -> List[int]:
        n = self._native.count
        return list(_core._shuffled_indices(n, seed)) if shuffle else list(range(n))

    def replay_against(self, kernel: ExecutionKernel, shuffle: bool = False, seed: int = 42) -> List[KernelOutcome]:
        """Every captured event into *kernel*, in capture order or in a seeded shuffled order."""
        order = self._order(shuffle, seed)
        if isinstance(kernel, ExecutionKernel):
            return list(self._native.replay_in_order(kernel, order))
        events = self._native.events()
        return [kernel.on_venue_event(events[i]) for i in order]

    def replay_all_orders(self, kernel_factory: Callable[[], ExecutionKernel], *, samples: int = 24,
                          seed: int = 42, exhaustive_events_max: int = 8) -> ReplayComparison:
        """Replays the stream into a fresh kernel per order: every order when the stream has at
        most *exhaustive_events_max* events, otherwise the captured order and seeded shuffles."""
        orders, exhaustive = _core._event_orderings(self._native.count, samples, seed, exhaustive_events_max)
        hashes: Dict[int, Tuple[int, ...]] = {}
        for order in orders:
            kernel = kernel_factory()
            self._native.replay_in_order(kernel, order)
            hashes.setdefault(kernel.state_hash(), tuple(order))
        return ReplayComparison(orders_tried=len(orders), exhaustive=bool(exhaustive), state_hashes=hashes)

    def save(self, path: str) -> None:
        """Writes the events as JSON lines (every field; decimals exact). ValueError on failure."""
        self._native.save(str(path))

    @classmethod
    def load(cls, path: str) -> "EventSequencer":
        """A sequencer holding the events of a JSON-lines file (ValueError naming line and field)."""
        sequencer = cls()
        sequencer._native.load(str(path))
        return sequencer

    @property
    def count(self) -> int:
        return self._native.count

    def clear(self) -> None:
        self._native.clear()


# =========================================================================
# Invariant checker
# =========================================================================


@dataclass
class InvariantResult:
    """Result of checking a single invariant."""

    name: str
    passed: bool
    detail: str = ""
    slot_id: int = 0


def invariant_names() -> List[str]:
    """Every check of the C++ checker, in report order (the seed's six first)."""
    return list(_core._invariant_names())


class StateInvariantChecker:
    """The C++ checker: the seed's six checks (each able to fail), then transitions_legal,
    size_conservation, money_identity, equity_identity, orders_match_venue and, on kernels from
    build_test_kernel, duplicate_events_noop and replay_converges."""

    def __init__(self, kernel: ExecutionKernel, *, seed: int = 42):
        self.kernel = kernel
        self.seed = seed

    def check_all(self, result: ChaosRunResult) -> List[InvariantResult]:
        native = result._native
        if native is None:
            # A result built by hand: its fields are the whole history.
            account = self.kernel.account()
            start = dict(initial_capital=account.initial_capital, capital=account.initial_capital,
                         equity=account.initial_capital, realized_pnl=0.0, fees_paid=0.0,
                         unrealized_pnl=0.0, used_margin=0.0)
            native = _core._native_run(result.scenario_name, 0, [], [], [], [], [], [], None, 0, start, 0)
        # Exact decimals cannot hold NaN or infinity: such a value is reported by the check that
        # reads it and reaches the other checks as 0.
        accounts, non_finite = [], {}
        for i, snap in enumerate(result.account_snapshots):
            clean = dict(snap)
            for key, value in snap.items():
                if isinstance(value, float) and not math.isfinite(value):
                    clean[key] = 0.0
                    check = "capital_non_negative" if key == "capital" else "equity_consistent"
                    non_finite.setdefault(check, f"Step {i}: non-finite {key}={value}")
            accounts.append(clean)
        checks = _core._check(self.kernel, native, list(result.outcomes), list(result.events),
                              list(result.slot_states), accounts, self.seed)
        out = [InvariantResult(name, passed, detail, slot_id) for name, passed, detail, slot_id in checks]
        for check in out:
            if check.name in non_finite:
                check.passed, check.detail = False, non_finite[check.name]
        return out

    def all_pass(self, result: ChaosRunResult) -> bool:
        return all(c.passed for c in self.check_all(result))


# =========================================================================
# High-level runners
# =========================================================================


def build_test_kernel(**venue_kwargs: Any) -> ExecutionKernel:
    """The seed's test kernel (max_slots 2, DEBUG, transition tracing, in-memory zinc plane) on
    a mock venue built from MockVenueScenario(**venue_kwargs), on a chaos stack: virtual time
    and an input log, so the C++ orchestrator and every check can run on it."""
    return _core._chaos_kernel(MockVenueScenario(**venue_kwargs))


def _finish(result: ChaosRunResult, checks: List[InvariantResult]) -> None:
    result.passed = all(c.passed for c in checks)
    failures = [c for c in checks if not c.passed]
    result.failure_reason = "; ".join(f"{f.name}: {f.detail}" for f in failures)


def _venue_of(scenario: Any, venue_kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    venue = dict(getattr(scenario, "venue", {}) or {})
    venue.update(venue_kwargs)
    return venue


def run_scenario_and_check(scenario: ChaosScenario, **venue_kwargs: Any) -> Tuple[ChaosRunResult, List[InvariantResult]]:
    """Runs a scenario on a fresh test kernel (the scenario's venue settings, then the keywords)
    and checks every invariant. Returns (result, checks)."""
    kernel = build_test_kernel(**_venue_of(scenario, venue_kwargs))
    sequencer = EventSequencer()
    result = run_chaos_scenario(kernel, scenario, getattr(scenario, "slot_id", 0), event_capture=sequencer.events)
    checks = StateInvariantChecker(kernel).check_all(result)
    _finish(result, checks)
    return result, checks


def _compare_key(slot: Mapping[str, Any]) -> str:
    return json.dumps({k: slot.get(k) for k in (
        "fsm_state", "size", "trade_id", "closed", "realized_pnl", "active_leg_index")}, sort_keys=True)


def run_scenario_twice_compare(scenario: ChaosScenario, **venue_kwargs: Any) -> Tuple[ChaosRunResult, ChaosRunResult, bool]:
    """Runs the scenario on two fresh kernels; True when their slot 0 ends alike (and, stronger,
    their whole kernel state hashes agree)."""
    venue = _venue_of(scenario, venue_kwargs)
    k1 = build_test_kernel(**venue)
    k2 = build_test_kernel(**venue)
    r1 = run_chaos_scenario(k1, scenario, event_capture=EventSequencer().events)
    r2 = run_chaos_scenario(k2, scenario, event_capture=EventSequencer().events)
    match = _compare_key(k1.slot(0).to_dict()) == _compare_key(k2.slot(0).to_dict()) \
        and k1.state_hash() == k2.state_hash()
    return r1, r2, bool(match)
