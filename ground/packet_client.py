"""A ground client of the raw space-packet port (`zorka serve --packet-port N --insecure`).

TC packets go out as they are; the TM stream comes back split into packets. The same `send`,
`receive`, `close` interface as the authenticated frame link, so the console, `zorka send` and
sequences run over either. The far end closing raises `ConnectionError` from `receive`.
"""

import select
import socket
import time

from ccsds.packet_stream import PacketSplitter

READ_BYTES = 65536
LOOPBACK = "127.0.0.1"


class PacketClient:
    """A TCP connection to a packet port: TC packets out, TM packets in."""

    def __init__(self, port: int, timeout_s: float = 5.0, host: str = LOOPBACK):
        self._sock = socket.create_connection((host, port), timeout=timeout_s)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.settimeout(None)
        self._splitter = PacketSplitter()

    def send(self, packet: bytes) -> None:
        """Send one TC packet."""
        self._sock.sendall(packet)

    def receive(self, timeout_s: float) -> list[bytes]:
        """The TM packets that arrive within `timeout_s` (returns as soon as any complete packet has)."""
        packets: list[bytes] = []
        deadline = time.monotonic() + timeout_s
        while True:
            wait_s = 0.0 if packets else max(deadline - time.monotonic(), 0.0)
            readable, _, _ = select.select([self._sock], [], [], wait_s)
            if not readable:
                return packets
            data = self._sock.recv(READ_BYTES)
            if not data:
                raise ConnectionError("the packet port closed the connection")
            packets += self._splitter.feed(data)

    def close(self) -> None:
        self._sock.close()
