"""zk_guidance_sun (and flight SunPointing) against the sun direction and the orbit normal in numpy.

References: the sun from the satellite, zk_sun_eci (checked against the almanac and skyfield in their
own tests) less the satellite's position; the constraint direction, the orbit normal made orthogonal to
it (Gram-Schmidt in numpy); the rate, finite differences of the attitude along a J2 orbit (scipy).
"""

import numpy as np
from scipy.spatial.transform import Rotation

from flight.adcs.guidance import SunPointing
from flight.adcs.orbit_estimate import OrbitEstimate
from native import ffi, lib, ptr
from native.earth_model import force_model
from native.time_scales import TT_MINUS_UTC_S
from tests.native.guidance_reference import circular_state, propagate, rate_and_accel, stencil_times

DEG = np.pi / 180.0
JD_TT = 2461000.5
AXIS_TOL_RAD = 1e-9


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def angle_rad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.arctan2(np.linalg.norm(np.cross(a, b)), a @ b))


def sun_from(jd_tt: float, r_eci: np.ndarray) -> np.ndarray:
    sun = np.zeros(3)
    lib.zk_sun_eci(jd_tt, ptr(sun))
    return sun - r_eci


def c_sun(axis_b, secondary_b, jd_tt, r_eci, v_eci):
    p = ffi.new("zk_sun_pointing *")
    p.axis_b, p.secondary_b = list(axis_b), list(secondary_b)
    ref = ffi.new("zk_reference *")
    assert (
        lib.zk_guidance_sun(
            p, force_model(zonal_degree=2), jd_tt, ptr(np.array(r_eci)), ptr(np.array(v_eci)), ref
        )
        == 0
    )
    return np.array(list(ref.q_ib)), np.array(list(ref.w_r)), np.array(list(ref.w_i))


def random_cases(seed: int, n: int):
    """Random orbits, dates over ten years and body axes (secondary not orthogonal to the primary)."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        r, v = circular_state(
            rng.uniform(300e3, 1500e3), rng.uniform(0.0, np.pi), *rng.uniform(0.0, 2 * np.pi, 2)
        )
        axis = unit(rng.normal(size=3))
        secondary = unit(rng.normal(size=3))
        yield JD_TT + rng.uniform(-1826.0, 1826.0), r, v, axis, secondary


def test_axis_on_the_sun_and_secondary_towards_the_orbit_normal():
    for jd, r, v, axis, secondary in random_cases(seed=21, n=200):
        rot = Rotation.from_quat(c_sun(axis, secondary, jd, r, v)[0])
        s = unit(sun_from(jd, r))
        assert angle_rad(rot.apply(axis), s) < AXIS_TOL_RAD
        n = unit(np.cross(r, v))
        wanted = unit(n - (n @ s) * s)
        assert angle_rad(rot.apply(unit(secondary - (secondary @ axis) * axis)), wanted) < AXIS_TOL_RAD


def test_sun_along_the_orbit_normal_turns_the_secondary_axis_to_nadir():
    jd = JD_TT + 100.0
    s = unit(sun_from(jd, np.zeros(3)))
    r = 6.9e6 * unit(np.cross(s, [0.3, -0.2, 0.9]))
    v = 7.6e3 * unit(np.cross(s, r))  # r x v along the sun, to 1e-4 rad (the parallax)
    axis, secondary = np.array([0.0, -np.sin(20 * DEG), -np.cos(20 * DEG)]), np.array([1.0, 0.0, 0.0])
    rot = Rotation.from_quat(c_sun(axis, secondary, jd, r, v)[0])
    s_sat = unit(sun_from(jd, r))
    assert angle_rad(rot.apply(axis), s_sat) < AXIS_TOL_RAD
    assert angle_rad(rot.apply(secondary), unit(-r - (-r @ s_sat) * s_sat)) < AXIS_TOL_RAD


def test_rate_is_small_and_the_derivative_of_the_attitude():
    """~1e-7..1e-6 rad/s (the sun's annual motion, parallax, J2 on the orbit normal), against fourth-order
    differences of the attitude over 20 s steps along a J2 orbit."""
    h_s = 20.0
    r0, v0 = circular_state(500e3, 97.4 * DEG, 0.3, 0.0)
    axis, secondary = np.array([0.0, -np.sin(20 * DEG), -np.cos(20 * DEG)]), np.array([1.0, 0.0, 0.0])
    for t_c in (100.0, 1500.0, 3000.0):
        times = stencil_times(t_c, h_s)
        rs, vs = propagate(r0, v0, np.concatenate([[0.0], times]))
        refs = [
            c_sun(axis, secondary, JD_TT + t / 86400.0, r, v)
            for t, r, v in zip(times, rs[1:], vs[1:], strict=True)
        ]
        w_num, _ = rate_and_accel(np.array([ref[0] for ref in refs]), h_s)
        w_r = refs[2][1]
        assert 1e-8 < np.linalg.norm(w_r) < 3e-6
        assert np.linalg.norm(w_r - w_num) < 1e-5 * np.linalg.norm(w_r)


def test_flight_sun_pointing_uses_the_orbit_epoch_in_tt():
    epoch_jd_utc = 2461000.5
    orbit = OrbitEstimate(epoch_jd_utc)
    r, v = circular_state(500e3, 97.4 * DEG, 1.0, 2.0)
    orbit.r_eci[:], orbit.v_eci[:] = r, v
    axis, secondary = (0.0, -1.0, 0.0), (0.0, 0.0, 1.0)
    sun_pointing = SunPointing(orbit, axis, secondary)
    sun_pointing.update(600.0)
    s = sun_from(epoch_jd_utc + (600.0 + TT_MINUS_UTC_S) / 86400.0, r)
    assert angle_rad(Rotation.from_quat(sun_pointing.q_ref_ib).apply(axis), s) < AXIS_TOL_RAD
