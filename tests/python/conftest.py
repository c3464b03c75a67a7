"""Shared fixtures for the binding's tests. Run against the built package:
PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python (ctest does this)."""

from __future__ import annotations

import itertools
from typing import Callable

import pytest

import dita
from dita import (
    ControlUpdate,
    ExecutionKernel,
    InMemoryControlPlane,
    InMemoryZincPlane,
    KernelCommandType,
    KernelIntent,
    KernelMode,
    MockVenueAdapter,
    MockVenueScenario,
    TradeSide,
)


def pytest_report_header(config):
    return f"dita binding from {dita.__file__}"


@pytest.fixture
def make_kernel() -> Callable[..., ExecutionKernel]:
    """A kernel on the mock venue (DEBUG mode, tracing on), as the seed builds it."""

    def build(max_slots: int = 2, debug: bool = True, **scenario) -> ExecutionKernel:
        control = InMemoryControlPlane()
        if debug:
            control.update(ControlUpdate(mode=KernelMode.DEBUG, trace_transitions=True))
        venue = MockVenueAdapter(MockVenueScenario(**scenario))
        return ExecutionKernel(max_slots=max_slots, control_plane=control, venue=venue, zinc_plane=InMemoryZincPlane())

    return build


@pytest.fixture
def intent() -> Callable[..., KernelIntent]:
    """Builds intents with unique ids and the seed's defaults (SHORT 0.01 @ 100)."""
    counter = itertools.count(1)

    def build(action=KernelCommandType.ENTER, **fields) -> KernelIntent:
        n = next(counter)
        action = KernelCommandType(action)
        values = dict(intent_id=f"it-{n}-{action.value.lower()}", trade_id=f"trade-{n}", slot_id=0,
                      asset="BTCUSDT", side=TradeSide.SHORT, action=action, reference_price=100.0,
                      target_size=0.01, leverage=1.0)
        values.update(fields)
        return KernelIntent(**values)

    return build
