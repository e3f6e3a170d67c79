"""The Communications Link Control Word (CCSDS 232.0-B, 4.2.1): the FARM-1 report carried down in the
Operational Control Field of TM frames, read by FOP-1 on the ground."""

from dataclasses import dataclass

CLCW_BYTES = 4
COP_1_IN_EFFECT = 0b01


@dataclass(frozen=True)
class Clcw:
    """The CLCW fields FOP-1 uses; the rest are fixed (type 0, version 0, COP-1 in effect)."""

    vcid: int
    report_value: int
    lockout: bool = False
    wait: bool = False
    retransmit: bool = False
    farm_b_counter: int = 0
    no_rf_available: bool = False
    no_bit_lock: bool = False
    status: int = 0

    def pack(self) -> bytes:
        """The four CLCW octets."""
        word = (self.status & 0b111) << 26 | COP_1_IN_EFFECT << 24 | (self.vcid & 0x3F) << 18
        word |= int(self.no_rf_available) << 15 | int(self.no_bit_lock) << 14
        word |= int(self.lockout) << 13 | int(self.wait) << 12 | int(self.retransmit) << 11
        word |= (self.farm_b_counter & 0b11) << 9 | (self.report_value & 0xFF)
        return word.to_bytes(CLCW_BYTES, "big")


def decode_clcw(raw: bytes) -> Clcw | None:
    """The CLCW in four octets, or None if they are not a type-0 CLCW with COP-1 in effect."""
    if len(raw) != CLCW_BYTES:
        return None
    word = int.from_bytes(raw, "big")
    if word >> 31 or (word >> 29) & 0b11 or (word >> 24) & 0b11 != COP_1_IN_EFFECT:
        return None
    return Clcw(
        vcid=(word >> 18) & 0x3F,
        report_value=word & 0xFF,
        lockout=bool(word >> 13 & 1),
        wait=bool(word >> 12 & 1),
        retransmit=bool(word >> 11 & 1),
        farm_b_counter=(word >> 9) & 0b11,
        no_rf_available=bool(word >> 15 & 1),
        no_bit_lock=bool(word >> 14 & 1),
        status=(word >> 26) & 0b111,
    )
