"""The kernel. The name is historical: ``ExecutionKernel`` is dita's C++ kernel."""

from dita.kernel import Clock, ExecutionKernel, VirtualClock, WallClock

__all__ = ["Clock", "ExecutionKernel", "VirtualClock", "WallClock"]
