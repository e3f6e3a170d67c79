"""UTC instants as Julian dates, for the epoch of a run (UT1 is taken equal to UTC)."""

from datetime import UTC, datetime, timedelta

JD_UNIX_EPOCH = 2440587.5
SECONDS_PER_DAY = 86400.0


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
    return JD_UNIX_EPOCH + t.timestamp() / SECONDS_PER_DAY


def utc_from_julian_date(jd_utc: float, t_s: float = 0.0) -> datetime:
    """The UTC instant `t_s` seconds after Julian date `jd_utc` (microsecond resolution)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
        seconds=(jd_utc - JD_UNIX_EPOCH) * SECONDS_PER_DAY + t_s
    )
