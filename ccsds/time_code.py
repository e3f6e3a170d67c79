"""The CCSDS day-segmented time code (CDS, CCSDS 301.0-B-4) both ends stamp packets with: epoch
1958-01-01 UTC, a preamble octet, 16-bit days and 32-bit milliseconds of day (the "short" form PUS-C
TM carries, 7 bytes)."""

import struct
from datetime import UTC, datetime, timedelta

from spacepackets.ccsds.time import CdsShortTimestamp

CDS_EPOCH = datetime(1958, 1, 1, tzinfo=UTC)
DAYS_1958_TO_1970 = 4383
"""Days from the CDS epoch to the Unix epoch."""
CDS_SHORT_BYTES = 7
_DAYS_MS = struct.Struct(">HI")


def cds_short(unix_s: float) -> bytes:
    """The CDS short time code of a Unix time, to the millisecond."""
    ms = round(unix_s * 1000.0)
    days, ms_of_day = divmod(ms, 86_400_000)
    return CdsShortTimestamp(days + DAYS_1958_TO_1970, ms_of_day, init_dt_unix_stamp=False).pack()


def cds_short_utc(stamp: bytes) -> datetime:
    """UTC of a CDS short time code; the epoch if it is too short to hold one."""
    if len(stamp) < CDS_SHORT_BYTES:
        return CDS_EPOCH
    days, ms = _DAYS_MS.unpack_from(stamp, 1)
    return CDS_EPOCH + timedelta(days=days, milliseconds=ms)
