"""The orbit propagator of native/common/orbit.c against closed forms of orbital mechanics.

References: the two-body energy integral and Kepler's equation (solved here), the secular J2 nodal
regression -3/2 n J2 (R/p)^2 cos i (Vallado, 4th ed., eq. 9-41), and the gradient of the zonal
geopotential U = -mu/r sum_n J_n (R/r)^n P_n(sin phi), taken by central differences in this file.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from native import ffi, lib, ptr, view

MU_M3_S2 = 3.986004418e14  # WGS-84
R_EQ_M = 6378137.0  # WGS-84
J2, J3, J4 = 1.08262668e-3, -2.53265649e-6, -1.61962159e-6  # EGM96, unnormalised
DAY_S = 86400.0
SIDEREAL_YEAR_S = 365.256363 * DAY_S


def gravity(j2=0.0, j3=0.0, j4=0.0):
    g = ffi.new("zk_force_model *")
    g.mu, g.r_eq, g.j2, g.j3, g.j4 = MU_M3_S2, R_EQ_M, j2, j3, j4
    return g


def kepler_state(a_m, e, i_rad, raan_rad, argp_rad, m0_rad, t_s):
    """Two-body position and velocity in the inertial frame at t_s, by Newton on Kepler's equation."""
    n = np.sqrt(MU_M3_S2 / a_m**3)
    mean = m0_rad + n * t_s
    ecc = mean
    for _ in range(50):
        ecc -= (ecc - e * np.sin(ecc) - mean) / (1.0 - e * np.cos(ecc))
    p_m = a_m * (1.0 - e**2)
    r_pf = a_m * np.array([np.cos(ecc) - e, np.sqrt(1.0 - e**2) * np.sin(ecc), 0.0])
    nu = np.arctan2(np.sqrt(1.0 - e**2) * np.sin(ecc), np.cos(ecc) - e)
    v_pf = np.sqrt(MU_M3_S2 / p_m) * np.array([-np.sin(nu), e + np.cos(nu), 0.0])
    perifocal_to_eci = Rotation.from_euler("ZXZ", [raan_rad, i_rad, argp_rad])
    return perifocal_to_eci.apply(r_pf), perifocal_to_eci.apply(v_pf)


def make_orbit(r_eci, v_eci):
    o = ffi.new("zk_orbit *")
    view(o.r_eci)[:] = r_eci
    view(o.v_eci)[:] = v_eci
    return o


def specific_energy_j_kg(o):
    return 0.5 * np.dot(view(o.v_eci), view(o.v_eci)) - MU_M3_S2 / np.linalg.norm(view(o.r_eci))


def raan_rad(o):
    h = np.cross(view(o.r_eci), view(o.v_eci))
    return np.arctan2(h[0], -h[1])


def test_two_body_energy_conserved_over_ten_orbits():
    """J2..J4 off, 500 km, e = 0.005: v^2/2 - mu/r to 1e-9 relative over 10 orbits with 10 s steps."""
    a_m, e = R_EQ_M + 500e3, 0.005
    o = make_orbit(*kepler_state(a_m, e, np.radians(51.6), 0.4, 1.2, 0.3, 0.0))
    g = gravity()
    period_s = 2.0 * np.pi * np.sqrt(a_m**3 / MU_M3_S2)
    e0 = specific_energy_j_kg(o)
    worst = 0.0
    for _ in range(10 * 50):
        lib.zk_orbit_propagate(o, g, period_s / 50, 10.0)
        worst = max(worst, abs(specific_energy_j_kg(o) / e0 - 1.0))
    assert worst < 1e-9


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_two_body_matches_kepler_equation_over_one_orbit(sign):
    """J2..J4 off, 500 km, e = 0.01, 10 s steps: within 1 m and 1 mm/s of the Kepler solution at
    16 points over one orbit, forwards and backwards in time."""
    elements = (R_EQ_M + 500e3, 0.01, np.radians(97.4), 2.0, -0.7, 1.9)
    o = make_orbit(*kepler_state(*elements, 0.0))
    g = gravity()
    period_s = 2.0 * np.pi * np.sqrt(elements[0] ** 3 / MU_M3_S2)
    worst_m, worst_m_s = 0.0, 0.0
    for k in range(1, 17):
        lib.zk_orbit_propagate(o, g, sign * period_s / 16, 10.0)
        r_ref, v_ref = kepler_state(*elements, sign * k * period_s / 16)
        worst_m = max(worst_m, np.linalg.norm(view(o.r_eci) - r_ref))
        worst_m_s = max(worst_m_s, np.linalg.norm(view(o.v_eci) - v_ref))
    assert worst_m < 1.0
    assert worst_m_s < 1e-3


def test_propagate_splits_into_equal_steps():
    """dt_total = 95 s with h_max = 10 s is ceil(9.5) = 10 steps of 9.5 s, also backwards."""
    r0, v0 = kepler_state(R_EQ_M + 500e3, 0.005, 1.0, 0.2, 0.3, 0.4, 0.0)
    g = gravity(J2, J3, J4)
    for dt_s in (95.0, -95.0):
        by_propagate, by_steps = make_orbit(r0, v0), make_orbit(r0, v0)
        lib.zk_orbit_propagate(by_propagate, g, dt_s, 10.0)
        for _ in range(10):
            lib.zk_orbit_step(by_steps, g, dt_s / 10)
        assert list(by_propagate.r_eci) == list(by_steps.r_eci)
        assert list(by_propagate.v_eci) == list(by_steps.v_eci)


def test_a_table_holds_the_kepler_positions_at_its_samples():
    """zk_orbit_table (the onboard planner's ephemeris): sample k is the state after k steps of dt,
    within 1 m of Kepler's solution over one orbit at 1 s samples with J2..J4 off."""
    elements = (R_EQ_M + 500e3, 0.002, np.radians(97.4), 0.3, 1.1, 2.5)
    o = make_orbit(*kepler_state(*elements, 0.0))
    n = 5700
    table = np.empty((n, 3))
    lib.zk_orbit_table(o, gravity(), 1.0, n, ptr(table))
    reference = np.array([kepler_state(*elements, float(k))[0] for k in range(0, n, 57)])
    assert np.max(np.linalg.norm(table[::57] - reference, axis=1)) < 1.0
    assert list(o.r_eci) == list(table[-1])


def osculating_a_e_i(o):
    """Semi-major axis (m), eccentricity and inclination (rad) of the osculating two-body orbit."""
    r_eci, v_eci = view(o.r_eci), view(o.v_eci)
    h = np.cross(r_eci, v_eci)
    e_vec = np.cross(v_eci, h) / MU_M3_S2 - r_eci / np.linalg.norm(r_eci)
    return (
        -MU_M3_S2 / (2.0 * specific_energy_j_kg(o)),
        np.linalg.norm(e_vec),
        np.arccos(h[2] / np.linalg.norm(h)),
    )


@pytest.mark.parametrize(
    ("i_deg", "expected_deg_day"),
    [(45.0, None), (97.4, 360.0 / (SIDEREAL_YEAR_S / DAY_S)), (63.0, None), (120.0, None)],
)
def test_j2_nodal_regression_matches_secular_rate(i_deg, expected_deg_day):
    """J2 only, 500 km, e = 0.001: a linear fit of the RAAN over 3 days (60 s steps, samples every
    300 s) matches -3/2 n J2 (R/p)^2 cos i within 1%. The formula holds for mean elements, taken here
    as the time averages of the osculating a, e, i. At i = 97.4 deg the orbit is sun-synchronous and
    the rate is also the Sun's mean motion, +0.9856 deg/day, within 1%."""
    o = make_orbit(*kepler_state(R_EQ_M + 500e3, 0.001, np.radians(i_deg), 0.5, 0.0, 0.0, 0.0))
    g = gravity(j2=J2)
    t_s = np.arange(0.0, 3.0 * DAY_S, 300.0)
    raan, elements = [raan_rad(o)], [osculating_a_e_i(o)]
    for _ in t_s[1:]:
        lib.zk_orbit_propagate(o, g, 300.0, 60.0)
        raan.append(raan_rad(o))
        elements.append(osculating_a_e_i(o))
    fitted_rad_s = np.polyfit(t_s, np.unwrap(raan), 1)[0]
    a_m, e, i_rad = np.mean(elements, axis=0)
    n_rad_s, p_m = np.sqrt(MU_M3_S2 / a_m**3), a_m * (1.0 - e**2)
    secular_rad_s = -1.5 * n_rad_s * J2 * (R_EQ_M / p_m) ** 2 * np.cos(i_rad)
    fitted_deg_day = np.degrees(fitted_rad_s) * DAY_S
    assert abs(fitted_rad_s / secular_rad_s - 1.0) < 0.01
    if expected_deg_day is not None:
        assert abs(fitted_deg_day / expected_deg_day - 1.0) < 0.01


def zonal_potential_m2_s2(r_eci, n, j_n):
    """U_n = -mu/r J_n (R/r)^n P_n(sin phi), phi the geocentric latitude."""
    r = np.linalg.norm(r_eci)
    s = r_eci[2] / r
    legendre = {
        2: (3.0 * s**2 - 1.0) / 2.0,
        3: (5.0 * s**3 - 3.0 * s) / 2.0,
        4: (35.0 * s**4 - 30.0 * s**2 + 3.0) / 8.0,
    }[n]
    return -MU_M3_S2 / r * j_n * (R_EQ_M / r) ** n * legendre


def zonal_accel_by_central_differences(r_eci, coefficients):
    step_m = 1.0
    accel = np.zeros(3)
    for axis in range(3):
        dr = np.zeros(3)
        dr[axis] = step_m
        for n, j_n in coefficients.items():
            du = zonal_potential_m2_s2(r_eci + dr, n, j_n) - zonal_potential_m2_s2(r_eci - dr, n, j_n)
            accel[axis] += du / (2.0 * step_m)
    return accel


@pytest.mark.parametrize(
    "coefficients", [{2: J2}, {3: J3}, {4: J4}, {2: J2, 3: J3, 4: J4}], ids=["J2", "J3", "J4", "J2+J3+J4"]
)
def test_zonal_accel_is_gradient_of_zonal_potential(coefficients):
    """At 200 random points (300 km to 36 000 km altitude, all latitudes, poles and equator included)
    the zonal part of the acceleration is the numerical gradient of U within 1e-6 relative."""
    rng = np.random.default_rng(len(coefficients) * 10 + min(coefficients))
    g = gravity(*(coefficients.get(n, 0.0) for n in (2, 3, 4)))
    directions = rng.normal(size=(200, 3))
    directions[:4] = [[0.0, 0.0, 1.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0], [0.3, -0.8, 1e-9]]
    directions /= np.linalg.norm(directions, axis=1)[:, None]
    radii_m = R_EQ_M + rng.uniform(300e3, 36_000e3, size=200)
    worst = 0.0
    for r_eci in directions * radii_m[:, None]:
        a_eci = np.empty(3)
        lib.zk_gravity_accel(g, ptr(r_eci), ptr(a_eci))
        zonal = a_eci + MU_M3_S2 * r_eci / np.linalg.norm(r_eci) ** 3
        expected = zonal_accel_by_central_differences(r_eci, coefficients)
        worst = max(worst, np.linalg.norm(zonal - expected) / np.linalg.norm(expected))
    assert worst < 1e-6
