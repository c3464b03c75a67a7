"""The deterministic in-process mock venue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from dita import _core
from dita._core import MockVenueAdapter, MockVenueCounters

__all__ = ["MockVenueAdapter", "MockVenueCounters", "MockVenueScenario"]


@dataclass(frozen=True)
class MockVenueScenario:
    """How the mock venue behaves.

    Market orders fill at the order's reference price; ``partial_fill_ratio`` of each order
    fills at once (floored to the lot step) and the rest stays working. Fees are
    ``taker_fee_rate`` of the notional. Invalid values (NaN, negative, ratio above 1,
    lot_step <= 0, probabilities outside 0..1) raise ValueError.

    Fault injection (all off by default) is drawn from ``seed``, so a scenario and a seed
    reproduce a run exactly: probabilities are per event or per call, times in nanoseconds of
    the venue's clock.
    """

    reject_entries: bool = False
    reject_exits: bool = False
    partial_fill_ratio: float = 1.0
    cancel_reject: bool = False
    taker_fee_rate: float = 0.0005
    maker_fee_rate: float = 0.0002
    lot_step: float = 0.001
    tick_size: float = 0.1
    min_qty: float = 0.001
    assets: Tuple[str, ...] = ("BTCUSDT",)
    seed: int = 0
    finished_orders_retained_max: int = 2048  #: like a venue's query window
    latency_ns: int = 0  #: events become deliverable this long after they happen
    duplicate_probability: float = 0.0  #: an event is delivered twice
    reorder_probability: float = 0.0  #: an event overtakes the one queued before it
    drop_probability: float = 0.0  #: an event is never delivered (reconcile recovers it)
    delay_probability: float = 0.0  #: an event is held back up to delay_ns_max
    delay_ns_max: int = 0
    submit_unknown_probability: float = 0.0  #: submit's answer is lost (the order may exist)
    cancel_unknown_probability: float = 0.0  #: cancel's answer is lost
    random_reject_probability: float = 0.0  #: an order is rejected by the venue
    random_cancel_reject_probability: float = 0.0
    late_fill_on_cancel_probability: float = 0.0  #: a cancel ack races a fill that arrives after it
    overfill_probability: float = 0.0  #: the venue reports one lot more than ordered
    short_fill_probability: float = 0.0  #: the venue reports FILLED below the quantity
    random_partial_fills: bool = False  #: fill share drawn per order instead of the ratio
    initial_foreign_position: float = 0.0  #: signed size held at start that no kernel order made
    initial_foreign_position_price: float = 0.0  #: its price (positive when the size is not 0)
    reduce_only_exits: bool = True  #: exits only reduce the account's position (BingX reduceOnly)
    #: HEDGE (long and short apart, the BingX adapter's default) or ONE_WAY (one net position)
    position_mode: _core.PositionMode = _core.PositionMode.HEDGE
    maintenance_margin_rate: float = 0.004  #: isolated margin: liquidated at this maintenance rate
    liquidation_fee_rate: float = 0.006  #: of the notional, never more than the margin left
    liquidations: bool = True  #: False: a venue that never liquidates (capital can go below zero)
    funding_rate: float = 0.0001  #: per interval; longs pay shorts when positive
    funding_interval_ns: int = 28_800_000_000_000  #: 8 h of the venue's clock
    adl_probability: float = 0.0  #: at a market move, part of a profitable position is auto-deleveraged
    manual_close_probability: float = 0.0  #: at a market move, a person closes part or all of one

    def __post_init__(self) -> None:
        _core._scenario_check(self)
        if type(self.assets) is not tuple:
            object.__setattr__(self, "assets", tuple(self.assets))
