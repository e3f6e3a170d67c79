"""The executive's clocks: one code path, three ways of passing time.

`SimClock` runs as fast as possible in lockstep with whatever `advance` moves (the simulated world,
or a board over a serial link that answers for tick N before tick N+1); `WallClock` paces the same
frames to real time for hardware in the loop and the bench. The executive never sleeps itself.
"""

import time
from array import array
from collections.abc import Callable
from typing import Protocol

LATENESS_BIN_S = 1e-5
LATENESS_BINS = 100_000
"""Frame-start lateness is kept as a histogram of 10 µs bins up to 1 s (later ones in the last bin, the
maximum exact): fixed memory whatever the run's length, percentiles to 10 µs."""


class Clock(Protocol):
    late_by_s: float
    """How far past its deadline the last `wait_until` found the clock (0 when on time)."""

    def wait_until(self, t_s: float) -> bool:
        """Block until onboard time `t_s` (seconds since the epoch). False if it had already passed."""


class FrameLateness:
    """How late frames started against their deadlines: count, percentiles, maximum."""

    def __init__(self):
        self._bins = array("q", bytes(8 * LATENESS_BINS))
        self.frames = 0
        self.max_s = 0.0

    def add(self, late_s: float) -> None:
        """One frame that started `late_s` after its deadline (early counts as 0)."""
        late_s = max(0.0, late_s)
        self._bins[min(int(late_s / LATENESS_BIN_S), LATENESS_BINS - 1)] += 1
        self.frames += 1
        self.max_s = max(self.max_s, late_s)

    def percentile_s(self, fraction: float) -> float:
        """The lateness that `fraction` of the frames did not exceed (a bin's upper edge, at most the max)."""
        wanted = fraction * self.frames
        seen = 0
        for index, count in enumerate(self._bins):
            seen += count
            if count and seen >= wanted:
                return min((index + 1) * LATENESS_BIN_S, self.max_s)
        return self.max_s

    def figures_ms(self) -> dict:
        """Frames measured and their start lateness p50, p99 and max, in milliseconds."""
        return {
            "frames": self.frames,
            "p50_ms": round(self.percentile_s(0.5) * 1e3, 3),
            "p99_ms": round(self.percentile_s(0.99) * 1e3, 3),
            "max_ms": round(self.max_s * 1e3, 3),
        }


class SimClock:
    """Simulation time: `wait_until` calls `advance(t_s)` and returns at once."""

    def __init__(self, advance: Callable[[float], None] | None = None):
        self._advance = advance
        self.t_s = 0.0
        self.late_by_s = 0.0

    def wait_until(self, t_s: float) -> bool:
        if self._advance is not None:
            self._advance(t_s)
        self.t_s = t_s
        return True


class WallClock:
    """Real time: `advance(t_s)` first (the world catches up), then sleep to the deadline.

    A deadline already past by more than `late_s` is reported late, and the frame is not slept; how far
    past is `late_by_s`, from which the executive skips the frames whose whole period has gone. Every
    frame's start lateness (after the sleep) goes to `lateness`. `monotonic` and `sleep` are
    injectable for tests.
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
        self.started = False
        self.t_s = 0.0
        self.late_by_s = 0.0
        self.lateness = FrameLateness()

    def start(self, at_s: float = 0.0) -> None:
        """Make now onboard time `at_s` (0, or where a restarted session resumes): called just before the
        first frame, so the time spent building the software after the clock is not counted as lateness."""
        self._start = self._monotonic() - at_s
        self.started = True

    def wait_until(self, t_s: float) -> bool:
        if self._advance is not None:
            self._advance(t_s)
        self.t_s = t_s
        deadline = self._start + t_s
        remaining = deadline - self._monotonic()
        self.late_by_s = max(0.0, -remaining)
        if remaining > 0.0:
            self._sleep(remaining)
        self.lateness.add(self._monotonic() - deadline)
        return remaining >= -self._late_s
