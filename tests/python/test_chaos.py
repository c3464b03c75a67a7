"""The chaos module (prod.clean_arch.dita_v2.chaos, i.e. dita.chaos): the seed's five test
groups against our module, every invariant able to fail, the sequencer's files and replays,
and runs on kernels the caller built (virtual time)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from dita import (
    ControlUpdate,
    ExecutionKernel,
    InMemoryControlPlane,
    InMemoryZincPlane,
    KernelDiagnosticCode,
    KernelMode,
    MockVenueAdapter,
    MockVenueScenario,
    TradeStage,
)
from prod.clean_arch.dita_v2 import chaos as ours
from prod.clean_arch.dita_v2.chaos import (
    ALL_SCENARIOS,
    EDGE_CASE_SCENARIOS,
    SCENARIO_CANCEL_AFTER_FILL,
    SCENARIO_COMPETING_CANCEL,
    SCENARIO_REJECT_ENTRY,
    SCENARIO_REJECT_EXIT,
    ChaosAction,
    ChaosRunResult,
    ChaosScenario,
    ChaosStep,
    EventSequencer,
    InvariantResult,
    StateInvariantChecker,
    build_test_kernel,
    run_chaos_scenario,
    run_scenario_and_check,
    run_scenario_twice_compare,
)

SEED_CHECKS = ["slot_not_stuck", "capital_non_negative", "no_unexpected_diagnostics", "fsm_consistent",
               "equity_consistent", "no_leaked_futures"]


def _scenario_id(scenario: ChaosScenario) -> str:
    return scenario.name


# ---------------------------------------------------------------------------------------
# The seed's five groups, against our module.


@pytest.mark.parametrize("scenario", ALL_SCENARIOS, ids=_scenario_id)
def test_chaos_scenario_basic(scenario: ChaosScenario) -> None:
    result, checks = run_scenario_and_check(scenario)
    failures = [c for c in checks if not c.passed]
    assert not failures, "; ".join(f"{f.name}: {f.detail}" for f in failures)
    assert result.passed and result.failure_reason == ""


@pytest.mark.parametrize("scenario", EDGE_CASE_SCENARIOS, ids=_scenario_id)
def test_chaos_scenario_edge_cases(scenario: ChaosScenario) -> None:
    result, checks = run_scenario_and_check(scenario)
    assert result.outcomes
    for outcome in result.outcomes:
        assert outcome.diagnostic_code != KernelDiagnosticCode.INVALID_SLOT_ID, outcome.details
    # The kernel's guard answers the bad entry and nothing opens.
    assert result.final_outcome.diagnostic_code != KernelDiagnosticCode.OK
    assert result.slot_states[-1]["size"] == 0.0
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


@pytest.mark.parametrize("scenario", ALL_SCENARIOS, ids=_scenario_id)
def test_chaos_scenario_deterministic(scenario: ChaosScenario) -> None:
    r1, r2, match = run_scenario_twice_compare(scenario)
    assert match
    for r in (r1, r2):
        assert r.final_outcome is not None
        assert r.final_outcome.diagnostic_code in {KernelDiagnosticCode.OK, KernelDiagnosticCode.ORDER_REJECTED}
    assert r1.slot_states == r2.slot_states
    assert r1.events == r2.events


@pytest.mark.parametrize("shuffle", [False, True], ids=["ordered", "shuffled"])
@pytest.mark.parametrize("scenario", ALL_SCENARIOS, ids=_scenario_id)
def test_chaos_scenario_replay(scenario: ChaosScenario, shuffle: bool) -> None:
    kernel1 = build_test_kernel()
    sequencer = EventSequencer()
    run_chaos_scenario(kernel1, scenario, event_capture=sequencer.events)
    assert sequencer.count > 0

    kernel2 = build_test_kernel()
    outcomes = sequencer.replay_against(kernel2, shuffle=shuffle, seed=42)
    assert len(outcomes) == sequencer.count
    for outcome in outcomes:
        assert outcome.diagnostic_code != KernelDiagnosticCode.INVALID_SLOT_ID, outcome.details
    assert kernel2.slot(0).fsm_state != TradeStage.STALE_STATE_RECONCILING


# ---------------------------------------------------------------------------------------
# The API the seed's users rely on.


def test_api_matches_the_seed() -> None:
    assert issubclass(ChaosAction, str) and ChaosAction.WAIT.value == "WAIT"
    step = ChaosStep(ChaosAction.ENTER)
    assert (step.delay_before, step.side.value, step.target_size, step.reference_price, step.leverage,
            step.exit_leg_ratios, step.reason, step.metadata) == (0.0, "SHORT", 0.01, 100.0, 1.0, (1.0,), "chaos", {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.delay_before = 1.0  # type: ignore[misc]
    assert [s.name for s in ALL_SCENARIOS] == [
        "rapid_entry_exit", "two_leg_rapid", "entry_then_mark", "size_at_lot_boundary", "entry_exit_10x"]
    assert [s.name for s in EDGE_CASE_SCENARIOS] == ["zero_size_entry", "negative_price_entry"]
    assert SCENARIO_REJECT_ENTRY is SCENARIO_COMPETING_CANCEL
    assert SCENARIO_REJECT_EXIT is SCENARIO_CANCEL_AFTER_FILL
    loop = ours.SCENARIO_ENTRY_EXIT_LOOP
    assert len(loop.steps) == 20 and loop.steps[3].reason == "chaos_cycle_1" and loop.steps[3].delay_before == 0.005
    assert ours.SCENARIO_TWO_LEG_RAPID.steps[0].exit_leg_ratios == (0.5, 1.0)
    assert len(ours.BUILTIN_SCENARIOS) == 10
    assert ours.invariant_names()[:6] == SEED_CHECKS


def test_checker_reports_the_full_set() -> None:
    result, checks = run_scenario_and_check(ours.SCENARIO_ENTRY_RECONCILE_EXIT)
    assert [c.name for c in checks] == ours.invariant_names()
    assert len(checks) > 6 and all(isinstance(c, InvariantResult) for c in checks)
    assert all(c.passed for c in checks), result.failure_reason


@pytest.mark.parametrize("venue", [{"reject_entries": True}, {"cancel_reject": True}], ids=["reject_entries", "cancel_reject"])
def test_reject_scenarios(venue) -> None:
    scenario = SCENARIO_REJECT_ENTRY if "reject_entries" in venue else SCENARIO_REJECT_EXIT
    result, checks = run_scenario_and_check(scenario, **venue)
    assert all(c.passed for c in checks), result.failure_reason


# ---------------------------------------------------------------------------------------
# Every invariant can fail: a corrupted result (or state) and the check says so, with a detail.


def _run(scenario=None, **venue):
    kernel = build_test_kernel(**venue)
    result = run_chaos_scenario(kernel, scenario or ours.SCENARIO_RAPID_ENTRY_EXIT)
    return kernel, result


def _failed(kernel, result, name):
    checks = {c.name: c for c in StateInvariantChecker(kernel).check_all(result)}
    check = checks[name]
    assert not check.passed, f"{name} passed on a corrupted run: {check.detail}"
    assert check.detail
    return check


def test_stuck_state_in_history_is_caught() -> None:
    # slot_not_stuck reads the kernel's slots at rest (as the seed's does), which an edited
    # result cannot reach; a history claiming a stuck slot its transitions never led to is
    # fsm_consistent's to catch.
    kernel, result = _run()
    result.slot_states[-1]["fsm_state"] = "STALE_STATE_RECONCILING"
    assert "STALE_STATE_RECONCILING" in _failed(kernel, result, "fsm_consistent").detail


def test_capital_non_negative_can_fail() -> None:
    kernel, result = _run()
    result.account_snapshots[0]["capital"] = -1.0
    assert "-1" in _failed(kernel, result, "capital_non_negative").detail


def test_no_unexpected_diagnostics_can_fail() -> None:
    kernel, result = _run()
    bad = build_test_kernel().slot(7) if False else None  # noqa: F841 (documentation: slot 7 does not exist)
    other = build_test_kernel()
    from dita import KernelIntent
    outcome = other.process_intent(KernelIntent(intent_id="x", trade_id="t", slot_id=7, side="LONG", action="ENTER",
                                                reference_price=100.0, target_size=0.01))
    assert outcome.diagnostic_code == KernelDiagnosticCode.INVALID_SLOT_ID
    result.outcomes.append(outcome)
    assert "INVALID_SLOT_ID" in _failed(kernel, result, "no_unexpected_diagnostics").detail


def test_fsm_consistent_can_fail() -> None:
    kernel, result = _run()
    result.slot_states[0]["fsm_state"] = "NOT_A_STATE"
    assert "NOT_A_STATE" in _failed(kernel, result, "fsm_consistent").detail


def test_equity_consistent_can_fail() -> None:
    kernel, result = _run()
    result.account_snapshots[0]["equity"] = float("nan")
    _failed(kernel, result, "equity_consistent")


def test_no_leaked_futures_can_fail() -> None:
    import threading
    kernel, result = _run()
    release = threading.Event()
    leaked = threading.Thread(target=release.wait, daemon=True)
    leaked.start()
    try:
        _failed(kernel, result, "no_leaked_futures")
    finally:
        release.set()
        leaked.join()


def test_transitions_legal_can_fail() -> None:
    kernel, result = _run()
    outcome = next(o for o in result.outcomes if o.transitions)
    t = outcome.transitions[0]
    bogus = t.replace(from_state=TradeStage.CLOSED, to_state=TradeStage.ENTRY_WORKING)
    result.outcomes[result.outcomes.index(outcome)] = outcome.replace(transitions=(bogus,) + tuple(outcome.transitions[1:]))
    _failed(kernel, result, "transitions_legal")


def test_size_conservation_can_fail() -> None:
    kernel, result = _run()
    result.slot_states[0]["size"] = -0.5
    _failed(kernel, result, "size_conservation")


def test_money_identity_can_fail() -> None:
    kernel, result = _run()
    result.account_snapshots[-1]["capital"] = result.account_snapshots[-1]["capital"] + 1.0
    _failed(kernel, result, "money_identity")


def test_equity_identity_can_fail() -> None:
    kernel, result = _run()
    result.account_snapshots[-1]["equity"] = result.account_snapshots[-1]["equity"] + 5.0
    _failed(kernel, result, "equity_identity")


def test_orders_match_venue_can_fail() -> None:
    # A kernel the caller built, whose venue is then touched behind the kernel's back: the
    # venue holds an open order the kernel knows nothing of.
    venue = MockVenueAdapter(MockVenueScenario(partial_fill_ratio=0.5))
    kernel = _user_kernel(venue)
    other = _user_kernel(venue)
    result = run_chaos_scenario(kernel, ours.SCENARIO_ENTRY_THEN_MARK)
    from dita import KernelIntent
    other.process_intent(KernelIntent(intent_id="o", trade_id="other", slot_id=1, side="LONG", action="ENTER",
                                      reference_price=100.0, target_size=0.01))
    _failed(kernel, result, "orders_match_venue")


def test_replay_checks_run_on_chaos_kernels() -> None:
    # duplicate_events_noop and replay_converges read the kernel's input log, which a result
    # edited in Python cannot corrupt; their failing cases are the C++ tests' (planted bugs).
    kernel, result = _run()
    checks = {c.name: c for c in StateInvariantChecker(kernel).check_all(result)}
    for name in ("duplicate_events_noop", "replay_converges"):
        assert checks[name].passed and checks[name].detail


def test_clean_runs_pass_every_check() -> None:
    kernel, result = _run()
    assert StateInvariantChecker(kernel).all_pass(result)


# ---------------------------------------------------------------------------------------
# The sequencer.


def test_sequencer_save_load_round_trip(tmp_path) -> None:
    sequencer = EventSequencer()
    run_chaos_scenario(build_test_kernel(partial_fill_ratio=0.5), ours.SCENARIO_CANCEL_AFTER_FILL,
                       event_capture=sequencer.events)
    assert sequencer.count > 0
    path = tmp_path / "events.jsonl"
    sequencer.save(str(path))
    lines = path.read_text().splitlines()
    assert len(lines) == sequencer.count and all(json.loads(line) for line in lines)
    loaded = EventSequencer.load(str(path))
    assert loaded.count == sequencer.count
    assert list(loaded.events) == list(sequencer.events)
    k1, k2 = build_test_kernel(), build_test_kernel()
    sequencer.replay_against(k1)
    loaded.replay_against(k2)
    assert k1.state_hash() == k2.state_hash()


def test_sequencer_load_refuses_bad_files(tmp_path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"not": "an event"}\n')
    with pytest.raises(ValueError, match="bad.jsonl"):
        EventSequencer.load(str(path))
    with pytest.raises(ValueError):
        EventSequencer.load(str(tmp_path / "missing.jsonl"))


def test_sequencer_capture_is_append_only_and_clears() -> None:
    sequencer = EventSequencer()
    result = run_chaos_scenario(build_test_kernel(), ours.SCENARIO_RAPID_ENTRY_EXIT, event_capture=sequencer.events)
    assert list(sequencer.events) == result.events
    with pytest.raises(TypeError):
        sequencer.events[0] = result.events[0]
    sequencer.capture_many(result.events)
    assert sequencer.count == 2 * len(result.events)
    sequencer.clear()
    assert sequencer.count == 0 and list(sequencer.events) == []


def test_sequencer_exhaustive_replay() -> None:
    sequencer = EventSequencer()
    run_chaos_scenario(build_test_kernel(), ours.SCENARIO_RAPID_ENTRY_EXIT, event_capture=sequencer.events)
    n = sequencer.count
    assert 0 < n <= 6
    comparison = sequencer.replay_all_orders(build_test_kernel)
    assert comparison.exhaustive
    assert comparison.orders_tried == __import__("math").factorial(n)
    assert comparison.state_hashes  # at least one final state, each with the first order reaching it


def test_shuffled_replay_is_seeded() -> None:
    sequencer = EventSequencer()
    run_chaos_scenario(build_test_kernel(), ours.SCENARIO_ENTRY_EXIT_LOOP, event_capture=sequencer.events)
    a = [o.diagnostic_code for o in sequencer.replay_against(build_test_kernel(), shuffle=True, seed=7)]
    b = [o.diagnostic_code for o in sequencer.replay_against(build_test_kernel(), shuffle=True, seed=7)]
    assert a == b


# ---------------------------------------------------------------------------------------
# Kernels the caller built, and virtual time.


def _user_kernel(venue=None) -> ExecutionKernel:
    control = InMemoryControlPlane()
    control.update(ControlUpdate(mode=KernelMode.DEBUG, trace_transitions=True))
    return ExecutionKernel(max_slots=2, control_plane=control, venue=venue or MockVenueAdapter(MockVenueScenario()),
                           zinc_plane=InMemoryZincPlane())


LONG_SCENARIO = ChaosScenario(
    name="ten_minutes",
    steps=(ChaosStep(ChaosAction.ENTER, delay_before=120.0), ChaosStep(ChaosAction.WAIT, delay_before=240.0),
           ChaosStep(ChaosAction.MARK_PRICE, delay_before=60.0, reference_price=101.0),
           ChaosStep(ChaosAction.EXIT, delay_before=180.0)),
)


def test_user_kernel_runs_on_virtual_time() -> None:
    kernel = _user_kernel()
    start_ns = kernel.clock.now_ns()
    sequencer = EventSequencer()
    result = run_chaos_scenario(kernel, LONG_SCENARIO, event_capture=sequencer.events)
    assert kernel.clock.now_ns() - start_ns == 600 * 10**9
    assert result.elapsed_ns == 600 * 10**9
    assert len(result.outcomes) == 3 and result.final_outcome.diagnostic_code == KernelDiagnosticCode.OK
    assert sequencer.count == len(result.events) > 0
    checks = StateInvariantChecker(kernel).check_all(result)
    assert [c.name for c in checks][:6] == SEED_CHECKS
    # Without an input log the replay checks cannot run and are left out.
    assert "replay_converges" not in [c.name for c in checks]
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


def test_chaos_kernel_runs_on_virtual_time() -> None:
    result, checks = run_scenario_and_check(LONG_SCENARIO)
    assert result.elapsed_ns == 600 * 10**9
    assert all(c.passed for c in checks), result.failure_reason


def test_user_kernel_results_match_chaos_kernel() -> None:
    for scenario in ALL_SCENARIOS:
        on_user = run_chaos_scenario(_user_kernel(), scenario)
        on_stack = run_chaos_scenario(build_test_kernel(), scenario)
        assert on_user.slot_states[-1]["fsm_state"] == on_stack.slot_states[-1]["fsm_state"], scenario.name
        assert on_user.slot_states[-1]["size"] == on_stack.slot_states[-1]["size"], scenario.name


def test_seed_style_scenario_objects_are_accepted() -> None:
    # A scenario of any class with the seed's fields (e.g. the seed's own dataclasses).
    @dataclasses.dataclass(frozen=True)
    class Foreign:
        name: str
        steps: tuple
        description: str = ""

    result, checks = run_scenario_and_check(Foreign("foreign", ours.SCENARIO_RAPID_ENTRY_EXIT.steps))
    assert result.scenario_name == "foreign" and all(c.passed for c in checks)


def test_non_finite_step_is_driven_from_python() -> None:
    scenario = ChaosScenario("nan_price", (ChaosStep(ChaosAction.ENTER, reference_price=float("nan")),))
    result, checks = run_scenario_and_check(scenario)
    assert result.final_outcome.diagnostic_code != KernelDiagnosticCode.OK
    assert all(c.passed for c in checks if c.name in SEED_CHECKS)


def test_hand_built_result_is_checked() -> None:
    kernel = build_test_kernel()
    result = ChaosRunResult("hand", [], [], [{"fsm_state": "IDLE", "size": -1.0}], [], None)
    checks = {c.name: c for c in StateInvariantChecker(kernel).check_all(result)}
    assert not checks["size_conservation"].passed
