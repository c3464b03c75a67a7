"""BingX USDT-M perpetual swaps from Python: the C++ adapter and the local simulator.

``BingxVenueAdapter`` is a venue for ``ExecutionKernel(..., venue=...)``, like the mock. It talks
to the real exchange, its demo host, or a ``BingxSimulator`` on 127.0.0.1; only URLs and keys
differ. A host that is not loopback is refused unless ``live=True`` and both caps are set::

    with dita.BingxSimulator() as sim, dita.BingxVenueAdapter(**sim.adapter_options()) as venue:
        kernel = dita.ExecutionKernel(2, dita.InMemoryControlPlane(), venue, dita.InMemoryZincPlane())

A kernel on a BingX venue reads the wall clock unless given another clock.
"""

from dita._core import BingxSimFaults, BingxSimulator, BingxVenueAdapter

__all__ = ["BingxSimFaults", "BingxSimulator", "BingxVenueAdapter"]
