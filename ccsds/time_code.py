"""The CCSDS day-segmented time code (CDS, CCSDS 301.0-B-4) both ends stamp packets with: epoch
1958-01-01 UTC, a preamble octet, 16-bit days and 32-bit milliseconds of day (the "short" form PUS-C
TM carries, 7 bytes)."""

import struct
from datetime import UTC, datetime, timedelta

CDS_EPOCH = datetime(1958, 1, 1, tzinfo=UTC)
DAYS_1958_TO_1970 = 4383
"""Days from the CDS epoch to the Unix epoch."""
CDS_SHORT_BYTES = 7
_DAYS_MS = struct.Struct(">HI")
_CDS_SHORT = struct.Struct(">BHI")
CDS_SHORT_PREAMBLE = 0x40
"""The P-field: CDS (0b100), epoch 1958, 16-bit days, no sub-milliseconds."""


def cds_short(unix_s: float) -> bytes:
    """The CDS short time code of a Unix time, to the millisecond (packed here: spacepackets'
    `CdsShortTimestamp` makes an object per stamp, and tests/ccsds/test_time_code.py holds the two equal)."""
    ms = round(unix_s * 1000.0)
    days, ms_of_day = divmod(ms, 86_400_000)
    return _CDS_SHORT.pack(CDS_SHORT_PREAMBLE, days + DAYS_1958_TO_1970, ms_of_day)


def cds_short_utc(stamp: bytes) -> datetime:
    """UTC of a CDS short time code; the epoch if it is too short to hold one."""
    if len(stamp) < CDS_SHORT_BYTES:
        return CDS_EPOCH
    days, ms = _DAYS_MS.unpack_from(stamp, 1)
    return CDS_EPOCH + timedelta(days=days, milliseconds=ms)
