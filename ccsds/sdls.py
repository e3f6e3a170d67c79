"""SDLS-style authentication of TC frames (CCSDS 355.0-B, authentication only, HMAC-SHA-256).

Layout, check order and verdicts follow NASA CryptoLib as recorded in shared/data/sdls: after the primary
header (and segment header, if the channel has one) come the SPI (2 octets) and the ARSN (N octets,
big-endian), then the frame data, the leftmost 16 octets of HMAC-SHA-256 over every octet before them,
and the FECF. The frame length is rewritten before the MAC is computed. The receiver checks SPI known
and operational, then the CRC, then the MAC (constant time), then the ARSN window; the stored ARSN moves
only once all pass.

One deliberate difference: the window is strictly forward, 1 <= (r - last) mod 2^(8N) <= W, so an
ARSN equal to the stored one is always a replay, including 0 while the stored value is still 0 (CryptoLib
accepts that). Senders therefore start at ARSN 1.
"""

import hashlib
import hmac
from dataclasses import dataclass
from enum import IntEnum

from ccsds.tc_frame import FECF_BYTES, PRIMARY_HEADER_BYTES, SEGMENT_HEADER_BYTES, crc16

SPI_BYTES = 2
MAC_BYTES = 16


class SdlsVerdict(IntEnum):
    """A receiver's verdict on one frame; the values are NASA CryptoLib's return codes."""

    ACCEPTED = 0
    MALFORMED = -1
    BAD_CRC = -12
    ARSN_OUTSIDE_WINDOW = -13
    BAD_MAC = -21
    SPI_UNKNOWN = -56
    SA_NOT_OPERATIONAL = -57


class SaState(IntEnum):
    """The life of a security association (CCSDS 355.1-B, SA management): created unkeyed, keyed by a
    rekey, operational once started; stop returns it to keyed, expire to unkeyed (the key is erased)."""

    UNKEYED = 1
    KEYED = 2
    OPERATIONAL = 3


@dataclass
class SecurityAssociation:
    """One security association: its key, state and ARSN. On a sender `arsn` is the next value to
    send; on a receiver it is the last value accepted. Only an operational association protects or
    verifies frames; the transitions refuse (ValueError) what the state machine does not allow."""

    spi: int
    key: bytes
    arsn_bytes: int = 4
    arsn_window: int = 5
    state: SaState = SaState.OPERATIONAL
    arsn: int = 0

    @property
    def arsn_modulus(self) -> int:
        """2^(8N): where the ARSN rolls over."""
        return 1 << (8 * self.arsn_bytes)

    @property
    def operational(self) -> bool:
        return self.state == SaState.OPERATIONAL

    def rekey(self, key: bytes) -> None:
        """A new key for a stopped (or never keyed) association; its ARSN starts again."""
        self._require((SaState.UNKEYED, SaState.KEYED), "rekey")
        self.key, self.arsn, self.state = key, 0, SaState.KEYED

    def start(self) -> None:
        self._require((SaState.KEYED,), "start")
        self.state = SaState.OPERATIONAL

    def stop(self) -> None:
        self._require((SaState.OPERATIONAL,), "stop")
        self.state = SaState.KEYED

    def expire(self) -> None:
        """Erase the key of a stopped association."""
        self._require((SaState.KEYED,), "expire")
        self.key, self.state = b"", SaState.UNKEYED

    def _require(self, states: tuple[SaState, ...], what: str) -> None:
        if self.state not in states:
            allowed = " or ".join(s.name.lower() for s in states)
            now = self.state.name.lower()
            raise ValueError(f"security association {self.spi}: cannot {what} when {now} (must be {allowed})")


def _mac(key: bytes, covered: bytes) -> bytes:
    return hmac.new(key, covered, hashlib.sha256).digest()[:MAC_BYTES]


class SdlsSender:
    """Applies security to plaintext TC frames with one association (ground side)."""

    def __init__(self, association: SecurityAssociation, segment_header: bool) -> None:
        self.association = association
        self.segment_header = segment_header

    def apply(self, frame: bytes) -> bytes:
        """The protected frame of a plaintext frame (FECF included); uses and advances the ARSN.
        ValueError if the association is not operational or the frame is too short."""
        sa = self.association
        if not sa.operational:
            raise ValueError(f"security association {sa.spi} is not operational")
        head = PRIMARY_HEADER_BYTES + (SEGMENT_HEADER_BYTES if self.segment_header else 0)
        if len(frame) < head + FECF_BYTES:
            raise ValueError(f"plaintext TC frame of {len(frame)} bytes is too short")
        data = frame[head:-FECF_BYTES]
        total = head + SPI_BYTES + sa.arsn_bytes + len(data) + MAC_BYTES + FECF_BYTES
        length = total - 1
        header = bytes([frame[0], frame[1], (frame[2] & 0xFC) | (length >> 8 & 0b11), length & 0xFF])
        covered = header + frame[4:head] + sa.spi.to_bytes(SPI_BYTES, "big")
        covered += sa.arsn.to_bytes(sa.arsn_bytes, "big") + data
        covered += _mac(sa.key, covered)
        sa.arsn = (sa.arsn + 1) % sa.arsn_modulus
        return covered + crc16(covered).to_bytes(FECF_BYTES, "big")


class SdlsReceiver:
    """Processes protected TC frames against a table of associations (flight side)."""

    def __init__(self, associations: dict[int, SecurityAssociation], segment_header: bool) -> None:
        self.associations = associations
        self.segment_header = segment_header

    def process(self, raw: bytes) -> tuple[SdlsVerdict, bytes | None]:
        """The verdict on a protected frame and, if accepted, the plaintext frame (length field and
        FECF recomputed). Never raises on bytes."""
        head = PRIMARY_HEADER_BYTES + (SEGMENT_HEADER_BYTES if self.segment_header else 0)
        if len(raw) < head + SPI_BYTES:
            return SdlsVerdict.MALFORMED, None
        sa = self.associations.get(int.from_bytes(raw[head : head + SPI_BYTES], "big"))
        if sa is None:
            return SdlsVerdict.SPI_UNKNOWN, None
        if not sa.operational:
            return SdlsVerdict.SA_NOT_OPERATIONAL, None
        data_start = head + SPI_BYTES + sa.arsn_bytes
        mac_start = len(raw) - FECF_BYTES - MAC_BYTES
        if mac_start < data_start or ((raw[2] & 0b11) << 8 | raw[3]) + 1 != len(raw):
            return SdlsVerdict.MALFORMED, None
        if crc16(raw) != 0:
            return SdlsVerdict.BAD_CRC, None
        if not hmac.compare_digest(_mac(sa.key, raw[:mac_start]), raw[mac_start : mac_start + MAC_BYTES]):
            return SdlsVerdict.BAD_MAC, None
        arsn = int.from_bytes(raw[head + SPI_BYTES : data_start], "big")
        if not 1 <= (arsn - sa.arsn) % sa.arsn_modulus <= sa.arsn_window:
            return SdlsVerdict.ARSN_OUTSIDE_WINDOW, None
        sa.arsn = arsn
        data = raw[data_start:mac_start]
        length = head + len(data) + FECF_BYTES - 1
        plain = bytes([raw[0], raw[1], (raw[2] & 0xFC) | (length >> 8 & 0b11), length & 0xFF])
        plain += raw[4:head] + data
        return SdlsVerdict.ACCEPTED, plain + crc16(plain).to_bytes(FECF_BYTES, "big")
