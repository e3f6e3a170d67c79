"""The health of a board link, as hal measures it: round trips, retries, timeouts, bad frames and
reconnects, per device and per port, and the board's own status (`board.status`).

Round trips go into a fixed log-binned histogram: recording allocates nothing and the memory stays the
same over a day-long run; a percentile is the geometric middle of its bin, within 1 % of the true value.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from hal.board_frame import FrameCounters
from hal.log_histogram import LogHistogram

PROTOCOL_DEVICE_NAMES = {"power": "eps"}
"""A `DeviceSet` device -> its name in the board protocol, where they differ."""
RTT_MIN_S = 1e-6
"""Round trips shorter than this land in the first bin (a pty answers in tens of µs)."""
RTT_MAX_S = 1e3
"""Round trips longer than this land in the last bin (lockstep waits at most BOARD_FAILURE_TIMEOUT_S)."""
RTT_BIN_RATIO = 1.02
"""Each bin spans this ratio: its geometric middle is within 1 % of any value in it."""


class RoundTripHistogram(LogHistogram):
    """Round trips (s) of answered requests, counted in log-spaced bins; the largest kept exactly."""

    def __init__(self):
        super().__init__(RTT_MIN_S, RTT_MAX_S, RTT_BIN_RATIO)

    @property
    def max_s(self) -> float:
        """The longest round trip (0 before any)."""
        return self.max

    def percentile_s(self, percent: float) -> float | None:
        """The round trip below which `percent` % of them fall (the bin's geometric middle, capped by the
        largest seen); None before any."""
        return self.percentile(percent)

    def figures_ms(self) -> dict[str, float | None]:
        """p50, p99 and max in ms (3 decimals), None before any round trip."""

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1e3, 3)

        return {
            "rtt_p50_ms": ms(self.percentile_s(50.0)),
            "rtt_p99_ms": ms(self.percentile_s(99.0)),
            "rtt_max_ms": ms(self.max_s if self.count else None),
        }


@dataclass
class ExchangeCounters:
    """Requests of one device (or of a whole port) and what became of them.

    `retries`: retransmissions of a request that had no reply yet (same seq); `timeouts`: requests that
    got no reply by their deadline; `stale`: replies that did not answer the request in flight;
    `bad_frames`: frames rejected (by reason, FrameCounters) while waiting for this device's reply;
    `reconnects`: reopenings of the port during this device's requests."""

    requests: int = 0
    replies: int = 0
    errors: int = 0
    retries: int = 0
    timeouts: int = 0
    stale: int = 0
    port_errors: int = 0
    reconnects: int = 0
    bad_frames: FrameCounters = field(default_factory=FrameCounters)
    rtt: RoundTripHistogram = field(default_factory=RoundTripHistogram)

    def figures(self) -> dict:
        """As summary.json holds them: counts, bad frames by reason (rejected only) and round trips in ms."""
        bad = self.bad_frames.as_dict()
        bad.pop("frames")
        return {
            "requests": self.requests,
            "replies": self.replies,
            "errors": self.errors,
            "retries": self.retries,
            "timeouts": self.timeouts,
            "stale": self.stale,
            "port_errors": self.port_errors,
            "reconnects": self.reconnects,
            "bad_frames": self.bad_frames.rejected,
            "bad_frames_by_reason": bad,
            **self.rtt.figures_ms(),
        }


@dataclass
class BoardStatus:
    """What `board.status` said last: configured, the watchdog's latched trip and its count, and the
    configurations it refused as beyond its hardware since power-on."""

    configured: bool
    watchdog_tripped: bool
    watchdog_trips: int
    config_mismatches: int = 0


class BoardLink(ABC):
    """A link to one board as flight software watches it (hal.serial_link.SerialLink is one).

    `connected`: the port is open; `consecutive_misses`: requests in a row that got no reply;
    `reconnects`: reopenings of the port; `devices`: per protocol device name, its exchange counters."""

    port: str
    connected: bool
    consecutive_misses: int
    reconnects: int
    devices: dict[str, ExchangeCounters]

    @abstractmethod
    def read_status(self) -> BoardStatus | None:
        """Ask the board for its status (`board.status`); None if it did not answer well."""
