"""Enums and value types shared by the kernel, the venues and the chaos layer.

Everything here except ``KernelIntent`` is defined in C++ and immutable from Python (build a
changed copy with ``.replace(field=value)``). Value classes take keyword arguments only, and
offer ``to_dict()`` (JSON-ready), equality, hashing and pickling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Optional, Tuple

from dita import _core
from dita._core import (
    AccountSnapshot,
    AccountTotals,
    CancelRequest,
    FsmInput,
    InstrumentSpec,
    KernelCommandType,
    KernelDiagnosticCode,
    KernelEventKind,
    KernelOutcome,
    KernelSeverity,
    OrderPurpose,
    OrderRecord,
    OrderRequest,
    PositionMode,
    SlotSnapshot,
    TradeRecord,
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
    transition_table,
)

__all__ = [
    "AccountSnapshot",
    "AccountTotals",
    "CancelRequest",
    "FsmInput",
    "InstrumentSpec",
    "KernelCommandType",
    "KernelDiagnosticCode",
    "KernelEventKind",
    "KernelIntent",
    "KernelOutcome",
    "KernelSeverity",
    "OrderPurpose",
    "OrderRecord",
    "OrderRequest",
    "PositionMode",
    "SlotSnapshot",
    "TradeRecord",
    "TradeSide",
    "TradeSlot",
    "TradeStage",
    "Transition",
    "VenueCallResult",
    "VenueCallStatus",
    "VenueEvent",
    "VenueEventStatus",
    "VenueOrder",
    "VenueOrderStatus",
    "VenuePosition",
    "transition_table",
]


@dataclass(frozen=True)
class KernelIntent:
    """An intent as a strategy states it.

    ``action`` is ENTER, EXIT, CANCEL, MARK_PRICE or RECONCILE. ``target_size`` of an EXIT may
    be 0: close the next exit leg. ``exit_leg_ratios`` are cumulative fractions, strictly
    increasing, the last 1.0. ``timestamp`` is informational (naive datetimes are UTC); the
    kernel's clock orders events.

    Types are checked at construction (TypeError/ValueError naming the field). Values are
    the kernel's business: a NaN size is a valid KernelIntent that the kernel answers with
    INVALID_SIZE.
    """

    timestamp: Optional[datetime] = None
    intent_id: str = ""
    trade_id: str = ""
    slot_id: int = 0
    asset: str = "BTCUSDT"
    side: TradeSide = TradeSide.LONG
    action: KernelCommandType = KernelCommandType.ENTER
    reference_price: float = 0.0
    target_size: float = 0.0
    leverage: float = 1.0
    exit_leg_ratios: Tuple[float, ...] = (1.0,)
    reason: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # Checked once here, and kept: process_intent finds this conversion by identity.
        _core._intent_check(self, True)
        # Normalise what the check accepted: names to members, any sequence to a tuple.
        if type(self.side) is not TradeSide:
            object.__setattr__(self, "side", TradeSide(self.side))
        if type(self.action) is not KernelCommandType:
            object.__setattr__(self, "action", KernelCommandType(self.action))
        if type(self.exit_leg_ratios) is not tuple:
            object.__setattr__(self, "exit_leg_ratios", tuple(self.exit_leg_ratios))
