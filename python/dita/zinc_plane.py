"""The zinc plane: the kernel's journal (outcomes, transitions, terminal trade records, slot
states, recently finished orders). InMemoryZincPlane for tests and chaos runs; SqliteZincPlane,
durable, for production."""

from dita._core import (
    FinishedOrder,
    InMemoryZincPlane,
    OutcomeRecord,
    RecoveredState,
    SqliteZincPlane,
    ZincPlane,
)

__all__ = ["FinishedOrder", "InMemoryZincPlane", "OutcomeRecord", "RecoveredState", "SqliteZincPlane", "ZincPlane"]
