"""The executive's clocks: one code path, three ways of passing time.

`SimClock` runs as fast as possible in lockstep with whatever `advance` moves (the simulated world,
or a board over a serial link that answers for tick N before tick N+1); `WallClock` paces the same
frames to real time for hardware in the loop and the bench. The executive never sleeps itself.
"""

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    def wait_until(self, t_s: float) -> bool:
        """Block until onboard time `t_s` (seconds since the epoch). False if it had already passed."""


class SimClock:
    """Simulation time: `wait_until` calls `advance(t_s)` and returns at once."""

    def __init__(self, advance: Callable[[float], None] | None = None):
        self._advance = advance
        self.t_s = 0.0

    def wait_until(self, t_s: float) -> bool:
        if self._advance is not None:
            self._advance(t_s)
        self.t_s = t_s
        return True


class WallClock:
    """Real time: `advance(t_s)` first (the world catches up), then sleep to the deadline.

    A deadline already past by more than `late_s` is reported late, and the frame is not slept.
    `monotonic` and `sleep` are injectable for tests.
    """

    def __init__(
        self,
        advance: Callable[[float], None] | None = None,
        late_s: float = 0.005,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._advance = advance
        self._late_s = late_s
        self._monotonic = monotonic
        self._sleep = sleep
        self._start = monotonic()
        self.t_s = 0.0

    def wait_until(self, t_s: float) -> bool:
        if self._advance is not None:
            self._advance(t_s)
        self.t_s = t_s
        remaining = self._start + t_s - self._monotonic()
        if remaining < -self._late_s:
            return False
        if remaining > 0.0:
            self._sleep(remaining)
        return True
