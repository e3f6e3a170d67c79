"""Analytic sun and conical Earth shadow (native/common/sun.c) against almanac values and closed-form
geometry.

References: Meeus, *Astronomical Algorithms*, 2nd ed., Example 25.a (1992 Oct 13.0 TD); the instants of
the 2024 equinoxes and solstices published by the U.S. Naval Observatory (to the minute, UTC; TT = UTC +
69.184 s). Directions are held to 0.01 deg, the acceptance figure of the sun; the series in C is
within 0.0014 deg of DE421 from 1950 to 2050 (test_sun_against_skyfield.py).
The shadow is checked against the umbra and penumbra cones tangent to the two spheres, which bound the
eclipse exactly, and the penumbral fraction against a direct count of directions over the solar disk.
"""

import math
from datetime import datetime, timedelta

import numpy as np
import pytest

from native import lib, ptr

AU_M = 149597870700.0
R_SUN_M = 696_000_000.0
R_EARTH_M = 6378137.0
MU_EARTH_M3_S2 = 3.986004418e14
ALMANAC_TOL_DEG = 0.01
J2000 = datetime(2000, 1, 1, 12)
TT_MINUS_UTC_2024_S = 69.184


def jd_from_datetime(t: datetime) -> float:
    """Julian date of a calendar instant (the time scale is the caller's)."""
    return 2451545.0 + (t - J2000) / timedelta(days=1)


def sun_eci(jd_tt: float) -> np.ndarray:
    r_sun_eci = np.empty(3)
    lib.zk_sun_eci(jd_tt, ptr(r_sun_eci))
    return r_sun_eci


def ra_dec_deg(r: np.ndarray) -> tuple[float, float]:
    return math.degrees(math.atan2(r[1], r[0])) % 360.0, math.degrees(math.asin(r[2] / np.linalg.norm(r)))


def separation_deg(ra1_deg: float, dec1_deg: float, ra2_deg: float, dec2_deg: float) -> float:
    """Great-circle angle between two directions given as right ascension and declination."""

    def unit(ra_deg, dec_deg):
        ra, dec = math.radians(ra_deg), math.radians(dec_deg)
        return np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])

    u, v = unit(ra1_deg, dec1_deg), unit(ra2_deg, dec2_deg)
    return math.degrees(math.atan2(np.linalg.norm(np.cross(u, v)), np.dot(u, v)))


def visible_fraction(r_sat_eci: np.ndarray, r_sun_eci: np.ndarray) -> float:
    return lib.zk_sun_visible_fraction(
        ptr(np.ascontiguousarray(r_sat_eci, dtype=np.float64)), ptr(np.ascontiguousarray(r_sun_eci))
    )


# --- sun position ----------------------------------------------------------------------------------

MEEUS_25A_JD_TT = 2448908.5  # 1992 Oct 13.0 TD


def test_meeus_example_25a_direction():
    """Apparent RA 13h13m31.4s, dec -7 deg 47' 06" (and Meeus's own low-precision 198.38083, -7.78507)."""
    ra_deg, dec_deg = ra_dec_deg(sun_eci(MEEUS_25A_JD_TT))
    apparent_ra_deg = 15.0 * (13 + 13 / 60 + 31.4 / 3600)
    apparent_dec_deg = -(7 + 47 / 60 + 6 / 3600)
    assert separation_deg(ra_deg, dec_deg, apparent_ra_deg, apparent_dec_deg) < ALMANAC_TOL_DEG
    assert separation_deg(ra_deg, dec_deg, 198.38083, -7.78507) < ALMANAC_TOL_DEG


def test_meeus_example_25a_distance():
    """R = 0.99760775 AU (full VSOP87, Example 25.b, the same instant; the truncated series in C keeps 6
    distance terms) and 0.99766 AU (Meeus's low-precision formula, good to ~1e-4 AU)."""
    distance_au = np.linalg.norm(sun_eci(MEEUS_25A_JD_TT)) / AU_M
    assert abs(distance_au - 0.99760775) < 1e-5
    assert abs(distance_au - 0.99766) < 1e-4


@pytest.mark.parametrize(
    ("utc", "ecliptic_lon_deg"),
    [
        (datetime(2024, 3, 20, 3, 6), 0.0),
        (datetime(2024, 6, 20, 20, 51), 90.0),
        (datetime(2024, 9, 22, 12, 44), 180.0),
        (datetime(2024, 12, 21, 9, 21), 270.0),
    ],
)
def test_usno_equinoxes_and_solstices_2024(utc, ecliptic_lon_deg):
    """At an equinox or solstice the sun's ecliptic longitude of date is a multiple of 90 deg."""
    jd_tt = jd_from_datetime(utc + timedelta(seconds=TT_MINUS_UTC_2024_S))
    r = sun_eci(jd_tt)
    obliquity_rad = math.radians(23.439291 - 0.0130042 * (jd_tt - 2451545.0) / 36525.0)
    y_ecliptic = r[1] * math.cos(obliquity_rad) + r[2] * math.sin(obliquity_rad)
    lon_deg = math.degrees(math.atan2(y_ecliptic, r[0]))
    assert abs((lon_deg - ecliptic_lon_deg + 180.0) % 360.0 - 180.0) < ALMANAC_TOL_DEG
    if ecliptic_lon_deg in (0.0, 180.0):
        assert abs(ra_dec_deg(r)[1]) < ALMANAC_TOL_DEG


def test_distance_stays_within_perihelion_and_aphelion():
    """Over a year the distance spans 0.98329-1.01671 AU (e = 0.0167)."""
    distances_au = [np.linalg.norm(sun_eci(2460310.5 + day)) / AU_M for day in range(366)]
    assert min(distances_au) == pytest.approx(0.98329, abs=1e-4)
    assert max(distances_au) == pytest.approx(1.01671, abs=1e-4)


# --- shadow ----------------------------------------------------------------------------------------

R_ORBIT_M = R_EARTH_M + 500_000.0
R_SUN_ECI = sun_eci(jd_from_datetime(datetime(2024, 5, 1)))
SUN_HAT = R_SUN_ECI / np.linalg.norm(R_SUN_ECI)
IN_PLANE_HAT = np.cross(SUN_HAT, [0.0, 0.0, 1.0]) / np.linalg.norm(np.cross(SUN_HAT, [0.0, 0.0, 1.0]))
D_SUN_M = float(np.linalg.norm(R_SUN_ECI))
# Half-angles of the umbra and penumbra cones, and the orbit angles (from the anti-sun direction) where a
# circular orbit in the sun's plane crosses them: r sin(psi +- alpha) = R_earth.
ALPHA_UMBRA_RAD = math.asin((R_SUN_M - R_EARTH_M) / D_SUN_M)
ALPHA_PENUMBRA_RAD = math.asin((R_SUN_M + R_EARTH_M) / D_SUN_M)
PSI_UMBRA_RAD = math.asin(R_EARTH_M / R_ORBIT_M) - ALPHA_UMBRA_RAD
PSI_PENUMBRA_RAD = math.asin(R_EARTH_M / R_ORBIT_M) + ALPHA_PENUMBRA_RAD


def sat_at(psi_rad: float, radius_m: float = R_ORBIT_M) -> np.ndarray:
    """Satellite in the plane of the sun, psi from the anti-sun direction."""
    return radius_m * (-math.cos(psi_rad) * SUN_HAT + math.sin(psi_rad) * IN_PLANE_HAT)


def test_behind_the_earth_is_dark_and_sunward_is_lit():
    assert visible_fraction(sat_at(0.0), R_SUN_ECI) == 0.0
    assert visible_fraction(sat_at(math.pi), R_SUN_ECI) == 1.0
    assert visible_fraction(sat_at(math.pi / 2), R_SUN_ECI) == 1.0


def test_cone_boundaries():
    """Just inside the umbra cone: 0; just outside the penumbra cone: 1; between: strictly between."""
    eps_rad = 1e-7  # 0.7 m along the orbit
    assert visible_fraction(sat_at(PSI_UMBRA_RAD - eps_rad), R_SUN_ECI) == 0.0
    assert 0.0 < visible_fraction(sat_at(PSI_UMBRA_RAD + eps_rad), R_SUN_ECI) < 1e-3
    assert 1.0 - 1e-3 < visible_fraction(sat_at(PSI_PENUMBRA_RAD - eps_rad), R_SUN_ECI) < 1.0
    assert visible_fraction(sat_at(PSI_PENUMBRA_RAD + eps_rad), R_SUN_ECI) == 1.0


def test_penumbra_is_monotonic_along_the_orbit():
    psi_rad = np.linspace(PSI_PENUMBRA_RAD + 1e-4, PSI_UMBRA_RAD - 1e-4, 2001)
    fractions = np.array([visible_fraction(sat_at(p), R_SUN_ECI) for p in psi_rad])
    assert fractions[0] == 1.0 and fractions[-1] == 0.0
    assert np.all(np.diff(fractions) <= 0.0)
    assert np.all(np.diff(fractions[(fractions > 0.0) & (fractions < 1.0)]) < 0.0)


def last_psi_where(predicate, lo_rad: float, hi_rad: float) -> float:
    """Bisection for the boundary of predicate(fraction), true at lo and false at hi."""
    for _ in range(60):
        mid_rad = 0.5 * (lo_rad + hi_rad)
        if predicate(visible_fraction(sat_at(mid_rad), R_SUN_ECI)):
            lo_rad = mid_rad
        else:
            hi_rad = mid_rad
    return lo_rad


def test_eclipse_duration_of_a_500_km_orbit_at_beta_zero():
    """Umbra and penumbra durations equal 2 psi / n from the tangent cones (sun fixed over the pass)."""
    mean_motion_rad_s = math.sqrt(MU_EARTH_M3_S2 / R_ORBIT_M**3)
    umbra_s = 2.0 * last_psi_where(lambda f: f == 0.0, 0.0, 1.5) / mean_motion_rad_s
    shadow_s = 2.0 * last_psi_where(lambda f: f < 1.0, 0.0, 1.5) / mean_motion_rad_s
    assert umbra_s == pytest.approx(2.0 * PSI_UMBRA_RAD / mean_motion_rad_s, abs=0.01)
    assert shadow_s == pytest.approx(2.0 * PSI_PENUMBRA_RAD / mean_motion_rad_s, abs=0.01)
    assert 35 * 60 < umbra_s < 36 * 60  # about 35.5 min of the 94.6 min period
    assert 8.0 < (shadow_s - umbra_s) / 2.0 < 10.0  # each penumbra crossing lasts ~9 s


def disk_fraction_by_directions(r_sat_eci: np.ndarray, r_sun_eci: np.ndarray, n: int = 600) -> float:
    """Share of the sun's solid angle not hidden by the Earth, on an equal-area grid of directions."""
    to_sun = r_sun_eci - r_sat_eci
    sun_radius_rad = math.asin(R_SUN_M / np.linalg.norm(to_sun))
    earth_radius_rad = math.asin(R_EARTH_M / np.linalg.norm(r_sat_eci))
    w = to_sun / np.linalg.norm(to_sun)
    u = np.cross(w, [0.0, 0.0, 1.0])
    u /= np.linalg.norm(u)
    v = np.cross(w, u)
    cos_theta = 1.0 - (1.0 - math.cos(sun_radius_rad)) * (np.arange(n) + 0.5) / n
    phi = 2.0 * math.pi * (np.arange(n) + 0.5) / n
    sin_theta = np.sqrt(1.0 - cos_theta**2)[:, None]
    dirs = (
        cos_theta[:, None, None] * w
        + (sin_theta * np.cos(phi))[:, :, None] * u
        + (sin_theta * np.sin(phi))[:, :, None] * v
    )
    earth_hat = -r_sat_eci / np.linalg.norm(r_sat_eci)
    hidden = dirs @ earth_hat > math.cos(earth_radius_rad)
    return 1.0 - hidden.mean()


@pytest.mark.parametrize("t", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_penumbral_fraction_against_a_count_of_directions(t):
    psi_rad = PSI_UMBRA_RAD + t * (PSI_PENUMBRA_RAD - PSI_UMBRA_RAD)
    r_sat = sat_at(psi_rad)
    assert visible_fraction(r_sat, R_SUN_ECI) == pytest.approx(
        disk_fraction_by_directions(r_sat, R_SUN_ECI), abs=1e-3
    )


def test_annular_eclipse_beyond_the_umbra_apex():
    """Far behind the Earth (beyond the umbra's apex) the Earth is a dark disk inside the solar disk."""
    apex_m = R_EARTH_M / math.sin(ALPHA_UMBRA_RAD)
    r_sat = -3.0 * apex_m * SUN_HAT
    sun_radius_rad = math.asin(R_SUN_M / np.linalg.norm(R_SUN_ECI - r_sat))
    earth_radius_rad = math.asin(R_EARTH_M / np.linalg.norm(r_sat))
    expected = 1.0 - (earth_radius_rad / sun_radius_rad) ** 2
    assert visible_fraction(r_sat, R_SUN_ECI) == pytest.approx(expected, abs=1e-12)
    assert visible_fraction(r_sat, R_SUN_ECI) == pytest.approx(
        disk_fraction_by_directions(r_sat, R_SUN_ECI), abs=1e-3
    )
