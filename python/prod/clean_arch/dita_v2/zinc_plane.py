"""The zinc plane (see dita.zinc_plane)."""

from dita.zinc_plane import InMemoryZincPlane, OutcomeRecord, RecoveredState, SqliteZincPlane, ZincPlane

__all__ = ["InMemoryZincPlane", "OutcomeRecord", "RecoveredState", "SqliteZincPlane", "ZincPlane"]
