"""A venue written in Python drives the C++ kernel through the VenueAdapter protocol; whatever
the Python code does (raise, return junk, re-enter the kernel, get interrupted), nothing
unwinds through the kernel and every failure is visible."""

from __future__ import annotations

import contextlib
import itertools
import sys
import threading
from typing import Dict, List, Optional

import pytest

from dita import (
    CancelRequest,
    ExecutionKernel,
    InMemoryControlPlane,
    InMemoryZincPlane,
    InstrumentSpec,
    KernelDiagnosticCode,
    KernelEventKind,
    KernelSeverity,
    MockVenueAdapter,
    OrderPurpose,
    OrderRequest,
    TradeSide,
    TradeStage,
    VenueAdapter,
    VenueCallResult,
    VenueCallStatus,
    VenueEvent,
    VenueEventStatus,
    VenueOrder,
    VenueOrderStatus,
    VenuePosition,
    VenueTimeoutError,
    VenueUnavailableError,
)
from prod.clean_arch.dita_v2.venue import VenueAdapter as CompatVenueAdapter


class PyExchange(VenueAdapter):
    """A small exchange in Python: market orders fill at the reference price unless `rest` is
    set, in which case they stay working until canceled. Fee: 0.1% of notional."""

    def __init__(self, rest: bool = False):
        self.rest = rest
        self.orders: Dict[str, VenueOrder] = {}
        self.pending: List[VenueEvent] = []
        self.requests: List[OrderRequest] = []
        self.threads = set()
        self.sequence = itertools.count(1)
        self.net = 0.0

    def name(self) -> str:
        return "pyx"

    def instrument(self, asset: str) -> Optional[InstrumentSpec]:
        self.threads.add(threading.get_ident())
        if asset != "BTCUSDT":
            return None
        return InstrumentSpec(asset=asset, lot_step=0.001, tick_size=0.1, min_qty=0.001)

    def _emit(self, order: VenueOrder, kind: KernelEventKind) -> None:
        self.pending.append(VenueEvent(kind=kind, status=VenueEventStatus(order.status.value),
                                       venue_order_id=order.venue_order_id, client_order_id=order.client_order_id,
                                       slot_id=order.slot_id, trade_id=order.trade_id, side=order.side,
                                       asset=order.asset, order_qty=order.qty, cum_filled_qty=order.cum_filled_qty,
                                       avg_fill_price=order.avg_fill_price, cum_fee=order.cum_fee,
                                       venue_sequence=next(self.sequence)))

    def submit_order(self, request: OrderRequest) -> VenueCallResult:
        self.threads.add(threading.get_ident())
        self.requests.append(request)
        order = VenueOrder(client_order_id=request.client_order_id, venue_order_id=f"py{len(self.orders) + 1}",
                           asset=request.asset, side=request.side, purpose=request.purpose, qty=request.qty,
                           status=VenueOrderStatus.NEW, slot_id=request.slot_id, trade_id=request.trade_id)
        self._emit(order, KernelEventKind.ORDER_ACK)
        if not self.rest:
            notional = request.qty * request.reference_price
            order = order.replace(status=VenueOrderStatus.FILLED, cum_filled_qty=request.qty,
                                  avg_fill_price=request.reference_price, cum_fee=notional * 0.001)
            sign = 1 if (request.side == TradeSide.LONG) == (request.purpose == OrderPurpose.ENTRY) else -1
            self.net += sign * request.qty
            self._emit(order, KernelEventKind.FILL)
        self.orders[order.client_order_id] = order
        return VenueCallResult(status=VenueCallStatus.ACCEPTED, venue_order_id=order.venue_order_id)

    def cancel_order(self, request: CancelRequest) -> VenueCallResult:
        order = self.orders.get(request.client_order_id)
        if order is None or order.status != VenueOrderStatus.NEW:
            return VenueCallResult(status=VenueCallStatus.REJECTED, detail="not working")
        order = order.replace(status=VenueOrderStatus.CANCELED)
        self.orders[order.client_order_id] = order
        self._emit(order, KernelEventKind.CANCEL_ACK)
        return VenueCallResult(status=VenueCallStatus.ACCEPTED, venue_order_id=order.venue_order_id)

    def drain_events(self):
        self.threads.add(threading.get_ident())
        out, self.pending = self.pending, []
        return out

    def query_order(self, asset: str, client_order_id: str) -> Optional[VenueOrder]:
        order = self.orders.get(client_order_id)
        return order if order is not None and order.asset == asset else None

    def open_orders(self, asset: str):
        return [o for o in self.orders.values() if o.asset == asset and o.status == VenueOrderStatus.NEW]

    def positions(self, asset: str):
        if abs(self.net) < 1e-12:
            return []
        side = TradeSide.LONG if self.net > 0 else TradeSide.SHORT
        return [VenuePosition(asset=asset, side=side, size=round(abs(self.net), 8))]


def make_kernel(venue) -> ExecutionKernel:
    return ExecutionKernel(2, InMemoryControlPlane(), venue, InMemoryZincPlane())


@contextlib.contextmanager
def reports():
    """Collects what the binding reports through sys.unraisablehook (pytest installs its own
    hook around each test, so this is set inside the test body)."""
    seen = []
    previous = sys.unraisablehook
    sys.unraisablehook = seen.append
    try:
        yield seen
    finally:
        sys.unraisablehook = previous


def test_a_python_venue_drives_a_full_trade(intent):
    venue = PyExchange()
    kernel = make_kernel(venue)
    entered = kernel.process_intent(intent("ENTER", side=TradeSide.LONG, target_size=0.003))
    assert entered.diagnostic_code == KernelDiagnosticCode.OK, entered.details
    assert [e.kind for e in entered.emitted_events] == [KernelEventKind.ORDER_ACK, KernelEventKind.FILL]
    assert entered.emitted_events[1].venue_order_id == "py1"
    request = venue.requests[0]
    assert request.purpose == OrderPurpose.ENTRY and request.side == TradeSide.LONG and request.qty == 0.003
    assert request.slot_id == 0 and request.reference_price == 100.0
    assert kernel.slot(0).fsm_state == TradeStage.POSITION_OPEN and kernel.slot(0).size == 0.003

    exited = kernel.process_intent(intent("EXIT", reference_price=150.0, target_size=0.0))
    assert exited.ok, exited.details
    assert venue.requests[1].purpose == OrderPurpose.EXIT and venue.requests[1].qty == 0.003
    slot = kernel.slot(0)
    assert slot.fsm_state == TradeStage.TRADE_TERMINAL_WRITTEN
    assert slot.realized_pnl == pytest.approx(0.15)
    assert slot.fees == pytest.approx(0.003 * 100 * 0.001 + 0.003 * 150 * 0.001)
    # The kernel calls the venue on the caller's thread.
    assert venue.threads == {threading.get_ident()}
    assert kernel.venue is venue
    assert isinstance(MockVenueAdapter(), VenueAdapter) and CompatVenueAdapter is VenueAdapter


def test_cancel_and_reconcile_against_a_python_venue(intent):
    venue = PyExchange(rest=True)
    kernel = make_kernel(venue)
    assert kernel.process_intent(intent("ENTER")).ok
    assert kernel.slot(0).fsm_state == TradeStage.ENTRY_WORKING
    assert len(kernel.working_orders()) == 1
    outcome = kernel.reconcile_from_slots([kernel.slot(0), None])
    assert outcome.severity == KernelSeverity.INFO, outcome.details
    assert kernel.slot(0).fsm_state == TradeStage.ENTRY_WORKING
    canceled = kernel.process_intent(intent("CANCEL"))
    assert canceled.ok and [e.kind for e in canceled.emitted_events] == [KernelEventKind.CANCEL_ACK]
    assert kernel.slot(0).fsm_state == TradeStage.TRADE_TERMINAL_WRITTEN and kernel.working_orders() == []
    again = kernel.process_intent(intent("CANCEL"))
    assert again.diagnostic_code == KernelDiagnosticCode.NOTHING_TO_CANCEL and again.severity == KernelSeverity.INFO


def test_duck_typed_venues_need_no_base_class(intent):
    class Duck:
        def __init__(self):
            self.inner = PyExchange()

        def __getattr__(self, name):
            return getattr(self.inner, name)

    kernel = make_kernel(Duck())
    assert kernel.process_intent(intent("ENTER")).ok


class Faulty(PyExchange):
    """PyExchange whose submit_order misbehaves in a chosen way."""

    def __init__(self, fault):
        super().__init__()
        self.fault = fault

    def submit_order(self, request):
        result = self.fault(self, request)
        return super().submit_order(request) if result is None else result


def raise_(exc):
    def fault(venue, request):
        raise exc

    return fault


def test_a_bug_in_the_venue_is_reported_and_the_order_treated_as_unknown(intent):
    kernel = make_kernel(Faulty(raise_(RuntimeError("boom"))))
    with reports() as unraisable:
        outcome = kernel.process_intent(intent("ENTER"))
    assert outcome.diagnostic_code == KernelDiagnosticCode.OUTCOME_UNKNOWN
    assert "venue pyx.submit_order raised RuntimeError: boom" in outcome.details
    assert len(unraisable) == 1 and isinstance(unraisable[0].exc_value, RuntimeError)
    assert "submit_order" in str(unraisable[0].object)
    # The order's fate is left to the venue, not assumed: the slot waits for it.
    assert kernel.slot(0).fsm_state == TradeStage.ORDER_SENT
    assert kernel.working_orders()[0].outcome_unknown


@pytest.mark.parametrize("fault,code,detail,stage", [
    (raise_(VenueUnavailableError("maintenance")), KernelDiagnosticCode.VENUE_UNAVAILABLE, "maintenance",
     TradeStage.ORDER_REJECTED),
    (raise_(VenueTimeoutError("10s")), KernelDiagnosticCode.OUTCOME_UNKNOWN, "no answer: 10s", TradeStage.ORDER_SENT),
    (lambda venue, request: VenueCallResult(status=VenueCallStatus.REJECTED, detail="margin"),
     KernelDiagnosticCode.ORDER_REJECTED, "margin", TradeStage.ORDER_REJECTED),
])
def test_venue_answers_by_exception_or_value(intent, fault, code, detail, stage):
    kernel = make_kernel(Faulty(fault))
    with reports() as unraisable:
        outcome = kernel.process_intent(intent("ENTER"))
    assert outcome.diagnostic_code == code and detail in outcome.details, outcome.details
    assert kernel.slot(0).fsm_state == stage
    assert unraisable == []  # expected answers, not bugs


@pytest.mark.parametrize("fault,code,detail", [
    (raise_(VenueUnavailableError("maintenance")), KernelDiagnosticCode.VENUE_UNAVAILABLE, "not sent"),
    (lambda venue, request: VenueCallResult(status=VenueCallStatus.REJECTED, detail="reduce only"),
     KernelDiagnosticCode.ORDER_REJECTED, "reduce only"),
])
def test_a_refused_exit_keeps_the_position(intent, fault, code, detail):
    venue = Faulty(lambda venue, request: None)
    kernel = make_kernel(venue)
    assert kernel.process_intent(intent("ENTER")).ok
    venue.fault = fault
    outcome = kernel.process_intent(intent("EXIT"))
    assert outcome.diagnostic_code == code and detail in outcome.details, outcome.details
    assert kernel.slot(0).fsm_state == TradeStage.POSITION_OPEN and kernel.slot(0).size == 0.01


@pytest.mark.parametrize("junk", [42, "ok", VenueOrder(), {"status": "NOPE"}])
def test_junk_from_the_venue_is_a_reported_failure(intent, junk):
    kernel = make_kernel(Faulty(lambda venue, request: junk))
    with reports() as unraisable:
        outcome = kernel.process_intent(intent("ENTER"))
    assert outcome.diagnostic_code == KernelDiagnosticCode.OUTCOME_UNKNOWN
    assert "submit_order" in outcome.details
    assert len(unraisable) == 1 and isinstance(unraisable[0].exc_value, (TypeError, ValueError))


def test_bad_events_from_drain_are_cut_off_and_reported(intent):
    class BadDrain(PyExchange):
        def drain_events(self):
            events = super().drain_events()
            return events[:1] + ["not an event"] + events[1:] if events else events

    kernel = make_kernel(BadDrain())
    with reports() as unraisable:
        outcome = kernel.process_intent(intent("ENTER"))
    # The ack before the bad item was applied; the kernel carries on without the rest.
    assert [e.kind for e in outcome.emitted_events] == [KernelEventKind.ORDER_ACK]
    assert kernel.slot(0).fsm_state == TradeStage.ENTRY_WORKING
    assert len(unraisable) == 1 and "drain_events() item 1" in str(unraisable[0].exc_value)


def test_a_runaway_drain_is_bounded(intent):
    class Runaway(PyExchange):
        floods = 1

        def drain_events(self):
            if self.floods:
                self.floods -= 1
                return itertools.repeat(VenueEvent(kind=KernelEventKind.ORDER_ACK, client_order_id="ghost"))
            return super().drain_events()

    kernel = make_kernel(Runaway())
    with reports() as unraisable:
        outcome = kernel.process_intent(intent("ENTER"))
    assert len(outcome.emitted_events) == 65536 + 2  # the cap, then the real ack and fill
    assert kernel.slot(0).fsm_state == TradeStage.POSITION_OPEN
    assert len(unraisable) == 1 and "more than 65536" in str(unraisable[0].exc_value)


def test_query_failures_keep_a_slot_reconciling_until_the_venue_answers(intent):
    class Flaky(PyExchange):
        down = False

        def query_order(self, asset, client_order_id):
            if self.down:
                raise VenueUnavailableError("connection refused")
            return super().query_order(asset, client_order_id)

    venue = Flaky()
    kernel = make_kernel(venue)
    kernel.process_intent(intent("ENTER"))
    venue.down = True
    with reports() as unraisable:
        outcome = kernel.reconcile_from_slots([kernel.slot(0)])
    assert outcome.diagnostic_code == KernelDiagnosticCode.VENUE_UNAVAILABLE
    assert "connection refused" in outcome.details
    assert kernel.slot(0).fsm_state == TradeStage.STALE_STATE_RECONCILING
    venue.down = False
    kernel.reconcile_from_slots([kernel.slot(0)])
    assert kernel.slot(0).fsm_state == TradeStage.POSITION_OPEN
    assert unraisable == []


def test_keyboard_interrupt_reaches_the_caller_after_the_kernel_finished(intent):
    kernel = make_kernel(Faulty(raise_(KeyboardInterrupt())))
    before = kernel.input_sequence
    with reports() as unraisable, pytest.raises(KeyboardInterrupt):
        kernel.process_intent(intent("ENTER"))
    assert kernel.input_sequence == before + 1  # the input was fully handled
    assert kernel.slot(0).fsm_state == TradeStage.ORDER_SENT and kernel.working_orders()[0].outcome_unknown
    assert unraisable == []
    # The interrupt is delivered once; the kernel keeps working.
    assert kernel.process_intent(intent("MARK_PRICE", reference_price=100.0)).ok


def test_the_kernel_cannot_be_reentered_from_its_venue(intent):
    seen = {}

    class Reentrant(PyExchange):
        kernel = None

        def submit_order(self, request):
            seen["slot"] = self.kernel.slot(request.slot_id).fsm_state  # reading is fine
            self.kernel.process_intent(intent("MARK_PRICE", reference_price=1.0))  # re-entering is not
            return super().submit_order(request)

    venue = Reentrant()
    kernel = make_kernel(venue)
    venue.kernel = kernel
    with reports() as unraisable:
        outcome = kernel.process_intent(intent("ENTER"))
    assert seen["slot"] == TradeStage.ORDER_SENT
    assert outcome.diagnostic_code == KernelDiagnosticCode.OUTCOME_UNKNOWN
    assert len(unraisable) == 1 and "not reentrant" in str(unraisable[0].exc_value)
    assert kernel.mark_price("BTCUSDT") is None


def test_a_venue_can_wrap_the_mock(intent):
    class Delayed(VenueAdapter):
        """Holds the mock's events back for one drain: a slow venue, written in Python."""

        def __init__(self):
            self.mock = MockVenueAdapter()
            self.held = []

        def instrument(self, asset):
            return self.mock.instrument(asset)

        def submit_order(self, request):
            return self.mock.submit_order(request)

        def cancel_order(self, request):
            return self.mock.cancel_order(request)

        def drain_events(self):
            out, self.held = self.held, list(self.mock.drain_events())
            return out

        def query_order(self, asset, client_order_id):
            return self.mock.query_order(asset, client_order_id)

        def open_orders(self, asset):
            return self.mock.open_orders(asset)

        def positions(self, asset):
            return self.mock.positions(asset)

    kernel = make_kernel(Delayed())
    first = kernel.process_intent(intent("ENTER"))
    assert first.emitted_events == () and kernel.slot(0).fsm_state == TradeStage.ORDER_SENT
    pumped = kernel.pump_venue()
    assert [e.kind for e in pumped.emitted_events] == [KernelEventKind.ORDER_ACK, KernelEventKind.FILL]
    assert kernel.slot(0).fsm_state == TradeStage.POSITION_OPEN
