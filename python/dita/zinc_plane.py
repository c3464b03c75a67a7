"""The zinc plane: the kernel's journal (outcomes, transitions, terminal trade records, slot states)."""

from dita._core import InMemoryZincPlane, OutcomeRecord, RecoveredState

__all__ = ["InMemoryZincPlane", "OutcomeRecord", "RecoveredState"]
