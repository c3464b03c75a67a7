"""The control plane (see dita.control)."""

from dita.control import (
    ControlResult,
    ControlState,
    ControlUpdate,
    InMemoryControlPlane,
    KernelMode,
    KernelVerbosity,
    RiskLimits,
)

__all__ = [
    "ControlResult",
    "ControlState",
    "ControlUpdate",
    "InMemoryControlPlane",
    "KernelMode",
    "KernelVerbosity",
    "RiskLimits",
]
