"""The execution kernel and the clocks it reads time from."""

from dita._core import Clock, ExecutionKernel, VirtualClock, WallClock

__all__ = ["Clock", "ExecutionKernel", "VirtualClock", "WallClock"]
