"""TM packet generation: PUS-C TM with a CDS short time stamp and a sequence count per APID.

Every TM packet of the flight software leaves through one `TmSender`, so sequence counts are
consecutive per APID (14 bits, wrapping) whatever service made the packet; the sink (a downlink
queue, a file, a test's list) gets the packed bytes.
"""

from collections.abc import Callable

from spacepackets.ccsds.time import CdsShortTimestamp
from spacepackets.ecss import PusTm

DAYS_1958_TO_1970 = 4383
SEQ_MODULO = 1 << 14


def cds_short(unix_s: float) -> bytes:
    """CCSDS day-segmented time code (epoch 1958-01-01, 16-bit days, ms of day) of a Unix time."""
    ms = round(unix_s * 1000.0)
    days, ms_of_day = divmod(ms, 86_400_000)
    return CdsShortTimestamp(days + DAYS_1958_TO_1970, ms_of_day, init_dt_unix_stamp=False).pack()


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
        tm = PusTm(
            service=service,
            message_subtype=subtype,
            timestamp=self._timestamp(t_s),
            source_data=data,
            apid=apid,
            seq_count=seq,
        )
        self._sink(tm.pack())
        self.sent += 1

    def _timestamp(self, t_s: float) -> bytes:
        """The CDS stamp of `t_s`, computed once for all the packets of one instant (a TC's reports)."""
        if t_s != self._stamp_t_s:
            self._stamp_t_s, self._stamp = t_s, cds_short(self._epoch_unix_s + t_s)
        return self._stamp
