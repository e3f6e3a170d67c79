"""UTC instants as Julian dates: their home is native/time_scales.py. This module only re-exports
them for zorka/, which imports them from here until its rooms land; then it goes."""

from native.time_scales import (
    JD_UNIX_EPOCH,
    SECONDS_PER_DAY,
    julian_date,
    parse_utc,
    utc_from_julian_date,
)

__all__ = ["JD_UNIX_EPOCH", "SECONDS_PER_DAY", "julian_date", "parse_utc", "utc_from_julian_date"]
