"""Enums and value types: names, round trips, exact decimals, and clear errors for bad input."""

from __future__ import annotations

import copy
import dataclasses
import decimal
import json
import math
import pickle
from datetime import datetime, timedelta, timezone
from enum import Enum

import pytest

import dita
from dita import _core
from dita import (
    ControlUpdate,
    KernelCommandType,
    KernelDiagnosticCode,
    KernelEventKind,
    KernelIntent,
    KernelMode,
    KernelSeverity,
    MockVenueScenario,
    OrderRecord,
    SlotSnapshot,
    TradeSide,
    TradeSlot,
    TradeStage,
    Transition,
    VenueCallResult,
    VenueCallStatus,
    VenueEvent,
    VenueEventStatus,
    VenueOrder,
    VenueOrderStatus,
    VenuePosition,
)

ENUMS = [
    dita.TradeSide, dita.KernelCommandType, dita.TradeStage, dita.KernelDiagnosticCode, dita.KernelSeverity,
    dita.KernelEventKind, dita.VenueOrderStatus, dita.VenueEventStatus, dita.KernelMode, dita.KernelVerbosity,
    dita.OrderPurpose, dita.VenueCallStatus, dita.FsmInput,
]

SPEC_STAGES = [
    "IDLE", "DECISION_CREATED", "INTENT_CREATED", "ORDER_REQUESTED", "ORDER_SENT", "ORDER_ACKED",
    "ORDER_REJECTED", "ENTRY_WORKING", "PARTIAL_FILL", "POSITION_OPENED", "POSITION_OPEN", "EXIT_REQUESTED",
    "EXIT_SENT", "EXIT_ACKED", "EXIT_REJECTED", "EXIT_WORKING", "POSITION_PARTIALLY_CLOSED", "POSITION_CLOSED",
    "CLOSED", "TRADE_TERMINAL_WRITTEN", "STALE_STATE_RECONCILING",
]


# ---------------------------------------------------------------------------------------------
# Enums


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_enum_is_a_str_enum_whose_value_is_its_name(enum):
    assert issubclass(enum, str) and issubclass(enum, Enum)
    assert len(enum) > 0
    for member in enum:
        assert member.value == member.name
        assert member == member.name  # compares like the plain string
        assert enum(member.name) is member
        assert enum[member.name] is member
        assert pickle.loads(pickle.dumps(member)) is member
        assert json.loads(json.dumps(member)) == member.name


def test_stage_and_code_names_match_the_spec():
    assert [s.value for s in TradeStage] == SPEC_STAGES
    required = {"OK", "ORDER_REJECTED", "INVALID_SLOT_ID", "UNSUPPORTED_INTENT", "UNKNOWN_EVENT_KIND",
                "INVALID_TRANSITION", "TERMINAL_STATE", "INVALID_SIZE", "INVALID_PRICE", "INVALID_LEVERAGE",
                "INVALID_LEG_RATIOS", "SLOT_BUSY", "NOTHING_TO_CANCEL", "CANCEL_REJECTED", "UNKNOWN_ORDER",
                "DUPLICATE_EVENT", "STALE_EVENT", "RISK_LIMIT", "KERNEL_HALTED", "RECONCILED"}
    assert required <= {c.value for c in KernelDiagnosticCode}
    assert [s.value for s in KernelSeverity] == ["INFO", "WARNING", "ERROR", "CRITICAL"]
    assert {k.value for k in KernelCommandType} == {"ENTER", "EXIT", "CANCEL", "MARK_PRICE", "RECONCILE"}
    assert {s.value for s in VenueOrderStatus} == {"NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED",
                                                   "EXPIRED"}
    assert {m.value for m in KernelMode} >= {"NORMAL", "DEBUG", "REDUCE_ONLY", "HALTED"}


def test_enums_cross_the_boundary_both_ways():
    # Every member goes into C++ and comes back as the same member.
    for kind in KernelEventKind:
        for status in VenueEventStatus:
            event = VenueEvent(kind=kind, status=status)
            assert event.kind is kind and event.status is status
    for stage in TradeStage:
        assert TradeSlot(fsm_state=stage).fsm_state is stage
    for side in TradeSide:
        assert VenuePosition(side=side).side is side
    # Names are accepted where a member is expected.
    assert VenueEvent(kind="FILL").kind is KernelEventKind.FILL


def test_member_of_another_enum_is_refused_even_when_the_name_matches():
    # ORDER_REJECTED is both a TradeStage and a KernelDiagnosticCode: not interchangeable.
    with pytest.raises(TypeError, match="TradeStage"):
        TradeSlot(fsm_state=KernelDiagnosticCode.ORDER_REJECTED)
    with pytest.raises(ValueError, match="not a TradeSide"):
        VenueEvent(side="UP")
    with pytest.raises(TypeError):
        VenueEvent(side=1)


def test_transition_table_is_exposed_and_uses_the_enums():
    table = dita.transition_table()
    assert len(table) > 20
    for from_state, fsm_input, to_state in table:
        assert isinstance(from_state, TradeStage) and isinstance(to_state, TradeStage)
        assert isinstance(fsm_input, dita.FsmInput)
    assert len(set((f, i) for f, i, _ in table)) == len(table)  # deterministic: one target per (stage, input)


# ---------------------------------------------------------------------------------------------
# Value classes

TIME = datetime(2024, 5, 17, 12, 30, 45, 123456, tzinfo=timezone.utc)


def sample_event() -> VenueEvent:
    return VenueEvent(kind=KernelEventKind.PARTIAL_FILL, status=VenueEventStatus.PARTIALLY_FILLED,
                      venue_order_id="m7", client_order_id="c-7", slot_id=1, trade_id="t-7", side=TradeSide.SHORT,
                      asset="BTCUSDT", order_qty=0.01, cum_filled_qty=0.005, avg_fill_price=100.5,
                      cum_fee=0.00025125, price=0.0, venue_sequence=42, timestamp=TIME)


VALUES = [
    sample_event,
    lambda: Transition(slot_id=1, from_state=TradeStage.ORDER_SENT, to_state=TradeStage.ORDER_ACKED,
                       input=dita.FsmInput.ENTRY_ACKED, timestamp_ns=5),
    lambda: OrderRecord(client_order_id="c-1", venue_order_id="m1", qty=0.02, status=VenueOrderStatus.NEW,
                        acked=True, cum_filled_qty=0.01, avg_fill_price=99.9, cum_fee=0.0005, last_venue_sequence=3),
    lambda: VenueOrder(client_order_id="c-1", asset="BTCUSDT", qty=0.02, status=VenueOrderStatus.FILLED,
                       cum_filled_qty=0.02, avg_fill_price=101.0),
    lambda: VenuePosition(asset="BTCUSDT", side=TradeSide.LONG, size=0.003, entry_price=100.0),
    lambda: VenueCallResult(status=VenueCallStatus.REJECTED, detail="no"),
    lambda: dita.InstrumentSpec(asset="ETHUSDT", lot_step=0.01, tick_size=0.01, min_qty=0.01),
    lambda: dita.OrderRequest(client_order_id="c", asset="BTCUSDT", qty=0.001, reference_price=1.5, leverage=2.0),
    lambda: dita.CancelRequest(client_order_id="c", venue_order_id="m", asset="BTCUSDT", slot_id=0),
    lambda: TradeSlot(slot_id=1, fsm_state=TradeStage.POSITION_OPEN, trade_id="t", size=0.01, entry_filled=0.01,
                      entry_price=100.0, exit_leg_ratios=(0.5, 1.0), leverage=1.0,
                      orders=(OrderRecord(client_order_id="c-1", qty=0.01),)),
    lambda: dita.KernelOutcome(diagnostic_code=KernelDiagnosticCode.SLOT_BUSY, severity=KernelSeverity.WARNING,
                               details="busy", emitted_events=(sample_event(),), slot_id=0),
]


@pytest.mark.parametrize("build", VALUES, ids=lambda b: type(b()).__name__)
def test_value_round_trips(build):
    value = build()
    cls = type(value)
    assert value == build()
    assert hash(value) == hash(build())
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value
    plain = value.to_dict()
    json.dumps(plain)  # JSON-ready: enums as str, nested values as dicts
    if cls is not TradeSlot:  # TradeSlot.to_dict is the SPEC's summary, the rest round-trips
        assert cls(**plain) == value
    first = cls._fields[0]
    assert repr(value).startswith(cls.__name__ + "(" + first + "=")
    with pytest.raises(AttributeError):
        setattr(value, first, getattr(value, first))
    changed = value.replace(**{first: getattr(build(), first)})
    assert changed == value and changed is not value


def test_values_take_keywords_only_and_name_bad_fields():
    with pytest.raises(TypeError, match="keyword arguments only"):
        VenueEvent(KernelEventKind.FILL)
    with pytest.raises(TypeError, match="unexpected keyword argument 'qty'"):
        VenueEvent(qty=1.0)
    with pytest.raises(TypeError, match="derived"):
        TradeSlot(exit_price=1.0)
    with pytest.raises(ValueError, match=r"VenueEvent\.cum_fee must be a finite number"):
        VenueEvent(cum_fee=math.nan)
    with pytest.raises(ValueError, match="at most 48"):
        VenueEvent(client_order_id="x" * 49)
    with pytest.raises(TypeError, match=r"VenueEvent\.slot_id must be an int, got float"):
        VenueEvent(slot_id=1.0)
    with pytest.raises(ValueError, match="must not be negative"):
        VenueEvent(venue_sequence=-1)
    with pytest.raises(TypeError, match=r"KernelOutcome\.emitted_events\[0\] must be VenueEvent"):
        dita.KernelOutcome(emitted_events=[1])
    with pytest.raises(ValueError, match="at most 8"):
        TradeSlot(exit_leg_ratios=[0.1] * 9)


def test_sizes_and_money_are_exact_decimals():
    # 0.001 BTC lots must not drift: three lots are exactly 0.003, not 0.0030000000000000005.
    event = VenueEvent(cum_filled_qty=0.001 + 0.001 + 0.001)
    assert event.cum_filled_qty == 0.003
    assert VenueEvent(cum_fee=decimal.Decimal("0.00000001")).cum_fee == 1e-8
    assert VenueEvent(avg_fill_price=decimal.Decimal("67012.35")).avg_fill_price == 67012.35
    assert VenueEvent(cum_fee=0.123456789).cum_fee == 0.12345679  # rounded to 1e-8 at the boundary
    with pytest.raises(ValueError):
        VenueEvent(price=math.inf)
    with pytest.raises(ValueError):
        VenueEvent(price=2e10)  # beyond the kernel's fixed-point range
    # Exact money may be text (issue 12); text that is not a decimal is a ValueError.
    assert VenueEvent(price="1.0").price == 1.0
    with pytest.raises(ValueError, match="price must be an exact decimal"):
        VenueEvent(price="one")
    with pytest.raises(TypeError):
        VenueEvent(price=True)


def test_timestamps_are_utc_datetimes():
    event = VenueEvent(timestamp=TIME)
    assert event.timestamp == TIME and event.timestamp.tzinfo is not None
    assert event.timestamp_ns == int(TIME.timestamp()) * 10**9 + 123456000
    naive = VenueEvent(timestamp=datetime(2024, 5, 17, 12, 30, 45, 123456))
    assert naive.timestamp_ns == event.timestamp_ns  # naive is read as UTC, never as local time
    plus_two = timezone(timedelta(hours=2))
    assert VenueEvent(timestamp=TIME.astimezone(plus_two)).timestamp_ns == event.timestamp_ns
    assert VenueEvent(timestamp_ns=-1).timestamp == datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="nanosecond range"):
        VenueEvent(timestamp=datetime(2300, 1, 1))
    with pytest.raises(TypeError, match="datetime"):
        VenueEvent(timestamp="2024-01-01")


def test_slot_snapshot_carries_the_full_slot_state():
    slot = VALUES[9]()
    snapshot = slot._snapshot()
    assert isinstance(snapshot, SlotSnapshot)
    assert snapshot.slot == slot and snapshot.orders == slot.orders
    assert SlotSnapshot(**snapshot.to_dict()) == snapshot
    assert bool(TradeSlot())  # slots are truthy: the seed filters with `if s`


# ---------------------------------------------------------------------------------------------
# The Python-side inputs: KernelIntent, MockVenueScenario, ControlUpdate


def test_python_defaults_match_the_cpp_defaults():
    defaults = _core._defaults()
    intent = KernelIntent()
    for name, value in defaults["KernelIntent"].items():
        assert getattr(intent, name) == value, name
    scenario = MockVenueScenario()
    assert dataclasses.asdict(scenario) == defaults["MockVenueScenario"]


def test_kernel_intent_normalises_and_is_immutable():
    intent = KernelIntent(side="SHORT", action="EXIT", exit_leg_ratios=[0.5, 1.0], metadata={"k": 1})
    assert intent.side is TradeSide.SHORT and intent.action is KernelCommandType.EXIT
    assert intent.exit_leg_ratios == (0.5, 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        intent.slot_id = 1
    assert dataclasses.replace(intent, slot_id=1).slot_id == 1
    assert pickle.loads(pickle.dumps(intent)) == intent


@pytest.mark.parametrize("field,value,error,message", [
    ("target_size", None, TypeError, r"KernelIntent\.target_size must be a number, got None"),
    ("target_size", "lots", ValueError, "exact decimal"),
    ("target_size", True, TypeError, "got bool"),
    ("reference_price", [1.0], TypeError, "got list"),
    ("slot_id", 0.0, TypeError, r"KernelIntent\.slot_id must be an int"),
    ("slot_id", None, TypeError, "got None"),
    ("slot_id", 2**40, ValueError, "is outside"),
    ("intent_id", None, TypeError, r"KernelIntent\.intent_id must be a str"),
    ("intent_id", 7, TypeError, "got int"),
    ("side", "UP", ValueError, "not a TradeSide"),
    ("side", None, TypeError, "must be TradeSide"),
    ("action", KernelMode.HALTED, TypeError, "must be KernelCommandType"),
    ("exit_leg_ratios", None, TypeError, "sequence of numbers"),
    ("exit_leg_ratios", "1", TypeError, "sequence of numbers"),
    ("exit_leg_ratios", (1.0, None), TypeError, r"exit_leg_ratios\[1\] must be a number"),
    ("metadata", None, TypeError, "mapping"),
    ("metadata", {1: "a"}, TypeError, "metadata key must be a str"),
    ("timestamp", "now", TypeError, "datetime or None"),
    ("timestamp", 1700000000, TypeError, "datetime or None"),
])
def test_kernel_intent_refuses_bad_types_clearly(field, value, error, message):
    with pytest.raises(error, match=message):
        KernelIntent(**{field: value})


class IndexLike:
    """An integer look-alike (as numpy integers are): usable wherever an int is."""

    def __index__(self) -> int:
        return 1


def test_kernel_intent_accepts_numeric_look_alikes():
    intent = KernelIntent(target_size=decimal.Decimal("0.01"), slot_id=IndexLike(), leverage=2)
    assert intent.target_size == decimal.Decimal("0.01") and intent.leverage == 2
    assert VenueEvent(slot_id=IndexLike()).slot_id == 1


def test_scenario_and_control_update_are_checked_at_construction():
    with pytest.raises(ValueError, match="partial_fill_ratio"):
        MockVenueScenario(partial_fill_ratio=math.nan)
    with pytest.raises(ValueError, match="above 1"):
        MockVenueScenario(partial_fill_ratio=1.5)
    with pytest.raises(ValueError, match="lot_step"):
        MockVenueScenario(lot_step=0.0)
    with pytest.raises(TypeError, match=r"MockVenueScenario\.reject_entries must be a bool"):
        MockVenueScenario(reject_entries="yes")
    with pytest.raises(ValueError, match="max_leverage must be at least 1"):
        ControlUpdate(max_leverage=0.5)
    with pytest.raises(ValueError, match="not a KernelMode"):
        ControlUpdate(mode="STOP")
    assert ControlUpdate(mode="HALTED").mode is KernelMode.HALTED
    assert MockVenueScenario(assets=["BTCUSDT", "ETHUSDT"]).assets == ("BTCUSDT", "ETHUSDT")
