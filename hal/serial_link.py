"""The host end of the board link: request/response over a serial port (hal/board_protocol.md).

A link survives its port: a read or write failure (a USB board unplugged, a pty closed) closes the
port and the next request reopens it, so a link to an absent device returns None instead of raising.
Replies that do not answer the request in flight (late, or for another seq) are dropped and counted.
One link is used from one thread.
"""

import contextlib
import select
import time
from dataclasses import dataclass

import serial

from hal.board_frame import FrameCounters, FrameDecoder, encode_frame

_SEQ_MODULO = 1 << 32
_READ_BYTES_MAX = 4096


@dataclass
class LinkCounters:
    """Request/response bookkeeping of one link (bad frames are in `SerialLink.frame_counters`)."""

    requests: int = 0
    replies: int = 0
    timeouts: int = 0
    errors: int = 0
    stale: int = 0
    port_errors: int = 0
    open_failures: int = 0
    reconnects: int = 0


class SerialLink:
    """Requests to the devices of one board on `port` (a device path or a pyserial URL with a fileno).

    pyserial puts a tty in raw mode (8N1, no echo, no flow control, no line editing) when it opens it.
    A write that cannot complete within `timeout_s` (a far side that stopped reading) counts as a
    port failure.
    """

    def __init__(self, port: str, baudrate: int = 115200, timeout_s: float = 0.05):
        self.port = port
        self.baudrate = baudrate
        self.timeout_s = timeout_s
        self.counters = LinkCounters()
        self._decoder = FrameDecoder()
        self._serial: serial.Serial | None = None
        self._opened_before = False
        self._seq = 0

    @property
    def frame_counters(self) -> FrameCounters:
        return self._decoder.counters

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def open(self) -> bool:
        """Open the port if it is closed. False (and counted) if it cannot be opened now."""
        if self._serial is not None:
            return True
        try:
            port = serial.serial_for_url(
                self.port, baudrate=self.baudrate, timeout=0, write_timeout=self.timeout_s
            )
        except (serial.SerialException, OSError, ValueError):
            self.counters.open_failures += 1
            return False
        self._serial = port
        self._decoder.reset()
        if self._opened_before:
            self.counters.reconnects += 1
        self._opened_before = True
        return True

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None

    def request(self, dev: str, msg: str, timeout_s: float | None = None, **fields) -> dict | None:
        """Send one request and wait for its reply: the reply (ok or error), or None on a timeout or a
        port failure. `timeout_s` defaults to the link's."""
        self.counters.requests += 1
        if not self.open():
            return None
        self._seq = (self._seq + 1) % _SEQ_MODULO
        seq = self._seq
        deadline = time.monotonic() + (self.timeout_s if timeout_s is None else timeout_s)
        try:
            self._serial.write(encode_frame({"dev": dev, "msg": msg, "seq": seq, **fields}))
            reply = self._await_reply(dev, seq, deadline)
        except (serial.SerialException, OSError):
            self.counters.port_errors += 1
            self.close()
            return None
        if reply is None:
            self.counters.timeouts += 1
            return None
        self.counters.replies += 1
        if reply.get("msg") == "error":
            self.counters.errors += 1
        return reply

    def _await_reply(self, dev: str, seq: int, deadline: float) -> dict | None:
        port = self._serial
        fd = port.fileno()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0.0:
                return None
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                return None
            data = port.read(min(port.in_waiting, _READ_BYTES_MAX) or 1)
            reply = None
            for message in self._decoder.feed(data):
                if reply is None and message.get("seq") == seq and message.get("dev") == dev:
                    reply = message
                else:
                    self.counters.stale += 1
            if reply is not None:
                return reply
