"""Time scales and epochs: the constants of native/common/constants.h (read from the C, so Python and C
cannot disagree) and UTC instants as Julian dates. UT1 is taken equal to UTC, as everywhere in Zorka."""

from datetime import UTC, datetime, timedelta

from native import lib

SECONDS_PER_DAY: float = lib.ZK_SECONDS_PER_DAY
JD_J2000: float = lib.ZK_JD_J2000
JD_UNIX_EPOCH: float = lib.ZK_JD_UNIX_EPOCH
TT_MINUS_UTC_S: float = lib.ZK_TT_MINUS_UTC_S  # 32.184 s (TT - TAI) + 37 leap seconds (since 2017)


def parse_utc(text: str) -> datetime:
    """An ISO-8601 UTC instant such as 2026-06-21T00:00:00Z. Raises ValueError naming the format."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 UTC time such as 2026-06-21T00:00:00Z") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def julian_date(t: datetime) -> float:
    """Julian date of a timezone-aware instant (UTC)."""
    return julian_date_from_unix_s(t.timestamp())


def julian_date_from_unix_s(unix_s: float) -> float:
    """Julian date (UTC) of an instant in seconds since 1970-01-01T00:00:00Z."""
    return JD_UNIX_EPOCH + unix_s / SECONDS_PER_DAY


def unix_s_from_julian_date(jd_utc: float) -> float:
    """Seconds since 1970-01-01T00:00:00Z of a Julian date (UTC)."""
    return (jd_utc - JD_UNIX_EPOCH) * SECONDS_PER_DAY


def utc_from_julian_date(jd_utc: float, t_s: float = 0.0) -> datetime:
    """The UTC instant `t_s` seconds after Julian date `jd_utc` (microsecond resolution)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=unix_s_from_julian_date(jd_utc) + t_s)
