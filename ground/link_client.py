"""A ground client of `zorka serve --link-port`: telecommand packets up in authenticated TC frames
under COP-1, telemetry packets back out of the TM frames — the same `send`/`receive`/`close` as the
raw packet client, so the console and `zorka send` work over either.

The AD service starts from the first CLCW (see `GroundLink`); `send` only queues, and every `receive`
moves the link on: frames in, CLCW to FOP-1, new and retransmitted frames out.
"""

import socket
import time

from ground.link import GroundLink

READ_BYTES = 65536
LOOPBACK = "127.0.0.1"


class LinkClient:
    def __init__(self, port: int, link: GroundLink, timeout_s: float = 5.0, host: str = LOOPBACK):
        self.link = link
        self._sock = socket.create_connection((host, port), timeout=timeout_s)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = bytearray()

    def send(self, packet: bytes) -> None:
        """Queue one telecommand packet; it leaves on the next `receive` once the link is active."""
        self.link.send(packet)
        self._transmit()

    def receive(self, timeout_s: float) -> list[bytes]:
        """The telemetry packets that arrive within `timeout_s` (returns early once some have)."""
        deadline = time.monotonic() + timeout_s
        packets: list[bytes] = []
        while True:
            remaining = deadline - time.monotonic()
            self._sock.settimeout(max(remaining, 0.001))
            try:
                data = self._sock.recv(READ_BYTES)
            except TimeoutError:
                data = None
            if data == b"":
                raise ConnectionError("the spacecraft link closed the connection")
            if data:
                packets += self._frames(data)
            self._transmit()
            if packets or time.monotonic() >= deadline:
                return packets

    def wait_active(self, timeout_s: float) -> bool:
        """Receive until the AD service runs; the packets seen meanwhile are dropped."""
        deadline = time.monotonic() + timeout_s
        while not self.link.active and time.monotonic() < deadline:
            self.receive(min(0.1, max(deadline - time.monotonic(), 0.0)))
        return self.link.active

    def close(self) -> None:
        self._sock.close()

    def _frames(self, data: bytes) -> list[bytes]:
        self._buffer += data
        size = self.link.tm_frame_bytes
        now_s = time.monotonic()
        packets = []
        while len(self._buffer) >= size:
            packets += self.link.receive_frame(bytes(self._buffer[:size]), now_s)
            del self._buffer[:size]
        return packets

    def _transmit(self) -> None:
        for frame in self.link.frames_to_send(time.monotonic()):
            self._sock.sendall(frame)
