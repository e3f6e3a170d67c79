"""The TCP side of `zorka serve`: a byte stream per client on 127.0.0.1, polled once a frame.

With `--packet-port` the stream carries raw space packets (no authentication: only with --insecure);
with `--link-port` it carries TC transfer frames up and TM transfer frames down — the splitter given
says which. Units from any connected client go to `deliver` between frames; everything sent goes to
every client.

The 10 Hz loop never waits on a client, however many connect or however hard they flood:
- sockets are non-blocking and watched through `selectors` (epoll: no descriptor-number limit);
- every pending connection is accepted at each poll; with `max_clients` connected, the client silent
  longest gives its place up if it has sent nothing for `idle_timeout_s` (closed and counted as
  idle-closed), else the newcomer is closed at once and counted as refused. A quiet client keeps its
  place while nobody needs it: a ground that only watches telemetry is never cut off for listening;
- a poll does at most `budget_s` of wall time of network work (overrun by one unit at most): the clients
  with work are served round-robin from where the last poll stopped, each turn one read of `READ_BYTES`
  and an equal share of the budget left, so one flooder cannot starve a legitimate client; units split
  but not yet delivered wait in their client's queue (nothing accepted is lost), and a client with
  queued units is not read, so its unread bytes stay in the kernel and TCP pushes back on the sender;
- junk is thrown away by the splitter in bulk up to the next possible unit start, and counted;
- a client that stops reading is dropped once its telemetry backlog passes a limit;
- out of file descriptors (EMFILE), a spare descriptor is given up to accept and close the connection,
  so the server reports it (stderr once, counted) and keeps serving.
"""

import contextlib
import errno
import os
import selectors
import socket
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Protocol

from ccsds.packet_stream import PacketSplitter
from flight.link.port_counters import PortCounters

LOOPBACK = "127.0.0.1"
READ_BYTES = 4096
"""One client's turn: a read this size (a few TC frames), then the next client."""
BACKLOG_LIMIT_BYTES = 1 << 20
LISTEN_BACKLOG = 1024
DEFAULT_MAX_CLIENTS = 16
DEFAULT_IDLE_TIMEOUT_S = 300.0
DEFAULT_BUDGET_S = 0.010
"""Wall time of network work one poll of one port may take (a tenth of a 10 Hz frame)."""
ACCEPT_SHARE = 0.5
"""Share of the budget a poll may spend accepting (and refusing) connections; the rest reads clients."""
OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE)


class Splitter(Protocol):
    discarded_bytes: int

    def feed(self, data: bytes) -> list[bytes]:
        """The complete units (packets or frames) the stream holds after `data`."""


@dataclass(frozen=True)
class PortLimits:
    """How many clients a port serves at once, how long a silent one keeps its place against a newcomer
    when the port is full, and the wall time a poll may spend on the port."""

    max_clients: int = DEFAULT_MAX_CLIENTS
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S
    budget_s: float = DEFAULT_BUDGET_S


DEFAULT_LIMITS = PortLimits()


@dataclass
class _Client:
    sock: socket.socket
    splitter: Splitter
    last_heard_s: float
    out: bytearray = field(default_factory=bytearray)
    queued: deque[bytes] = field(default_factory=deque)
    readable: bool = False


class PacketServer:
    def __init__(
        self,
        port: int,
        deliver: Callable[[bytes], object],
        splitter: Callable[[], Splitter] = PacketSplitter,
        limits: PortLimits = DEFAULT_LIMITS,
        counters: PortCounters | None = None,
        clock_s: Callable[[], float] = time.monotonic,
    ):
        self._deliver = deliver
        self._splitter = splitter
        self.limits = limits
        self.counters = counters if counters is not None else PortCounters()
        self._clock_s = clock_s
        self._listener = socket.create_server((LOOPBACK, port), backlog=LISTEN_BACKLOG)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._clients: dict[socket.socket, _Client] = {}
        self._turn = 0
        self._spare_fd: int | None = os.open(os.devnull, os.O_RDONLY)
        self._warned_descriptors = False

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def poll(self) -> None:
        """Accept, read and deliver within the budget, then write what telemetry is pending; never blocks."""
        start_s = self._clock_s()
        listener_ready = False
        for key, _ in self._selector.select(0.0):
            if key.fileobj is self._listener:
                listener_ready = True
            else:
                client = self._clients[key.fileobj]
                client.readable, client.last_heard_s = True, start_s
        if listener_ready:
            self._accept(start_s + self.limits.budget_s * ACCEPT_SHARE)
        self._serve(start_s + self.limits.budget_s)
        for client in list(self._clients.values()):
            if client.out:
                self._write(client)

    def figures(self) -> dict[str, int]:
        """The port's counts for the run summary, and the clients connected now."""
        return {**asdict(self.counters), "clients_connected": len(self._clients)}

    def send(self, packet: bytes) -> None:
        """Queue one telemetry packet (or frame) for every client."""
        for client in list(self._clients.values()):
            client.out += packet
            if len(client.out) > BACKLOG_LIMIT_BYTES:
                self._drop(client)

    def close(self) -> None:
        for client in list(self._clients.values()):
            self._drop(client)
        self._selector.close()
        self._listener.close()
        if self._spare_fd is not None:
            os.close(self._spare_fd)
            self._spare_fd = None

    def _accept(self, deadline_s: float) -> None:
        """Every pending connection until the deadline: served while there is room, else closed at once."""
        while self._clock_s() < deadline_s:
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as failure:
                if failure.errno in OUT_OF_DESCRIPTORS:
                    self._refuse_without_descriptors()
                return
            if len(self._clients) >= self.limits.max_clients and not self._free_idle_place():
                sock.close()
                self.counters.refused += 1
                continue
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._clients[sock] = _Client(sock, self._splitter(), self._clock_s())
            self._selector.register(sock, selectors.EVENT_READ)
            self.counters.accepted += 1

    def _refuse_without_descriptors(self) -> None:
        """EMFILE: free the spare descriptor to accept and close one connection, say so once, go on."""
        self.counters.fd_exhausted += 1
        if not self._warned_descriptors:
            self._warned_descriptors = True
            print(
                f"zorka serve: port {self.port}: out of file descriptors: refusing connections "
                "(raise `ulimit -n` or lower --max-clients)",
                file=sys.stderr,
                flush=True,
            )
        if self._spare_fd is None:
            return
        os.close(self._spare_fd)
        self._spare_fd = None
        with contextlib.suppress(OSError):
            self._listener.accept()[0].close()
        with contextlib.suppress(OSError):
            self._spare_fd = os.open(os.devnull, os.O_RDONLY)

    def _serve(self, deadline_s: float) -> None:
        """One turn per client with work, round-robin from where the last poll stopped, until the deadline;
        a turn lasts at most an equal share of the budget left, so every client gets one per poll."""
        clients = [c for c in self._clients.values() if c.queued or c.readable]
        if not clients:
            return
        first = self._turn % len(clients)
        for k in range(len(clients)):
            now_s = self._clock_s()
            if now_s >= deadline_s:
                self._turn = first + k
                return
            client = clients[(first + k) % len(clients)]
            if client.sock in self._clients:
                share_s = (deadline_s - now_s) / (len(clients) - k)
                self._take_turn(client, min(deadline_s, now_s + share_s))
        self._turn = first + 1

    def _take_turn(self, client: _Client, until_s: float) -> None:
        """Deliver what the client has queued (at least one unit, then until `until_s`); only with its
        queue empty, read and split more."""
        if not client.queued and client.readable:
            client.readable = False
            try:
                data = client.sock.recv(READ_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._drop(client)
                return
            discarded = client.splitter.discarded_bytes
            client.queued.extend(client.splitter.feed(data))
            self.counters.bytes_discarded += client.splitter.discarded_bytes - discarded
        while client.queued:
            self.counters.units_delivered += 1
            self._deliver(client.queued.popleft())
            if self._clock_s() >= until_s:
                return

    def _write(self, client: _Client) -> None:
        try:
            sent = client.sock.send(client.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(client)
            return
        del client.out[:sent]

    def _free_idle_place(self) -> bool:
        """Close the client silent longest if it sent nothing for the idle timeout; whether it did."""
        quietest = min(self._clients.values(), key=lambda client: client.last_heard_s)
        if self._clock_s() - quietest.last_heard_s <= self.limits.idle_timeout_s:
            return False
        self._drop(quietest)
        self.counters.idle_closed += 1
        return True

    def _drop(self, client: _Client) -> None:
        if self._clients.pop(client.sock, None) is None:
            return
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(client.sock)
        with contextlib.suppress(OSError):
            client.sock.close()
