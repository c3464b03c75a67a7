"""Chaos testing: the seed module's orchestrator, sequencer and checker on the C++ chaos layer
(see dita.chaos)."""

from dita.chaos import *  # noqa: F401,F403
from dita.chaos import __all__  # noqa: F401
