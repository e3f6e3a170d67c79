"""Raw concatenated CCSDS space packets over a byte stream (TCP), as common ground tools speak them:
each packet's primary header gives its length, so the stream splits itself. A header that cannot be a
space packet (wrong version, or longer than the limit) means the stream lost its place: the bytes up to
the next one that could start a packet are dropped in one step and counted, never raised."""

import re
from dataclasses import dataclass

PRIMARY_HEADER_BYTES = 6
MAX_PACKET_BYTES = 65542  # a 6-byte header and the largest data field the 16-bit length allows
POSSIBLE_START = re.compile(rb"[\x00-\x1f]")
"""A byte that can open a space packet: version bits (the top three) 0."""


@dataclass
class StreamCounters:
    packets: int = 0
    resyncs: int = 0
    discarded_bytes: int = 0


class PacketSplitter:
    """Feed bytes as they come; get back the complete packets in order."""

    def __init__(self, max_packet_bytes: int = MAX_PACKET_BYTES):
        self.max_packet_bytes = max_packet_bytes
        self.counters = StreamCounters()
        self._buffer = bytearray()

    @property
    def discarded_bytes(self) -> int:
        """Bytes dropped while looking for a packet start, since the start."""
        return self.counters.discarded_bytes

    def feed(self, data: bytes) -> list[bytes]:
        """The complete packets the stream holds after `data`, in order; the rest waits for more."""
        buffer = self._buffer
        buffer += data
        packets = []
        while len(buffer) >= PRIMARY_HEADER_BYTES:
            length = int.from_bytes(buffer[4:6], "big") + PRIMARY_HEADER_BYTES + 1
            if buffer[0] >> 5 != 0 or length > self.max_packet_bytes:
                self._resynchronise()
                continue
            if len(buffer) < length:
                break
            packets.append(bytes(buffer[:length]))
            del buffer[:length]
            self.counters.packets += 1
        return packets

    def _resynchronise(self) -> None:
        """Drop the bytes before the next possible packet start (all of them if there is none)."""
        found = POSSIBLE_START.search(self._buffer, 1)
        dropped = found.start() if found else len(self._buffer)
        del self._buffer[:dropped]
        self.counters.resyncs += 1
        self.counters.discarded_bytes += dropped
