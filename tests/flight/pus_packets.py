"""PUS packets for the service tests: TCs made and TMs read by spacepackets, not by our codec."""

import struct

from spacepackets.ccsds.time import CdsShortTimestamp
from spacepackets.ecss import PusTc, PusTm

from flight.dictionary import Failure

APID = 0x65


def tc(service: int, subtype: int, data: bytes = b"", seq: int = 1, apid: int = APID) -> bytes:
    packet = PusTc(apid=apid, service=service, message_subtype=subtype, app_data=data, seq_count=seq)
    return bytes(packet.pack())


def decode(raw: bytes) -> PusTm:
    return PusTm.unpack(raw, timestamp_len=CdsShortTimestamp.TIMESTAMP_SIZE)


def kinds(sent: list[bytes]) -> list[tuple[int, int]]:
    """(service, subtype) of each TM."""
    return [(t.service, t.message_subtype) for t in map(decode, sent)]


def failure(raw: bytes) -> tuple[int, Failure, int]:
    """A failed verification report's subtype, failure code and first data byte."""
    tm = decode(raw)
    return tm.message_subtype, Failure(struct.unpack_from(">H", tm.source_data, 4)[0]), tm.source_data[6]


def only(sent: list[bytes], service: int, subtype: int) -> list[bytes]:
    """The source data of the TMs of one kind."""
    return [t.source_data for t in map(decode, sent) if (t.service, t.message_subtype) == (service, subtype)]
