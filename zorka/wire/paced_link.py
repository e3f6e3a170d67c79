"""Two serial endpoints joined by a paced link: bytes cross each way no faster than the baud rate allows.

Each direction releases byte k of a burst at `start + (k + 1) * byte_s` (8N1: 10 bits a byte) on the
monotonic clock, scheduled by byte count from the burst's start, so waking late releases the bytes
then due and never accumulates drift; a burst starts when a byte arrives on an idle line. Faults
(link_faults.py) strike as bytes are released: a byte due while the link is down is lost, a delivered
byte may have one bit flipped. A far side that does not read loses what does not fit (an overrun, as
a UART's receiver would). An endpoint is a pty of its own (its slave held open, in raw mode, so reads
on the master never fail with EIO) or a serial port path opened with pyserial, reopened if it fails.
"""

import contextlib
import io
import math
import os
import select
import sys
import time
import tty
from dataclasses import dataclass, fields

import numpy as np
import serial

from sim.randomness import model_seed
from zorka.wire.link_faults import ByteCorruption, Dropouts

BITS_PER_BYTE = 10
"""8N1: a start bit, 8 data bits, a stop bit."""
RELEASE_PERIOD_S = 0.0005
"""While bytes stream, the link wakes at most this often and releases what is due in one write (a
USB serial adapter delivers in 1 ms frames); the first byte after a quiet spell leaves on its time."""
REOPEN_PERIOD_S = 0.2
"""How often a lost port is tried again."""
_READ_AHEAD_S = 0.05
_READ_AHEAD_BYTES_MIN = 256


class Endpoint:
    """One end of the wire, called `name`: `"pty"` makes a pseudo-terminal (its slave's path in `path`);
    anything else is a port path or pyserial URL, opened with pyserial, that `reopen()` opens again
    after it failed (a board restarted behind the same path or alias). `fd` is None while it is lost."""

    def __init__(self, name: str, spec: str, baud: int):
        self.name = name
        self.reopens = 0
        self._spec = spec
        self._baud = baud
        self._serial: serial.Serial | None = None
        self._slave_fd: int | None = None
        self.fd: int | None = None
        if spec == "pty":
            self.fd, self._slave_fd = os.openpty()
            tty.setraw(self._slave_fd)
            self.path = os.ttyname(self._slave_fd)
            os.set_blocking(self.fd, False)
        else:
            self.path = spec
            self._open()

    @property
    def reopenable(self) -> bool:
        return self._slave_fd is None

    def lose(self) -> None:
        """Close a port that failed; `reopen()` tries it again."""
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None
        self.fd = None

    def reopen(self) -> bool:
        """Open a lost port again; False if it cannot be opened now."""
        try:
            self._open()
        except (serial.SerialException, OSError, ValueError):
            return False
        self.reopens += 1
        return True

    def close(self) -> None:
        if self.reopenable:
            self.lose()
        else:
            os.close(self.fd)
            os.close(self._slave_fd)

    def _open(self) -> None:
        port = serial.serial_for_url(self._spec, baudrate=self._baud, timeout=0)
        try:
            fd = port.fileno()
        except io.UnsupportedOperation:
            port.close()
            raise ValueError("no file descriptor to wait on: give a device path or 'pty'") from None
        os.set_blocking(fd, False)
        self._serial, self.fd = port, fd


@dataclass
class DirectionCounters:
    """Bytes read from the source side, delivered, corrupted (of those not dropped), lost to dropouts,
    lost because the far side had no room (overrun), and lost while the far side's port was lost."""

    read: int = 0
    delivered: int = 0
    corrupted: int = 0
    dropped: int = 0
    overrun: int = 0
    absent: int = 0

    def as_text(self) -> str:
        return " ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


class PacedDirection:
    """One direction of the link: accepts bytes as they are read, gives them back when due, with faults."""

    def __init__(self, baud: int, corruption: ByteCorruption, dropouts: Dropouts, t0_s: float):
        self.byte_s = BITS_PER_BYTE / baud
        self.read_ahead_bytes = max(_READ_AHEAD_BYTES_MIN, int(_READ_AHEAD_S / self.byte_s))
        self.counters = DirectionCounters()
        self._corruption = corruption
        self._dropouts = dropouts
        self._t0_s = t0_s
        self._burst_start_s = t0_s
        self._scheduled = 0
        self._pending = bytearray()

    @property
    def room_bytes(self) -> int:
        """How many bytes it takes now (reading no further ahead leaves the rest waiting at the source)."""
        return max(0, self.read_ahead_bytes - len(self._pending))

    def accept(self, data: bytes, now_s: float) -> None:
        """Queue bytes read at `now_s`; on an idle line a new burst starts then."""
        if not self._pending and self._burst_start_s + self._scheduled * self.byte_s <= now_s:
            self._burst_start_s = now_s
            self._scheduled = 0
        self._pending += data
        self._scheduled += len(data)
        self.counters.read += len(data)

    def next_due_s(self) -> float:
        """When the next queued byte is due (infinity if none is queued)."""
        if not self._pending:
            return math.inf
        return self._burst_start_s + (self._released + 1) * self.byte_s

    def take_due(self, now_s: float) -> bytearray:
        """The bytes due by `now_s` that survive the dropouts, some perhaps corrupted."""
        released = self._released
        n = min(len(self._pending), int((now_s - self._burst_start_s) / self.byte_s) - released)
        if n <= 0:
            return bytearray()
        kept = bytearray()
        for j, byte in enumerate(self._pending[:n]):
            due_s = self._burst_start_s + (released + j + 1) * self.byte_s
            if self._dropouts.is_down(due_s - self._t0_s):
                self.counters.dropped += 1
            else:
                kept.append(byte)
        del self._pending[:n]
        self.counters.corrupted += self._corruption.apply(kept)
        return kept

    @property
    def _released(self) -> int:
        return self._scheduled - len(self._pending)


class PacedLink:
    """Forwards bytes between endpoints `a` and `b` both ways, paced at `baud`, with seeded faults:
    `corrupt_p` per byte, and dropouts of `drop_s` starting in each 10 ms slot with `drop_p`."""

    def __init__(
        self,
        a: Endpoint,
        b: Endpoint,
        baud: int,
        corrupt_p: float = 0.0,
        drop_s: float = 0.0,
        drop_p: float = 0.0,
        seed: int = 1,
    ):
        self.a, self.b = a, b
        t0_s = time.monotonic()

        def direction(name: str) -> PacedDirection:
            corruption = ByteCorruption(corrupt_p, np.random.default_rng(model_seed(seed, f"wire.{name}")))
            # Both directions draw the same dropouts: the link is down both ways at once.
            dropouts = Dropouts(drop_s, drop_p, np.random.default_rng(model_seed(seed, "wire.dropouts")))
            return PacedDirection(baud, corruption, dropouts, t0_s)

        self.a_to_b = direction("a_to_b")
        self.b_to_a = direction("b_to_a")
        self._routes = ((a, self.a_to_b, b), (b, self.b_to_a, a))
        self._stopping = False
        self._reopen_s = -math.inf
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)

    def run(self, duration_s: float | None = None) -> None:
        """Forward until `stop()`, or for `duration_s`. A port path that fails is reopened every 0.2 s
        (bytes due to it meanwhile are lost, counted as `absent`); OSError if a pty of its own fails."""
        end_s = math.inf if duration_s is None else time.monotonic() + duration_s
        released_s = -math.inf
        while not self._stopping:
            now_s = time.monotonic()
            for _, direction, sink in self._routes:
                if self._deliver(direction.take_due(now_s), direction, sink):
                    released_s = now_s
            if now_s >= end_s:
                return
            lost = [endpoint for endpoint in (self.a, self.b) if endpoint.fd is None]
            if lost and now_s >= self._reopen_s:
                self._reopen(lost, now_s)
            sources = [s.fd for s, direction, _ in self._routes if s.fd is not None and direction.room_bytes]
            due_s = min(direction.next_due_s() for _, direction, _ in self._routes)
            wake_s = min(end_s, max(due_s, released_s + RELEASE_PERIOD_S), self._reopen_s if lost else end_s)
            timeout_s = None if math.isinf(wake_s) else max(0.0, wake_s - now_s)
            readable, _, _ = select.select([self._wake_r, *sources], [], [], timeout_s)
            now_s = time.monotonic()
            for source, direction, _ in self._routes:
                if source.fd is not None and source.fd in readable:
                    try:
                        data = os.read(source.fd, direction.room_bytes)
                        if not data:
                            raise OSError("end of file")
                    except OSError as failure:
                        self._lose(source, failure, now_s)
                        continue
                    direction.accept(data, now_s)

    def stop(self) -> None:
        """Make `run()` return soon; safe from a signal handler or another thread."""
        self._stopping = True
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_w, b"\x00")

    def close(self) -> None:
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)

    def _lose(self, endpoint: Endpoint, failure: OSError, now_s: float) -> None:
        if not endpoint.reopenable:
            raise OSError(f"{endpoint.name} ({endpoint.path}) failed: {failure}")
        endpoint.lose()
        self._reopen_s = now_s + REOPEN_PERIOD_S
        print(
            f"wire: lost {endpoint.name} ({endpoint.path}: {failure}); reopening", file=sys.stderr, flush=True
        )

    def _reopen(self, lost: list[Endpoint], now_s: float) -> None:
        for endpoint in lost:
            if endpoint.reopen():
                print(f"wire: reopened {endpoint.name} ({endpoint.path})", file=sys.stderr, flush=True)
        self._reopen_s = now_s + REOPEN_PERIOD_S

    def _deliver(self, data: bytearray, direction: PacedDirection, sink: Endpoint) -> bool:
        """Write what is due to `sink`; False if nothing was due."""
        if not data:
            return False
        if sink.fd is None:
            direction.counters.absent += len(data)
            return True
        try:
            written = os.write(sink.fd, data)
        except BlockingIOError:
            written = 0
        except OSError as failure:
            self._lose(sink, failure, time.monotonic())
            direction.counters.absent += len(data)
            return True
        direction.counters.delivered += written
        direction.counters.overrun += len(data) - written
        return True
