"""The VenueAdapter protocol and the venues that implement it (see dita.venue)."""

from dita.venue import BingxVenueAdapter, MockVenueAdapter, VenueAdapter, VenueTimeoutError, VenueUnavailableError

__all__ = ["BingxVenueAdapter", "MockVenueAdapter", "VenueAdapter", "VenueTimeoutError", "VenueUnavailableError"]
