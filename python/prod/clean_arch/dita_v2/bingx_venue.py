"""The BingX venue and the local BingX simulator (see dita.bingx_venue)."""

from dita.bingx_venue import BingxSimFaults, BingxSimulator, BingxVenueAdapter

__all__ = ["BingxSimFaults", "BingxSimulator", "BingxVenueAdapter"]
