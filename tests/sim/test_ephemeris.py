"""sim/ephemeris.py against sgp4's scalar propagation from the TLE epoch (Satrec.sgp4_tsince, minutes since
the TLE epoch, computed here from the epochs), and its failures against sgp4's own error codes."""

from pathlib import Path

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec

from native.time_scales import julian_date, parse_utc
from sim.ephemeris import Sgp4Ephemeris, Sgp4Error

PLANNING = (Path(__file__).parents[1] / "data" / "sso_500km.tle").read_text().splitlines()
ISS = (
    "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927",
    "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537",
)
MM = 1e-3


def reference_state_m(satrec: Satrec, jd_run_utc: float, t_s: float) -> tuple[np.ndarray, np.ndarray]:
    """sgp4 from minutes since the TLE epoch, the epochs' offset taken from J2000 in seconds (differences
    of Julian dates near J2000 are exact in floating point)."""
    run_s = (jd_run_utc - 2451545.0) * 86400.0
    tle_s = ((satrec.jdsatepoch - 2451545.0) + satrec.jdsatepochF) * 86400.0
    error, r_km, v_km_s = satrec.sgp4_tsince((run_s - tle_s + t_s) / 60.0)
    assert error == 0
    return np.array(r_km) * 1e3, np.array(v_km_s) * 1e3


@pytest.mark.parametrize(
    ("lines", "run_epoch"),
    [(PLANNING, "2025-06-21T00:00:00Z"), (PLANNING, "2025-06-21T07:31:17Z"), (ISS, "2008-09-20T00:00:00Z")],
    ids=["planning-at-tle-epoch", "planning-later", "iss-before-tle-epoch"],
)
def test_fill_matches_scalar_sgp4_to_a_millimetre(lines, run_epoch):
    """400 states over two days (t0 = -100 s, dt = 433.7 s) equal sgp4 within 1 mm and 1 mm/s, and so
    does state_at at each of them."""
    satrec = Satrec.twoline2rv(*lines)
    jd_run_utc = julian_date(parse_utc(run_epoch))
    ephemeris = Sgp4Ephemeris(satrec, jd_run_utc)
    t0_s, dt_s, n = -100.0, 433.7, 400
    r_eci, v_eci = np.empty((n, 3)), np.empty((n, 3))
    ephemeris.fill(t0_s, dt_s, r_eci, v_eci)
    worst_r_m = worst_v_m_s = worst_state_at_m = 0.0
    for k in range(n):
        r_ref, v_ref = reference_state_m(satrec, jd_run_utc, t0_s + k * dt_s)
        worst_r_m = max(worst_r_m, np.linalg.norm(r_eci[k] - r_ref))
        worst_v_m_s = max(worst_v_m_s, np.linalg.norm(v_eci[k] - v_ref))
        worst_state_at_m = max(
            worst_state_at_m, np.linalg.norm(ephemeris.state_at(t0_s + k * dt_s)[0] - r_ref)
        )
    assert worst_r_m < MM
    assert worst_v_m_s < MM
    assert worst_state_at_m < MM
    assert 6.6e6 < np.linalg.norm(r_eci, axis=1).min() < np.linalg.norm(r_eci, axis=1).max() < 6.9e6


def decaying_satrec() -> Satrec:
    """A 16.3 rev/day orbit (~190 km) with a huge drag term: sgp4 reports it decayed within 2 days."""
    satrec = Satrec()
    jd_epoch = julian_date(parse_utc("2025-06-21T00:00:00Z"))
    rev_day = 2.0 * np.pi / 1440.0
    satrec.sgp4init(
        WGS72, "i", 1, jd_epoch - 2433281.5, 5e-3, 0.0, 0.0, 1e-3, 0.0, 1.7, 0.0, 16.3 * rev_day, 0.0
    )
    return satrec


def test_decayed_satellite_raises_naming_the_time_and_sgp4s_reason():
    ephemeris = Sgp4Ephemeris(decaying_satrec(), julian_date(parse_utc("2025-06-21T00:00:00Z")))
    r_eci, v_eci = np.empty((3 * 24, 3)), np.empty((3 * 24, 3))
    with pytest.raises(Sgp4Error) as caught:
        ephemeris.fill(0.0, 3600.0, r_eci, v_eci)
    first_bad_s = caught.value.t_s
    assert 3600.0 <= first_bad_s <= 2 * 86400.0 and first_bad_s % 3600.0 == 0.0
    assert caught.value.code == 6
    message = str(caught.value)
    assert f"t = {first_bad_s:.3f} s" in message and "decayed" in message and "(error 6)" in message
    ephemeris.state_at(first_bad_s - 3600.0)
    with pytest.raises(Sgp4Error, match="decayed"):
        ephemeris.state_at(first_bad_s)


def test_invalid_elements_raise_sgp4s_reason():
    """Eccentricity 1.2: sgp4 refuses at any time (error 1), and the message says so."""
    satrec = Satrec()
    satrec.sgp4init(WGS72, "i", 2, 25000.0, 0.0, 0.0, 0.0, 1.2, 0.0, 1.0, 0.0, 0.06, 0.0)
    ephemeris = Sgp4Ephemeris(satrec, 2433281.5 + 25000.0)
    with pytest.raises(Sgp4Error, match=r"t = 10\.000 s .*eccentricity.*\(error 1\)"):
        ephemeris.fill(10.0, 60.0, np.empty((5, 3)), np.empty((5, 3)))
