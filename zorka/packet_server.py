"""`zorka serve --packet-port`: raw space packets over TCP on 127.0.0.1, polled once a frame.

Telecommand packets from any connected client go to the flight software between frames; every
telemetry packet goes to every client. No authentication: only with --insecure. Sockets are
non-blocking and polled from the executive's clock, so serving never stalls a control frame; a client
that stops reading is dropped once its backlog passes a limit.
"""

import contextlib
import select
import socket
from collections.abc import Callable
from dataclasses import dataclass

from ground.packet_stream import PacketSplitter

LOOPBACK = "127.0.0.1"
READ_BYTES = 65536
BACKLOG_LIMIT_BYTES = 1 << 20


@dataclass
class ServerCounters:
    clients: int = 0
    telecommands: int = 0
    dropped_clients: int = 0


class PacketServer:
    def __init__(self, port: int, deliver: Callable[[bytes], bool]):
        self._deliver = deliver
        self._listener = socket.create_server((LOOPBACK, port))
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._clients: dict[socket.socket, tuple[PacketSplitter, bytearray]] = {}
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

    def send(self, packet: bytes) -> None:
        """Queue one telemetry packet for every client."""
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
            self._clients[sock] = (PacketSplitter(), bytearray())
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
