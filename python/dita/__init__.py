"""dita: a deterministic C++ execution kernel for perpetual-futures trading, from Python.

The kernel, venues, control plane and zinc plane are C++ (``dita._core``); this package adds
the Python-side value types users build (``KernelIntent``, ``MockVenueScenario``,
``ControlUpdate``), the ``VenueAdapter`` protocol for venues written in Python, and BingX
(``BingxVenueAdapter``, ``BingxSimulator``).

Enums are ``str`` enums whose values are the member names (``TradeStage.IDLE.value == "IDLE"``).
Prices, sizes and money are floats here and exact fixed-point decimals inside the kernel.
"""

from dita.bingx_venue import *  # noqa: F401,F403
from dita.bingx_venue import __all__ as _bingx_all
from dita.contracts import *  # noqa: F401,F403
from dita.contracts import __all__ as _contracts_all
from dita.control import *  # noqa: F401,F403
from dita.control import __all__ as _control_all
from dita.kernel import *  # noqa: F401,F403
from dita.kernel import __all__ as _kernel_all
from dita.mock_venue import *  # noqa: F401,F403
from dita.mock_venue import __all__ as _mock_all
from dita.venue import *  # noqa: F401,F403
from dita.venue import __all__ as _venue_all
from dita.zinc_plane import *  # noqa: F401,F403
from dita.zinc_plane import __all__ as _zinc_all

__all__ = sorted(set(_bingx_all + _contracts_all + _control_all + _kernel_all + _mock_all + _venue_all + _zinc_all))
__version__ = "0.1.0"
