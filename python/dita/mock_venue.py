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
    lot_step <= 0) raise ValueError.
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

    def __post_init__(self) -> None:
        _core._scenario_check(self)
        if type(self.assets) is not tuple:
            object.__setattr__(self, "assets", tuple(self.assets))
