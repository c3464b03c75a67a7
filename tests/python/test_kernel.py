"""The C++ kernel through the binding: lifecycle, snapshot shapes, diagnostics for bad values,
object lifetimes, clocks, control and zinc planes."""

from __future__ import annotations

import gc
import math
from datetime import datetime, timezone

import pytest

from dita import (
    ControlUpdate,
    FinishedOrder,
    ExecutionKernel,
    InMemoryControlPlane,
    InMemoryZincPlane,
    KernelCommandType,
    KernelDiagnosticCode,
    KernelEventKind,
    KernelIntent,
    KernelMode,
    KernelOutcome,
    KernelSeverity,
    MockVenueAdapter,
    MockVenueScenario,
    RecoveredState,
    SlotSnapshot,
    TradeSide,
    TradeSlot,
    TradeStage,
    VenueEvent,
    VirtualClock,
    WallClock,
)
from prod.clean_arch.dita_v2 import contracts as compat_contracts
from prod.clean_arch.dita_v2.rust_backend import ExecutionKernel as CompatKernel

ACCOUNT_KEYS = {"initial_capital", "capital", "equity", "realized_pnl", "fees_paid", "unrealized_pnl", "used_margin",
                "funding"}  # issue 13: funding received (negative: paid), in capital
SLOT_KEYS = {"fsm_state", "trade_id", "side", "size", "target_size", "entry_price", "realized_pnl", "fees", "closed",
             "active_leg_index", "exit_leg_ratios", "working_order_id"}


def test_compat_package_serves_the_same_objects():
    assert CompatKernel is ExecutionKernel
    assert compat_contracts.TradeStage is TradeStage and compat_contracts.KernelIntent is KernelIntent


def test_full_trade_lifecycle(make_kernel, intent):
    kernel = make_kernel()
    entered = kernel.process_intent(intent("ENTER", side=TradeSide.LONG, exit_leg_ratios=(0.5, 1.0)))
    assert isinstance(entered, KernelOutcome)
    assert entered.diagnostic_code == KernelDiagnosticCode.OK and entered.severity == KernelSeverity.INFO
    assert entered.ok and entered.slot_id == 0
    assert [e.kind for e in entered.emitted_events] == [KernelEventKind.ORDER_ACK, KernelEventKind.FILL]
    assert entered.transitions[0].from_state == TradeStage.IDLE  # DEBUG mode traces every move
    assert entered.transitions[-1].to_state == TradeStage.POSITION_OPEN
    slot = kernel.slot(0)
    assert slot.fsm_state == TradeStage.POSITION_OPEN and slot.size == 0.01 and slot.side == TradeSide.LONG

    first_leg = kernel.process_intent(intent("EXIT", reference_price=110.0, target_size=0.0))
    assert first_leg.ok and kernel.slot(0).fsm_state == TradeStage.POSITION_PARTIALLY_CLOSED
    assert kernel.slot(0).size == 0.005 and kernel.slot(0).active_leg_index == 1
    closed = kernel.process_intent(intent("EXIT", reference_price=110.0, target_size=0.0))
    assert closed.ok
    slot = kernel.slot(0)
    assert slot.fsm_state == TradeStage.TRADE_TERMINAL_WRITTEN and slot.closed and slot.size == 0.0
    assert slot.realized_pnl == pytest.approx(0.1)  # 0.01 BTC long, +10
    records = kernel.zinc_plane.terminal_records()
    assert len(records) == 1 and records[0].realized_pnl == pytest.approx(0.1)

    account = kernel.snapshot()["account"]
    assert account["capital"] == account["initial_capital"] + account["realized_pnl"] - account["fees_paid"]
    assert account["equity"] == account["capital"] + account["unrealized_pnl"]
    # The slot is free again.
    assert kernel.process_intent(intent("ENTER")).ok


def test_snapshot_and_to_dict_have_exactly_the_spec_keys(make_kernel, intent):
    kernel = make_kernel(max_slots=3)
    kernel.process_intent(intent("ENTER"))
    snapshot = kernel.snapshot()
    assert set(snapshot) == {"account", "slots"}
    assert set(snapshot["account"]) == ACCOUNT_KEYS
    assert snapshot["account"]["initial_capital"] == 10000.0
    assert len(snapshot["slots"]) == 3 == kernel.max_slots
    for i, slot_dict in enumerate(snapshot["slots"]):
        assert set(slot_dict) == SLOT_KEYS
        assert slot_dict == kernel.slot(i).to_dict()
    opened = snapshot["slots"][0]
    assert opened["fsm_state"] == "POSITION_OPEN" and type(opened["fsm_state"]) is str
    assert opened["side"] == "SHORT" and opened["exit_leg_ratios"] == [1.0]
    assert snapshot["slots"][1]["trade_id"] is None and snapshot["slots"][1]["working_order_id"] is None


def test_bad_values_get_the_kernels_diagnostics_and_change_nothing(make_kernel, intent):
    kernel = make_kernel()
    before = kernel.state_hash()
    cases = {
        KernelDiagnosticCode.INVALID_SIZE: [dict(target_size=math.nan), dict(target_size=0.0),
                                            dict(target_size=-0.01), dict(target_size=math.inf),
                                            dict(target_size=0.0015)],
        KernelDiagnosticCode.INVALID_PRICE: [dict(reference_price=math.nan), dict(reference_price=-1.0)],
        KernelDiagnosticCode.INVALID_LEVERAGE: [dict(leverage=math.nan), dict(leverage=0.5), dict(leverage=500)],
        KernelDiagnosticCode.INVALID_LEG_RATIOS: [dict(exit_leg_ratios=(math.nan,)), dict(exit_leg_ratios=()),
                                                  dict(exit_leg_ratios=(0.7, 0.5, 1.0))],
        KernelDiagnosticCode.INVALID_SLOT_ID: [dict(slot_id=2), dict(slot_id=-1)],
        KernelDiagnosticCode.UNKNOWN_ASSET: [dict(asset="DOGEUSDT")],
        KernelDiagnosticCode.INVALID_INTENT_ID: [dict(intent_id="")],
    }
    for code, variants in cases.items():
        for fields in variants:
            outcome = kernel.process_intent(intent("ENTER", **fields))
            assert outcome.diagnostic_code == code, (fields, outcome.details)
            assert outcome.severity in (KernelSeverity.ERROR, KernelSeverity.WARNING)
            assert outcome.details
    assert kernel.slot(0).fsm_state == TradeStage.IDLE
    # Only the input counter moved (hash covers slots, orders, account and marks).
    assert kernel.state_hash() == before


def test_diagnostics_carry_machine_readable_fields_in_python_and_json(make_kernel, intent):
    kernel = make_kernel()
    kernel.process_intent(intent("ENTER", trade_id="first"))
    busy = kernel.process_intent(intent("ENTER", trade_id="second"))
    assert busy.diagnostic_code == KernelDiagnosticCode.SLOT_BUSY
    assert len(busy.diagnostics) == 1
    result = busy.result
    assert result == busy.diagnostics[busy.result_index]
    assert result.code == busy.diagnostic_code and result.severity == busy.severity
    assert result.detail == busy.details
    # The fields name the slot and the trade that holds it; programs read these, not the words.
    assert result.slot_id == 0 and result.trade_id == "first" and result.asset == "BTCUSDT"
    as_dict = busy.to_dict()
    assert as_dict["diagnostics"][0]["trade_id"] == "first"
    assert as_dict["diagnostics"][0]["code"] == "SLOT_BUSY"
    # A progress note is the result of a quiet input, and no diagnostic.
    marked = kernel.process_intent(intent("MARK_PRICE", reference_price=101.0))
    assert marked.ok
    assert marked.diagnostics == () and marked.result is None and marked.result_index == -1
    # The journal keeps every diagnostic of the outcome.
    journaled = [o for o in kernel.zinc_plane.outcomes() if o.input_sequence == busy.input_sequence]
    assert journaled and journaled[0].diagnostics == busy.diagnostics


def test_wrong_types_raise_before_reaching_the_kernel(make_kernel, intent):
    kernel = make_kernel()
    sequence = kernel.input_sequence
    for bad in (None, 42, "ENTER", {"intent_id": "x"}):
        with pytest.raises(TypeError, match="KernelIntent"):
            kernel.process_intent(bad)
    with pytest.raises(TypeError, match="must be VenueEvent"):
        kernel.on_venue_event(None)
    with pytest.raises(TypeError):
        kernel.reconcile_from_slots(None)
    with pytest.raises(TypeError, match=r"\[1\] must be a SlotSnapshot"):
        kernel.reconcile_from_slots([None, "slot"])
    with pytest.raises(IndexError, match="outside 0..1"):
        kernel.slot(2)
    with pytest.raises(IndexError):
        kernel.slot(-1)
    with pytest.raises(TypeError):
        kernel.slot("0")
    assert kernel.input_sequence == sequence  # none of these was an input


def test_constructor_refuses_what_it_cannot_run():
    control, venue, zinc = InMemoryControlPlane(), MockVenueAdapter(), InMemoryZincPlane()
    with pytest.raises(ValueError, match="max_slots"):
        ExecutionKernel(0, control, venue, zinc)
    with pytest.raises(ValueError, match="max_slots"):
        ExecutionKernel(100000, control, venue, zinc)
    with pytest.raises(ValueError, match="initial_capital"):
        ExecutionKernel(1, control, venue, zinc, initial_capital=-1.0)
    with pytest.raises(ValueError, match="initial_capital"):
        ExecutionKernel(1, control, venue, zinc, initial_capital=math.nan)
    with pytest.raises(TypeError, match="control_plane"):
        ExecutionKernel(1, object(), venue, zinc)
    with pytest.raises(TypeError, match="zinc_plane"):
        ExecutionKernel(1, control, venue, [])
    with pytest.raises(TypeError, match="lacks instrument, submit_order"):
        ExecutionKernel(1, control, object(), zinc)
    with pytest.raises(TypeError, match="clock"):
        ExecutionKernel(1, control, venue, zinc, clock="sundial")
    kernel = ExecutionKernel(1, control, venue, zinc, 500.0)
    assert kernel.snapshot()["account"]["initial_capital"] == 500.0


def test_kernel_keeps_its_components_alive(intent):
    # Built from temporaries only: the kernel must hold them.
    kernel = ExecutionKernel(2, InMemoryControlPlane(), MockVenueAdapter(MockVenueScenario(partial_fill_ratio=0.5)),
                             InMemoryZincPlane())
    gc.collect()
    assert kernel.process_intent(intent("ENTER")).ok
    venue = kernel.venue
    assert isinstance(venue, MockVenueAdapter) and venue.counters.orders_submitted == 1
    assert venue.scenario.partial_fill_ratio == 0.5
    assert kernel.control_plane.mode == KernelMode.NORMAL
    assert len(kernel.zinc_plane.outcomes()) == 1


def test_reconcile_from_slots_as_the_seed_calls_it(make_kernel, intent):
    kernel = make_kernel(partial_fill_ratio=0.5)
    kernel.process_intent(intent("ENTER"))
    slots = [kernel.slot(i) for i in range(kernel.max_slots)]
    outcome = kernel.reconcile_from_slots([s._snapshot() if hasattr(s, "_snapshot") else None for s in slots if s])
    assert outcome.diagnostic_code not in (KernelDiagnosticCode.INVALID_SLOT_ID, KernelDiagnosticCode.INVALID_SNAPSHOT)
    assert all(kernel.slot(i).fsm_state != TradeStage.STALE_STATE_RECONCILING for i in range(kernel.max_slots))
    assert kernel.reconcile_from_slots([None, None]).diagnostic_code == KernelDiagnosticCode.RECONCILED
    # Two snapshots of one slot are refused as a whole.
    twice = kernel.reconcile_from_slots([slots[0], slots[0]._snapshot()])
    assert twice.diagnostic_code == KernelDiagnosticCode.INVALID_SNAPSHOT


def assert_reconciled(outcome: KernelOutcome) -> None:
    assert outcome.severity == KernelSeverity.INFO, outcome.details
    assert outcome.diagnostic_code == KernelDiagnosticCode.RECONCILED, outcome.details


def test_a_crashed_kernel_is_rebuilt_from_its_journal(intent):
    zinc = InMemoryZincPlane()
    venue = MockVenueAdapter(MockVenueScenario(partial_fill_ratio=0.5))
    first = ExecutionKernel(2, InMemoryControlPlane(), venue, zinc)
    first.process_intent(intent("ENTER", target_size=0.02))
    expected = first.slot(0).to_dict()
    recovered = zinc.recover()
    assert recovered is not None and len(recovered.slots) == 1
    del first
    second = ExecutionKernel(2, InMemoryControlPlane(), venue, InMemoryZincPlane())
    outcome = second.restore(recovered)
    assert_reconciled(outcome)
    assert second.slot(0).size == expected["size"] and second.slot(0).trade_id == expected["trade_id"]
    assert InMemoryZincPlane().recover() is None


def test_the_journal_keeps_finished_orders_for_a_restart(intent):
    zinc = InMemoryZincPlane()
    venue = MockVenueAdapter(MockVenueScenario(partial_fill_ratio=0.0))
    first = ExecutionKernel(2, InMemoryControlPlane(), venue, zinc)
    first.process_intent(intent("ENTER", target_size=0.02))
    first.process_intent(intent("CANCEL"))
    recovered = zinc.recover()
    assert recovered is not None and len(recovered.finished_orders) == 1
    finished = recovered.finished_orders[0]
    assert isinstance(finished, FinishedOrder)
    assert finished.slot_id == 0 and finished.asset == "BTCUSDT" and finished.record.qty == 0.02
    # The dict form round-trips, and a restore with it is accepted.
    again = RecoveredState(**recovered.to_dict())
    assert again == recovered
    second = ExecutionKernel(2, InMemoryControlPlane(), venue, InMemoryZincPlane())
    assert_reconciled(second.restore(again))
    assert second.order(finished.record.client_order_id) is not None
    # A finished order with a slot outside the kernel is refused; nothing is restored.
    bad = recovered.replace(finished_orders=[finished.replace(slot_id=9)])
    third = ExecutionKernel(2, InMemoryControlPlane(), venue, InMemoryZincPlane())
    outcome = third.restore(bad)
    assert outcome.diagnostic_code == KernelDiagnosticCode.INVALID_SNAPSHOT, outcome.details
    assert third.order(finished.record.client_order_id) is None


def test_snapshots_from_one_kernel_reconcile_another(intent):
    venue = MockVenueAdapter()
    first = ExecutionKernel(2, InMemoryControlPlane(), venue, InMemoryZincPlane())
    first.process_intent(intent("ENTER", slot_id=1))
    snapshot = first.slot(1)._snapshot()
    assert isinstance(snapshot, SlotSnapshot) and len(snapshot.orders) == 1
    second = ExecutionKernel(2, InMemoryControlPlane(), venue, InMemoryZincPlane())
    outcome = second.reconcile_from_slots([None, snapshot])
    assert_reconciled(outcome)
    assert second.slot(1).fsm_state == TradeStage.POSITION_OPEN and second.slot(1).size == 0.01


def test_virtual_time_is_the_default_and_deterministic(make_kernel, intent):
    runs = []
    enter, mark = intent("ENTER"), intent("MARK_PRICE", reference_price=101.0)
    for _ in range(2):
        kernel = make_kernel()
        assert isinstance(kernel.clock, VirtualClock)
        # Wall-clock intent timestamps do not leak into the kernel's state.
        outcome = kernel.process_intent(KernelIntent(**{**vars(enter), "timestamp": datetime.now(timezone.utc)}))
        runs.append((kernel.state_hash(), [e.timestamp_ns for e in outcome.emitted_events], outcome.timestamp_ns))
        kernel.clock.advance(1.5)
        later = kernel.process_intent(mark)
        assert later.timestamp_ns == outcome.timestamp_ns + 1_500_000_000
    assert runs[0] == runs[1]
    assert runs[0][1] == [runs[0][2]] * 2  # the mock venue reads the kernel's clock


def test_clock_options():
    control, zinc = InMemoryControlPlane(), InMemoryZincPlane()
    wall = ExecutionKernel(1, control, MockVenueAdapter(), zinc, clock="wall")
    assert isinstance(wall.clock, WallClock)
    assert abs(wall.clock.now() - datetime.now(timezone.utc)).total_seconds() < 60
    shared = VirtualClock(start=datetime(2030, 1, 1, tzinfo=timezone.utc))
    kernel = ExecutionKernel(1, control, MockVenueAdapter(clock=shared), zinc, clock=shared)
    assert kernel.clock is shared and kernel.clock.now() == datetime(2030, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        shared.advance(-1.0)
    with pytest.raises(ValueError):
        shared.advance(math.nan)
    shared.set_ns(0)  # never backwards
    assert shared.now() == datetime(2030, 1, 1, tzinfo=timezone.utc)


def test_control_plane_modes_and_limits(make_kernel, intent):
    kernel = make_kernel()
    control = kernel.control_plane
    assert control.update(ControlUpdate(mode=KernelMode.HALTED, reason="kill switch"))
    assert control.state.last_reason == "kill switch"
    assert kernel.process_intent(intent("ENTER")).diagnostic_code == KernelDiagnosticCode.KERNEL_HALTED
    control.update(ControlUpdate(mode=KernelMode.NORMAL, max_position_size=0.005))
    assert control.risk_limits.max_position_size == 0.005
    assert kernel.process_intent(intent("ENTER")).diagnostic_code == KernelDiagnosticCode.RISK_LIMIT
    refused = control.update({"max_notional": -1.0})
    assert not refused and "must not be negative" in refused.detail
    with pytest.raises(TypeError, match="has no field 'mood'"):
        control.update({"mood": "calm"})


def test_process_intents_matches_one_by_one(make_kernel, intent):
    intents = [intent("ENTER"), intent("EXIT"), intent("ENTER", target_size=math.nan), intent("ENTER", slot_id=1)]
    one_by_one, batched = make_kernel(), make_kernel()
    expected = [one_by_one.process_intent(i) for i in intents]
    got = batched.process_intents(intents)
    assert [o.diagnostic_code for o in got] == [o.diagnostic_code for o in expected]
    assert got == expected
    assert batched.state_hash() == one_by_one.state_hash()
    with pytest.raises(TypeError):
        batched.process_intents([intents[0], None])


def test_events_replay_into_a_fresh_kernel(make_kernel, intent):
    source = make_kernel()
    events = []
    for i in (intent("ENTER"), intent("EXIT")):
        events.extend(source.process_intent(i).emitted_events)
    assert events and all(isinstance(e, VenueEvent) for e in events)
    fresh = make_kernel()
    outcomes = [fresh.on_venue_event(e) for e in events]
    # Unknown orders are reported and kept for reconciliation, never dropped silently.
    assert {o.diagnostic_code for o in outcomes} == {KernelDiagnosticCode.UNKNOWN_ORDER}
    assert len(fresh.unmatched_events()) == len(events)
    assert fresh.slot(0).fsm_state == TradeStage.IDLE


def test_mark_price_event_and_intent(make_kernel, intent):
    kernel = make_kernel()
    kernel.process_intent(intent("ENTER", side=TradeSide.LONG))
    kernel.on_venue_event(VenueEvent(kind="MARK_PRICE", asset="BTCUSDT", price=120.0, venue_sequence=1))
    assert kernel.mark_price("BTCUSDT") == 120.0
    assert kernel.snapshot()["account"]["unrealized_pnl"] == pytest.approx(0.2)
    assert kernel.mark_price("ETHUSDT") is None


def test_working_orders_and_pump_with_the_mock(make_kernel, intent):
    kernel = make_kernel(partial_fill_ratio=0.5)
    kernel.process_intent(intent("ENTER", target_size=0.02))
    working = kernel.working_orders()
    assert len(working) == 1 and working[0].cum_filled_qty == 0.01
    coid = working[0].client_order_id
    assert kernel.order(coid) == working[0]
    assert kernel.venue.fill_working(coid, 0.01, 101.0)
    assert kernel.venue.pending_events == 1
    pumped = kernel.pump_venue()
    assert [e.kind for e in pumped.emitted_events] == [KernelEventKind.FILL]
    assert kernel.slot(0).fsm_state == TradeStage.POSITION_OPEN and kernel.working_orders() == []


def test_a_durable_journal_survives_a_restart(tmp_path, intent):
    from dita import SqliteZincPlane

    path = tmp_path / "journal.db"
    venue = MockVenueAdapter(MockVenueScenario(partial_fill_ratio=0.5))
    first = ExecutionKernel(2, InMemoryControlPlane(), venue, SqliteZincPlane(path))
    first.process_intent(intent("ENTER", slot_id=1, target_size=0.02))
    expected = first.slot(1).to_dict()
    del first
    gc.collect()  # the journal file is closed with its kernel

    reopened = SqliteZincPlane(str(path))
    assert reopened.outcome_count == 1
    second = ExecutionKernel(2, InMemoryControlPlane(), venue, reopened)
    assert_reconciled(second.restore(reopened.recover()))
    assert second.slot(1).to_dict()["size"] == expected["size"] == 0.01
    assert second.slot(1).trade_id == expected["trade_id"]
    with pytest.raises(OSError, match="cannot open"):
        SqliteZincPlane(tmp_path / "missing-dir" / "journal.db")
    with pytest.raises(TypeError):
        SqliteZincPlane(None)
    assert reopened.recover().in_flight_orders == ()  # every order's answer was journaled


def test_a_durable_journal_keeps_the_newest_rows_it_is_told_to(tmp_path, intent):
    from dita import SqliteZincPlane

    journal = SqliteZincPlane(tmp_path / "journal.db", outcomes_kept=3, commits_per_prune=1)
    kernel = ExecutionKernel(2, InMemoryControlPlane(), MockVenueAdapter(), journal)
    for n in range(6):
        kernel.process_intent(intent("MARK_PRICE", intent_id=f"m{n}", reference_price=100.0 + n))
    assert journal.outcome_count == 3
    with pytest.raises(ValueError, match="SqliteZincPlane.outcomes_kept"):
        SqliteZincPlane(tmp_path / "other.db", outcomes_kept=-1)
    with pytest.raises(ValueError, match="SqliteZincPlane.commits_per_prune"):
        SqliteZincPlane(tmp_path / "other.db", commits_per_prune=0)
    with pytest.raises(TypeError):
        SqliteZincPlane(tmp_path / "other.db", transitions_kept="all")


def test_fault_injection_is_reproducible_from_the_seed(intent):
    def run(seed: int):
        scenario = MockVenueScenario(seed=seed, duplicate_probability=0.3, reorder_probability=0.3,
                                     delay_probability=0.2, delay_ns_max=1_000_000, partial_fill_ratio=0.5)
        kernel = ExecutionKernel(2, InMemoryControlPlane(), MockVenueAdapter(scenario), InMemoryZincPlane())
        events = []
        for i in range(30):
            action = ("ENTER", "EXIT", "CANCEL")[i % 3]
            outcome = kernel.process_intent(KernelIntent(intent_id=f"f{i}", trade_id=f"ft{i // 3}", action=action,
                                                         target_size=0.02 if action == "ENTER" else 0.0,
                                                         reference_price=100.0))
            kernel.clock.advance(0.001)
            events.extend(outcome.emitted_events)
        return kernel.state_hash(), events, kernel.venue.counters

    first, again = run(7), run(7)
    assert first[0] == again[0] and first[1] == again[1]
    assert first[2].events_duplicated > 0 and first[2].events_reordered > 0
    assert run(8)[1] != first[1]


def test_an_unexplained_venue_position_is_reported(intent):
    venue = MockVenueAdapter()
    trader = ExecutionKernel(1, InMemoryControlPlane(), venue, InMemoryZincPlane())
    trader.process_intent(intent("ENTER", side=TradeSide.LONG))
    # A second kernel on the same account cannot explain the first one's position.
    other = ExecutionKernel(1, InMemoryControlPlane(), venue, InMemoryZincPlane())
    other.process_intent(intent("ENTER", side=TradeSide.LONG))
    outcome = other.reconcile_from_slots([None])
    assert outcome.diagnostic_code == KernelDiagnosticCode.RECONCILE_MISMATCH, outcome.details
    assert other.mismatched_assets() == {"BTCUSDT": 0.01}
    assert trader.mismatched_assets() == {}


# --- the conversion a KernelIntent keeps (issue 15: the binding's cost per call) ---------------

class _LookAlike:
    """Not a dita KernelIntent: converted from its attributes on every call."""

    def __init__(self, intent):
        for name in ("timestamp", "intent_id", "trade_id", "slot_id", "asset", "side", "action", "reference_price",
                     "target_size", "leverage", "exit_leg_ratios", "reason", "metadata"):
            setattr(self, name, getattr(intent, name))


def _two_kernels():
    return [ExecutionKernel(2, InMemoryControlPlane(), MockVenueAdapter(), InMemoryZincPlane()) for _ in range(2)]


def test_a_kept_conversion_answers_as_reading_the_attributes_does():
    from dita import _core
    kept, read = _two_kernels()
    intents = [KernelIntent(intent_id="e1", trade_id="t1", side="LONG", action="ENTER", reference_price=100.0,
                            target_size=0.01),
               KernelIntent(intent_id="m1", trade_id="m", action="MARK_PRICE", reference_price=101.5),
               KernelIntent(intent_id="x1", trade_id="t1", action="EXIT", reference_price=101.5,
                            exit_leg_ratios=[0.5, 1.0])]
    assert _core._cached_intents() >= len(intents)
    for intent in intents:
        a, b = kept.process_intent(intent), read.process_intent(_LookAlike(intent))
        assert (a.diagnostic_code, a.details, a.slot_id) == (b.diagnostic_code, b.details, b.slot_id)
    assert kept.slot(0).to_dict() == read.slot(0).to_dict()
    assert kept.snapshot()["account"] == read.snapshot()["account"]


def test_kept_conversions_die_with_their_intents_and_metadata_is_read_afresh():
    from dita import _core
    gc.collect()
    before = _core._cached_intents()
    intents = [KernelIntent(intent_id=f"i{i}", trade_id="m", action="MARK_PRICE", reference_price=100.0)
               for i in range(100)]
    assert _core._cached_intents() == before + 100
    del intents
    gc.collect()
    assert _core._cached_intents() == before
    # Only the metadata dict can change under a frozen intent: one with metadata is never kept
    # (read afresh on every call), and one whose empty dict gains entries later is read afresh.
    with_metadata = KernelIntent(intent_id="meta", trade_id="m", action="MARK_PRICE", reference_price=100.0,
                                 metadata={"note": "at construction"})
    assert _core._cached_intents() == before
    metadata = {}
    later = KernelIntent(intent_id="later", trade_id="m", action="MARK_PRICE", reference_price=100.0,
                         metadata=metadata)
    assert _core._cached_intents() == before + 1
    metadata["note"] = "added later"
    kernel = ExecutionKernel(2, InMemoryControlPlane(), MockVenueAdapter(), InMemoryZincPlane())
    assert kernel.process_intent(with_metadata).ok and kernel.process_intent(later).ok


def test_process_intent_takes_its_intent_by_position_or_keyword_only(make_kernel, intent):
    kernel = make_kernel()
    by_position = kernel.process_intent(intent("MARK_PRICE", reference_price=100.0))
    by_keyword = kernel.process_intent(intent=intent("MARK_PRICE", reference_price=101.0))
    assert (by_position.ok, by_keyword.ok) == (True, True)
    assert (by_position.input_sequence, by_keyword.input_sequence) == (1, 2)
    for args, kwargs in [((), {}), ((intent("MARK_PRICE"), intent("MARK_PRICE")), {}), ((), {"intents": None}),
                         ((intent("MARK_PRICE"),), {"intent": intent("MARK_PRICE")})]:
        with pytest.raises(TypeError, match="process_intent"):
            kernel.process_intent(*args, **kwargs)
    with pytest.raises(TypeError, match="KernelIntent"):
        kernel.process_intent(5)
    assert kernel.input_sequence == 2  # refused calls changed nothing
    with pytest.raises(TypeError):
        ExecutionKernel.process_intent(object(), intent("MARK_PRICE"))
    assert "Processes one intent" in ExecutionKernel.process_intent.__doc__


def test_outcomes_a_caller_holds_are_never_rewritten(make_kernel, intent):
    """process_intent reuses its outcome object only once nobody else refers to it."""
    import weakref

    kernel = make_kernel()
    held = [kernel.process_intent(intent("MARK_PRICE", reference_price=100.0 + n)) for n in range(5)]
    assert len({id(o) for o in held}) == 5
    assert [o.input_sequence for o in held] == [1, 2, 3, 4, 5]
    assert [o.details for o in held] == [f"mark BTCUSDT = {100.0 + n}" for n in range(5)]
    watched = kernel.process_intent(intent("MARK_PRICE", reference_price=200.0))
    ref = weakref.ref(watched)
    del watched  # only the weak reference and the kernel refer to it now: let go, not refilled
    fresh = kernel.process_intent(intent("MARK_PRICE", reference_price=201.0))
    assert ref() is not fresh and (ref() is None or ref().details == "mark BTCUSDT = 200.0")
    assert fresh.input_sequence == 7 and fresh.details == "mark BTCUSDT = 201.0"
    del fresh
    again = kernel.process_intent(intent("ENTER", side=TradeSide.LONG))  # a dropped outcome is refilled whole
    assert again.ok and again.input_sequence == 8 and again.slot_id == 0
    assert [e.kind for e in again.emitted_events] == [KernelEventKind.ORDER_ACK, KernelEventKind.FILL]
    assert again.transitions and again.transitions[-1].to_state == TradeStage.POSITION_OPEN
    assert held[0].input_sequence == 1 and held[0].emitted_events == ()
