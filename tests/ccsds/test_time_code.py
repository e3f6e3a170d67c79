"""The CDS short time code packed by Zorka is spacepackets' `CdsShortTimestamp`, byte for byte, and reads
back as the UTC instant it stamps."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from spacepackets.ccsds.time import CdsShortTimestamp

from ccsds.time_code import CDS_EPOCH, cds_short, cds_short_utc

UNIX_1958_S = CDS_EPOCH.timestamp()
# the 16-bit day count ends 65,535 days after 1958 (2137)
LAST_UNIX_S = UNIX_1958_S + 65_535 * 86_400.0


@given(st.floats(min_value=UNIX_1958_S, max_value=LAST_UNIX_S - 1.0))
def test_the_stamp_is_spacepackets_cds_short(unix_s):
    ms = round(unix_s * 1000.0)
    days, ms_of_day = divmod(ms - round(UNIX_1958_S * 1000.0), 86_400_000)
    expected = CdsShortTimestamp(days, ms_of_day, init_dt_unix_stamp=False).pack()
    assert cds_short(unix_s) == expected


def test_a_stamp_reads_back_as_its_instant():
    instant = datetime(2026, 6, 21, 10, 0, 30, 123000, tzinfo=UTC)
    assert cds_short_utc(cds_short(instant.timestamp())) == instant
    assert cds_short_utc(b"\x40\x00") == CDS_EPOCH
    assert cds_short(UNIX_1958_S) == bytes([0x40, 0, 0, 0, 0, 0, 0])
