"""Space packets over a serial line as common ground tools (tmtccmd) frame them: 0x00, COBS(packet), 0x00.

No CRC of its own (a PUS TC carries one); the C COBS codec of the board protocol does the byte work.
The splitter resynchronises on every 0x00, so line noise costs at most the packet it hit; what cannot be
a packet is counted by reason, never raised.
"""

from collections import Counter

from native import ffi, lib

MAX_PACKET_BYTES = 65542
SPACE_PACKET_HEADER_BYTES = 6


def encode_cobs_packet(packet: bytes) -> bytes:
    """The wire bytes of one packet: 0x00, COBS(packet), 0x00."""
    out = ffi.new("uint8_t[]", len(packet) + len(packet) // 254 + 3)
    n = lib.zk_cobs_encode(bytes(packet), len(packet), out + 1)
    return ffi.buffer(out, n + 2)[:]


class CobsPacketSplitter:
    """Feed serial bytes as they come; get back the space packets whose frames completed."""

    def __init__(self, max_packet_bytes: int = MAX_PACKET_BYTES) -> None:
        self.max_frame_bytes = max_packet_bytes + max_packet_bytes // 254 + 1
        self.counts: Counter[str] = Counter()
        self._partial = bytearray()
        self._discarding = False
        self._decoded = ffi.new("uint8_t[]", self.max_frame_bytes)

    def feed(self, data: bytes) -> list[bytes]:
        packets = []
        start = 0
        while (end := data.find(0, start)) >= 0:
            self._keep(data[start:end])
            if self._partial:
                packet = self._decode(bytes(self._partial))
                if packet is not None:
                    packets.append(packet)
            self._partial.clear()
            self._discarding = False
            start = end + 1
        self._keep(data[start:])
        return packets

    def _keep(self, chunk: bytes) -> None:
        """Buffer part of a frame; one longer than the limit is dropped up to its closing 0x00."""
        if self._discarding or not chunk:
            return
        if len(self._partial) + len(chunk) > self.max_frame_bytes:
            self.counts["too_long"] += 1
            self._discarding = True
            self._partial.clear()
        else:
            self._partial += chunk

    def _decode(self, frame: bytes) -> bytes | None:
        n = lib.zk_cobs_decode(frame, len(frame), self._decoded)
        if n < 0:
            self.counts["bad_cobs"] += 1
            return None
        packet = ffi.buffer(self._decoded, n)[:]
        if n < SPACE_PACKET_HEADER_BYTES + 1 or packet[0] >> 5 != 0:
            self.counts["not_a_packet"] += 1
            return None
        if int.from_bytes(packet[4:6], "big") + SPACE_PACKET_HEADER_BYTES + 1 != n:
            self.counts["length_mismatch"] += 1
            return None
        self.counts["packets"] += 1
        return packet
