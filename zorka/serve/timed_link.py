"""A serial link to a board that also measures its round trips, for `zorka flight`'s summary.

Minimal on purpose: hal.serial_link does not measure round trips yet (the links branch adds per-device
histograms there); until then the flight computer wraps its links in this one, which times each
answered request, request written to reply decoded, into one fixed-memory histogram per port."""

import time

from flight.clock import FrameLateness
from hal.serial_link import SerialLink
from zorka.run.flight_figures import serial_link_figures


class TimedSerialLink(SerialLink):
    """A `SerialLink` whose answered requests' round trips go to `round_trips` (a 10 µs-bin histogram
    up to 1 s, the maximum exact: `flight.clock.FrameLateness` used for durations)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.round_trips = FrameLateness()

    def request(self, dev: str, msg: str, timeout_s: float | None = None, **fields) -> dict | None:
        sent_s = time.monotonic()
        reply = super().request(dev, msg, timeout_s, **fields)
        if reply is not None:
            self.round_trips.add(time.monotonic() - sent_s)
        return reply

    def figures(self) -> dict:
        """The link's counters, bad frames, and round trips (count, p50, p99, max in ms)."""
        rtt = self.round_trips.figures_ms()
        return {
            **serial_link_figures(self),
            "round_trips": rtt["frames"],
            "rtt_p50_ms": rtt["p50_ms"],
            "rtt_p99_ms": rtt["p99_ms"],
            "rtt_max_ms": rtt["max_ms"],
        }
