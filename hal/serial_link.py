"""The host end of the board link: request/response over a serial port (hal/board_protocol.md).

A request that gets no reply is sent again with the same seq (a board answers a repeated seq with its
cached reply and does not act twice) while its retry budget and its deadline allow. A link survives its
port: a read or write failure (a USB board unplugged, a pty closed) closes the port and it is reopened
by path, so a port named by a stable alias (a `/dev/serial/by-id/...` symlink) is found again when the
alias points at the board's new device; a link to an absent device returns None instead of raising.
A request whose budget is longer than REOPEN_PERIOD_S keeps trying to reopen a lost port until its
deadline. After each reopening `on_reconnect` (the rig's reset and configuration) runs before the request
goes on. Replies that do not answer the request in flight (late, or for another seq) are dropped and
counted. Every exchange is counted per device and per port (hal.link_health). One link is used from
one thread.
"""

import contextlib
import dataclasses
import errno
import operator
import os
import select
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

from hal.board_frame import FrameCounters, FrameDecoder, encode_frame
from hal.link_health import BoardLink, BoardStatus, ExchangeCounters, RoundTripHistogram

_SEQ_MODULO = 1 << 32
_READ_BYTES_MAX = 4096
_BITS_PER_BYTE = 10  # 8N1: a start bit, 8 data bits, a stop bit
REOPEN_PERIOD_S = 0.1
"""A request with time left retries opening a lost port this often."""
_REJECT_REASONS = tuple(f.name for f in dataclasses.fields(FrameCounters) if f.name != "frames")
_rejects = operator.attrgetter(*_REJECT_REASONS)
_OPEN_ERRORS = {
    errno.ENOENT: "no such device",
    errno.EWOULDBLOCK: "another program holds it open",
    errno.EACCES: "permission denied (is the user in the port's group, e.g. dialout?)",
}
_IDENTIFYING = frozenset({"ping.ok", "reset.ok", "configure.ok"})  # replies that carry the board's id


@dataclass
class LinkCounters:
    """Request/response bookkeeping of one link (bad frames are in `SerialLink.frame_counters`)."""

    requests: int = 0
    replies: int = 0
    retries: int = 0
    timeouts: int = 0
    errors: int = 0
    stale: int = 0
    port_errors: int = 0
    open_failures: int = 0
    reconnects: int = 0
    wrong_board: int = 0  # reopenings that found another board (or none) behind the port's name


class SerialLink(BoardLink):
    """Requests to the devices of one board on `port` (a device path, a symlink to one, or a pyserial URL
    with a fileno).

    A request waits `timeout_s` for its reply; without one it is sent again after `retry_after_s`
    (default: the timeout shared evenly among the attempts) plus the time the request and a reply of
    its size take on the line at `baudrate` (8N1), at most `retries` times, never past its deadline.
    pyserial puts a tty in raw mode (8N1, no echo, no flow control, no line editing) when it opens it.
    A write that cannot complete within `timeout_s` (a far side that stopped reading) counts as a port
    failure.

    The port is opened exclusively (an advisory lock, as serial terminals take): a second program on
    the same port cannot open it while this link holds it. The link remembers the `board_id` of the
    board that first told it (`ping`, `reset`, `configure`); a port reopened after a loss is taken
    only if the board behind it says that id again, so a name that now leads to another board (a
    recycled pty, a swapped adapter) never receives this link's requests.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 115200,
        timeout_s: float = 0.05,
        retries: int = 0,
        retry_after_s: float | None = None,
    ):
        self.port = port
        self.baudrate = baudrate
        self.timeout_s = timeout_s
        self.retries = retries
        self.retry_after_s = retry_after_s
        self.counters = LinkCounters()
        self.rtt = RoundTripHistogram()
        """Round trips of the port's answered requests, from the first transmission to the reply."""
        self.devices: dict[str, ExchangeCounters] = {}
        self.consecutive_misses = 0
        self.opened_path: str | None = None
        """The device the port's name led to when it was last opened (an alias resolved)."""
        self.open_error: str | None = None
        """Why the port last failed to open, in words for an error message (None once open)."""
        self.board_id: str | None = None
        """The serial number of the board first found on the port (None until it says one)."""
        self.on_reconnect: Callable[[], None] | None = None
        self.on_unanswered: Callable[[], None] | None = None
        """Called after a request that got no reply (a rig in lockstep stops the run there)."""
        self._decoder = FrameDecoder()
        self._rejects_seen = _rejects(self._decoder.counters)
        self._serial: serial.Serial | None = None
        self._opened_before = False
        self._reconnecting = False
        self._seq = 0

    @property
    def frame_counters(self) -> FrameCounters:
        return self._decoder.counters

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    @property
    def connected(self) -> bool:
        return self._serial is not None

    @property
    def reconnects(self) -> int:
        return self.counters.reconnects

    def open(self) -> bool:
        """Open the port if it is closed, resolving its name afresh. False (and counted) if it cannot be
        opened now, or if it was opened before and the board behind it now is not the one the link
        knows (`wrong_board`). A reopening runs `on_reconnect` (once: not from within itself)."""
        if self._serial is not None:
            return True
        try:
            port = serial.serial_for_url(
                self.port, baudrate=self.baudrate, timeout=0, write_timeout=self.timeout_s, exclusive=True
            )
        except (serial.SerialException, OSError, ValueError) as failure:
            self.counters.open_failures += 1
            self.open_error = _OPEN_ERRORS.get(getattr(failure, "errno", None), str(failure))
            return False
        self.open_error = None
        self._serial = port
        self.opened_path = os.path.realpath(self.port) if os.path.exists(self.port) else self.port
        self._decoder.reset()
        reopened = self._opened_before
        self._opened_before = True
        if not reopened or self._reconnecting:
            return True
        self._reconnecting = True
        try:
            if not self._same_board():
                self.counters.wrong_board += 1
                self.close()
                return False
            self.counters.reconnects += 1
            if self.on_reconnect is not None:
                self.on_reconnect()
        finally:
            self._reconnecting = False
        return self._serial is not None

    def _same_board(self) -> bool:
        """The board behind the reopened port says the id the link knows (true while it knows none)."""
        if self.board_id is None:
            return True
        device = self.devices.setdefault("board", ExchangeCounters())
        reply = self._exchange("board", "ping", {}, device, time.monotonic() + self.timeout_s, self.timeout_s)
        return reply is not None and reply.get("board_id") == self.board_id

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None

    def request(self, dev: str, msg: str, timeout_s: float | None = None, **fields) -> dict | None:
        """Send one request and wait for its reply: the reply (ok or error), or None on a timeout or a
        port failure. `timeout_s` defaults to the link's."""
        device = self.devices.get(dev)
        if device is None:
            device = self.devices[dev] = ExchangeCounters()
        self.counters.requests += 1
        device.requests += 1
        budget_s = self.timeout_s if timeout_s is None else timeout_s
        start_s = time.monotonic()
        reconnects, stale = self.counters.reconnects, self.counters.stale
        reply = self._exchange(dev, msg, fields, device, start_s + budget_s, budget_s)
        device.reconnects += self.counters.reconnects - reconnects
        device.stale += self.counters.stale - stale
        self._attribute_bad_frames(device)
        if reply is None:
            self.consecutive_misses += 1
            if self.on_unanswered is not None:
                self.on_unanswered()
            return None
        rtt_s = time.monotonic() - start_s
        self.rtt.record(rtt_s)
        device.rtt.record(rtt_s)
        self.consecutive_misses = 0
        if self.board_id is None and reply.get("msg") in _IDENTIFYING:
            board_id = reply.get("board_id")
            if isinstance(board_id, str):
                self.board_id = board_id
        self.counters.replies += 1
        device.replies += 1
        if reply.get("msg") == "error":
            self.counters.errors += 1
            device.errors += 1
        return reply

    def _exchange(
        self, dev: str, msg: str, fields: dict, device: ExchangeCounters, deadline: float, budget_s: float
    ) -> dict | None:
        """Send (and resend) one request until its reply, its deadline, or a port that cannot be had."""
        if not self._open_until(deadline):
            return None
        self._seq = (self._seq + 1) % _SEQ_MODULO
        seq = self._seq
        frame = encode_frame({"dev": dev, "msg": msg, "seq": seq, **fields})
        retry_after_s = budget_s / (self.retries + 1) if self.retry_after_s is None else self.retry_after_s
        retry_after_s += 2 * len(frame) * _BITS_PER_BYTE / self.baudrate
        sent = 0
        while True:
            try:
                if sent > 0:
                    self.counters.retries += 1
                    device.retries += 1
                self._serial.write(frame)
                sent += 1
                wait_until = (
                    deadline if sent > self.retries else min(deadline, time.monotonic() + retry_after_s)
                )
                reply = self._await_reply(dev, seq, wait_until)
            except (serial.SerialException, OSError):
                self.counters.port_errors += 1
                device.port_errors += 1
                self.close()
                if not self._open_until(deadline):
                    return None
                continue
            if reply is not None:
                return reply
            if time.monotonic() >= deadline:
                self.counters.timeouts += 1
                device.timeouts += 1
                return None

    def _open_until(self, deadline: float) -> bool:
        """The port open, retried every REOPEN_PERIOD_S while that fits before `deadline`."""
        while not self.open():
            if time.monotonic() + REOPEN_PERIOD_S > deadline:
                return False
            time.sleep(REOPEN_PERIOD_S)
        return True

    def _attribute_bad_frames(self, device: ExchangeCounters) -> None:
        """Frames rejected since the last request, by reason, to the device whose reply was awaited."""
        rejects = _rejects(self._decoder.counters)
        if rejects == self._rejects_seen:
            return
        for reason, now, seen in zip(_REJECT_REASONS, rejects, self._rejects_seen, strict=True):
            if now != seen:
                setattr(device.bad_frames, reason, getattr(device.bad_frames, reason) + now - seen)
        self._rejects_seen = rejects

    def read_status(self) -> BoardStatus | None:
        reply = self.request("board", "status")
        if reply is None or reply.get("msg") != "status.ok":
            return None
        configured, tripped, trips, mismatches = (
            reply.get(k) for k in ("configured", "watchdog_tripped", "watchdog_trips", "config_mismatches")
        )
        if not (
            isinstance(configured, bool)
            and isinstance(tripped, bool)
            and all(isinstance(n, int) and not isinstance(n, bool) for n in (trips, mismatches))
        ):
            return None
        return BoardStatus(configured, tripped, trips, mismatches)

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
