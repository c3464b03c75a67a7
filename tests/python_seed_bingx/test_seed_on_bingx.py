"""The users' own chaos layers, live: the seed module's orchestrator (run_chaos_scenario, its
ChaosOrchestrator layer), EventSequencer and StateInvariantChecker, imported unmodified from
shared/seed/test_chaos_seed.py (path in DITA_SEED_MODULE), drive all ten built-in scenarios
through dita.BingxVenueAdapter against dita.BingxSimulator with faults on.

Each scenario gets a simulator of its own (contracts like the mock's: lot 0.001, price 100),
started calm so the adapter connects, then faults switched on for the whole run. After the
orchestrator's last step the adapter is let come to rest and the kernel applies what arrived,
so the invariants are checked on the settled state too."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from dita import (
    BingxSimFaults,
    BingxSimulator,
    BingxVenueAdapter,
    ControlUpdate,
    ExecutionKernel,
    InMemoryControlPlane,
    InMemoryZincPlane,
    KernelDiagnosticCode,
    KernelMode,
    TradeStage,
)

REQUEST_TIMEOUT_MS = 1000


def _load_seed():
    path = os.environ.get("DITA_SEED_MODULE")
    if not path:
        raise RuntimeError("DITA_SEED_MODULE names shared/seed/test_chaos_seed.py (ctest sets it)")
    spec = importlib.util.spec_from_file_location("test_chaos_seed", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["test_chaos_seed"] = module
    spec.loader.exec_module(module)
    return module


seed = _load_seed()
ChaosOrchestrator = seed.run_chaos_scenario  # the module's first layer is this function
EventSequencer = seed.EventSequencer
StateInvariantChecker = seed.StateInvariantChecker

# Every ChaosScenario the module defines (SCENARIO_REJECT_* are aliases of two of them).
BUILT_INS = list({id(v): v for k, v in sorted(vars(seed).items())
                  if k.startswith("SCENARIO_") and isinstance(v, seed.ChaosScenario)}.values())
FAULTS_SEEN = {"faults": 0, "orders": 0, "runs": 0}


def test_there_are_ten_built_in_scenarios():
    assert len(BUILT_INS) == 10, [s.name for s in BUILT_INS]


def _kernel_on(venue: BingxVenueAdapter) -> ExecutionKernel:
    control = InMemoryControlPlane()
    control.update(ControlUpdate(mode=KernelMode.DEBUG, trace_transitions=True))  # as the seed builds it
    return ExecutionKernel(max_slots=2, control_plane=control, venue=venue, zinc_plane=InMemoryZincPlane())


def _settle(kernel: ExecutionKernel, venue: BingxVenueAdapter, result) -> None:
    """Lets late stream events, catch-ups and lost answers resolve, then has the kernel apply
    them; the outcomes and states join the run's so the checker sees them."""
    for _ in range(3):
        venue.wait_quiet(150, 20000)
        outcome = kernel.pump_venue()
        result.outcomes.append(outcome)
        result.slot_states.append(kernel.slot(0).to_dict())
        result.account_snapshots.append(dict(kernel.snapshot()["account"]))
        if venue.pending_events == 0 and not kernel.working_orders():
            break


@pytest.mark.parametrize("scenario", BUILT_INS, ids=lambda s: s.name)
def test_seed_scenario_through_bingx_with_faults(scenario) -> None:
    venue_kwargs = seed._venue_for_scenario(scenario)
    with BingxSimulator(quantity_precision=3, trade_min_quantity=0.001, trade_min_usdt=0.0, mark_price=100.0,
                        partial_fill_ratio=venue_kwargs.get("partial_fill_ratio", 1.0),
                        seed=1 + BUILT_INS.index(scenario)) as sim:
        options = sim.adapter_options()
        with BingxVenueAdapter(**options, send_price_with_market=True, request_timeout_ms=REQUEST_TIMEOUT_MS,
                               recv_window_ms=2000) as venue:
            sim.set_faults(BingxSimFaults.moderate(REQUEST_TIMEOUT_MS))
            kernel = _kernel_on(venue)
            sequencer = EventSequencer()
            result = ChaosOrchestrator(kernel, scenario, event_capture=sequencer.events)
            _settle(kernel, venue, result)

            checks = StateInvariantChecker(kernel).check_all(result)
            failures = [f"{c.name}: {c.detail}" for c in checks if not c.passed]
            assert not failures, f"{scenario.name}: " + "; ".join(failures)
            assert len(checks) == 6
            assert kernel.slot(0).fsm_state != TradeStage.STALE_STATE_RECONCILING

            # The captured stream replays on a fresh (mock) kernel as the seed's own replay tests do.
            assert sequencer.count == len(result.events)
            for shuffle in (False, True):
                for outcome in sequencer.replay_against(seed.build_test_kernel(), shuffle=shuffle, seed=42):
                    assert outcome.diagnostic_code != KernelDiagnosticCode.INVALID_SLOT_ID, outcome.details

            stats = sim.stats()
            FAULTS_SEEN["runs"] += 1
            FAULTS_SEEN["orders"] += stats["orders_created"]
            FAULTS_SEEN["faults"] += (stats["faults_5xx"] + stats["faults_slow"] + stats["faults_drop"]
                                      + stats["faults_rate_limit"] + stats["stream_duplicates"]
                                      + stats["stream_delays"] + stats["stream_drops"])


def test_faults_were_really_drawn():
    if FAULTS_SEEN["runs"] < len(BUILT_INS):
        pytest.fail("run the whole module: this checks what the ten scenario runs saw")
    assert FAULTS_SEEN["orders"] > 20
    assert FAULTS_SEEN["faults"] > 0, FAULTS_SEEN
