"""Slews (zk_slew, zk_join_slew) and their wheel-derived limits against independent references.

References: the commanded rate integrated by scipy (DOP853 on dq/dt = 1/2 q (x) [w, 0], phase by phase)
must land on the end attitude; durations against the bang-coast-bang closed forms (2 sqrt(theta / a)
triangular, theta / w + w / a trapezoidal); the limits against numpy's pseudo-inverse and eigenvalues and
a brute-force check over random axes; a join slew against finite differences of its own attitude (scipy
Rotation) and the tracking profiles it leaves and joins.
"""

import itertools

import numpy as np
from scipy.integrate import solve_ivp
from scipy.spatial.transform import Rotation

from flight.adcs.guidance import InertialHold, Slew, slew_limits
from native import ffi, lib, ptr
from native.earth_model import force_model
from sim.spacecraft import DEFAULT_SPACECRAFT
from tests.native.guidance_reference import (
    OMEGA_EARTH_RAD_S,
    circular_state,
    propagate,
    rate_and_accel,
    stencil_times,
)

DEG = np.pi / 180.0
ANGLE_TOL_RAD = 1e-9  # 0.2 mas
STAR_TRACKER_SAFE_RATE_RAD_S = 1.8 * DEG  # a rate cap a mission may choose for its star tracker


def random_rotations(rng, n: int) -> np.ndarray:
    return Rotation.random(n, random_state=rng).as_quat()


def plan(q0, q1, t0_s, rate_max, accel_max):
    s = ffi.new("zk_slew *")
    assert (
        lib.zk_slew_plan(
            s, ptr(np.array(q0, dtype=float)), ptr(np.array(q1, dtype=float)), t0_s, rate_max, accel_max
        )
        == 0
    )
    return s


def evaluate(s, t_s, evaluator=lib.zk_slew_eval):
    ref = ffi.new("zk_reference *")
    evaluator(s, t_s, ref)
    return (
        np.array(list(ref.q_ib)),
        np.array(list(ref.w_r)),
        np.array(list(ref.alpha_r)),
        np.array(list(ref.w_i)),
    )


def random_slews(seed: int, n: int):
    """Start and end attitudes with limits giving both triangular and trapezoidal profiles."""
    rng = np.random.default_rng(seed)
    q0s, q1s = random_rotations(rng, n), random_rotations(rng, n)
    for q0, q1 in zip(q0s, q1s, strict=True):
        yield (
            q0,
            q1,
            rng.uniform(-100.0, 100.0),
            rng.uniform(0.5, 5.0) * DEG,
            10.0 ** rng.uniform(-1.7, 0.3) * DEG,
        )


def closed_form_s(angle: float, rate_max: float, accel_max: float) -> float:
    if angle < rate_max**2 / accel_max:
        return 2.0 * np.sqrt(angle / accel_max)
    return angle / rate_max + rate_max / accel_max


def test_duration_and_angle_are_the_closed_forms():
    triangular = 0
    for q0, q1, t0, w, a in random_slews(seed=31, n=300):
        s = plan(q0, q1, t0, w, a)
        angle = (Rotation.from_quat(q0).inv() * Rotation.from_quat(q1)).magnitude()
        assert abs(s.angle_rad - angle) < 1e-12
        assert abs((s.t_end_s - t0) - closed_form_s(angle, w, a)) < 1e-9
        assert abs(lib.zk_slew_time(angle, w, a) - closed_form_s(angle, w, a)) < 1e-9
        triangular += s.t_coast_s == 0.0
    assert 30 < triangular < 270


def quaternion_rate(q: np.ndarray, w_b: np.ndarray) -> np.ndarray:
    """dq/dt = 1/2 q (x) [w, 0], Hamilton product, scalar last."""
    v, s = q[:3], q[3]
    return 0.5 * np.concatenate([s * w_b + np.cross(v, w_b), [-v @ w_b]])


def test_integrated_rate_recovers_the_end_attitude():
    for q0, q1, t0, w, a in random_slews(seed=32, n=12):
        s = plan(q0, q1, t0, w, a)
        edges = t0 + np.cumsum([0.0, s.t_accel_s, s.t_coast_s, s.t_accel_s])
        q = np.array(q0)
        for t_from, t_to in itertools.pairwise(edges):
            if t_to > t_from:
                sol = solve_ivp(
                    lambda t, y, s=s: quaternion_rate(y, evaluate(s, t)[1]),
                    (t_from, t_to),
                    q,
                    method="DOP853",
                    rtol=1e-12,
                    atol=1e-13,
                )
                q = sol.y[:, -1]
                c_q = evaluate(s, t_to - 1e-9)[0]
                assert (Rotation.from_quat(q).inv() * Rotation.from_quat(c_q)).magnitude() < ANGLE_TOL_RAD
        assert (Rotation.from_quat(q).inv() * Rotation.from_quat(q1)).magnitude() < ANGLE_TOL_RAD
        np.testing.assert_allclose(
            evaluate(s, s.t_end_s)[0], Rotation.from_quat(q1).as_quat(canonical=True), atol=1e-15
        )


def test_rate_and_acceleration_never_exceed_the_limits_and_are_derivatives():
    for q0, q1, t0, w, a in random_slews(seed=33, n=40):
        s = plan(q0, q1, t0, w, a)
        rates, accels = [], []
        for t in np.linspace(t0 - 1.0, s.t_end_s + 1.0, 400):
            _, w_r, alpha_r, w_i = evaluate(s, t)
            rates.append(np.linalg.norm(w_r))
            accels.append(np.linalg.norm(alpha_r))
            np.testing.assert_allclose(np.linalg.norm(w_i), rates[-1], rtol=1e-12, atol=1e-18)
        assert max(rates) <= w * (1.0 + 1e-12) and max(accels) <= a * (1.0 + 1e-12)
        h_s = 1e-3
        edges = t0 + np.cumsum([0.0, s.t_accel_s, s.t_coast_s, s.t_accel_s])
        for t_from, t_to in itertools.pairwise(edges):
            if t_to - t_from > 8.0 * h_s:
                t = 0.5 * (t_from + t_to)
                w_num, alpha_num = rate_and_accel(
                    np.array([evaluate(s, tk)[0] for tk in stencil_times(t, h_s)]), h_s
                )
                _, w_r, alpha_r, _ = evaluate(s, t)
                assert np.linalg.norm(w_r - w_num) < 1e-10
                assert np.linalg.norm(alpha_r - alpha_num) < 1e-6


def default_limits(margin: float = 0.7, rate_cap_rad_s: float = np.inf):
    sc = DEFAULT_SPACECRAFT
    return slew_limits(
        sc.wheels.axis_b,
        sc.wheels.torque_max_nm,
        sc.wheels.momentum_max_nms,
        sc.inertia_kg_m2,
        margin,
        rate_cap_rad_s,
    )


def test_limits_from_the_wheels_against_numpy_and_random_axes():
    """torque = min_i tau_max / |p_i| (p_i rows of pinv(A)), over lambda_max(J), times the margin; every axis
    then gets the slew's torque and momentum within each wheel's limits."""
    sc, margin = DEFAULT_SPACECRAFT, 0.7
    limits = default_limits(margin)
    pinv = np.linalg.pinv(sc.wheels.axis_b.T)
    row_max = np.linalg.norm(pinv, axis=1).max()
    lambda_max = np.linalg.eigvalsh(sc.inertia_kg_m2).max()
    assert abs(limits.inertia_kg_m2 - lambda_max) < 1e-12 * lambda_max
    assert abs(limits.torque_nm - sc.wheels.torque_max_nm / row_max) < 1e-12
    assert abs(limits.momentum_nms - sc.wheels.momentum_max_nms / row_max) < 1e-12
    assert abs(limits.accel_max_rad_s2 - margin * limits.torque_nm / lambda_max) < 1e-15
    axes = Rotation.random(2000, random_state=34).apply([0.0, 0.0, 1.0])
    body = axes @ sc.inertia_kg_m2.T
    wheel_torque = np.abs(body @ pinv.T) * limits.accel_max_rad_s2
    wheel_momentum = np.abs(body @ pinv.T) * limits.rate_max_rad_s
    assert wheel_torque.max() <= margin * sc.wheels.torque_max_nm
    assert wheel_momentum.max() <= margin * sc.wheels.momentum_max_nms
    assert wheel_torque.max() > 0.8 * margin * sc.wheels.torque_max_nm


def test_default_spacecraft_slews_30_and_60_deg_within_the_acceptance():
    """Profiles must leave time to settle inside 30 s (30 deg) and 50 s (60 deg)."""
    for cap in (np.inf, STAR_TRACKER_SAFE_RATE_RAD_S):
        limits = default_limits(rate_cap_rad_s=cap)
        t30 = lib.zk_slew_time(30.0 * DEG, limits.rate_max_rad_s, limits.accel_max_rad_s2)
        t60 = lib.zk_slew_time(60.0 * DEG, limits.rate_max_rad_s, limits.accel_max_rad_s2)
        print(
            f"\nrate {limits.rate_max_rad_s / DEG:.2f} deg/s, "
            f"accel {limits.accel_max_rad_s2 / DEG:.3f} deg/s^2 "
            f"(torque {limits.torque_nm:.3f} N m, momentum {limits.momentum_nms:.3f} N m s, "
            f"J {limits.inertia_kg_m2:.2f} kg m^2): 30 deg in {t30:.1f} s, 60 deg in {t60:.1f} s"
        )
        assert t30 <= 22.0 and t60 <= 40.0


def test_flight_slew_plans_and_reports_its_duration():
    limits = default_limits()
    slew = Slew(limits.rate_max_rad_s, limits.accel_max_rad_s2)
    q_from = InertialHold().q_ref_ib.copy()
    q_to = Rotation.from_rotvec([0.0, 30.0 * DEG, 0.0]).as_quat()
    assert (
        abs(
            slew.slew_time_s(q_from, q_to)
            - closed_form_s(30.0 * DEG, limits.rate_max_rad_s, limits.accel_max_rad_s2)
        )
        < 1e-9
    )
    t_end = slew.plan(q_from, q_to, 10.0)
    slew.update(t_end)
    np.testing.assert_allclose(slew.q_ref_ib, q_to, atol=1e-15)
    slew.update(10.0 + 0.5 * (t_end - 10.0))
    assert abs(Rotation.from_quat(slew.q_ref_ib).magnitude() - 15.0 * DEG) < 1e-12


# --- join slews: from one moving profile onto another ------------------------------------------


T_MID_S = 150.0


class TrackingPass:
    """Tracking references of two targets near the ground track at T_MID_S along one J2 orbit (GMST
    omega_earth t), at any of a fixed set of times."""

    def __init__(self, times_s):
        self.forces = force_model(zonal_degree=2)
        r0, v0 = circular_state(500e3, 97.4 * DEG, 0.5, 0.8)
        self.times = np.unique(np.concatenate([[0.0, T_MID_S], times_s]))
        self.rs, self.vs = propagate(r0, v0, self.times)
        r_mid = Rotation.from_euler("z", -OMEGA_EARTH_RAD_S * T_MID_S).apply(
            self.rs[self.times == T_MID_S][0]
        )
        lat, lon = np.arcsin(r_mid[2] / np.linalg.norm(r_mid)), np.arctan2(r_mid[1], r_mid[0])
        self.targets = []
        for dlat, dlon in ((-3.0, 1.0), (4.0, -2.0)):
            t = ffi.new("zk_target *")
            lib.zk_target_set(t, lat + dlat * DEG, lon + dlon * DEG, 0.0)
            self.targets.append(t)

    def reference(self, k: int, t_s: float):
        i = int(np.argmin(np.abs(self.times - t_s)))
        assert abs(self.times[i] - t_s) < 1e-9
        ref = ffi.new("zk_reference *")
        assert (
            lib.zk_guidance_target(
                self.targets[k], self.forces, OMEGA_EARTH_RAD_S * t_s, ptr(self.rs[i]), ptr(self.vs[i]), ref
            )
            == 0
        )
        return ref


def join_eval(s, to_ref, t_s):
    ref = ffi.new("zk_reference *")
    lib.zk_join_slew_eval(s, t_s, to_ref, ref)
    return ref


def as_arrays(ref):
    return np.array(list(ref.q_ib)), np.array(list(ref.w_r)), np.array(list(ref.alpha_r))


def test_join_slew_from_one_tracked_target_to_the_next():
    t0, rate_max, accel_max, h_s = 100.0, 1.0 * DEG, 0.5 * DEG, 0.05
    # A first pass to learn the phase times, a second with every time the checks need: probes inside the
    # blend, the acceleration, the coast and the deceleration.
    pre = TrackingPass([t0])
    s = ffi.new("zk_join_slew *")
    assert lib.zk_join_slew_plan(s, pre.reference(0, t0), pre.reference(1, t0), t0, rate_max, accel_max) == 0
    ta, tc = s.rest.t_accel_s, s.rest.t_coast_s
    probes = [t0 + f * s.t_blend_s for f in (0.2, 0.5, 0.8)]
    probes += [s.rest.t0_s + 0.5 * ta, s.rest.t0_s + ta + 0.25 * tc, s.rest.t0_s + ta + 0.75 * tc]
    probes += [s.t_end_s - 0.5 * ta]
    times = np.concatenate(
        [[t0, s.t_end_s - 1e-6, s.t_end_s + 5.0], *(stencil_times(t, h_s) for t in probes)]
    )
    tracking = TrackingPass(times)
    assert (
        lib.zk_join_slew_plan(
            s, tracking.reference(0, t0), tracking.reference(1, t0), t0, rate_max, accel_max
        )
        == 0
    )
    print(
        f"\njoin slew: blend {s.t_blend_s:.1f} s, "
        f"then {s.rest.angle_rad / DEG:.1f} deg in {s.t_end_s - s.rest.t0_s:.1f} s"
    )
    assert s.t_blend_s > 1.0 and s.rest.angle_rad > 5.0 * DEG and tc > 10.0 and ta > 1.0

    q, w, _ = as_arrays(join_eval(s, tracking.reference(1, t0), t0))
    q_a, w_a, _ = as_arrays(tracking.reference(0, t0))
    assert (Rotation.from_quat(q).inv() * Rotation.from_quat(q_a)).magnitude() < 1e-12
    assert np.linalg.norm(w - w_a) < 1e-15
    for t in (s.t_end_s - 1e-6, s.t_end_s + 5.0):
        q, w, _ = as_arrays(join_eval(s, tracking.reference(1, t), t))
        q_b, w_b, _ = as_arrays(tracking.reference(1, t))
        assert (Rotation.from_quat(q).inv() * Rotation.from_quat(q_b)).magnitude() < 1e-12
        assert np.linalg.norm(w - w_b) < accel_max * 2e-6

    dw0 = np.linalg.norm(list(s.dw0_r))
    for t in probes:
        stencil = stencil_times(t, h_s)
        q_ref = np.array([as_arrays(join_eval(s, tracking.reference(1, tk), tk))[0] for tk in stencil])
        q_b = np.array([as_arrays(tracking.reference(1, tk))[0] for tk in stencil])
        _, w_r, alpha_r = as_arrays(join_eval(s, tracking.reference(1, t), t))
        w_num, alpha_num = rate_and_accel(q_ref, h_s)
        assert np.linalg.norm(w_r - w_num) < 1e-12
        assert np.linalg.norm(alpha_r - alpha_num) < 1e-10
        offset = (Rotation.from_quat(q_b).inv() * Rotation.from_quat(q_ref)).as_quat()
        w_offset, alpha_offset = rate_and_accel(offset, h_s)
        assert np.linalg.norm(w_offset) < max(rate_max, dw0) * (1.0 + 1e-6)
        assert np.linalg.norm(alpha_offset) < accel_max * (1.0 + 1e-6)


def test_join_slew_from_rest_onto_a_tracking_profile_takes_the_closed_form_time():
    t0, rate_max, accel_max = 100.0, 1.5 * DEG, 0.6 * DEG
    tracking = TrackingPass([t0])
    rest = ffi.new("zk_reference *")
    q_hold = Rotation.from_rotvec([0.2, -0.1, 0.3]).as_quat()
    lib.zk_guidance_hold(ptr(q_hold), rest)
    target = tracking.reference(1, t0)
    s = ffi.new("zk_join_slew *")
    assert lib.zk_join_slew_plan(s, rest, target, t0, rate_max, accel_max) == 0
    q_b, w_b, _ = as_arrays(target)
    dw0 = Rotation.from_quat(q_hold).inv().apply(Rotation.from_quat(q_b).apply(w_b))
    assert np.linalg.norm(np.array(list(s.dw0_r)) + dw0) < 1e-15
    t_blend = np.linalg.norm(dw0) / accel_max
    assert abs(s.t_end_s - t0 - t_blend - closed_form_s(s.rest.angle_rad, rate_max, accel_max)) < 1e-9
