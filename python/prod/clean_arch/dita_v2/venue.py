"""The VenueAdapter protocol (see dita.venue)."""

from dita.venue import VenueAdapter, VenueTimeoutError, VenueUnavailableError

__all__ = ["VenueAdapter", "VenueTimeoutError", "VenueUnavailableError"]
