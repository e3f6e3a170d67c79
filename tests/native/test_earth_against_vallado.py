"""Earth rotation and WGS-84 geodesy (native/common/earth.c) against published worked examples.

References: Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed. (2013), Examples 3-3,
3-5 and 3-15 / Table 3-6; Meeus, *Astronomical Algorithms*, 2nd ed., Examples 12.a and 12.b. Round
trips use the closed-form geodetic -> ECEF map as the definition that ECEF -> geodetic must invert.
Tolerances are in physical units: degrees of arc, metres, metres per second.
"""

import math
from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native import ffi, lib, ptr

WGS84_A_M = 6378137.0
WGS84_F = 1.0 / 298.257223563
WGS84_B_M = WGS84_A_M * (1.0 - WGS84_F)
OMEGA_EARTH_RAD_S = 7.292115146706979e-5
KM = 1000.0
MM = 1e-3
J2000 = datetime(2000, 1, 1, 12)


def jd_from_datetime(t: datetime) -> float:
    """Julian date of a calendar instant (the time scale is the caller's)."""
    return 2451545.0 + (t - J2000) / timedelta(days=1)


def gmst_deg(jd_ut1: float) -> float:
    return math.degrees(lib.zk_gmst(jd_ut1))


def angle_diff_deg(a_deg: float, b_deg: float) -> float:
    return abs((a_deg - b_deg + 180.0) % 360.0 - 180.0)


def to_ecef(lat_rad: float, lon_rad: float, alt_m: float) -> np.ndarray:
    r_ecef = np.empty(3)
    lib.zk_geodetic_to_ecef(lat_rad, lon_rad, alt_m, ptr(r_ecef))
    return r_ecef


def to_geodetic(r_ecef) -> np.ndarray:
    out = np.empty(3)
    lib.zk_ecef_to_geodetic(ptr(np.ascontiguousarray(r_ecef, dtype=np.float64)), ptr(out))
    return out


def eci_to_ecef(gmst_rad: float, r_eci, v_eci=None):
    r_ecef, v_ecef = np.empty(3), np.empty(3)
    v_in = ptr(np.asarray(v_eci, dtype=np.float64)) if v_eci is not None else ffi.NULL
    v_out = ptr(v_ecef) if v_eci is not None else ffi.NULL
    lib.zk_eci_to_ecef(gmst_rad, ptr(np.asarray(r_eci, dtype=np.float64)), v_in, ptr(r_ecef), v_out)
    return r_ecef, v_ecef


def ecef_to_eci(gmst_rad: float, r_ecef, v_ecef=None):
    r_eci, v_eci = np.empty(3), np.empty(3)
    v_in = ptr(np.asarray(v_ecef, dtype=np.float64)) if v_ecef is not None else ffi.NULL
    v_out = ptr(v_eci) if v_ecef is not None else ffi.NULL
    lib.zk_ecef_to_eci(gmst_rad, ptr(np.asarray(r_ecef, dtype=np.float64)), v_in, ptr(r_eci), v_out)
    return r_eci, v_eci


# --- GMST (IAU-82) ---------------------------------------------------------------------------------


def test_gmst_vallado_example_3_5():
    """1992 Aug 20 12:14:00 UT1 -> GMST 152.578787886 deg (from the unrounded Julian date)."""
    jd_ut1 = jd_from_datetime(datetime(1992, 8, 20, 12, 14))
    assert angle_diff_deg(gmst_deg(jd_ut1), 152.578787886) < 1e-6


@pytest.mark.parametrize(
    ("jd_ut1", "gmst_ref_deg"),
    [
        (2446895.5, 15.0 * (13 + 10 / 60 + 46.3668 / 3600)),  # Example 12.a: 1987 Apr 10 0h UT
        (2446896.30625, 128.7378734),  # Example 12.b: 1987 Apr 10 19:21:00 UT
    ],
)
def test_gmst_meeus_chapter_12(jd_ut1, gmst_ref_deg):
    assert angle_diff_deg(gmst_deg(jd_ut1), gmst_ref_deg) < 1e-6


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=2415020.5, max_value=2488069.5))
def test_gmst_in_range(jd_ut1):
    """The contract: radians in [0, 2 pi) for any date 1900-2100."""
    assert 0.0 <= lib.zk_gmst(jd_ut1) < 2.0 * math.pi


# --- TEME <-> ECEF ---------------------------------------------------------------------------------

# Vallado Example 3-15 / Table 3-6: 2004 Apr 6 07:51:28.386009 UTC, dUT1 = -0.4399619 s. TEME -> PEF
# (pseudo Earth-fixed, no polar motion) is exactly the ECEF of this project.
EX_3_15_JD_UT1 = jd_from_datetime(datetime(2004, 4, 6, 7, 51, 28, 386009) - timedelta(seconds=0.4399619))
EX_3_15_R_TEME_M = np.array([5094.18016210, 6127.64465950, 6380.34453270]) * KM
EX_3_15_V_TEME_M_S = np.array([-4.7461314870, 0.7858180410, 5.5319312880]) * KM
EX_3_15_R_PEF_M = np.array([-1033.47503130, 7901.30558560, 6380.34453270]) * KM
EX_3_15_V_PEF_M_S = np.array([-3.2256327470, -2.8724425110, 5.5319312880]) * KM


def test_teme_to_pef_vallado_example_3_15():
    gmst_rad = lib.zk_gmst(EX_3_15_JD_UT1)
    r_ecef, v_ecef = eci_to_ecef(gmst_rad, EX_3_15_R_TEME_M, EX_3_15_V_TEME_M_S)
    assert np.linalg.norm(r_ecef - EX_3_15_R_PEF_M) < 1 * MM
    assert np.linalg.norm(v_ecef - EX_3_15_V_PEF_M_S) < 0.1 * MM
    r_eci, v_eci = ecef_to_eci(gmst_rad, EX_3_15_R_PEF_M, EX_3_15_V_PEF_M_S)
    assert np.linalg.norm(r_eci - EX_3_15_R_TEME_M) < 1 * MM
    assert np.linalg.norm(v_eci - EX_3_15_V_TEME_M_S) < 0.1 * MM


def test_position_only_when_velocity_is_null():
    gmst_rad = lib.zk_gmst(EX_3_15_JD_UT1)
    r_ecef, _ = eci_to_ecef(gmst_rad, EX_3_15_R_TEME_M)
    assert np.linalg.norm(r_ecef - EX_3_15_R_PEF_M) < 1 * MM
    r_eci, _ = ecef_to_eci(gmst_rad, r_ecef)
    assert np.linalg.norm(r_eci - EX_3_15_R_TEME_M) < 1e-6 * MM


@pytest.mark.parametrize("lat_deg", [-90.0, -45.0, 0.0, 30.0, 89.0])
def test_point_fixed_on_earth_moves_at_omega_times_axis_distance(lat_deg):
    """A ground point (v_ecef = 0) moves eastward in ECI at omega * (distance from the axis)."""
    r_ecef = to_ecef(math.radians(lat_deg), math.radians(40.0), 1200.0)
    gmst_rad = 1.234
    r_eci, v_eci = ecef_to_eci(gmst_rad, r_ecef, np.zeros(3))
    speed_ref_m_s = OMEGA_EARTH_RAD_S * math.hypot(r_ecef[0], r_ecef[1])
    assert abs(np.linalg.norm(v_eci) - speed_ref_m_s) < 1e-9
    east_eci = np.cross([0.0, 0.0, 1.0], r_eci)
    if speed_ref_m_s > 0.0:
        assert np.dot(v_eci, east_eci) / np.linalg.norm(east_eci) == pytest.approx(speed_ref_m_s, abs=1e-9)
    _, v_back = eci_to_ecef(gmst_rad, r_eci, v_eci)
    assert np.linalg.norm(v_back) < 1e-12


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=2.0 * math.pi, exclude_max=True),
    st.tuples(*(st.floats(min_value=-5e7, max_value=5e7),) * 3),
    st.tuples(*(st.floats(min_value=-1e4, max_value=1e4),) * 3),
)
def test_eci_ecef_round_trip(gmst_rad, r_eci, v_eci):
    """A rotation keeps lengths and the inverse undoes it (round-off only: 0.1 um at 50,000 km)."""
    r_ecef, v_ecef = eci_to_ecef(gmst_rad, r_eci, v_eci)
    assert abs(np.linalg.norm(r_ecef) - np.linalg.norm(r_eci)) < 1e-4 * MM
    r_back, v_back = ecef_to_eci(gmst_rad, r_ecef, v_ecef)
    assert np.linalg.norm(r_back - r_eci) < 1e-4 * MM
    assert np.linalg.norm(v_back - v_eci) < 1e-10


# --- WGS-84 geodesy --------------------------------------------------------------------------------


def test_ecef_to_geodetic_vallado_example_3_3():
    """r_ECEF = [6524.834, 6862.875, 6448.296] km -> 34.352496 deg, 46.4464 deg, 5085.22 km.

    Vallado's ellipsoid (R = 6378.1363 km, e = 0.081819221456) differs from WGS-84 by 0.7 m in the
    equatorial radius: well inside the published rounding.
    """
    lat_rad, lon_rad, alt_m = to_geodetic(np.array([6524.834, 6862.875, 6448.296]) * KM)
    assert abs(math.degrees(lat_rad) - 34.352496) < 1e-6
    assert abs(math.degrees(lon_rad) - 46.4464) < 1e-4
    assert abs(alt_m - 5085.22 * KM) < 0.01 * KM


def test_geodetic_to_ecef_closed_form_points():
    """The equator, the poles and the prime-vertical radius at 45 deg, from the ellipsoid itself."""
    assert np.allclose(to_ecef(0.0, 0.0, 0.0), [WGS84_A_M, 0.0, 0.0], rtol=0, atol=1e-9)
    assert np.allclose(to_ecef(math.pi / 2, 0.3, 10.0), [0.0, 0.0, WGS84_B_M + 10.0], rtol=0, atol=1e-9)
    assert np.allclose(to_ecef(-math.pi / 2, 0.0, 0.0), [0.0, 0.0, -WGS84_B_M], rtol=0, atol=1e-9)
    e2 = WGS84_F * (2.0 - WGS84_F)
    n_m = WGS84_A_M / math.sqrt(1.0 - e2 / 2.0)
    r_ecef = to_ecef(math.radians(45.0), math.radians(90.0), 0.0)
    assert np.allclose(r_ecef, [0.0, n_m / math.sqrt(2.0), n_m * (1.0 - e2) / math.sqrt(2.0)], atol=1e-9)


ALTITUDES_M = [-100 * KM, -1.0, 0.0, 500 * KM, 35786 * KM, 100_000 * KM]
LATITUDES_DEG = [-90.0, -89.9999, -60.0, -1e-9, 0.0, 1e-9, 45.0, 89.9999, 90.0]
LONGITUDES_DEG = [-180.0, -90.0, 0.0, 45.0, 179.0]


def assert_round_trip(lat_rad: float, lon_rad: float, alt_m: float) -> None:
    """geodetic -> ECEF -> geodetic within 1 mm in altitude and 1e-9 rad (6 mm) in angles."""
    r_ecef = to_ecef(lat_rad, lon_rad, alt_m)
    lat2, lon2, alt2 = to_geodetic(r_ecef)
    assert abs(lat2 - lat_rad) < 1e-9
    assert abs(alt2 - alt_m) < 1 * MM
    if abs(lat_rad) < math.pi / 2 - 1e-9:
        assert abs((lon2 - lon_rad + math.pi) % (2 * math.pi) - math.pi) < 1e-9
    assert np.linalg.norm(to_ecef(lat2, lon2, alt2) - r_ecef) < 1 * MM


def test_round_trip_grid_with_poles_and_equator():
    for alt_m in ALTITUDES_M:
        for lat_deg in LATITUDES_DEG:
            for lon_deg in LONGITUDES_DEG:
                assert_round_trip(math.radians(lat_deg), math.radians(lon_deg), alt_m)


@settings(max_examples=500, deadline=None)
@given(
    st.floats(min_value=-math.pi / 2, max_value=math.pi / 2),
    st.floats(min_value=-math.pi, max_value=math.pi),
    st.floats(min_value=-100 * KM, max_value=100_000 * KM),
)
def test_round_trip_hypothesis(lat_rad, lon_rad, alt_m):
    assert_round_trip(lat_rad, lon_rad, alt_m)


def test_altitude_is_the_distance_to_the_ellipsoid():
    """The foot point (altitude 0 below the point) is the nearest point of the ellipsoid (dense search)."""
    r_ecef = np.array([6524.834, 6862.875, 6448.296]) * KM
    lat_rad, lon_rad, alt_m = to_geodetic(r_ecef)
    beta = np.linspace(0.0, math.pi / 2, 200_001)
    p_m, z_m = math.hypot(r_ecef[0], r_ecef[1]), r_ecef[2]
    distance_m = np.hypot(p_m - WGS84_A_M * np.cos(beta), z_m - WGS84_B_M * np.sin(beta))
    assert abs(distance_m.min() - alt_m) < 1 * MM
    assert np.linalg.norm(to_ecef(lat_rad, lon_rad, 0.0) - r_ecef) == pytest.approx(alt_m, abs=1 * MM)


@pytest.mark.parametrize(
    ("r_ecef", "lat_ref_deg", "alt_ref_m"),
    [
        ([0.0, 0.0, 7e6], 90.0, 7e6 - WGS84_B_M),
        ([0.0, 0.0, -7e6], -90.0, 7e6 - WGS84_B_M),
        ([1e-9, -1e-9, 6.4e6], 90.0, 6.4e6 - WGS84_B_M),
        ([7e6, 0.0, 0.0], 0.0, 7e6 - WGS84_A_M),
    ],
)
def test_axis_and_equator_closed_form(r_ecef, lat_ref_deg, alt_ref_m):
    lat_rad, _, alt_m = to_geodetic(r_ecef)
    assert abs(math.degrees(lat_rad) - lat_ref_deg) < 1e-9
    assert abs(alt_m - alt_ref_m) < 1 * MM


@pytest.mark.parametrize("r_ecef", [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [3e4, 2e4, 1e3]])
def test_centre_is_finite(r_ecef):
    """Deep inside the Earth (where the normal is not unique) the result is finite and consistent."""
    out = to_geodetic(r_ecef)
    assert np.all(np.isfinite(out))
    assert np.linalg.norm(to_ecef(*out) - np.asarray(r_ecef)) < 1 * MM
