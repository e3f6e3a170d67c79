"""SDLS extended procedures for security-association management (CCSDS 355.1-B), the three a link needs
to re-synchronise an association: Stop SA, Set ARSN, Start SA.

Each procedure is one PDU: a tag octet (PDU type 0 = command, user flag 0 = CCSDS-defined, service group
01 = SA management, then the 4-bit procedure identifier), a 16-bit length of the value *in bits*, and the
value. The identifiers are those of the standard (and NASA CryptoLib): Start SA 1011, Stop SA 1110,
Set ARSN 1010. Values: Stop SA and Start SA carry the SPI (2 octets; Start SA's optional GVCID list is not
used: an association here serves the one TC channel), Set ARSN the SPI and the new ARSN (big-endian,
1..8 octets). A frame protected with the master key carries one or more PDUs back to back as its data.
"""

from dataclasses import dataclass
from enum import IntEnum

SPI_BYTES = 2
SA_MANAGEMENT_GROUP = 0b01
MAX_ARSN_BYTES = 8


class SaProcedure(IntEnum):
    """Procedure identifiers of the SA-management service group."""

    SET_ARSN = 0b1010
    START_SA = 0b1011
    STOP_SA = 0b1110


@dataclass(frozen=True)
class SaPdu:
    """One SA-management command: `procedure` on association `spi`; `arsn` only for Set ARSN."""

    procedure: SaProcedure
    spi: int
    arsn: int = 0
    arsn_bytes: int = 4


def tag(procedure: SaProcedure) -> int:
    """The tag octet of a command PDU of `procedure`."""
    return SA_MANAGEMENT_GROUP << 4 | procedure


def encode_pdu(pdu: SaPdu) -> bytes:
    """The octets of one PDU (tag, length in bits, value)."""
    value = pdu.spi.to_bytes(SPI_BYTES, "big")
    if pdu.procedure == SaProcedure.SET_ARSN:
        value += pdu.arsn.to_bytes(pdu.arsn_bytes, "big")
    return bytes([tag(pdu.procedure)]) + (8 * len(value)).to_bytes(2, "big") + value


def decode_pdus(data: bytes) -> list[SaPdu] | None:
    """The PDUs filling `data` exactly, or None if any is malformed (unknown tag, a reply, a length that is
    not whole octets or overruns, a value of the wrong size). Never raises on bytes."""
    pdus, offset = [], 0
    known = {tag(p): p for p in SaProcedure}
    while offset < len(data):
        if len(data) - offset < 3 or data[offset] not in known:
            return None
        procedure = known[data[offset]]
        bits = int.from_bytes(data[offset + 1 : offset + 3], "big")
        end = offset + 3 + bits // 8
        if bits % 8 or end > len(data):
            return None
        value = data[offset + 3 : end]
        offset = end
        arsn_bytes = len(value) - SPI_BYTES
        if procedure == SaProcedure.SET_ARSN:
            if not 1 <= arsn_bytes <= MAX_ARSN_BYTES:
                return None
        elif arsn_bytes != 0:
            return None
        spi = int.from_bytes(value[:SPI_BYTES], "big")
        arsn = int.from_bytes(value[SPI_BYTES:], "big")
        pdus.append(SaPdu(procedure, spi, arsn, arsn_bytes or 4))
    return pdus or None
