"""TM packet generation: PUS-C TM with a CDS short time stamp and a sequence count per APID.

Every TM packet of the flight software leaves through one `TmSender`, so sequence counts are
consecutive per APID (14 bits, wrapping) whatever service made the packet; the sink (a downlink
queue, a file, a test's list) gets the packed bytes.

The packet is packed here with `struct` and the C CRC of `binascii` (ECSS-E-ST-70-41C 7.4.3: CCSDS
primary header, the TM secondary header of PUS-C with message type counter and destination 0, the
data, CRC-16/CCITT-FALSE), a quarter of the time spacepackets' `PusTm` takes; the tests hold the two
byte for byte.
"""

import struct
from binascii import crc_hqx
from collections.abc import Callable

from ccsds.time_code import cds_short

SEQ_MODULO = 1 << 14
PUS_C_VERSION = 2
SECONDARY_HEADER_FLAG = 0x0800  # packet version 0, type TM (0), a secondary header
UNSEGMENTED = 0xC000  # sequence flags 0b11
# The primary header (id, sequence, length), then the secondary header before the time stamp: PUS version |
# time reference, service, subtype, message type counter, destination.
_HEADERS = struct.Struct(">HHHBBBHH")
SECONDARY_BYTES = 7


class TmSender:
    """Packs and sends TM; `epoch_unix_s` is the Unix time of onboard time zero."""

    def __init__(self, sink: Callable[[bytes], None], epoch_unix_s: float):
        self._sink = sink
        self._epoch_unix_s = epoch_unix_s
        self._seq: dict[int, int] = {}
        self.sent = 0
        self._stamp_t_s: float | None = None
        self._stamp = b""

    def send(self, apid: int, service: int, subtype: int, data: bytes, t_s: float) -> None:
        seq = self._seq.get(apid, 0)
        self._seq[apid] = (seq + 1) % SEQ_MODULO
        stamp = self._stamp if t_s == self._stamp_t_s else self.stamp(t_s)
        length = SECONDARY_BYTES + len(stamp) + len(data) + 1  # the data field's octets less one
        packet = (
            _HEADERS.pack(
                SECONDARY_HEADER_FLAG | apid,
                UNSEGMENTED | seq,
                length,
                PUS_C_VERSION << 4,
                service,
                subtype,
                0,
                0,
            )
            + stamp
            + data
        )
        self._sink(packet + crc_hqx(packet, 0xFFFF).to_bytes(2, "big"))
        self.sent += 1

    def stamp(self, t_s: float) -> bytes:
        """The CDS short time code of onboard time `t_s`, computed once for all the packets of one
        instant (a TC's reports, a second's reports and the time report's own field)."""
        if t_s != self._stamp_t_s:
            self._stamp_t_s, self._stamp = t_s, cds_short(self._epoch_unix_s + t_s)
        return self._stamp
