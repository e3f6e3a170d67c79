"""The IGRF evaluation (native/common/igrf.c) truncated at degree 1, a centred tilted dipole, against the
degree-1 spherical-harmonic field.

The reference is the textbook form of the IGRF main field truncated at n = 1, written in spherical
components (B_r, B_theta, B_phi) as in the IGRF synthesis formulae, then rotated to ECEF: a derivation
independent of the Cartesian recursion in C. The coefficients are IGRF-14 for 2025.0 (the default here).
Physical checks: |B| = B0 (a/r)^3 on the magnetic equator and twice that at the magnetic poles, B along
the dipole axis at the poles, and div B = curl B = 0 by central differences. Tolerances are in tesla.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native import ffi, lib, ptr

IGRF_2025_G10_NT = -29350.0
IGRF_2025_G11_NT = -1410.3
IGRF_2025_H11_NT = 4545.5
IGRF_R_REF_M = 6371200.0
NT = 1e-9


def dipole_model(g10_nt: float, g11_nt: float, h11_nt: float):
    """A `zk_igrf *` of degree 1 holding only these coefficients."""
    model = ffi.new("zk_igrf *")
    model.degree, model.r_ref_m = 1, IGRF_R_REF_M
    model.g_nt[1][0], model.g_nt[1][1], model.h_nt[1][1] = g10_nt, g11_nt, h11_nt
    return model


IGRF_2025 = dipole_model(IGRF_2025_G10_NT, IGRF_2025_G11_NT, IGRF_2025_H11_NT)
B0_T = math.sqrt(IGRF_2025_G10_NT**2 + IGRF_2025_G11_NT**2 + IGRF_2025_H11_NT**2) * NT
# Boreal geomagnetic pole: the direction opposite to the dipole moment, which is along (g11, h11, g10).
NORTH_POLE_HAT = -np.array([IGRF_2025_G11_NT, IGRF_2025_H11_NT, IGRF_2025_G10_NT]) * NT / B0_T


def field_ecef_t(r_ecef, dipole=IGRF_2025) -> np.ndarray:
    b_ecef_t = np.empty(3)
    lib.zk_igrf_field_ecef(dipole, ptr(np.ascontiguousarray(r_ecef, dtype=np.float64)), ptr(b_ecef_t))
    return b_ecef_t


def degree_one_field_ecef_t(r_ecef) -> np.ndarray:
    """-grad V of V = a (a/r)^2 (g10 cos t + (g11 cos p + h11 sin p) sin t), in spherical then ECEF."""
    x, y, z = r_ecef
    r = math.sqrt(x * x + y * y + z * z)
    theta, phi = math.acos(z / r), math.atan2(y, x)
    q3 = (IGRF_R_REF_M / r) ** 3
    horizontal = IGRF_2025_G11_NT * math.cos(phi) + IGRF_2025_H11_NT * math.sin(phi)
    b_r = 2.0 * q3 * (IGRF_2025_G10_NT * math.cos(theta) + horizontal * math.sin(theta))
    b_theta = q3 * (IGRF_2025_G10_NT * math.sin(theta) - horizontal * math.cos(theta))
    b_phi = q3 * (IGRF_2025_G11_NT * math.sin(phi) - IGRF_2025_H11_NT * math.cos(phi))
    st_, ct, sp, cp = math.sin(theta), math.cos(theta), math.sin(phi), math.cos(phi)
    r_hat = np.array([st_ * cp, st_ * sp, ct])
    theta_hat = np.array([ct * cp, ct * sp, -st_])
    phi_hat = np.array([-sp, cp, 0.0])
    return (b_r * r_hat + b_theta * theta_hat + b_phi * phi_hat) * NT


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=-1.0, max_value=1.0),
    st.floats(min_value=-math.pi, max_value=math.pi),
    st.floats(min_value=6.0e6, max_value=5.0e7),
)
def test_against_degree_one_spherical_harmonics(cos_colat, lon_rad, radius_m):
    sin_colat = math.sqrt(1.0 - cos_colat**2)
    if sin_colat < 1e-6:
        return  # the spherical components are undefined on the axis
    r_ecef = radius_m * np.array([sin_colat * math.cos(lon_rad), sin_colat * math.sin(lon_rad), cos_colat])
    expected_t = degree_one_field_ecef_t(r_ecef)
    assert np.linalg.norm(field_ecef_t(r_ecef) - expected_t) < 1e-12 * np.linalg.norm(expected_t) + 1e-18


@pytest.mark.parametrize("radius_m", [IGRF_R_REF_M, 6878137.0, 42164000.0])
def test_magnetic_poles_and_equator(radius_m):
    """|B| is 2 B0 (a/r)^3 at the magnetic poles (radial, pointing down in the north) and B0 (a/r)^3
    on the magnetic equator (parallel to the axis, pointing to the boreal pole)."""
    b_scale_t = B0_T * (IGRF_R_REF_M / radius_m) ** 3
    b_north_t = field_ecef_t(radius_m * NORTH_POLE_HAT)
    assert np.linalg.norm(b_north_t + 2.0 * b_scale_t * NORTH_POLE_HAT) < 1e-12 * b_scale_t
    b_south_t = field_ecef_t(-radius_m * NORTH_POLE_HAT)
    assert np.linalg.norm(b_south_t + 2.0 * b_scale_t * NORTH_POLE_HAT) < 1e-12 * b_scale_t
    equator_hat = np.cross(NORTH_POLE_HAT, [1.0, 0.0, 0.0])
    for k in range(8):
        angle = k * math.pi / 4
        u = np.cos(angle) * equator_hat + np.sin(angle) * np.cross(NORTH_POLE_HAT, equator_hat)
        u /= np.linalg.norm(u)
        b_t = field_ecef_t(radius_m * u)
        assert np.linalg.norm(b_t - b_scale_t * NORTH_POLE_HAT) < 1e-12 * b_scale_t


def test_igrf_2025_dipole_strength_and_pole():
    """B0 = 29,733 nT at the reference radius; boreal geomagnetic pole at 80.8 N, 72.8 W (from g, h)."""
    assert abs(B0_T - 29733.4 * NT) < 0.1 * NT
    lat_deg = math.degrees(math.asin(NORTH_POLE_HAT[2]))
    lon_deg = math.degrees(math.atan2(NORTH_POLE_HAT[1], NORTH_POLE_HAT[0]))
    assert lat_deg == pytest.approx(80.8, abs=0.05)
    assert lon_deg == pytest.approx(-72.8, abs=0.05)


def test_field_at_the_geographic_north_pole_points_down():
    b_t = field_ecef_t([0.0, 0.0, IGRF_R_REF_M])
    assert b_t[2] == pytest.approx(2.0 * IGRF_2025_G10_NT * NT, abs=1e-15)


@pytest.mark.parametrize(
    "r_ecef", [[7.0e6, 0.0, 0.0], [1.0e6, -4.0e6, 5.5e6], [-3.0e6, 2.0e6, -6.0e6], [0.0, 0.0, 6.9e6]]
)
def test_divergence_and_curl_vanish(r_ecef):
    """Central differences over h = 1 m: truncation ~ h^2 |B| / r^2, far below the 1e-4 nT/m gradients."""
    h_m = 1.0
    r0 = np.asarray(r_ecef, dtype=float)
    jac = np.empty((3, 3))  # jac[i, j] = dB_i / dx_j
    for j in range(3):
        dr = np.zeros(3)
        dr[j] = h_m
        jac[:, j] = (field_ecef_t(r0 + dr) - field_ecef_t(r0 - dr)) / (2.0 * h_m)
    gradient_scale_t_m = np.abs(jac).max()
    assert gradient_scale_t_m > 1e-13
    assert abs(np.trace(jac)) < 1e-6 * gradient_scale_t_m
    curl = [jac[2, 1] - jac[1, 2], jac[0, 2] - jac[2, 0], jac[1, 0] - jac[0, 1]]
    assert np.linalg.norm(curl) < 1e-6 * gradient_scale_t_m


def test_zero_coefficients_give_no_field():
    none = dipole_model(0.0, 0.0, 0.0)
    assert np.all(field_ecef_t([7e6, 1e6, -2e6], none) == 0.0)
