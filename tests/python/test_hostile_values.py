"""Hostile values through the binding (issue 12): every conversion failure is a TypeError or a
ValueError naming the field (never a SystemError from a pending OverflowError, never an abort),
exact money is accepted as decimal.Decimal or a decimal str, and snapshots, journal totals and
mock venue requests beyond the kernel's bounds are refused with a diagnostic."""

from __future__ import annotations

import decimal

import pytest

from dita import (
    AccountTotals,
    ExecutionKernel,
    InMemoryControlPlane,
    InMemoryZincPlane,
    KernelDiagnosticCode,
    KernelIntent,
    KernelSeverity,
    MockVenueAdapter,
    OrderPurpose,
    OrderRecord,
    OrderRequest,
    RecoveredState,
    TradeSide,
    VenueCallStatus,
    VenueEvent,
)


class HugeIndex:
    """An int-like whose value no C integer holds."""

    def __index__(self):
        return 1 << 200


class FloatRaises:
    def __float__(self):
        raise OverflowError("too big for you")


class IndexRaises:
    def __index__(self):
        raise OverflowError("no index today")


def kernel_with(venue=None, zinc=None):
    return ExecutionKernel(2, InMemoryControlPlane(), venue or MockVenueAdapter(), zinc or InMemoryZincPlane())


@pytest.mark.parametrize("value", [HugeIndex(), FloatRaises(), IndexRaises(), 1 << 2000, decimal.Decimal("sNaN"),
                                   decimal.Decimal("NaN"), decimal.Decimal("1e400"), "1e5", "abc", "\ud800"])
def test_a_bad_number_is_a_value_or_type_error_naming_the_field(value):
    with pytest.raises((TypeError, ValueError)) as raised:
        VenueEvent(cum_fee=value)
    assert not isinstance(raised.value, SystemError)
    assert "cum_fee" in str(raised.value)


@pytest.mark.parametrize("value", [HugeIndex(), IndexRaises(), 1 << 2000, -(1 << 70)])
def test_a_bad_integer_is_a_value_or_type_error_naming_the_field(value):
    with pytest.raises((TypeError, ValueError)) as raised:
        VenueEvent(venue_sequence=value)
    assert not isinstance(raised.value, SystemError)
    assert "venue_sequence" in str(raised.value)


def test_a_bool_field_with_a_huge_int_is_a_type_error():
    with pytest.raises(TypeError, match="acked must be a bool"):
        OrderRecord(acked=1 << 100)


def test_a_lone_surrogate_is_a_value_error_naming_the_field():
    with pytest.raises(ValueError, match="asset"):
        VenueEvent(asset="\ud800")


def test_exact_money_as_decimal_or_str():
    # 1e8 + 1e-8 is not a double; as text or Decimal it is exact.
    assert VenueEvent(avg_fill_price="99999999.00000001").to_dict()["avg_fill_price"] == pytest.approx(99999999.00000001)
    event = VenueEvent(cum_fee=decimal.Decimal("0.00000003"), cum_filled_qty="0.123")
    assert event.cum_fee == 3e-8 and event.cum_filled_qty == 0.123
    assert VenueEvent(cum_fee=decimal.Decimal("1E+2")).cum_fee == 100.0
    with pytest.raises(ValueError, match="cum_fee.*exact decimal with at most 8"):
        VenueEvent(cum_fee="0.000000001")
    with pytest.raises(ValueError, match="cum_fee"):
        VenueEvent(cum_fee=decimal.Decimal("0.123456789"))
    with pytest.raises(ValueError, match="cum_fee"):
        VenueEvent(cum_fee="1e-3")


def test_an_intent_takes_exact_money_too(make_kernel, intent):
    kernel = make_kernel()
    outcome = kernel.process_intent(intent("ENTER", target_size="0.01", reference_price=decimal.Decimal("100.5")))
    assert outcome.diagnostic_code == KernelDiagnosticCode.OK, outcome.details
    assert kernel.slot(0).size == 0.01 and kernel.slot(0).entry_price == 100.5
    with pytest.raises(ValueError, match="KernelIntent.target_size"):
        kernel.process_intent(intent("ENTER", slot_id=1, target_size="lots"))


def open_position(make_kernel, intent):
    kernel = make_kernel()
    kernel.process_intent(intent("ENTER"))
    assert kernel.slot(0).size == 0.01
    return kernel


def refused(outcome):
    assert outcome.diagnostic_code == KernelDiagnosticCode.INVALID_SNAPSHOT, outcome.details
    assert outcome.severity == KernelSeverity.ERROR


def test_a_snapshot_with_an_empty_asset_is_refused(make_kernel, intent):
    kernel = open_position(make_kernel, intent)
    snapshot = kernel.slot(0)._snapshot()
    bad = snapshot.replace(slot=snapshot.slot.replace(asset=""))
    other = make_kernel()
    refused(other.reconcile_from_slots([bad]))
    assert other.slot(0).size == 0
    # The next EXIT is an ordinary refusal, not an assertion.
    other.process_intent(intent("EXIT"))
    refused(other.restore(RecoveredState(input_sequence=1, totals=AccountTotals(initial_capital=10000.0),
                                         slots=[bad], finished_orders=[])))


@pytest.mark.parametrize("field,value", [("exit_notional", float(1 << 31)), ("exit_notional", -1.0),
                                         ("target_size", 1e9), ("pending_exit_price", 1e9), ("leverage", 1e9),
                                         ("leverage", 1e-8)])
def test_a_snapshot_beyond_the_bounds_is_refused(make_kernel, intent, field, value):
    kernel = open_position(make_kernel, intent)
    snapshot = kernel.slot(0)._snapshot()
    bad = snapshot.replace(slot=snapshot.slot.replace(**{field: value}))
    other = make_kernel()
    refused(other.reconcile_from_slots([bad]))
    other.process_intent(intent("EXIT"))
    other.account()


def test_tampered_journal_totals_are_refused(make_kernel, intent):
    zinc = InMemoryZincPlane()
    venue = MockVenueAdapter()
    first = kernel_with(venue, zinc)
    first.process_intent(intent("ENTER"))
    recovered = zinc.recover()
    # Beyond what the Python conversion allows (1e10) a total cannot even be built.
    with pytest.raises(ValueError, match="realized_pnl"):
        AccountTotals(initial_capital=10000.0, realized_pnl=9e10, fees_paid=0.0)
    for totals in [AccountTotals(initial_capital=10000.0, realized_pnl=0.0, fees_paid=-1.0),
                   AccountTotals(initial_capital=-1.0, realized_pnl=0.0, fees_paid=0.0)]:
        second = kernel_with(venue)
        refused(second.restore(recovered.replace(totals=totals)))
        second.account()  # no overflow: nothing was restored


def test_a_tampered_order_record_is_refused(make_kernel, intent):
    kernel = open_position(make_kernel, intent)
    snapshot = kernel.slot(0)._snapshot()
    order = snapshot.orders[0]
    for tampered in [order.replace(qty=5e9), order.replace(avg_fill_price=5e9), order.replace(cum_fee=5e9)]:
        other = make_kernel()
        refused(other.reconcile_from_slots([snapshot.replace(orders=[tampered])]))


def test_the_mock_venue_refuses_a_huge_order():
    venue = MockVenueAdapter()
    for qty, price in [(5e9, 100.0), (1e6, 1e7), (0.01, 5e9)]:
        result = venue.submit_order(OrderRequest(client_order_id=f"c-{qty}-{price}", asset="BTCUSDT",
                                                 side=TradeSide.LONG, purpose=OrderPurpose.ENTRY, qty=qty,
                                                 reference_price=price, leverage=1.0))
        assert result.status in (VenueCallStatus.ACCEPTED, VenueCallStatus.REJECTED)
        events = venue.drain_events()
        assert all(e.cum_filled_qty == 0 for e in events), events
    assert venue.positions("BTCUSDT") is not None
