"""Raw concatenated CCSDS space packets over a byte stream (TCP), as common ground tools speak them:
each packet's primary header gives its length, so the stream splits itself. A header that cannot be a
space packet (wrong version, or longer than the limit) means the stream lost its place: the buffer is
dropped and counted, never raised."""

from dataclasses import dataclass

PRIMARY_HEADER_BYTES = 6
MAX_PACKET_BYTES = 65542  # a 6-byte header and the largest data field the 16-bit length allows


@dataclass
class StreamCounters:
    packets: int = 0
    resyncs: int = 0


class PacketSplitter:
    """Feed bytes as they come; get back the complete packets in order."""

    def __init__(self, max_packet_bytes: int = MAX_PACKET_BYTES):
        self.max_packet_bytes = max_packet_bytes
        self.counters = StreamCounters()
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        packets = []
        while len(self._buffer) >= PRIMARY_HEADER_BYTES:
            length = int.from_bytes(self._buffer[4:6], "big") + PRIMARY_HEADER_BYTES + 1
            if self._buffer[0] >> 5 != 0 or length > self.max_packet_bytes:
                self.counters.resyncs += 1
                self._buffer.clear()
                break
            if len(self._buffer) < length:
                break
            packets.append(bytes(self._buffer[:length]))
            del self._buffer[:length]
            self.counters.packets += 1
        return packets
