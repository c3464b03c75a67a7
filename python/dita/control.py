"""The control plane: run-time switches the kernel reads on every input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from dita import _core
from dita._core import ControlResult, ControlState, InMemoryControlPlane, KernelMode, KernelVerbosity, RiskLimits

__all__ = [
    "ControlResult",
    "ControlState",
    "ControlUpdate",
    "InMemoryControlPlane",
    "KernelMode",
    "KernelVerbosity",
    "RiskLimits",
]


@dataclass(frozen=True)
class ControlUpdate:
    """A change to the control plane; fields left None keep their current value.

    Risk limits: ``max_position_size`` and ``max_notional`` of 0 mean no limit;
    ``max_leverage`` is at least 1. A refused update raises ValueError here already.
    """

    mode: Optional[KernelMode] = None
    verbosity: Optional[KernelVerbosity] = None
    trace_transitions: Optional[bool] = None
    max_position_size: Optional[float] = None
    max_notional: Optional[float] = None
    max_leverage: Optional[float] = None
    reason: str = ""

    def __post_init__(self) -> None:
        _core._control_update_check(self)
        if self.mode is not None and type(self.mode) is not KernelMode:
            object.__setattr__(self, "mode", KernelMode(self.mode))
        if self.verbosity is not None and type(self.verbosity) is not KernelVerbosity:
            object.__setattr__(self, "verbosity", KernelVerbosity(self.verbosity))
