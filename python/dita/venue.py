"""The venue protocol: what the kernel needs from a venue, so a venue written in Python can
drive the C++ kernel.

Subclass :class:`VenueAdapter` (or implement the same methods on any object) and pass it to
``ExecutionKernel(..., venue=...)``. The kernel calls these methods on its own thread with
the GIL held for the call. They must not call back into the same kernel.

How failures reach the kernel (nothing ever unwinds through it):

* raise :class:`VenueUnavailableError` when the call was not made (kernel: UNAVAILABLE);
* raise :class:`VenueTimeoutError` when there was no answer and the order may or may not
  exist (kernel: UNKNOWN, reconciled later from venue truth);
* any other exception is a bug in the venue: the kernel treats the call like a timeout and
  the exception is reported through ``sys.unraisablehook`` (pytest shows it as a warning);
* KeyboardInterrupt and SystemExit let the kernel finish the input, then are re-raised.
"""

from __future__ import annotations

import abc
from typing import Iterable, Optional, Sequence

from dita._core import (
    BingxVenueAdapter,
    CancelRequest,
    InstrumentSpec,
    MockVenueAdapter,
    OrderRequest,
    VenueCallResult,
    VenueEvent,
    VenueOrder,
    VenuePosition,
    VenueTimeoutError,
    VenueUnavailableError,
)

__all__ = ["BingxVenueAdapter", "MockVenueAdapter", "VenueAdapter", "VenueTimeoutError", "VenueUnavailableError"]


class VenueAdapter(abc.ABC):
    """Base class for venues written in Python (MockVenueAdapter and BingxVenueAdapter are virtual
    subclasses)."""

    def name(self) -> str:
        """A short name used in diagnostics."""
        return type(self).__name__

    @abc.abstractmethod
    def instrument(self, asset: str) -> Optional[InstrumentSpec]:
        """Trading rules of ``asset`` (lot step, tick size, min quantity), or None if not traded."""

    @abc.abstractmethod
    def submit_order(self, request: OrderRequest) -> VenueCallResult:
        """Place an order. ACCEPTED: events follow (from drain_events); REJECTED: refused."""

    @abc.abstractmethod
    def cancel_order(self, request: CancelRequest) -> VenueCallResult:
        """Cancel an order. ACCEPTED: a CANCEL_ACK (or a fill that won the race) follows."""

    @abc.abstractmethod
    def drain_events(self) -> Iterable[VenueEvent]:
        """Every event that arrived since the last call, in arrival order."""

    @abc.abstractmethod
    def query_order(self, asset: str, client_order_id: str) -> Optional[VenueOrder]:
        """The venue's view of one order, or None if the venue never had it."""

    @abc.abstractmethod
    def open_orders(self, asset: str) -> Sequence[VenueOrder]:
        """Orders still working at the venue."""

    @abc.abstractmethod
    def positions(self, asset: str) -> Sequence[VenuePosition]:
        """Net positions at the venue."""


VenueAdapter.register(MockVenueAdapter)
VenueAdapter.register(BingxVenueAdapter)
