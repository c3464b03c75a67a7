"""Enums and value types (see dita.contracts)."""

from dita.contracts import *  # noqa: F401,F403
from dita.contracts import __all__  # noqa: F401
