"""The zinc plane: the kernel's journal (outcomes, transitions, terminal trade records, slot
states). InMemoryZincPlane for tests and chaos runs; SqliteZincPlane, durable, for production."""

from dita._core import InMemoryZincPlane, OutcomeRecord, RecoveredState, SqliteZincPlane, ZincPlane

__all__ = ["InMemoryZincPlane", "OutcomeRecord", "RecoveredState", "SqliteZincPlane", "ZincPlane"]
