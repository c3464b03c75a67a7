"""Seeded random inputs through the whole boundary: every call either raises a clear Python
exception (TypeError, ValueError, IndexError) or returns a KernelOutcome, and the account
identities hold afterwards. Nothing may crash or leak a C++ exception.

Numbers stay within +-1e5 (plus out-of-range and non-finite values): products of two values
above ~1e5 overflow the kernel's fixed-point arithmetic, a known kernel limitation reported
separately (it aborts instead of answering with a diagnostic)."""

from __future__ import annotations

import math
import random

import pytest

from dita import (
    ExecutionKernel,
    InMemoryControlPlane,
    InMemoryZincPlane,
    KernelCommandType,
    KernelEventKind,
    KernelIntent,
    KernelOutcome,
    MockVenueAdapter,
    MockVenueScenario,
    TradeSide,
    TradeStage,
    VenueEvent,
    VenueEventStatus,
)

NUMBERS = [0.0, 1e-9, 0.0005, 0.001, 0.0015, 0.005, 0.01, 0.5, 1.0, 2.0, 99.9, 100.0, 125.0, 1e4, 1e5, -0.01,
           -1.0, math.nan, math.inf, -math.inf, 1e12, 7]
JUNK = [None, "1", b"1", [], {}, object(), True, TradeStage.IDLE]
CLEAR_ERRORS = (TypeError, ValueError, IndexError)


def pick_number(rng: random.Random):
    return rng.choice(NUMBERS) if rng.random() < 0.97 else rng.choice(JUNK)


def random_intent(rng: random.Random, n: int, trade_ids):
    fields = dict(intent_id=f"z{n}", trade_id=rng.choice(trade_ids), slot_id=rng.choice([0, 1, 0, 1, 0, 1, 2, -1]),
                  side=rng.choice(list(TradeSide)), action=rng.choice(list(KernelCommandType)),
                  reference_price=pick_number(rng), target_size=pick_number(rng),
                  leverage=rng.choice([1.0, 1.0, 2.0, 0.5, 200.0, math.nan]),
                  exit_leg_ratios=rng.choice([(1.0,), (0.5, 1.0), (0.3, 0.6, 1.0), (), (1.0, 0.5), (math.nan,)]),
                  asset=rng.choice(["BTCUSDT", "BTCUSDT", "ETHUSDT", ""]))
    if rng.random() < 0.03:
        fields[rng.choice(list(fields))] = rng.choice(JUNK)
    return KernelIntent(**fields)


def random_event(rng: random.Random, known_events):
    if known_events and rng.random() < 0.6:
        base = rng.choice(known_events)
        changes = {}
        for name in rng.sample(["cum_filled_qty", "avg_fill_price", "cum_fee", "order_qty", "venue_sequence",
                                "kind", "status", "slot_id", "client_order_id"], k=rng.randint(0, 3)):
            if name == "kind":
                changes[name] = rng.choice(list(KernelEventKind))
            elif name == "status":
                changes[name] = rng.choice(list(VenueEventStatus))
            elif name == "venue_sequence":
                changes[name] = rng.choice([0, 1, 10**6, -1])
            elif name == "slot_id":
                changes[name] = rng.choice([0, 1, 5, -1])
            elif name == "client_order_id":
                changes[name] = rng.choice(["", "nope", "x" * 60])
            else:
                changes[name] = pick_number(rng)
        return base.replace(**changes)
    return VenueEvent(kind=rng.choice(list(KernelEventKind)), client_order_id=rng.choice(["", "ghost", "z1"]),
                      asset="BTCUSDT", price=pick_number(rng), cum_filled_qty=pick_number(rng),
                      avg_fill_price=pick_number(rng))


@pytest.mark.parametrize("seed", range(6))
def test_random_inputs_never_crash_and_keep_the_books(seed):
    rng = random.Random(seed)
    scenario = MockVenueScenario(seed=seed, partial_fill_ratio=rng.choice([1.0, 0.5]),
                                 duplicate_probability=0.1 * (seed % 2), reorder_probability=0.1 * (seed % 3 == 0),
                                 cancel_reject=seed == 4, reject_exits=seed == 5)
    kernel = ExecutionKernel(2, InMemoryControlPlane(), MockVenueAdapter(scenario), InMemoryZincPlane())
    trade_ids = ["a", "b", "c", ""]
    events = []
    answered = raised = 0
    for n in range(500):
        roll = rng.random()
        try:
            if roll < 0.6:
                outcome = kernel.process_intent(random_intent(rng, n, trade_ids))
            elif roll < 0.85:
                outcome = kernel.on_venue_event(random_event(rng, events))
            elif roll < 0.95:
                slots = [kernel.slot(i) for i in range(kernel.max_slots)]
                if rng.random() < 0.3:
                    slots[0] = slots[0].replace(size=pick_number(rng))
                outcome = kernel.reconcile_from_slots([s._snapshot() if rng.random() < 0.7 else None for s in slots])
            else:
                outcome = kernel.pump_venue()
                kernel.clock.advance(rng.choice([0.0, 0.001, 1.0]))
        except CLEAR_ERRORS:
            raised += 1
            continue
        assert isinstance(outcome, KernelOutcome) and outcome.details
        events.extend(outcome.emitted_events)
        answered += 1
        account = kernel.snapshot()["account"]
        assert math.isfinite(account["equity"])
        # Exact in the kernel's decimals; here in floats, so relative to the magnitude.
        assert account["capital"] == pytest.approx(account["initial_capital"] + account["realized_pnl"]
                                                   - account["fees_paid"] + account["funding"], rel=1e-12, abs=1e-8)
    assert answered > 300 and raised > 0  # both paths were exercised
