"""flight/adcs/guidance.py: one interface over every law, the nadir law unchanged, join slews between
flight objects, and ticks that allocate nothing."""

import tracemalloc

import numpy as np
from scipy.spatial.transform import Rotation

from flight.adcs.guidance import (
    Guidance,
    InertialHold,
    JoinSlew,
    NadirGuidance,
    Slew,
    SunPointing,
    TargetTracking,
)
from flight.adcs.orbit_estimate import OrbitEstimate
from native import lib, ptr
from tests.native.guidance_reference import circular_state, propagate

DEG = np.pi / 180.0
EPOCH_JD_UTC = 2461000.5


def orbit_at(r_eci: np.ndarray, v_eci: np.ndarray) -> OrbitEstimate:
    orbit = OrbitEstimate(EPOCH_JD_UTC)
    orbit.r_eci[:], orbit.v_eci[:] = r_eci, v_eci
    return orbit


def every_law(orbit: OrbitEstimate) -> list[Guidance]:
    slew = Slew(1.5 * DEG, 0.5 * DEG)
    slew.plan([0.0, 0.0, 0.0, 1.0], Rotation.from_rotvec([0.3, 0.0, 0.0]).as_quat(), 0.0)
    join = JoinSlew(1.5 * DEG, 0.5 * DEG)
    join.plan(InertialHold(), TargetTracking(orbit, 0.1, 0.2), 0.0)
    return [
        NadirGuidance(orbit),
        InertialHold(Rotation.from_rotvec([0.1, 0.2, 0.3]).as_quat()),
        SunPointing(orbit, (0.0, -1.0, 0.0), (1.0, 0.0, 0.0)),
        TargetTracking(orbit, 0.1, 0.2),
        slew,
        join,
    ]


def test_nadir_guidance_keeps_zk_nadir_reference_bit_for_bit():
    r, v = circular_state(500e3, 97.4 * DEG, 0.3, 1.2)
    guidance = NadirGuidance(orbit_at(r, v))
    guidance.update()
    q_ib, w_i = np.zeros(4), np.zeros(3)
    lib.zk_nadir_reference(ptr(r), ptr(v), ptr(q_ib), ptr(w_i))
    np.testing.assert_array_equal(guidance.q_ref_ib, q_ib)
    np.testing.assert_array_equal(guidance.w_ref_i, w_i)
    np.testing.assert_allclose(Rotation.from_quat(q_ib).inv().apply(w_i), guidance.w_ref_r, atol=1e-18)


def test_nadir_acceleration_is_the_derivative_of_its_rate():
    """alpha_ref_r against a central difference of w_ref_i along a J2 orbit (eccentric: r . v != 0)."""
    r0, v0 = circular_state(500e3, 97.4 * DEG, 0.3, 1.2)
    h_s = 1.0
    rs, vs = propagate(r0, 1.02 * v0, np.array([0.0, 100.0 - h_s, 100.0, 100.0 + h_s]))
    rates = []
    for r, v in zip(rs[1:], vs[1:], strict=True):
        guidance = NadirGuidance(orbit_at(r, v))
        guidance.update()
        rates.append(guidance.w_ref_i.copy())
    alpha_i = (rates[2] - rates[0]) / (2.0 * h_s)
    guidance = NadirGuidance(orbit_at(rs[2], vs[2]))
    guidance.update()
    alpha_r = Rotation.from_quat(guidance.q_ref_ib).inv().apply(alpha_i)
    assert np.linalg.norm(alpha_r) > 1e-8
    assert np.linalg.norm(guidance.alpha_ref_r - alpha_r) < 1e-6 * np.linalg.norm(alpha_r)


def test_every_law_fills_the_same_buffers_consistently():
    r, v = circular_state(500e3, 97.4 * DEG, 0.3, 1.2)
    for law in every_law(orbit_at(r, v)):
        law.update(5.0)
        assert abs(np.linalg.norm(law.q_ref_ib) - 1.0) < 1e-15
        np.testing.assert_allclose(
            Rotation.from_quat(law.q_ref_ib).apply(law.w_ref_r),
            law.w_ref_i,
            atol=1e-15,
            err_msg=type(law).__name__,
        )


def test_join_slew_hands_over_to_the_next_target_without_a_jump():
    r0, v0 = circular_state(500e3, 97.4 * DEG, 0.3, 1.2)
    orbit = OrbitEstimate(EPOCH_JD_UTC)
    first = TargetTracking(orbit, 0.0, 0.0)
    second = TargetTracking(orbit, 0.0, 0.0)
    times = np.array([0.0, 30.0])
    rs, vs = propagate(r0, v0, times)
    orbit.r_eci[:], orbit.v_eci[:] = rs[1], vs[1]
    geodetic = np.zeros(3)
    gmst = lib.zk_gmst(EPOCH_JD_UTC + 30.0 / 86400.0)
    r_ecef = Rotation.from_euler("z", -gmst).apply(rs[1])
    lib.zk_ecef_to_geodetic(ptr(r_ecef), ptr(geodetic))
    first.set_target(geodetic[0] - 1.0 * DEG, geodetic[1])
    second.set_target(geodetic[0] - 2.0 * DEG, geodetic[1] + 2.0 * DEG)
    join = JoinSlew(1.5 * DEG, 0.5 * DEG)
    t_end = join.plan(first, second, 30.0)
    np.testing.assert_allclose(join.q_ref_ib, first.q_ref_ib, atol=1e-15)
    np.testing.assert_allclose(join.w_ref_r, first.w_ref_r, atol=1e-15)
    rs, vs = propagate(r0, v0, np.array([0.0, t_end]))
    orbit.r_eci[:], orbit.v_eci[:] = rs[1], vs[1]
    join.update(t_end)
    np.testing.assert_array_equal(join.q_ref_ib, second.q_ref_ib)
    np.testing.assert_array_equal(join.w_ref_r, second.w_ref_r)
    assert 10.0 < t_end - 30.0 < 40.0


def test_ticks_hold_no_memory():
    """2000 ticks of every law leave the traced memory where it was, its peak within a few temporaries."""
    r, v = circular_state(500e3, 97.4 * DEG, 0.3, 1.2)
    laws = every_law(orbit_at(r, v))
    tracemalloc.start()
    try:
        for k in range(100):
            for law in laws:
                law.update(0.1 * k)
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        for k in range(2000):
            for law in laws:
                law.update(0.1 * k)
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 256 and peak - before < 1024
