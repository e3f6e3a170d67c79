"""Telecommands that carry complete TC packets to run later: scheduled activities (service 11) and
event actions (service 19).

A `PacketCommand` is a repeated command (uint8 count N, then N groups) whose every group is its
declared fixed arguments followed by one embedded TC space packet, delimited by the packet's own
length field. Decoding only cuts the packets out; the services vet each one with the acceptor's own
checks when it is stored, so a bad packet is refused while the ground can still see why.
"""

import struct
from dataclasses import dataclass
from typing import Any

from flight.dictionary import ArgumentError, Command, Failure

PRIMARY_HEADER = 6
PACKET = "tc"


def request_key(tc: bytes) -> tuple[int, int, int]:
    """The PUS-C request ID of a checked TC packet: (source ID, APID, sequence count)."""
    word, sequence = struct.unpack_from(">HH", tc)
    (source,) = struct.unpack_from(">H", tc, PRIMARY_HEADER + 3)
    return source, word & 0x7FF, sequence & 0x3FFF


@dataclass(frozen=True)
class PacketCommand(Command):
    """A repeated command whose groups each end with an embedded TC packet (the group's "tc" value)."""

    repeated: bool = True

    def decode(self, data: bytes, offset: int = 0) -> list[dict]:
        """The groups of app data `data[offset:]`; ArgumentError (index: the group) on a length mismatch."""
        if len(data) <= offset:
            raise ArgumentError(Failure.WRONG_LENGTH, 0, "count")
        groups, end = [], offset + 1
        for index in range(data[offset]):
            group, end = self._decode_group(data, end)
            if len(data) - end < PRIMARY_HEADER:
                raise ArgumentError(Failure.WRONG_LENGTH, index, PACKET)
            size = PRIMARY_HEADER + 1 + struct.unpack_from(">H", data, end + 4)[0]
            if len(data) - end < size:
                raise ArgumentError(Failure.WRONG_LENGTH, index, PACKET)
            group[PACKET] = bytes(data[end : end + size])
            groups.append(group)
            end += size
        if end != len(data):
            raise ArgumentError(Failure.WRONG_LENGTH, len(self.args), "end")
        return groups

    def encode(self, values: Any) -> bytes:
        return bytes([len(values)]) + b"".join(self._encode_group(v) + v[PACKET] for v in values)

    def to_json(self) -> dict:
        return {**super().to_json(), "embedded_tc": True}
