"""native/flight/adcs.c and native/record/record.c against independent constructions in numpy and scipy.

References: the nadir frame built column by column and turned into a rotation by
scipy.spatial.transform.Rotation; the PD law written out in numpy; the minimum-norm wheel
distribution from numpy.linalg.pinv. Tolerances are angles (rad), torques (N m) and rates (rad/s)
at a few thousand ulps of the quantities involved. (The feed-forward, integral, null-space,
reconfiguration and magnetic laws are checked in test_control_laws.py.)
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from native import ffi, lib, ptr
from sim.spacecraft import pyramid_axes
from sim.world import World
from zorka.run.assembly import build_world
from zorka.scenario.model import Scenario, StartSpec

ANGLE_TOL_RAD = 1e-12
TORQUE_TOL_NM = 1e-12
RATE_TOL_RAD_S = 1e-15
N_CASES = 200


def f64(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64)


def random_orbit_states(seed: int, n: int = N_CASES) -> list[tuple[np.ndarray, np.ndarray]]:
    """LEO-to-GEO-like positions and velocities in arbitrary directions, never parallel."""
    rng = np.random.default_rng(seed)
    states = []
    while len(states) < n:
        r = rng.normal(size=3) * rng.uniform(6.6e6, 4.2e7)
        v = rng.normal(size=3) * rng.uniform(3e3, 8e3)
        if np.linalg.norm(np.cross(r, v)) > 0.1 * np.linalg.norm(r) * np.linalg.norm(v):
            states.append((r, v))
    return states


def independent_nadir(r_eci: np.ndarray, v_eci: np.ndarray) -> tuple[Rotation, np.ndarray]:
    """Nadir frame (z = -r/|r|, y = -(r x v)/|r x v|, x = y x z) and its inertial rate r x v / |r|^2."""
    h = np.cross(r_eci, v_eci)
    z = -r_eci / np.linalg.norm(r_eci)
    y = -h / np.linalg.norm(h)
    x = np.cross(y, z)
    return Rotation.from_matrix(np.column_stack([x, y, z])), h / np.dot(r_eci, r_eci)


def c_nadir(r_eci: np.ndarray, v_eci: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    q_ib, w_i = np.zeros(4), np.zeros(3)
    lib.zk_nadir_reference(ptr(f64(r_eci)), ptr(f64(v_eci)), ptr(q_ib), ptr(w_i))
    return q_ib, w_i


# --- nadir reference -------------------------------------------------------------------------


def test_nadir_reference_matches_scipy_frame_from_matrix():
    for r, v in random_orbit_states(seed=1):
        q_ib, w_i = c_nadir(r, v)
        ref, w_ref_i = independent_nadir(r, v)
        assert (Rotation.from_quat(q_ib).inv() * ref).magnitude() < ANGLE_TOL_RAD
        assert np.linalg.norm(w_i - w_ref_i) < 1e-12 * np.linalg.norm(w_ref_i)


def test_nadir_reference_body_axes_see_nadir_and_orbit_normal():
    """In the reference attitude the Earth's centre is on +Z_B and the orbit normal r x v on -Y_B."""
    for r, v in random_orbit_states(seed=2, n=20):
        rot = Rotation.from_quat(c_nadir(r, v)[0])
        np.testing.assert_allclose(rot.inv().apply(-r / np.linalg.norm(r)), [0, 0, 1], atol=1e-12)
        h = np.cross(r, v)
        np.testing.assert_allclose(rot.inv().apply(h / np.linalg.norm(h)), [0, -1, 0], atol=1e-12)


def test_nadir_rate_of_circular_orbit_is_mean_motion_about_orbit_normal():
    """Closed form: for a circular orbit |w| = v / r = sqrt(mu / r^3)."""
    mu, a = 3.986004418e14, 6.878e6
    r, v = (
        np.array([a, 0.0, 0.0]),
        np.array([0.0, np.sqrt(mu / a) * np.cos(1.7), np.sqrt(mu / a) * np.sin(1.7)]),
    )
    _, w_i = c_nadir(r, v)
    assert abs(np.linalg.norm(w_i) - np.sqrt(mu / a**3)) < 1e-18


# --- PD control ------------------------------------------------------------------------------


def pd_reference(kp, kd, j_b, q_ref_ib, w_ref_i, q_ib, w_b, h_wheel_b):
    """The control law written out: torque, angle error (scipy) and rate error. A reference rate constant
    in inertial still turns in body: its body-frame derivative is -w_b x w_ref_b = -w_e x w_ref_b."""
    r_ib = Rotation.from_quat(q_ib)
    dq = (Rotation.from_quat(q_ref_ib).inv() * r_ib).as_quat()
    w_ref_b = r_ib.inv().apply(w_ref_i)
    rate_err_b = w_b - w_ref_b
    torque = (
        -j_b @ np.cross(rate_err_b, w_ref_b)
        - kp * 2.0 * np.sign(dq[3]) * dq[:3]
        - kd * rate_err_b
        + np.cross(w_b, j_b @ w_b + h_wheel_b)
    )
    angle = (Rotation.from_quat(q_ref_ib).inv() * r_ib).magnitude()
    return torque, angle, rate_err_b


def c_pd(kp, kd, j_b, q_ref_ib, w_ref_i, q_ib, w_b, h_wheel_b):
    c = ffi.new("zk_pd_control *")
    c.kp, c.kd, c.j_b = list(kp), list(kd), list(np.ravel(j_b))
    w_ref_r = Rotation.from_quat(q_ref_ib).inv().apply(w_ref_i)  # a constant inertial rate, in R's axes
    zero = np.zeros(3)
    lib.zk_pd_control_track(
        c,
        ptr(f64(q_ref_ib)),
        ptr(f64(w_ref_r)),
        ptr(zero),
        ptr(f64(q_ib)),
        ptr(f64(w_b)),
        ptr(f64(h_wheel_b)),
        ptr(zero),
    )
    return np.array(list(c.torque_b)), c.angle_err_rad, np.array(list(c.rate_err_b))


def test_pd_control_on_a_constant_rate_reference_matches_numpy_formula_and_scipy_angle():
    rng = np.random.default_rng(3)
    j_b = np.array([[14.2, 0.12, -0.08], [0.12, 16.5, 0.05], [-0.08, 0.05, 9.8]])
    q_refs = Rotation.random(N_CASES, random_state=4).as_quat()
    q_ibs = Rotation.random(N_CASES, random_state=5).as_quat()
    q_ibs[::2] *= -1.0  # both quaternion signs of the estimate
    for q_ref, q_ib in zip(q_refs, q_ibs, strict=True):
        kp, kd = rng.uniform(0.1, 5.0, 3), rng.uniform(1.0, 50.0, 3)
        w_ref_i, w_b = rng.normal(scale=1e-3, size=3), rng.normal(scale=0.05, size=3)
        h_b = rng.normal(scale=1.0, size=3)
        args = (kp, kd, j_b, q_ref, w_ref_i, q_ib, w_b, h_b)
        torque, angle, rate_err = c_pd(*args)
        torque_ref, angle_ref, rate_err_ref = pd_reference(*args)
        np.testing.assert_allclose(torque, torque_ref, rtol=0, atol=TORQUE_TOL_NM)
        assert abs(angle - angle_ref) < ANGLE_TOL_RAD
        np.testing.assert_allclose(rate_err, rate_err_ref, rtol=0, atol=RATE_TOL_RAD_S)


def test_pd_torque_restores_a_single_axis_offset_with_closed_form_magnitude():
    """A body rotated by theta about +X_B from the reference, at rest: torque = -kp_x 2 sin(theta / 2) X_B."""
    theta = np.deg2rad(30.0)
    q_ref = Rotation.from_euler("zyx", [10, 20, 30], degrees=True)
    q_ib = (q_ref * Rotation.from_rotvec([theta, 0, 0])).as_quat()
    kp, zero = np.array([2.0, 3.0, 4.0]), np.zeros(3)
    torque, angle, _ = c_pd(kp, np.ones(3), np.eye(3), q_ref.as_quat(), zero, q_ib, zero, zero)
    np.testing.assert_allclose(torque, [-2.0 * 2.0 * np.sin(theta / 2.0), 0, 0], atol=TORQUE_TOL_NM)
    assert abs(angle - theta) < ANGLE_TOL_RAD


# --- wheel map -------------------------------------------------------------------------------


def wheel_map(axes_b: np.ndarray, torque_max_nm) -> tuple[object, int]:
    m = ffi.new("zk_wheel_map *")
    m.n = len(axes_b)
    m.axis_b = list(np.ravel(axes_b)) + [0.0] * (3 * (lib.ZK_MAX_WHEELS - len(axes_b)))
    limits = np.broadcast_to(np.asarray(torque_max_nm, dtype=float), (len(axes_b),))
    m.torque_max_nm = list(limits) + [0.0] * (lib.ZK_MAX_WHEELS - len(axes_b))
    return m, lib.zk_wheel_map_init(m)


def distribute(m, torque_b: np.ndarray) -> np.ndarray:
    u = np.zeros(m.n)
    lib.zk_wheel_map_distribute(m, ptr(f64(torque_b)), ptr(np.zeros(m.n)), ptr(u))
    return u


AXES_PYRAMID = pyramid_axes(np.arcsin(1.0 / np.sqrt(3.0)))
AXES_SKEWED_5 = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.6, 0.8, 0], [0.3, -0.4, 0.866]], dtype=float)


@pytest.mark.parametrize(
    "axes_b", [AXES_PYRAMID, np.eye(3), AXES_SKEWED_5], ids=["pyramid4", "ortho3", "skew5"]
)
def test_distribute_unsaturated_is_minus_pinv_and_reproduces_torque(axes_b):
    axes_b = axes_b / np.linalg.norm(axes_b, axis=1)[:, None]
    m, status = wheel_map(axes_b, 0.2)
    assert status == 0
    a = axes_b.T  # 3 x n: body torque of unit motor torques is -a
    rng = np.random.default_rng(6)
    for _ in range(N_CASES):
        tau_b = rng.normal(size=3)
        tau_b *= rng.uniform(0.0, 0.05) / np.linalg.norm(tau_b)  # well inside every wheel's limit
        u = distribute(m, tau_b)
        assert np.abs(u).max() <= 0.2
        np.testing.assert_allclose(a @ u, -tau_b, rtol=0, atol=TORQUE_TOL_NM)
        np.testing.assert_allclose(u, -np.linalg.pinv(a) @ tau_b, rtol=0, atol=TORQUE_TOL_NM)


def test_distribute_saturated_keeps_direction_and_hits_the_limit():
    """Scaled as a whole: -A u is parallel to tau, and the worst wheel sits exactly at its own limit."""
    limits_nm = np.array([0.2, 0.15, 0.25, 0.1])
    m, status = wheel_map(AXES_PYRAMID, limits_nm)
    assert status == 0
    a = AXES_PYRAMID.T
    rng = np.random.default_rng(8)
    for _ in range(N_CASES):
        tau_b = rng.normal(size=3)
        tau_b *= rng.uniform(1.0, 100.0) / np.linalg.norm(tau_b)  # beyond what the wheels can give
        u = distribute(m, tau_b)
        delivered_b = -a @ u
        sin_angle = (
            np.linalg.norm(np.cross(delivered_b, tau_b)) / np.linalg.norm(delivered_b) / np.linalg.norm(tau_b)
        )
        assert sin_angle < ANGLE_TOL_RAD
        assert delivered_b @ tau_b > 0.0  # same direction, not opposite
        assert np.max(np.abs(u) / limits_nm) == pytest.approx(1.0, abs=1e-15)
        assert np.all(np.abs(u) <= limits_nm * (1 + 1e-15))


@pytest.mark.parametrize(
    "axes_b",
    [
        pyramid_axes(0.0),  # four wheels in the X-Y plane
        np.array([[1, 0, 0], [0, 1, 0], [1 / np.sqrt(2), 1 / np.sqrt(2), 0]]),
        np.array([[0, 0, 1], [0, 0, -1], [0, 0, 1], [0, 0, 1]], dtype=float),  # collinear
    ],
    ids=["xy-plane4", "xy-plane3", "collinear"],
)
def test_wheel_map_init_rejects_axes_that_do_not_span_3d(axes_b):
    assert wheel_map(axes_b, 0.2)[1] == -1


def test_wheel_map_init_rejects_wheel_count_out_of_range():
    m = ffi.new("zk_wheel_map *")
    for n in (0, 2, lib.ZK_MAX_WHEELS + 1):
        m.n = n
        assert lib.zk_wheel_map_init(m) == -1


def test_wheel_map_momentum_is_sum_of_axis_inertia_speed():
    rng = np.random.default_rng(9)
    axes_b = AXES_SKEWED_5 / np.linalg.norm(AXES_SKEWED_5, axis=1)[:, None]
    m, _ = wheel_map(axes_b, 0.2)
    inertia_kg_m2 = rng.uniform(1e-3, 5e-3, m.n)
    speed_rad_s = rng.uniform(-600.0, 600.0, m.n)
    h_b = np.zeros(3)
    lib.zk_wheel_map_momentum(m, ptr(inertia_kg_m2), ptr(speed_rad_s), ptr(h_b))
    h_ref_b = np.sum(axes_b * (inertia_kg_m2 * speed_rad_s)[:, None], axis=0)
    np.testing.assert_allclose(h_b, h_ref_b, rtol=0, atol=1e-14)


# --- run record ------------------------------------------------------------------------------


def new_record(capacity: int) -> tuple[object, np.ndarray, np.ndarray]:
    err_deg, rate_err_deg_s = np.full(capacity, np.nan), np.full(capacity, np.nan)
    rec = ffi.new("zk_run_record *")
    rec.err_deg, rec.rate_err_deg_s, rec.capacity = ptr(err_deg), ptr(rate_err_deg_s), capacity
    return rec, err_deg, rate_err_deg_s


def truth_errors(world: World) -> tuple[float, float]:
    """Pointing and rate error of the world's truth against the independent nadir frame, in degrees."""
    ref, w_ref_i = independent_nadir(world.r_eci.copy(), world.v_eci.copy())
    r_ib = Rotation.from_quat(world.q_ib)
    err_deg = np.rad2deg((ref.inv() * r_ib).magnitude())
    rate_err_deg_s = np.rad2deg(np.linalg.norm(world.w_b - r_ib.inv().apply(w_ref_i)))
    return err_deg, rate_err_deg_s


def test_record_of_fresh_world_equals_scenario_offset_and_rate():
    """Before any step the truth is nadir rotated by the start offset with the start rate on top."""
    scenario = Scenario(start=StartSpec(offset_deg=7.0, rate_deg_s=(0.02, -0.01, 0.03)))
    world = build_world(scenario)
    rec, err_deg, rate_err_deg_s = new_record(4)
    lib.zk_run_record_tick(rec, world.c)
    assert rec.n == 1
    assert err_deg[0] == pytest.approx(7.0, abs=1e-10)
    assert rate_err_deg_s[0] == pytest.approx(np.linalg.norm(scenario.start.rate_deg_s), abs=1e-12)
    assert err_deg[0] == pytest.approx(truth_errors(world)[0], abs=1e-10)


def test_record_after_steps_matches_scipy_errors_of_each_stepped_state():
    """Records are taken after steps; each is compared with the truth it saw, recomputed independently."""
    world = build_world(Scenario(start=StartSpec(offset_deg=25.0)))
    rec, err_deg, rate_err_deg_s = new_record(50)
    expected = []
    for _ in range(50):
        world.step(0.1)
        lib.zk_run_record_tick(rec, world.c)
        expected.append(truth_errors(world))
    expected = np.array(expected)
    np.testing.assert_allclose(err_deg, expected[:, 0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(rate_err_deg_s, expected[:, 1], rtol=0, atol=1e-12)


def test_record_peaks_and_capacity():
    """Peak wheel speed and fraction of the speed limit are the max over wheels; arrays stop at capacity."""
    scenario = Scenario()
    base = build_world(scenario)
    speeds_rad_s = np.array([100.0, -450.0, 300.0, 20.0])
    world = World(
        scenario.spacecraft, base.c.jd_epoch_utc, base.r_eci, base.v_eci, base.q_ib, base.w_b, speeds_rad_s
    )
    rec, err_deg, _ = new_record(2)
    for _ in range(3):
        lib.zk_run_record_tick(rec, world.c)
    assert rec.n == 2
    assert np.all(np.isfinite(err_deg))
    assert rec.peak_wheel_speed_rad_s == pytest.approx(450.0, abs=1e-9)
    limit = scenario.spacecraft.wheels.speed_max_rad_s
    assert rec.peak_wheel_speed_fraction == pytest.approx(450.0 / limit, abs=1e-12)


def test_friction_feedforward_cancels_the_bearing_friction_model():
    """Moving wheels get c sign(Omega) + v Omega added; still wheels (|Omega| <= 0.1 rad/s) take the
    Coulomb part in the direction they are driven, so the net torque equals the distributed one."""
    m, status = wheel_map(AXES_PYRAMID, 0.2)
    assert status == 0
    m.friction_coulomb_nm = [2e-3] * 4
    m.friction_viscous_nm_s = [1e-5] * 4
    speed_rad_s = np.array([300.0, -50.0, 0.05, -0.02])
    u_nm = np.array([0.01, 0.01, -0.003, 0.004])
    out_nm = u_nm.copy()
    lib.zk_wheel_map_add_friction(m, ptr(speed_rad_s), ptr(out_nm))
    direction = np.where(np.abs(speed_rad_s) > 0.1, np.sign(speed_rad_s), np.sign(u_nm))
    expected_nm = u_nm + 2e-3 * direction + 1e-5 * speed_rad_s
    np.testing.assert_allclose(out_nm, expected_nm, rtol=0, atol=1e-15)
