"""CCSDS TM transfer frames (CCSDS 132.0-B-3) and the packet service over them.

Fixed-length frames: a 6-octet primary header (SCID, VCID, OCF flag, master and virtual channel frame
counts, first header pointer), the data field, the Operational Control Field carrying the CLCW, and the
FECF (CRC-16/CCITT-FALSE). `TmMultiplexer` packs space packets of several virtual channels into frames,
packets spanning frames, idle packets filling the rest; `TmDemultiplexer` extracts complete packets back,
never raising on bytes and counting every reject and loss by reason.
"""

from collections import Counter, deque
from dataclasses import dataclass
from enum import StrEnum

from ccsds.tc_frame import FECF_BYTES, crc16

PRIMARY_HEADER_BYTES = 6
OCF_BYTES = 4
FRAME_COUNT_MODULUS = 256
FHP_NO_PACKET_START = 0x7FF
"""First header pointer of a frame in which no packet starts."""
FHP_IDLE_ONLY = 0x7FE
"""First header pointer of a frame holding only idle data."""
SEGMENT_LENGTH_ID_PACKETS = 0b11
SPACE_PACKET_HEADER_BYTES = 6
IDLE_APID = 0x7FF
MIN_PACKET_BYTES = SPACE_PACKET_HEADER_BYTES + 1
IDLE_FILL = 0x55
VC_REALTIME_HK = 0
VC_EVENTS = 1
VC_PLAYBACK = 2
VC_FILES = 3
VC_IDLE = 7


class TmReject(StrEnum):
    """Why bytes are not a usable TM frame, or what the demultiplexer had to drop."""

    WRONG_LENGTH = "wrong_length"
    BAD_VERSION = "bad_version"
    BAD_CRC = "bad_crc"
    WRONG_SCID = "wrong_scid"
    BAD_FHP = "bad_fhp"
    FHP_MISMATCH = "fhp_mismatch"
    BAD_PACKET_HEADER = "bad_packet_header"


@dataclass(frozen=True)
class TmFrame:
    """One TM transfer frame (no secondary header, packet-ordered, synchronous flag 0)."""

    scid: int
    vcid: int
    mc_count: int
    vc_count: int
    first_header_pointer: int
    data: bytes
    ocf: bytes | None = None
    version: int = 0

    def pack(self, fecf: bool = True) -> bytes:
        """The frame's bytes with the FECF computed here (spacepackets' TmTransferFrame does not)."""
        word0 = (self.version & 0b11) << 14 | (self.scid & 0x3FF) << 4 | (self.vcid & 0b111) << 1
        word0 |= int(self.ocf is not None)
        status = SEGMENT_LENGTH_ID_PACKETS << 11 | (self.first_header_pointer & 0x7FF)
        raw = word0.to_bytes(2, "big") + bytes([self.mc_count % 256, self.vc_count % 256])
        raw += status.to_bytes(2, "big") + self.data + (self.ocf or b"")
        return raw + crc16(raw).to_bytes(FECF_BYTES, "big") if fecf else raw


def decode_tm_frame(raw: bytes, frame_bytes: int, fecf: bool = True) -> TmFrame | TmReject:
    """Parse one frame of the channel's fixed length; the OCF flag of the header says if an OCF is there."""
    if len(raw) != frame_bytes or frame_bytes < PRIMARY_HEADER_BYTES + OCF_BYTES + FECF_BYTES:
        return TmReject.WRONG_LENGTH
    if raw[0] >> 6 != 0:
        return TmReject.BAD_VERSION
    if fecf and crc16(raw) != 0:
        return TmReject.BAD_CRC
    end = len(raw) - (FECF_BYTES if fecf else 0)
    has_ocf = bool(raw[1] & 1)
    data_end = end - (OCF_BYTES if has_ocf else 0)
    return TmFrame(
        scid=(int.from_bytes(raw[0:2], "big") >> 4) & 0x3FF,
        vcid=(raw[1] >> 1) & 0b111,
        mc_count=raw[2],
        vc_count=raw[3],
        first_header_pointer=int.from_bytes(raw[4:6], "big") & 0x7FF,
        data=bytes(raw[PRIMARY_HEADER_BYTES:data_end]),
        ocf=bytes(raw[data_end:end]) if has_ocf else None,
    )


def idle_packet(length_bytes: int) -> bytes:
    """A space packet of APID 0x7FF (idle) of exactly `length_bytes` octets (at least 7)."""
    header = (IDLE_APID).to_bytes(2, "big") + b"\xc0\x00" + (length_bytes - 7).to_bytes(2, "big")
    return header + bytes([IDLE_FILL]) * (length_bytes - SPACE_PACKET_HEADER_BYTES)


class _VcQueue:
    """Bytes waiting on one virtual channel and where each packet starts in them."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.starts: deque[int] = deque()
        self.count = 0


class TmMultiplexer:
    """Packs space packets into fixed-length frames; virtual channels in `vc_priority` order, highest first.

    A frame is sent on the first channel with bytes waiting; an unfilled data field is completed with an
    idle packet; with nothing waiting an idle-only frame goes on `VC_IDLE`. The OCF carries `ocf`."""

    def __init__(
        self,
        scid: int,
        frame_bytes: int = 1115,
        vc_priority: tuple[int, ...] = (VC_REALTIME_HK, VC_EVENTS, VC_PLAYBACK),
        fecf: bool = True,
    ) -> None:
        self.scid = scid
        self.frame_bytes = frame_bytes
        self.fecf = fecf
        self.data_bytes = frame_bytes - PRIMARY_HEADER_BYTES - OCF_BYTES - (FECF_BYTES if fecf else 0)
        if self.data_bytes < MIN_PACKET_BYTES:
            raise ValueError(f"a {frame_bytes}-byte frame leaves no room for a packet")
        self.queues = {vcid: _VcQueue() for vc in (vc_priority, (VC_IDLE,)) for vcid in vc}
        self.vc_priority = vc_priority
        self.mc_count = 0
        self.ocf = bytes(OCF_BYTES)

    def push(self, vcid: int, packet: bytes) -> None:
        """Queue one space packet on a virtual channel."""
        queue = self.queues[vcid]
        queue.starts.append(len(queue.buffer))
        queue.buffer += packet

    def pending_bytes(self, vcid: int) -> int:
        """Bytes queued on a virtual channel."""
        return len(self.queues[vcid].buffer)

    def next_frame(self) -> bytes:
        """The next frame to downlink."""
        vcid = next((vc for vc in self.vc_priority if self.queues[vc].buffer), VC_IDLE)
        queue = self.queues[vcid]
        if queue.buffer:
            room = self.data_bytes - len(queue.buffer)
            if room > 0:
                self.push(vcid, idle_packet(max(room, MIN_PACKET_BYTES)))
            data = bytes(queue.buffer[: self.data_bytes])
            del queue.buffer[: self.data_bytes]
            starts_here = queue.starts and queue.starts[0] < self.data_bytes
            fhp = queue.starts[0] if starts_here else FHP_NO_PACKET_START
            while queue.starts and queue.starts[0] < self.data_bytes:
                queue.starts.popleft()
            queue.starts = deque(start - self.data_bytes for start in queue.starts)
        else:
            data, fhp = bytes([IDLE_FILL]) * self.data_bytes, FHP_IDLE_ONLY
        frame = TmFrame(self.scid, vcid, self.mc_count, queue.count, fhp, data, self.ocf)
        self.mc_count = (self.mc_count + 1) % FRAME_COUNT_MODULUS
        queue.count = (queue.count + 1) % FRAME_COUNT_MODULUS
        return frame.pack(self.fecf)


class _VcAssembly:
    def __init__(self) -> None:
        self.buffer = bytearray()
        self.synced = False
        self.expected_count: int | None = None


class TmDemultiplexer:
    """Extracts complete space packets, per virtual channel, from received frames.

    `counts` holds frames accepted, rejects by `TmReject` reason, frames lost (from the master channel
    count), virtual-channel count gaps (after which the partial packet is dropped and the channel
    resynchronises on the next first header pointer) and idle frames; `ocf` the last OCF received."""

    def __init__(self, scid: int, frame_bytes: int = 1115, fecf: bool = True) -> None:
        self.scid = scid
        self.frame_bytes = frame_bytes
        self.fecf = fecf
        self.counts: Counter[str] = Counter()
        self.ocf: bytes | None = None
        self._channels: dict[int, _VcAssembly] = {}
        self._expected_mc: int | None = None

    def feed(self, raw: bytes) -> list[tuple[int, bytes]]:
        """The (VCID, packet) pairs completed by one frame; idle packets are dropped."""
        frame = decode_tm_frame(raw, self.frame_bytes, self.fecf)
        if isinstance(frame, TmReject):
            self.counts[frame] += 1
            return []
        if frame.scid != self.scid:
            self.counts[TmReject.WRONG_SCID] += 1
            return []
        self.counts["frames"] += 1
        if self._expected_mc is not None:
            self.counts["frames_lost"] += (frame.mc_count - self._expected_mc) % FRAME_COUNT_MODULUS
        self._expected_mc = (frame.mc_count + 1) % FRAME_COUNT_MODULUS
        if frame.ocf is not None:
            self.ocf = frame.ocf
        if frame.first_header_pointer == FHP_IDLE_ONLY:
            self.counts["idle_frames"] += 1
            return []
        channel = self._channels.setdefault(frame.vcid, _VcAssembly())
        if channel.expected_count is not None and frame.vc_count != channel.expected_count:
            self.counts["vc_count_gaps"] += 1
            channel.buffer.clear()
            channel.synced = False
        channel.expected_count = (frame.vc_count + 1) % FRAME_COUNT_MODULUS
        return [(frame.vcid, packet) for packet in self._assemble(channel, frame)]

    def _assemble(self, channel: _VcAssembly, frame: TmFrame) -> list[bytes]:
        fhp = frame.first_header_pointer
        if fhp == FHP_NO_PACKET_START:
            if channel.synced:
                channel.buffer += frame.data
                return self._extract(channel)
            return []
        if fhp >= len(frame.data):
            self.counts[TmReject.BAD_FHP] += 1
            channel.buffer.clear()
            channel.synced = False
            return []
        packets: list[bytes] = []
        if channel.synced:
            channel.buffer += frame.data[:fhp]
            packets = self._extract(channel)
            if channel.buffer:
                self.counts[TmReject.FHP_MISMATCH] += 1
        channel.buffer[:] = frame.data[fhp:]
        channel.synced = True
        return packets + self._extract(channel)

    def _extract(self, channel: _VcAssembly) -> list[bytes]:
        packets = []
        buffer = channel.buffer
        while channel.synced and len(buffer) >= SPACE_PACKET_HEADER_BYTES:
            if buffer[0] >> 5 != 0:
                self.counts[TmReject.BAD_PACKET_HEADER] += 1
                buffer.clear()
                channel.synced = False
                break
            length = int.from_bytes(buffer[4:6], "big") + MIN_PACKET_BYTES
            if len(buffer) < length:
                break
            packet = bytes(buffer[:length])
            del buffer[:length]
            if int.from_bytes(packet[0:2], "big") & 0x7FF != IDLE_APID:
                packets.append(packet)
        return packets
