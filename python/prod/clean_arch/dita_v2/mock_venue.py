"""The deterministic mock venue (see dita.mock_venue)."""

from dita.mock_venue import MockVenueAdapter, MockVenueCounters, MockVenueScenario

__all__ = ["MockVenueAdapter", "MockVenueCounters", "MockVenueScenario"]
