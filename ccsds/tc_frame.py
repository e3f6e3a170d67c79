"""CCSDS TC transfer frames (CCSDS 232.0-B-4): primary header, optional segment header, data, FECF.

Shared by the flight receiver and the ground sender, so it lives in hal. Decoding never raises on bytes:
it returns a `TcFrame` or a `TcReject` naming the reason, which the caller counts.
"""

import binascii
import re
from dataclasses import dataclass
from enum import StrEnum

PRIMARY_HEADER_BYTES = 5
SEGMENT_HEADER_BYTES = 1
FECF_BYTES = 2
MAX_FRAME_BYTES = 1024
"""Largest TC frame the standard allows (the 10-bit frame length field holds octets - 1)."""
MAX_SCID = 0x3FF
MAX_VCID = 0x3F
SEQUENCE_MODULUS = 256
POSSIBLE_FRAME_START = re.compile(rb"[\x00-\x3f]")
"""A byte that can open a TC frame: version bits (the top two) 0."""
SEGMENT_UNSEGMENTED = 0b11
"""Sequence flags of a segment header that carries a whole packet."""


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), the FECF of TC and TM frames."""
    return binascii.crc_hqx(data, 0xFFFF)


class TcReject(StrEnum):
    """Why bytes are not a valid TC frame."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BAD_VERSION = "bad_version"
    LENGTH_MISMATCH = "length_mismatch"
    BAD_CRC = "bad_crc"


@dataclass(frozen=True)
class TcFrame:
    """One TC transfer frame. `segment_header` is the whole segment-header octet (sequence flags and
    MAP ID) or None when the virtual channel has none; `data` is the frame data field after it."""

    scid: int
    vcid: int
    sequence: int
    data: bytes
    bypass: bool = False
    control: bool = False
    segment_header: int | None = None
    version: int = 0

    def pack(self, fecf: bool = True) -> bytes:
        """The frame's bytes, the length field and (if `fecf`) the CRC computed here."""
        body = b"" if self.segment_header is None else bytes([self.segment_header])
        body += self.data
        total = PRIMARY_HEADER_BYTES + len(body) + (FECF_BYTES if fecf else 0)
        if total > MAX_FRAME_BYTES:
            raise ValueError(f"TC frame of {total} bytes exceeds {MAX_FRAME_BYTES}")
        if not (0 <= self.scid <= MAX_SCID and 0 <= self.vcid <= MAX_VCID):
            raise ValueError(f"SCID {self.scid} or VCID {self.vcid} out of range")
        raw = pack_primary_header(
            self.version, self.bypass, self.control, self.scid, self.vcid, total, self.sequence
        )
        raw += body
        if fecf:
            raw += crc16(raw).to_bytes(FECF_BYTES, "big")
        return raw


def pack_primary_header(
    version: int, bypass: bool, control: bool, scid: int, vcid: int, frame_bytes: int, sequence: int
) -> bytes:
    """The 5-octet primary header; the length field holds `frame_bytes` - 1."""
    length = frame_bytes - 1
    word0 = (version & 0b11) << 14 | int(bypass) << 13 | int(control) << 12 | (scid & MAX_SCID)
    word1 = (vcid & MAX_VCID) << 10 | (length & 0x3FF)
    return word0.to_bytes(2, "big") + word1.to_bytes(2, "big") + bytes([sequence % SEQUENCE_MODULUS])


def decode_tc_frame(raw: bytes, segment_header: bool = False, fecf: bool = True) -> TcFrame | TcReject:
    """Parse one TC frame; the length field must match the byte count exactly. `segment_header` says
    whether the virtual channel uses one; control command frames (Type-BC) never carry it."""
    segment_header = segment_header and not (len(raw) > 0 and raw[0] & 0x10)
    minimum = PRIMARY_HEADER_BYTES + (SEGMENT_HEADER_BYTES if segment_header else 0)
    minimum += FECF_BYTES if fecf else 0
    if len(raw) < minimum:
        return TcReject.TOO_SHORT
    if len(raw) > MAX_FRAME_BYTES:
        return TcReject.TOO_LONG
    version = raw[0] >> 6
    if version != 0:
        return TcReject.BAD_VERSION
    if ((raw[2] & 0b11) << 8 | raw[3]) + 1 != len(raw):
        return TcReject.LENGTH_MISMATCH
    if fecf and crc16(raw) != 0:
        return TcReject.BAD_CRC
    end = len(raw) - (FECF_BYTES if fecf else 0)
    start = PRIMARY_HEADER_BYTES + (SEGMENT_HEADER_BYTES if segment_header else 0)
    return TcFrame(
        scid=(raw[0] & 0b11) << 8 | raw[1],
        vcid=raw[2] >> 2,
        sequence=raw[4],
        data=bytes(raw[start:end]),
        bypass=bool(raw[0] & 0x20),
        control=bool(raw[0] & 0x10),
        segment_header=raw[PRIMARY_HEADER_BYTES] if segment_header else None,
        version=version,
    )


UNLOCK = b"\x00"
"""Frame data of the COP-1 Unlock control command (Type-BC)."""
SET_VR_PREFIX = b"\x82\x00"
"""Leading octets of the COP-1 Set V(R) control command; V(R) follows in one octet."""


def set_vr_command(vr: int) -> bytes:
    """Frame data of the Set V(R) control command."""
    return SET_VR_PREFIX + bytes([vr % SEQUENCE_MODULUS])


class TcFrameSplitter:
    """TC frames from a byte stream (a TCP link): each header's length field says where the frame ends.

    A header that cannot start a frame (version not 0, or shorter than a header and FECF) means the
    stream lost its place: the bytes up to the next one that could open a frame are dropped in one
    step (a flood of junk costs a search, not a loop per byte), counted in `resyncs` and
    `discarded_bytes`, and the search goes on."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.resyncs = 0
        self.discarded_bytes = 0

    def feed(self, data: bytes) -> list[bytes]:
        """The complete frames the stream holds after `data`, in order; the rest waits for more."""
        buffer = self._buffer
        buffer += data
        frames = []
        while len(buffer) >= PRIMARY_HEADER_BYTES:
            length = ((buffer[2] & 0b11) << 8 | buffer[3]) + 1
            if buffer[0] >> 6 != 0 or length < PRIMARY_HEADER_BYTES + FECF_BYTES:
                found = POSSIBLE_FRAME_START.search(buffer, 1)
                dropped = found.start() if found else len(buffer)
                del buffer[:dropped]
                self.resyncs += 1
                self.discarded_bytes += dropped
                continue
            if len(buffer) < length:
                break
            frames.append(bytes(buffer[:length]))
            del buffer[:length]
        return frames
