"""Two-line element sets: parsed, checked column by column, and handed to SGP4.

A TLE is the usual way an orbit enters a scenario, and a typo in it silently moves the satellite, so every
field is checked against its columns and range before sgp4 sees it (sgp4 itself reads some malformed
fields without complaint). Column numbers in messages are 1-based, as in the format's definition.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sgp4.api import SGP4_ERRORS, Satrec

from native.time_scales import SECONDS_PER_DAY, julian_date

LINE_LENGTH = 69
TWO_PI = 2.0 * math.pi

_DECIMAL = r" *[+-]?[0-9]*\.[0-9]+"
_ANGLE = r" *[0-9]{1,3}\.[0-9]+"
_ASSUMED_POINT = r"[ +-][0-9]{5}[+-][0-9]"  # " 12345-4" is 0.12345e-4
_COUNT = r" *[0-9]*"
_ALPHA5 = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # Alpha-5 catalogue numbers: A0000 = 100000, letters I and O unused
_BLANK_COLUMNS = {1: (2, 9, 18, 33, 44, 53, 62, 64), 2: (2, 8, 17, 26, 34, 43, 52)}


class TleError(ValueError):
    """A malformed TLE: which field (line, name, columns), the bad text, and what is allowed there."""

    def __init__(self, field: str, value: str, allowed: str) -> None:
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"tle {field}: {value!r} is not {allowed}")


@dataclass(frozen=True)
class Tle:
    """A checked TLE: its SGP4 model, its epoch and its mean elements (SI units, radians; the mean motion
    is the Kozai mean motion the TLE states, its derivatives the true ones, not the TLE's n'/2 and n''/6)."""

    line1: str
    line2: str
    satrec: Satrec = field(repr=False, compare=False)
    catalogue_number: int
    classification: str
    international_designator: str
    epoch_utc: datetime
    jd_epoch_utc: float
    mean_motion_dot_rad_s2: float
    mean_motion_ddot_rad_s3: float
    bstar_per_earth_radius: float
    element_set_number: int
    inclination_rad: float
    raan_rad: float
    eccentricity: float
    argp_rad: float
    mean_anomaly_rad: float
    mean_motion_rad_s: float
    revolution_number: int


def tle_checksum(line: str) -> int:
    """The mod-10 checksum of columns 1-68: the sum of the digits, each minus sign counting 1."""
    return sum(int(c) if c in "0123456789" else c == "-" for c in line[:68]) % 10


def parse_tle(line1: str, line2: str) -> Tle:
    """Check and read a two-line element set (trailing line terminators are ignored).

    Raises TleError naming the first bad field; nothing else for any pair of strings."""
    lines = (_checked_line(1, line1), _checked_line(2, line2))
    fields = _Fields(lines)

    catalogue = fields.catalogue_number(1)
    if fields.catalogue_number(2) != catalogue:
        raise TleError("line 2 catalogue number (cols 3-7)", lines[1][2:7], f"line 1's {lines[0][2:7]!r}")
    classification = fields.text(1, "classification", 8, 8, "[UCS]", "U, C or S")
    designator = fields.text(
        1,
        "international designator",
        10,
        17,
        "[0-9]{5}[A-Z]{1,3} *| *",
        "a designator such as 98067A, or blank",
    )
    epoch_utc, jd_epoch_utc = fields.epoch()
    ndot_over_2 = fields.number(
        1, "mean motion derivative / 2", 34, 43, _DECIMAL, "rev/day^2 such as -.00002182"
    )
    nddot_over_6 = fields.assumed_point(1, "mean motion second derivative / 6", 45, 52)
    bstar = fields.assumed_point(1, "bstar drag term", 54, 61)
    fields.text(1, "ephemeris type", 63, 63, "[0-9 ]", "a digit or blank")
    element_set = fields.count(1, "element set number", 65, 68)

    inclination_deg = fields.angle("inclination", 9, 16, 180.0)
    raan_deg = fields.angle("right ascension of the node", 18, 25, 360.0)
    eccentricity = (
        int(fields.text(2, "eccentricity", 27, 33, "[0-9]{7}", "7 digits after an implied 0.")) / 1e7
    )
    argp_deg = fields.angle("argument of perigee", 35, 42, 360.0)
    mean_anomaly_deg = fields.angle("mean anomaly", 44, 51, 360.0)
    mean_motion_rev_day = fields.number(
        2, "mean motion", 53, 63, r" *[0-9]{1,2}\.[0-9]+", "a mean motion > 0 rev/day", lambda n: n > 0.0
    )
    revolutions = fields.count(2, "revolution number at epoch", 64, 68)

    for number, line in enumerate(lines, start=1):
        if line[68] != str(tle_checksum(line)):
            raise TleError(
                f"line {number} checksum (col 69)",
                line[68],
                f"the mod-10 sum of cols 1-68, {tle_checksum(line)}",
            )

    satrec = Satrec.twoline2rv(*lines)
    if satrec.error:
        raise TleError(
            "elements",
            f"n = {mean_motion_rev_day} rev/day, e = {eccentricity:.7f}",
            f"an orbit sgp4 can start from ({SGP4_ERRORS[satrec.error]})",
        )
    rev_per_day = TWO_PI / SECONDS_PER_DAY
    return Tle(
        line1=lines[0],
        line2=lines[1],
        satrec=satrec,
        catalogue_number=catalogue,
        classification=classification,
        international_designator=designator.strip(),
        epoch_utc=epoch_utc,
        jd_epoch_utc=jd_epoch_utc,
        mean_motion_dot_rad_s2=2.0 * ndot_over_2 * rev_per_day / SECONDS_PER_DAY,
        mean_motion_ddot_rad_s3=6.0 * nddot_over_6 * rev_per_day / SECONDS_PER_DAY**2,
        bstar_per_earth_radius=bstar,
        element_set_number=element_set,
        inclination_rad=math.radians(inclination_deg),
        raan_rad=math.radians(raan_deg),
        eccentricity=eccentricity,
        argp_rad=math.radians(argp_deg),
        mean_anomaly_rad=math.radians(mean_anomaly_deg),
        mean_motion_rad_s=mean_motion_rev_day * rev_per_day,
        revolution_number=revolutions,
    )


def _checked_line(number: int, line: str) -> str:
    """The line without its terminator, after the checks of length, line number and blank columns."""
    if not isinstance(line, str):
        raise TleError(f"line {number}", type(line).__name__, "a string")
    line = line.rstrip("\r\n")
    if len(line) != LINE_LENGTH:
        raise TleError(f"line {number} length", f"{len(line)} characters", f"{LINE_LENGTH} characters")
    if line[0] != str(number):
        raise TleError(f"line {number} line number (col 1)", line[0], f"{number}")
    for col in _BLANK_COLUMNS[number]:
        if line[col - 1] != " ":
            raise TleError(f"line {number} col {col}", line[col - 1], "blank (a separator between fields)")
    return line


class _Fields:
    """Readers of the fields of two checked lines; each raises TleError naming its field and columns."""

    def __init__(self, lines: tuple[str, str]) -> None:
        self.lines = lines

    def text(self, line: int, name: str, first: int, last: int, pattern: str, allowed: str) -> str:
        value = self.lines[line - 1][first - 1 : last]
        if re.fullmatch(pattern, value, re.ASCII) is None:
            raise TleError(_where(line, name, first, last), value, allowed)
        return value

    def number(
        self,
        line: int,
        name: str,
        first: int,
        last: int,
        pattern: str,
        allowed: str,
        valid: Callable[[float], bool] = math.isfinite,
    ) -> float:
        text = self.text(line, name, first, last, pattern, allowed)
        value = float(text)
        if not valid(value):
            raise TleError(_where(line, name, first, last), text, allowed)
        return value

    def angle(self, name: str, first: int, last: int, high_deg: float) -> float:
        allowed = f"an angle in 0..{high_deg:g} deg"
        return self.number(2, name, first, last, _ANGLE, allowed, lambda deg: deg <= high_deg)

    def assumed_point(self, line: int, name: str, first: int, last: int) -> float:
        value = self.text(
            line, name, first, last, _ASSUMED_POINT, "a number with an assumed point such as -11606-4"
        )
        return float(f"{value[0].strip()}0.{value[1:6]}e{value[6:]}")

    def count(self, line: int, name: str, first: int, last: int) -> int:
        value = self.text(line, name, first, last, _COUNT, "a whole number, right-justified")
        return int(value) if value.strip() else 0

    def catalogue_number(self, line: int) -> int:
        value = self.text(
            line,
            "catalogue number",
            3,
            7,
            f" *[0-9]+|[{_ALPHA5}][0-9]{{4}}",
            "a number 0..99999 or Alpha-5 (A0000)",
        )
        if value[0] in _ALPHA5:
            return (10 + _ALPHA5.index(value[0])) * 10000 + int(value[1:])
        return int(value)

    def epoch(self) -> tuple[datetime, float]:
        """The epoch as a UTC datetime (to the microsecond) and a Julian date (to the TLE's 1e-8 day)."""
        two_digit_year = int(
            self.text(1, "epoch year", 19, 20, "[0-9]{2}", "two digits (57-99: 19yy, 00-56: 20yy)")
        )
        year = two_digit_year + (1900 if two_digit_year >= 57 else 2000)
        new_year = datetime(year, 1, 1, tzinfo=UTC)
        days_in_year = (datetime(year + 1, 1, 1, tzinfo=UTC) - new_year).days
        allowed = f"a day of {year}: 1 <= day < {days_in_year + 1}"
        day = self.number(
            1, "epoch day", 21, 32, r" *[0-9]{1,3}\.[0-9]+", allowed, lambda d: 1 <= d < days_in_year + 1
        )
        return new_year + timedelta(days=day - 1.0), julian_date(new_year) + (day - 1.0)


def _where(line: int, name: str, first: int, last: int) -> str:
    cols = f"col {first}" if first == last else f"cols {first}-{last}"
    return f"line {line} {name} ({cols})"
