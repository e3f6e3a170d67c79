"""The TCP side of `zorka serve`: a byte stream per client on 127.0.0.1, polled once a frame.

With `--packet-port` the stream carries raw space packets (no authentication: only with --insecure);
with `--link-port` it carries TC transfer frames up and TM transfer frames down — the splitter given
says which. Units from any connected client go to `deliver` between frames; everything sent goes to
every client. Sockets are non-blocking and polled from the executive's clock, and a poll reads at most
`READ_BYTES` per client, so serving never stalls a control frame however hard a client floods; a client
that stops reading is dropped once its backlog passes a limit.
"""

import contextlib
import select
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ccsds.packet_stream import PacketSplitter

LOOPBACK = "127.0.0.1"
READ_BYTES = 16384
BACKLOG_LIMIT_BYTES = 1 << 20


class Splitter(Protocol):
    def feed(self, data: bytes) -> list[bytes]:
        """The complete units (packets or frames) the stream holds after `data`."""


@dataclass
class ServerCounters:
    clients: int = 0
    telecommands: int = 0
    dropped_clients: int = 0


class PacketServer:
    def __init__(
        self,
        port: int,
        deliver: Callable[[bytes], object],
        splitter: Callable[[], Splitter] = PacketSplitter,
    ):
        self._deliver = deliver
        self._splitter = splitter
        self._listener = socket.create_server((LOOPBACK, port))
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._clients: dict[socket.socket, tuple[Splitter, bytearray]] = {}
        self.counters = ServerCounters()

    def poll(self) -> None:
        """Accept clients, take their telecommands, write what telemetry is pending; never blocks."""
        readable, writable, _ = select.select(
            [self._listener, *self._clients], [c for c, (_, out) in self._clients.items() if out], [], 0.0
        )
        for sock in readable:
            if sock is self._listener:
                self._accept()
            else:
                self._read(sock)
        for sock in writable:
            if sock in self._clients:
                self._write(sock)

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def send(self, packet: bytes) -> None:
        """Queue one telemetry packet (or frame) for every client."""
        for sock, (_, out) in list(self._clients.items()):
            out += packet
            if len(out) > BACKLOG_LIMIT_BYTES:
                self._drop(sock)

    def close(self) -> None:
        for sock in list(self._clients):
            self._drop(sock)
        self._listener.close()

    def _accept(self) -> None:
        with contextlib.suppress(BlockingIOError):
            sock, _ = self._listener.accept()
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._clients[sock] = (self._splitter(), bytearray())
            self.counters.clients += 1

    def _read(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(READ_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(sock)
            return
        for packet in self._clients[sock][0].feed(data):
            self.counters.telecommands += 1
            self._deliver(packet)

    def _write(self, sock: socket.socket) -> None:
        out = self._clients[sock][1]
        try:
            sent = sock.send(out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(sock)
            return
        del out[:sent]

    def _drop(self, sock: socket.socket) -> None:
        self._clients.pop(sock, None)
        self.counters.dropped_clients += 1
        with contextlib.suppress(OSError):
            sock.close()
