"""The control laws of native/flight/adcs.c against independent references written in numpy and scipy.

- Feed-forward: on the reference, the torque is the one Euler's equations need to follow it; off it, the
  closed loop of a rigid body (integrated by scipy) has exactly the autonomous error dynamics
  J dw_e/dt = -kp e - kd w_e, whatever the reference does.
- Integral: a constant disturbance leaves the closed form error d / kp without it and none with it;
  clamp, hold and zone of the anti-windup.
- Wheels: the null-space command gives no body torque and pulls the speeds to the bias with its time
  constant; it yields first under saturation, which keeps the body torque's direction; with a wheel
  failed, the other three give the torque (numpy.linalg.pinv) and the failed one gets 0.
- Magnetic: the cross-product law's torque m x B opposes the excess momentum it can reach; the B-dot
  dipole opposes dB/dt and dissipates the body's kinetic energy.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.spatial.transform import Rotation

from flight.adcs.wheel_allocation import WheelAllocator, null_pattern
from native import ffi, lib, ptr, view
from sim.spacecraft import RPM, pyramid_axes
from zorka.run.assembly import build_world, simulated_devices
from zorka.scenario.model import Scenario

J_B = np.array([[14.2, 0.12, -0.08], [0.12, 16.5, 0.05], [-0.08, 0.05, 9.8]])
H_WHEEL_B = np.array([0.3, -0.2, 0.5])  # N m s
TORQUE_TOL_NM = 1e-12
AXES_PYRAMID = pyramid_axes(np.arcsin(1.0 / np.sqrt(3.0)))
A_PYRAMID = AXES_PYRAMID.T  # 3 x 4: body torque of unit motor torques is -A u


def f64(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64)


def quat_mul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product, scalar last."""
    pv, pw, qv, qw = p[:3], p[3], q[:3], q[3]
    return np.concatenate([pw * qv + qw * pv + np.cross(pv, qv), [pw * qw - pv @ qv]])


def controller(kp=(0.0,) * 3, kd=(0.0,) * 3, ki=(0.0,) * 3, integral_max_nm=0.0, zone_rad=0.0, dt_s=0.1):
    c = ffi.new("zk_pd_control *")
    c.kp, c.kd, c.ki, c.j_b = list(kp), list(kd), list(ki), list(J_B.ravel())
    c.integral_max_nm = [integral_max_nm] * 3
    c.integral_zone_rad, c.dt_s = zone_rad, dt_s
    return c


def track(c, q_ref, w_ref_r, alpha_ref_r, q_ib, w_b, h_b=H_WHEEL_B, torque_ext_b=(0.0, 0.0, 0.0)):
    args = (q_ref, w_ref_r, alpha_ref_r, q_ib, w_b, h_b, torque_ext_b)
    lib.zk_pd_control_track(c, *(ptr(f64(a)) for a in args))
    return np.array(list(c.torque_b))


# --- feed-forward ----------------------------------------------------------------------------


def test_on_the_reference_the_torque_is_what_eulers_equations_need_to_follow_it():
    """Body on the reference (either quaternion sign): J alpha + w x (J w + h), minus a known torque."""
    rng = np.random.default_rng(10)
    c = controller(kp=[1.0, 2.0, 3.0], kd=[10.0, 20.0, 30.0])
    for q_ref in Rotation.random(100, random_state=11).as_quat():
        w_r, alpha_r = rng.normal(scale=0.05, size=3), rng.normal(scale=0.01, size=3)
        t_ext = rng.normal(scale=1e-3, size=3)
        w_b = w_r  # on the reference the body axes are the reference's
        euler_nm = J_B @ alpha_r + np.cross(w_b, J_B @ w_b + H_WHEEL_B)
        for sign in (1.0, -1.0):
            torque = track(c, q_ref, w_r, alpha_r, sign * q_ref, w_b, torque_ext_b=t_ext)
            np.testing.assert_allclose(torque, euler_nm - t_ext, rtol=0, atol=TORQUE_TOL_NM)


def reference_rate_r(t_s: float) -> tuple[np.ndarray, np.ndarray]:
    """A reference slewing about a turning axis: its rate and angular acceleration in its own axes."""
    w = np.array([0.04 * np.sin(0.3 * t_s), 0.03 * np.cos(0.2 * t_s), 0.02 + 1e-3 * t_s])
    alpha = np.array([0.012 * np.cos(0.3 * t_s), -0.006 * np.sin(0.2 * t_s), 1e-3])
    return w, alpha


def test_closed_loop_error_follows_the_autonomous_error_dynamics_whatever_the_reference():
    """Rigid body J dw/dt = tau - w x (J w + h) with the C torque, integrated by scipy along a slewing
    reference, against the error system dq' = dq (x) [w_e, 0] / 2, J w_e' = -kp e - kd w_e integrated on
    its own: they agree, so feed-forward and transport term leave nothing of the reference's motion."""
    kp, kd = np.diag(J_B) * 0.2**2, 2 * 0.7 * np.diag(J_B) * 0.2
    c = controller(kp=kp, kd=kd)

    def truth(t, y):
        q_b, w_b, q_ref = y[:4] / np.linalg.norm(y[:4]), y[4:7], y[7:] / np.linalg.norm(y[7:])
        w_r, alpha_r = reference_rate_r(t)
        tau = track(c, q_ref, w_r, alpha_r, q_b, w_b)
        w_dot = np.linalg.solve(J_B, tau - np.cross(w_b, J_B @ w_b + H_WHEEL_B))
        return np.concatenate(
            [0.5 * quat_mul(q_b, np.append(w_b, 0.0)), w_dot, 0.5 * quat_mul(q_ref, np.append(w_r, 0.0))]
        )

    def error(t, y):
        dq, w_e = y[:4], y[4:]
        e = 2.0 * np.sign(dq[3]) * dq[:3] / np.linalg.norm(dq)
        w_e_dot = np.linalg.solve(J_B, -kp * e - kd * w_e)
        return np.concatenate([0.5 * quat_mul(dq, np.append(w_e, 0.0)), w_e_dot])

    q_ref0 = Rotation.from_euler("xyz", [10, -20, 30], degrees=True)
    q_b0 = q_ref0 * Rotation.from_rotvec(np.deg2rad([12.0, -8.0, 15.0]))
    w_b0 = np.array([0.03, -0.02, 0.05])
    w_e0 = w_b0 - (q_b0.inv() * q_ref0).apply(reference_rate_r(0.0)[0])
    times = np.linspace(0.0, 60.0, 13)
    tol = {"method": "DOP853", "rtol": 1e-11, "atol": 1e-13, "t_eval": times}
    y0 = np.concatenate([q_b0.as_quat(), w_b0, q_ref0.as_quat()])
    sim = solve_ivp(truth, (0.0, 60.0), y0, **tol)
    err = solve_ivp(error, (0.0, 60.0), np.concatenate([(q_ref0.inv() * q_b0).as_quat(), w_e0]), **tol)
    for k, t in enumerate(times):
        r_b, r_ref = Rotation.from_quat(sim.y[:4, k]), Rotation.from_quat(sim.y[7:, k])
        dq = Rotation.from_quat(err.y[:4, k])
        assert ((r_ref.inv() * r_b).inv() * dq).magnitude() < 1e-9, f"attitude error differs at {t} s"
        w_e = sim.y[4:7, k] - (r_b.inv() * r_ref).apply(reference_rate_r(t)[0])
        np.testing.assert_allclose(w_e, err.y[4:, k], rtol=0, atol=1e-10)
    assert Rotation.from_quat(err.y[:4, -1]).magnitude() < 0.02 * np.deg2rad(22.0)  # and it settles


# --- integral --------------------------------------------------------------------------------


def hold_attitude(c, disturbance_nm: np.ndarray, duration_s: float) -> np.ndarray:
    """Hold an inertially fixed reference against a constant torque: 10 Hz control, torque held over each
    frame, the body integrated by RK4 in numpy (2 steps per frame). Returns the last attitude error e."""
    q_ref, zero = np.array([0.0, 0.0, 0.0, 1.0]), np.zeros(3)
    q, w = q_ref.copy(), zero.copy()

    def deriv(q, w, tau):
        w_dot = np.linalg.solve(J_B, tau + disturbance_nm - np.cross(w, J_B @ w + H_WHEEL_B))
        return 0.5 * quat_mul(q, np.append(w, 0.0)), w_dot

    for _ in range(round(duration_s / c.dt_s)):
        tau = track(c, q_ref, zero, zero, q, w)
        h = c.dt_s / 2
        for _ in range(2):
            k1 = deriv(q, w, tau)
            k2 = deriv(q + h / 2 * k1[0], w + h / 2 * k1[1], tau)
            k3 = deriv(q + h / 2 * k2[0], w + h / 2 * k2[1], tau)
            k4 = deriv(q + h * k3[0], w + h * k3[1], tau)
            q = q + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
            w = w + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        q /= np.linalg.norm(q)
    return 2.0 * np.sign(q[3]) * q[:3]


def test_integral_removes_the_steady_error_of_a_constant_disturbance():
    """Without it the error settles at d / kp (closed form); with it, to under 1 % of that, and the
    integral torque ki * integral equals the disturbance."""
    w_n, zeta = 0.5, 0.8
    kp, kd = np.diag(J_B) * w_n**2, 2 * zeta * np.diag(J_B) * w_n
    d = np.array([1e-3, -5e-4, 8e-4])
    e_pd = hold_attitude(controller(kp=kp, kd=kd), d, 60.0)
    np.testing.assert_allclose(e_pd, d / kp, rtol=1e-2)
    c = controller(kp=kp, kd=kd, ki=0.2 * w_n * kp, integral_max_nm=0.01, zone_rad=0.1)
    e_pid = hold_attitude(c, d, 200.0)
    assert np.all(np.abs(e_pid) < 0.01 * np.abs(d / kp))
    np.testing.assert_allclose(np.array(list(c.ki)) * np.array(list(c.integral_rad_s)), d, rtol=1e-2)


def test_integral_anti_windup_clamp_hold_and_zone():
    q_ref, zero = np.array([0.0, 0.0, 0.0, 1.0]), np.zeros(3)
    q_off = Rotation.from_rotvec([0.1, -0.05, 0.02]).as_quat()  # 6.5 deg
    e = 2.0 * q_off[:3]
    c = controller(ki=[1.0, 2.0, 0.0], integral_max_nm=0.01, zone_rad=0.2)
    track(c, q_ref, zero, zero, q_off, zero)
    np.testing.assert_allclose(list(c.integral_rad_s), [e[0] * 0.1, e[1] * 0.1, 0.0], rtol=1e-15)
    for _ in range(100):
        torque = track(c, q_ref, zero, zero, q_off, zero)
    np.testing.assert_allclose(list(c.integral_rad_s), [0.01, -0.005, 0.0], rtol=1e-15)  # |ki I| <= 0.01
    gyro = np.cross(zero, H_WHEEL_B)
    np.testing.assert_allclose(torque - gyro, [-0.01, 0.01, 0.0], rtol=0, atol=TORQUE_TOL_NM)
    c.integral_rad_s = [0.001, 0.001, 0.0]
    c.hold_integral = 1  # actuators saturated: frozen
    track(c, q_ref, zero, zero, Rotation.from_rotvec([0.05, 0.0, 0.0]).as_quat(), zero)
    assert list(c.integral_rad_s) == [0.001, 0.001, 0.0]
    c.hold_integral = 0
    track(c, q_ref, zero, zero, Rotation.from_rotvec([0.3, 0.0, 0.0]).as_quat(), zero)  # outside the zone
    assert list(c.integral_rad_s) == [0.001, 0.001, 0.0]


# --- wheels: null space, saturation, reconfiguration ----------------------------------------


def wheel_map(limits_nm=0.2, gain_nm_s=0.0, bias_rad_s=(0.0,) * 4):
    m = ffi.new("zk_wheel_map *")
    m.n = 4
    m.axis_b = list(AXES_PYRAMID.ravel())
    m.torque_max_nm = list(np.broadcast_to(np.asarray(limits_nm, dtype=float), (4,)))
    m.null_gain_nm_s = [gain_nm_s] * 4
    m.speed_bias_rad_s = list(bias_rad_s)
    assert lib.zk_wheel_map_init(m) == 0
    return m


def distribute(m, torque_b, speed_rad_s) -> np.ndarray:
    u = np.zeros(m.n)
    lib.zk_wheel_map_distribute(m, ptr(f64(torque_b)), ptr(f64(speed_rad_s)), ptr(u))
    return u


BIAS_RAD_S = 1000.0 * RPM * np.array([1.0, -1.0, 1.0, -1.0])


def test_null_space_command_gives_no_body_torque_and_matches_numpy_projector():
    rng = np.random.default_rng(12)
    m = wheel_map(gain_nm_s=1e-3, limits_nm=10.0, bias_rad_s=BIAS_RAD_S)
    n_ref = np.eye(4) - np.linalg.pinv(A_PYRAMID) @ A_PYRAMID
    for _ in range(200):
        speed = rng.uniform(-300.0, 300.0, 4)
        u_null = distribute(m, np.zeros(3), speed)
        assert np.abs(u_null).max() > 1e-6
        assert np.abs(A_PYRAMID @ u_null).max() < 1e-15
        np.testing.assert_allclose(u_null, n_ref @ (1e-3 * (BIAS_RAD_S - speed)), rtol=0, atol=1e-15)
        tau = rng.normal(scale=0.05, size=3)
        np.testing.assert_allclose(A_PYRAMID @ distribute(m, tau, speed), -tau, rtol=0, atol=TORQUE_TOL_NM)


def test_null_space_pulls_the_wheel_speeds_to_the_bias_with_its_time_constant():
    """Wheels alone, I_s dOmega/dt = u, integrated exactly per 0.1 s frame: the null component of the speed
    error decays as exp(-t / tau), the body momentum A I_s Omega does not change."""
    inertia, tau_s = 1.5 / (6000.0 * RPM), 50.0
    m = wheel_map(gain_nm_s=inertia / tau_s, bias_rad_s=BIAS_RAD_S)
    null = np.array([1.0, -1.0, 1.0, -1.0]) / 2.0
    speed = np.array([20.0, 35.0, -10.0, 5.0])
    h0_b = A_PYRAMID @ (inertia * speed)
    err0 = null @ (speed - BIAS_RAD_S)
    for _ in range(1000):
        speed = speed + distribute(m, np.zeros(3), speed) / inertia * 0.1
    np.testing.assert_allclose(null @ (speed - BIAS_RAD_S), err0 * (1.0 - 0.1 / tau_s) ** 1000, rtol=1e-9)
    assert abs(null @ (speed - BIAS_RAD_S)) < 0.15 * abs(err0)
    np.testing.assert_allclose(A_PYRAMID @ (inertia * speed), h0_b, rtol=0, atol=1e-14)
    assert np.all(np.abs(speed) > 50.0 * RPM)  # away from zero: the alternating pattern took over


def test_null_space_yields_first_then_the_body_torque_keeps_its_direction():
    limits_nm = np.array([0.2, 0.15, 0.25, 0.1])
    m = wheel_map(limits_nm=limits_nm, gain_nm_s=1.0, bias_rad_s=BIAS_RAD_S)
    pinv = np.linalg.pinv(A_PYRAMID)
    rng = np.random.default_rng(13)
    for _ in range(200):
        speed = rng.uniform(-500.0, 500.0, 4)
        tau = rng.normal(size=3)
        tau *= 0.6 / np.max(np.abs(pinv @ tau) / limits_nm)  # body torque at 60 % of the worst wheel
        u = distribute(m, tau, speed)
        assert m.torque_scale == 1.0 and 0.0 <= m.null_scale < 1.0  # the pull is far too big: it yields
        assert np.max(np.abs(u) / limits_nm) == pytest.approx(1.0, abs=1e-15)
        np.testing.assert_allclose(A_PYRAMID @ u, -tau, rtol=0, atol=TORQUE_TOL_NM)
        tau *= rng.uniform(2.0, 100.0)  # now beyond what the wheels can give
        u = distribute(m, tau, speed)
        delivered = -A_PYRAMID @ u
        assert m.torque_scale < 1.0
        sin_angle = np.linalg.norm(np.cross(delivered, tau)) / np.linalg.norm(delivered) / np.linalg.norm(tau)
        assert sin_angle < 1e-12
        assert delivered @ tau > 0.0
        assert np.all(np.abs(u) <= limits_nm * (1 + 1e-15))
        np.testing.assert_allclose(delivered, m.torque_scale * tau, rtol=0, atol=TORQUE_TOL_NM)


@pytest.mark.parametrize("failed", range(4))
def test_three_wheels_after_a_failure_give_the_torque_and_the_failed_one_nothing(failed):
    m = wheel_map(gain_nm_s=1e-3, bias_rad_s=BIAS_RAD_S)
    m.friction_coulomb_nm = [2e-3] * 4
    assert lib.zk_wheel_map_set_failed(m, failed, 1) == 0
    assert m.n_active == 3
    assert all(v == 0.0 for v in m.null_proj)  # no null space with three wheels
    keep = [i for i in range(4) if i != failed]
    pinv3 = np.linalg.pinv(A_PYRAMID[:, keep])
    rng = np.random.default_rng(14)
    for _ in range(100):
        tau, speed = rng.normal(scale=0.05, size=3), rng.uniform(-300.0, 300.0, 4)
        u = distribute(m, tau, speed)
        assert u[failed] == 0.0
        np.testing.assert_allclose(A_PYRAMID @ u, -tau, rtol=0, atol=TORQUE_TOL_NM)
        np.testing.assert_allclose(u[keep], -pinv3 @ tau, rtol=0, atol=TORQUE_TOL_NM)
        lib.zk_wheel_map_add_friction(m, ptr(speed), ptr(u))
        assert u[failed] == 0.0
    pinv_before = list(m.pinv)
    assert lib.zk_wheel_map_set_failed(m, keep[0], 1) == -1  # two left cannot span 3-D: unchanged
    assert list(m.pinv) == pinv_before and m.n_active == 3
    assert lib.zk_wheel_map_set_failed(m, 4, 1) == -1
    assert lib.zk_wheel_map_set_failed(m, failed, 0) == 0 and m.n_active == 4
    np.testing.assert_allclose(view(m.pinv, 12).reshape(4, 3), np.linalg.pinv(A_PYRAMID), rtol=0, atol=1e-15)


def test_allocator_biases_the_pyramid_alternately_and_drops_the_bias_without_a_null_space():
    scenario = Scenario()
    wheels = simulated_devices(build_world(scenario), scenario).wheels
    allocator = WheelAllocator(wheels, speed_bias_rad_s=1000.0 * RPM, bias_time_constant_s=50.0)
    np.testing.assert_allclose(list(allocator._m.speed_bias_rad_s)[:4], BIAS_RAD_S, rtol=1e-12)
    np.testing.assert_allclose(null_pattern(AXES_PYRAMID, np.ones(4, bool)), [1, -1, 1, -1], rtol=1e-12)
    assert allocator.set_failed(2)
    assert allocator.active == 3 and list(allocator._m.speed_bias_rad_s)[:4] == [0.0] * 4
    assert not allocator.set_failed(0)


# --- magnetic laws ---------------------------------------------------------------------------


def momentum_dump(gain_per_s, h_b, b_b_t, dipole_max_am2=20.0, h_target_b=(0.0, 0.0, 0.0)):
    c = ffi.new("zk_momentum_dump *")
    c.gain_per_s, c.h_target_b_nms, c.dipole_max_am2 = gain_per_s, list(h_target_b), [dipole_max_am2] * 3
    m = np.zeros(3)
    lib.zk_momentum_dump_step(c, ptr(f64(h_b)), ptr(f64(b_b_t)), ptr(m))
    return m, np.array(list(c.torque_b))


def test_cross_product_law_torque_opposes_the_excess_it_can_reach():
    """Unsaturated: m x B = -k (h less its part along B) (numpy); its component along h is -k |h_perp|^2
    / |h| <= 0. Saturated: the dipole is scaled as a whole, the worst axis at its limit."""
    rng = np.random.default_rng(15)
    for _ in range(200):
        h_target = rng.normal(scale=0.05, size=3)
        h = rng.normal(scale=0.3, size=3)
        b = rng.normal(size=3) * rng.uniform(15e-6, 50e-6) / np.sqrt(3)
        excess, b_hat = h - h_target, b / np.linalg.norm(b)
        h_perp = excess - (excess @ b_hat) * b_hat
        m, torque = momentum_dump(1e-4, h, b, 1e3, h_target)
        np.testing.assert_allclose(torque, np.cross(m, b), rtol=0, atol=1e-18)
        np.testing.assert_allclose(torque, -1e-4 * h_perp, rtol=1e-10, atol=1e-18)
        assert torque @ excess == pytest.approx(-1e-4 * h_perp @ h_perp, rel=1e-9)
        m_sat, torque_sat = momentum_dump(1e-1, h, b, 20.0, h_target)
        assert np.max(np.abs(m_sat)) == pytest.approx(20.0, rel=1e-15)
        np.testing.assert_allclose(m_sat / np.linalg.norm(m_sat), m / np.linalg.norm(m), rtol=0, atol=1e-12)
        assert torque_sat @ excess < 0.0
    assert not np.any(momentum_dump(1e-2, h, np.zeros(3))[0])


def bdot(gain, filter_s=0.0, dipole_max_am2=20.0):
    c = ffi.new("zk_bdot *")
    c.gain_am2_s_t, c.filter_s, c.dipole_max_am2 = gain, filter_s, [dipole_max_am2] * 3
    lib.zk_bdot_reset(c)
    return c


def bdot_step(c, b_b_t, dt_s) -> np.ndarray:
    m = np.zeros(3)
    lib.zk_bdot_step(c, ptr(f64(b_b_t)), dt_s, ptr(m))
    return m


def test_bdot_dipole_opposes_the_field_rate_and_damps_the_body_rate():
    """Field fixed in inertial, body spinning at w: B_b(t) = R(w t)^T B_i. The dipole is -k dB/dt (0 at the
    first reading), opposes dB/dt, and its torque m x B does negative work on the body: w . (m x B) < 0."""
    rng = np.random.default_rng(16)
    for _ in range(100):
        w, b_i = rng.normal(scale=0.05, size=3), rng.normal(scale=3e-5, size=3)
        c = bdot(gain=1e6, dipole_max_am2=1e3)
        samples = [Rotation.from_rotvec(w * t).inv().apply(b_i) for t in (0.0, 0.5, 1.0)]
        assert not np.any(bdot_step(c, samples[0], 0.5))
        bdot_step(c, samples[1], 0.5)
        m = bdot_step(c, samples[2], 0.5)
        db_dt = (samples[2] - samples[1]) / 0.5
        np.testing.assert_allclose(m, -1e6 * db_dt, rtol=1e-12)
        assert m @ db_dt < 0.0
        assert w @ np.cross(m, samples[2]) < 0.0


def test_bdot_filter_is_first_order_and_saturation_keeps_direction():
    """A step in dB/dt from 0 to r: the filtered rate reaches r (1 - exp(-t / tau)) after the first
    difference. Saturated: scaled as a whole, the worst axis at its limit."""
    tau_s, dt_s, rate = 2.0, 0.5, np.array([2e-6, -1e-6, 5e-7])
    c = bdot(gain=1e6, filter_s=tau_s, dipole_max_am2=1.0)
    b = np.array([2e-5, 1e-5, -3e-5])
    bdot_step(c, b, dt_s)
    bdot_step(c, b, dt_s)  # first difference: 0
    for k in range(1, 11):
        m = bdot_step(c, b + rate * dt_s * k, dt_s)
        filtered = rate * (1.0 - np.exp(-k * dt_s / tau_s))
        np.testing.assert_allclose(list(c.db_dt_b_t_s), filtered, rtol=1e-12, atol=1e-20)
        unsaturated = -1e6 * filtered
        np.testing.assert_allclose(m, unsaturated / max(1.0, np.max(np.abs(unsaturated))), rtol=1e-12)
    assert np.max(np.abs(m)) == pytest.approx(1.0, rel=1e-15)
