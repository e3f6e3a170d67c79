"""sim/tle.py against sgp4's own TLE reader, and against corrupted and arbitrary input.

Real element sets: the ISS example of Vallado et al., "Revisiting Spacetrack Report #3" (AIAA 2006-6753),
and the 500 km sun-synchronous TLE of the planning instances. The checksum here is written independently
of the module (the digits plus one per minus sign, mod 10, over columns 1-68).
"""

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sgp4.api import Satrec

from sim.tle import Tle, TleError, parse_tle, tle_checksum

ISS = (
    "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927",
    "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537",
)
PLANNING = tuple((Path(__file__).parents[1] / "data" / "sso_500km.tle").read_text().splitlines())
DAY_S = 86400.0


def checksum(line: str) -> str:
    return str(sum(int(c) if c.isdigit() else 1 if c == "-" else 0 for c in line[:68]) % 10)


def with_columns(line: str, first_col: int, text: str) -> str:
    """The line with `text` written from 1-based column `first_col`, and its checksum made good again."""
    line = line[: first_col - 1] + text + line[first_col - 1 + len(text) :]
    return line[:68] + checksum(line)


@pytest.mark.parametrize("lines", [ISS, PLANNING], ids=["iss", "planning"])
def test_real_tle_matches_sgp4s_reading(lines):
    """Every element, the epoch and the counters equal sgp4's twoline2rv (angles to 1 ulp-ish, the epoch
    to 1 us)."""
    tle = parse_tle(*lines)
    ref = Satrec.twoline2rv(*lines)
    assert tle.catalogue_number == ref.satnum
    assert tle.classification == ref.classification
    assert tle.international_designator == ref.intldesg
    assert tle.element_set_number == ref.elnum
    assert tle.revolution_number == ref.revnum
    assert tle.jd_epoch_utc == pytest.approx(ref.jdsatepoch + ref.jdsatepochF, abs=1e-6 / DAY_S)
    epoch_from_sgp4 = datetime(2000 + ref.epochyr, 1, 1, tzinfo=UTC).timestamp() + (ref.epochdays - 1) * DAY_S
    assert tle.epoch_utc.timestamp() == pytest.approx(epoch_from_sgp4, abs=1e-6)
    for mine, theirs in [
        (tle.inclination_rad, ref.inclo),
        (tle.raan_rad, ref.nodeo),
        (tle.eccentricity, ref.ecco),
        (tle.argp_rad, ref.argpo),
        (tle.mean_anomaly_rad, ref.mo),
        (tle.mean_motion_rad_s * 60.0, ref.no_kozai),  # sgp4: rad/min
        (tle.bstar_per_earth_radius, ref.bstar),
        (tle.mean_motion_dot_rad_s2 * 3600.0 / 2.0, ref.ndot),  # sgp4: n'/2 in rad/min^2
        (tle.mean_motion_ddot_rad_s3 * 60.0**3 / 6.0, ref.nddot),  # sgp4: n''/6 in rad/min^3
    ]:
        assert mine == pytest.approx(theirs, rel=1e-14, abs=1e-300)
    assert tle.satrec.error == 0


def test_iss_epoch_and_elements_in_si_units():
    """The ISS example, by hand: 2008 day 264.51782528 is 2008-09-20 12:25:40.104 UTC; 51.6416 deg."""
    tle = parse_tle(*ISS)
    assert tle.epoch_utc == datetime(2008, 9, 20, 12, 25, 40, 104192, tzinfo=UTC)
    assert tle.inclination_rad == pytest.approx(math.radians(51.6416), rel=1e-15)
    assert tle.mean_motion_rad_s == pytest.approx(15.72125391 * 2 * math.pi / DAY_S, rel=1e-15)
    assert tle.bstar_per_earth_radius == pytest.approx(-0.11606e-4, rel=1e-15)


def test_checksum_of_real_lines():
    for line in (*ISS, *PLANNING):
        assert str(tle_checksum(line)) == line[68] == checksum(line)


def test_line_terminators_are_ignored():
    assert parse_tle(ISS[0] + "\r\n", ISS[1] + "\n") == parse_tle(*ISS)


CORRUPTIONS = {
    "bad checksum": ((ISS[0][:68] + "0", ISS[1]), "line 1 checksum (col 69)"),
    "a digit changed": ((ISS[0], ISS[1][:10] + "7" + ISS[1][11:]), "line 2 checksum (col 69)"),
    "too short": ((ISS[0][:-1], ISS[1]), "line 1 length"),
    "too long": ((ISS[0], ISS[1] + "0"), "line 2 length"),
    "letter in a number": ((ISS[0], with_columns(ISS[1], 9, " 51.64l6")), "line 2 inclination (cols 9-16)"),
    "inclination 190": ((ISS[0], with_columns(ISS[1], 9, "190.0000")), "line 2 inclination (cols 9-16)"),
    "raan 367": (
        (ISS[0], with_columns(ISS[1], 18, "367.0000")),
        "line 2 right ascension of the node (cols 18-25)",
    ),
    "perigee 400": (
        (ISS[0], with_columns(ISS[1], 35, "400.0000")),
        "line 2 argument of perigee (cols 35-42)",
    ),
    "anomaly 361": ((ISS[0], with_columns(ISS[1], 44, "361.0000")), "line 2 mean anomaly (cols 44-51)"),
    "eccentricity with a point": (
        (ISS[0], with_columns(ISS[1], 27, ".000670")),
        "line 2 eccentricity (cols 27-33)",
    ),
    "mean motion 0": ((ISS[0], with_columns(ISS[1], 53, " 0.00000000")), "line 2 mean motion (cols 53-63)"),
    "day 366 of 2007": ((with_columns(ISS[0], 19, "07366.5"), ISS[1]), "line 1 epoch day (cols 21-32)"),
    "day 0": ((with_columns(ISS[0], 21, "000.5178252"), ISS[1]), "line 1 epoch day (cols 21-32)"),
    "year of one digit": ((with_columns(ISS[0], 19, " 8"), ISS[1]), "line 1 epoch year (cols 19-20)"),
    "bstar without exponent": (
        (with_columns(ISS[0], 54, "-1160600"), ISS[1]),
        "line 1 bstar drag term (cols 54-61)",
    ),
    "classification X": ((with_columns(ISS[0], 8, "X"), ISS[1]), "line 1 classification (col 8)"),
    "catalogue numbers differ": (
        (ISS[0], with_columns(ISS[1], 3, "25545")),
        "line 2 catalogue number (cols 3-7)",
    ),
    "catalogue number not a number": (
        (with_columns(ISS[0], 3, "2554x"), with_columns(ISS[1], 3, "2554x")),
        "line 1 catalogue number (cols 3-7)",
    ),
    "lines swapped": ((ISS[1], ISS[0]), "line 1 line number (col 1)"),
    "fields shifted": ((ISS[0], ISS[1][:2] + " " + ISS[1][2:68]), "line 2 col 8"),
    "mean motion 20 (under ground)": (
        (ISS[0], with_columns(ISS[1], 53, "20.00000000")),
        "elements",
    ),
    "not a string": ((None, ISS[1]), "line 1"),
}


@pytest.mark.parametrize(("lines", "field"), CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_each_corruption_names_its_field(lines, field):
    with pytest.raises(TleError) as caught:
        parse_tle(*lines)
    assert caught.value.field == field
    message = str(caught.value)
    assert message.startswith(f"tle {field}: ")
    assert repr(caught.value.value) in message
    assert caught.value.allowed in message
    assert len(message.splitlines()) == 1


def test_message_names_field_value_and_what_is_allowed():
    with pytest.raises(TleError) as caught:
        parse_tle(ISS[0], with_columns(ISS[1], 9, "190.0000"))
    assert str(caught.value) == "tle line 2 inclination (cols 9-16): '190.0000' is not an angle in 0..180 deg"


def test_alpha5_catalogue_number():
    """Catalogue numbers from 100000 are written Alpha-5: A0001 is 100001, as sgp4 reads them."""
    lines = (with_columns(ISS[0], 3, "A0001"), with_columns(ISS[1], 3, "A0001"))
    assert parse_tle(*lines).catalogue_number == Satrec.twoline2rv(*lines).satnum == 100001


def parse_or_tle_error(line1, line2) -> Tle | None:
    try:
        return parse_tle(line1, line2)
    except TleError as error:
        assert len(str(error).splitlines()) == 1
        return None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_arbitrary_strings_raise_only_tle_error(line1, line2):
    parse_or_tle_error(line1, line2)


TLE_ALPHABET = "0123456789 .-+AUXZ\x00é٣"


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from([ISS, PLANNING]),
    st.lists(st.tuples(st.integers(0, 1), st.integers(1, 68), st.sampled_from(TLE_ALPHABET)), max_size=3),
    st.booleans(),
)
def test_mutated_tles_raise_only_tle_error_or_agree_with_sgp4(lines, edits, fix_checksums):
    """Characters of a real TLE replaced (checksums made good or not): a TleError, or a TLE whose
    elements are sgp4's reading of the same lines."""
    mutable = list(lines)
    for which, col, char in edits:
        mutable[which] = mutable[which][: col - 1] + char + mutable[which][col:]
    if fix_checksums:
        mutable = [line[:68] + checksum(line) for line in mutable]
    tle = parse_or_tle_error(*mutable)
    if tle is not None:
        ref = Satrec.twoline2rv(*mutable)
        assert (tle.inclination_rad, tle.eccentricity, tle.mean_motion_rad_s * 60.0) == pytest.approx(
            (ref.inclo, ref.ecco, ref.no_kozai), rel=1e-14
        )
