"""native/flight/mekf.c against independent references.

References: scipy.spatial.transform.Rotation for the attitude propagated at a constant rate; the
state transition as scipy.linalg.expm of the continuous error dynamics and the discrete process noise
by Van Loan's method (C. F. Van Loan, Computing integrals involving the matrix exponential, 1978)
beside the closed form of Crassidis & Junkins (Optimal Estimation, eq. 7.47); the Kalman update
(gain, Joseph form, multiplicative reset) written out in numpy; the star-tracker noise ellipsoid from
the mounting of sim/devices/star_tracker.py; the Gauss-Markov bias term against its closed-form mean
decay and steady variance. Tolerances are angles (rad), rates (rad/s) or relative to the covariance
block compared.
"""

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.spatial.transform import Rotation

from native import ffi, lib
from sim.devices.star_tracker import boresight_mount

ARCSEC = np.pi / 180.0 / 3600.0
ARW_RAD_SQRT_S = 3e-6
RRW_RAD_S_SQRT_S = 2e-8
MARKOV_RAD_S = 5e-7
MARKOV_S = 100.0
CROSS_RAD = 5.0 * ARCSEC
ABOUT_RAD = 35.0 * ARCSEC
Q_BS = boresight_mount(np.deg2rad(30.0))
BORESIGHT_B = Rotation.from_quat(Q_BS).apply([0.0, 0.0, 1.0])
ANGLE_TOL_RAD = 1e-12
RELATIVE_TOL = 1e-12


def make_filter(
    q_ib,
    bias_b=(0.0, 0.0, 0.0),
    sigma_att_rad=1e-3,
    sigma_bias_rad_s=1e-5,
    gate=16.27,
    markov_rad_s=MARKOV_RAD_S,
):
    f = ffi.new("zk_mekf *")
    f.arw_rad_sqrt_s = ARW_RAD_SQRT_S
    f.rrw_rad_s_sqrt_s = RRW_RAD_S_SQRT_S
    f.markov_sigma_rad_s = markov_rad_s
    f.markov_time_s = MARKOV_S
    f.q_bs = list(Q_BS)
    f.st_cross_rad = CROSS_RAD
    f.st_about_rad = ABOUT_RAD
    f.nis_gate = gate
    lib.zk_mekf_init(f, list(q_ib), list(bias_b), sigma_att_rad, sigma_bias_rad_s)
    return f


def covariance(f) -> np.ndarray:
    return np.array(list(f.p)).reshape(9, 9)


def set_covariance(f, p: np.ndarray) -> None:
    f.p = list(p.ravel())


def random_spd(rng, scale_att_rad: float, scale_bias_rad_s: float) -> np.ndarray:
    """A random 9x9 covariance with attitude and bias parts of the given scales, correlated."""
    s = np.diag([scale_att_rad] * 3 + [scale_bias_rad_s] * 6)
    a = rng.normal(size=(9, 9))
    return s @ (a @ a.T / 9.0 + 0.5 * np.eye(9)) @ s


def skew(w) -> np.ndarray:
    return np.array([[0.0, -w[2], w[1]], [w[2], 0.0, -w[0]], [-w[1], w[0], 0.0]])


def error_dynamics(w_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Continuous error dynamics x' = F x + G n, x = [dtheta, db, dg], n = [eta_v, eta_u, eta_g], and
    the noise density G Q G^T."""
    f = np.zeros((9, 9))
    f[:3, :3] = -skew(w_b)
    f[:3, 3:6] = f[:3, 6:] = -np.eye(3)
    f[6:, 6:] = -np.eye(3) / MARKOV_S
    g = np.eye(9)
    g[:3, :3] = -np.eye(3)
    qc = np.diag([ARW_RAD_SQRT_S**2] * 3 + [RRW_RAD_S_SQRT_S**2] * 3 + [2.0 * MARKOV_RAD_S**2 / MARKOV_S] * 3)
    return f, g @ qc @ g.T


def van_loan(w_b: np.ndarray, dt_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Phi and the exact discrete process noise of the error dynamics over dt_s."""
    f, gqg = error_dynamics(w_b)
    m = expm(np.block([[-f, gqg], [np.zeros((9, 9)), f.T]]) * dt_s)
    phi = m[9:, 9:].T
    return phi, phi @ m[:9, 9:]


def closed_form_q(dt_s: float) -> np.ndarray:
    """Crassidis & Junkins eq. 7.47 for the random walk; the Markov term's exact variance over a step
    and its cross terms to first order in dt / tau."""
    sv2, su2, i3 = ARW_RAD_SQRT_S**2, RRW_RAD_S_SQRT_S**2, np.eye(3)
    qg = 2.0 * MARKOV_RAD_S**2 / MARKOV_S
    q = np.zeros((9, 9))
    q[:3, :3] = (sv2 * dt_s + (su2 + qg) * dt_s**3 / 3.0) * i3
    q[:3, 3:6] = q[3:6, :3] = -0.5 * su2 * dt_s**2 * i3
    q[3:6, 3:6] = su2 * dt_s * i3
    q[:3, 6:] = q[6:, :3] = -0.5 * qg * dt_s**2 * i3
    q[6:, 6:] = MARKOV_RAD_S**2 * (1.0 - np.exp(-2.0 * dt_s / MARKOV_S)) * i3
    return q


@pytest.mark.parametrize("w_rad_s", [[1.1e-3, -2e-4, 5e-4], [0.4, -0.9, 0.3]], ids=["orbit rate", "slew"])
def test_propagation_without_noise_matches_constant_rate_rotation(w_rad_s):
    rng = np.random.default_rng(11)
    q0 = Rotation.random(random_state=rng)
    bias_b = np.array([2e-5, -1e-5, 3e-5])
    w_meas_b = np.array(w_rad_s) + bias_b
    dt_s, n = 0.1, 3000
    f = make_filter(q0.as_quat(), bias_b)
    for _ in range(n):
        lib.zk_mekf_propagate(f, list(w_meas_b), dt_s)
    expected = q0 * Rotation.from_rotvec(np.array(w_rad_s) * dt_s * n)
    got = Rotation.from_quat(list(f.q_ib))
    assert (expected.inv() * got).magnitude() < 1e-10  # 3000 steps of a few ulps each
    assert np.allclose(list(f.w_b), w_rad_s, rtol=0.0, atol=1e-18)
    assert np.allclose(list(f.bias_b), bias_b, rtol=0.0, atol=0.0)


@pytest.mark.parametrize("w_rad_s", [[1.1e-3, -2e-4, 5e-4], [0.4, -0.9, 0.3]], ids=["series", "closed"])
def test_covariance_propagation_matches_the_discrete_model(w_rad_s):
    rng = np.random.default_rng(12)
    dt_s = 0.1
    bias_b = np.array([1e-5, 2e-5, -3e-5])
    w_b = np.array(w_rad_s)
    f = make_filter(Rotation.random(random_state=rng).as_quat(), bias_b)
    p0 = random_spd(rng, 1e-4, 1e-6)
    set_covariance(f, p0)
    lib.zk_mekf_propagate(f, list(w_b + bias_b), dt_s)
    phi, q_exact = van_loan(w_b, dt_s)
    assert np.allclose(phi, expm(error_dynamics(w_b)[0] * dt_s), rtol=0.0, atol=1e-14)
    expected = phi @ p0 @ phi.T + closed_form_q(dt_s)
    got = covariance(f)
    att, walk, markov = np.s_[:3], np.s_[3:6], np.s_[6:]
    # blocks that Phi's attitude-to-Markov column reaches carry its second-order error in dt / tau
    for rows, cols, tol in (
        (walk, walk, 1e-11),
        (markov, markov, 1e-11),
        (walk, markov, 1e-11),
        (att, att, 1e-7),
        (att, walk, 1e-7),
        (att, markov, 1e-7),
    ):
        scale = np.abs(expected[rows, cols]).max()
        assert np.abs(got[rows, cols] - expected[rows, cols]).max() < tol * scale
    # the closed-form Q drops terms of relative order |w| dt and dt / tau against the exact discretisation
    q_closed = closed_form_q(dt_s)
    order = np.linalg.norm(w_b) * dt_s + dt_s / MARKOV_S
    for rows in (att, walk, markov):
        for cols in (att, walk, markov):
            scale = np.abs(q_closed[rows, cols]).max()
            assert np.abs(q_exact[rows, cols] - q_closed[rows, cols]).max() <= order * scale
    assert np.array_equal(got, got.T)
    assert np.allclose(list(f.sigma_att_rad), np.sqrt(np.diag(got)[:3]), rtol=1e-15, atol=0.0)


def test_the_markov_bias_fades_with_its_correlation_time_and_holds_its_steady_variance():
    """Without readings the Markov estimate decays as exp(-t / tau) and the rate is corrected by both
    bias terms; its variance settles at sigma_g^2, whatever it started from."""
    f = make_filter([0.0, 0.0, 0.0, 1.0], bias_b=(1e-6, 2e-6, -1e-6))
    f.bias_markov_b = [3e-6, -4e-6, 5e-6]
    p = covariance(f)
    p[6:, 6:] = np.diag([0.0, 1e-13, 4.0 * MARKOV_RAD_S**2])
    set_covariance(f, p)
    dt_s, n = 0.1, 1000
    w_b = np.array([1e-3, 0.0, -2e-3])
    bias_b = np.array([1e-6, 2e-6, -1e-6]) + np.array([3e-6, -4e-6, 5e-6])
    for _ in range(n):
        lib.zk_mekf_propagate(f, list(w_b + bias_b), dt_s)
    decay = np.exp(-n * dt_s / MARKOV_S)
    assert np.allclose(list(f.bias_markov_b), np.array([3e-6, -4e-6, 5e-6]) * decay, rtol=1e-12, atol=0.0)
    walk_b, markov_b = np.array(list(f.bias_walk_b)), np.array(list(f.bias_markov_b))
    assert np.array_equal(list(f.bias_b), walk_b + markov_b)
    assert np.allclose(list(f.w_b), w_b + bias_b - list(f.bias_b), rtol=0.0, atol=1e-18)
    var0 = np.array([0.0, 1e-13, 4.0 * MARKOV_RAD_S**2])
    expected = MARKOV_RAD_S**2 + (var0 - MARKOV_RAD_S**2) * decay**2
    assert np.allclose(np.diag(covariance(f))[6:], expected, rtol=1e-9, atol=0.0)


def test_without_a_markov_term_the_filter_is_the_six_state_mekf():
    f = make_filter([0.0, 0.0, 0.0, 1.0], markov_rad_s=0.0)
    rng = np.random.default_rng(14)
    for _ in range(50):
        lib.zk_mekf_propagate(f, list(rng.normal(0.0, 1e-3, 3)), 0.1)
        lib.zk_mekf_update_attitude(f, list(Rotation.from_rotvec(rng.normal(0.0, 1e-5, 3)).as_quat()))
    p = covariance(f)
    assert np.all(p[6:, :] == 0.0) and np.all(p[:, 6:] == 0.0)
    assert list(f.bias_markov_b) == [0.0, 0.0, 0.0]


def noise_covariance_b() -> np.ndarray:
    c_bs = Rotation.from_quat(Q_BS).as_matrix()
    return c_bs @ np.diag([CROSS_RAD**2, CROSS_RAD**2, ABOUT_RAD**2]) @ c_bs.T


def test_a_single_update_matches_the_kalman_update_in_numpy():
    rng = np.random.default_rng(13)
    q = Rotation.random(random_state=rng)
    bias_b = np.array([1e-6, -2e-6, 5e-7])
    f = make_filter(q.as_quat(), bias_b)
    p = random_spd(rng, 30.0 * ARCSEC, 1e-7)
    set_covariance(f, p)
    z = np.array([12.0, -7.0, 25.0]) * ARCSEC
    q_meas = q * Rotation.from_rotvec(z)
    assert lib.zk_mekf_update_attitude(f, list(q_meas.as_quat())) == 1

    h = np.hstack([np.eye(3), np.zeros((3, 6))])
    r = noise_covariance_b()
    s = h @ p @ h.T + r
    k = p @ h.T @ np.linalg.inv(s)
    dx = k @ z
    ikh = np.eye(9) - k @ h
    p_post = ikh @ p @ ikh.T + k @ r @ k.T
    q_post = q * Rotation.from_rotvec(dx[:3])

    assert np.allclose(list(f.residual_b), z, rtol=0.0, atol=ANGLE_TOL_RAD)
    assert f.nis == pytest.approx(z @ np.linalg.solve(s, z), rel=1e-9)
    assert (q_post.inv() * Rotation.from_quat(list(f.q_ib))).magnitude() < ANGLE_TOL_RAD
    assert np.allclose(list(f.bias_walk_b), bias_b + dx[3:6], rtol=0.0, atol=1e-17)
    assert np.allclose(list(f.bias_markov_b), dx[6:], rtol=0.0, atol=1e-17)
    assert np.allclose(list(f.bias_b), bias_b + dx[3:6] + dx[6:], rtol=0.0, atol=1e-17)
    got = covariance(f)
    assert np.abs(got - p_post).max() < 1e-9 * np.abs(p_post).max()
    assert np.array_equal(got, got.T)
    assert (f.accepted, f.rejected) == (1, 0)


def test_about_boresight_noise_lands_on_the_boresight_axis():
    f = make_filter([0.0, 0.0, 0.0, 1.0])
    r_b = np.array(list(f.r_st_b)).reshape(3, 3)
    assert np.allclose(r_b, noise_covariance_b(), rtol=0.0, atol=1e-6 * CROSS_RAD**2)
    values, vectors = np.linalg.eigh(r_b)
    assert values[2] == pytest.approx(ABOUT_RAD**2, rel=1e-12)
    assert values[:2] == pytest.approx([CROSS_RAD**2] * 2, rel=1e-9)
    assert abs(vectors[:, 2] @ BORESIGHT_B) == pytest.approx(1.0, abs=1e-12)

    # With P_att = p I a residual is corrected by p / (p + sigma^2) along each sensor axis.
    p_rad2 = (10.0 * ARCSEC) ** 2
    cross_b = Rotation.from_quat(Q_BS).apply([1.0, 0.0, 0.0])
    for axis_b, sigma_rad in ((BORESIGHT_B, ABOUT_RAD), (cross_b, CROSS_RAD)):
        f = make_filter([0.0, 0.0, 0.0, 1.0], sigma_att_rad=np.sqrt(p_rad2), sigma_bias_rad_s=0.0)
        residual_rad = 20.0 * ARCSEC
        lib.zk_mekf_update_attitude(f, list(Rotation.from_rotvec(residual_rad * axis_b).as_quat()))
        correction = Rotation.from_quat(list(f.q_ib)).as_rotvec()
        gain = p_rad2 / (p_rad2 + sigma_rad**2)
        assert np.allclose(correction, gain * residual_rad * axis_b, rtol=0.0, atol=1e-9 * residual_rad)


def test_the_gate_refuses_an_outlier_and_counts_it_then_restarts_a_lost_filter():
    q = Rotation.from_rotvec([0.1, 0.2, -0.3])
    f = make_filter(q.as_quat(), sigma_att_rad=10.0 * ARCSEC, sigma_bias_rad_s=1e-7)
    f.restart_after = 3
    before_q, before_p = list(f.q_ib), covariance(f)
    outlier = (q * Rotation.from_rotvec(np.deg2rad([0.0, 1.0, 0.0]))).as_quat()
    for n in range(1, 4):
        assert lib.zk_mekf_update_attitude(f, list(outlier)) == 0
        assert (f.rejected, f.rejected_in_row, f.accepted) == (n, n, 0)
        assert f.nis > 16.27
        assert list(f.q_ib) == before_q and np.array_equal(covariance(f), before_p)
    assert lib.zk_mekf_update_attitude(f, list(outlier)) == 2
    assert (f.restarts, f.rejected_in_row, f.accepted) == (1, 0, 1)
    assert Rotation.from_quat(list(f.q_ib)).approx_equal(Rotation.from_quat(outlier), atol=ANGLE_TOL_RAD)
    p = covariance(f)
    assert np.allclose(p[:3, :3], noise_covariance_b(), rtol=1e-12, atol=0.0)
    assert np.all(p[:3, 3:] == 0.0) and np.array_equal(p[3:, 3:], before_p[3:, 3:])
    assert lib.zk_mekf_update_attitude(f, list(outlier)) == 1


def test_a_zero_restart_count_never_restarts():
    q = Rotation.identity()
    f = make_filter(q.as_quat(), sigma_att_rad=ARCSEC)
    outlier = Rotation.from_rotvec([0.0, 0.0, 0.1]).as_quat()
    for _ in range(100):
        assert lib.zk_mekf_update_attitude(f, list(outlier)) == 0
    assert (f.rejected, f.restarts) == (100, 0)


def test_non_finite_readings_are_ignored_and_counted():
    q = Rotation.from_rotvec([0.1, 0.2, -0.3])
    f = make_filter(q.as_quat())
    w_b = [1e-3, -2e-3, 5e-4]
    lib.zk_mekf_propagate(f, w_b, 0.1)
    lib.zk_mekf_propagate(f, [float("nan"), 0.0, 0.0], 0.1)  # the last good reading instead
    expected = q * Rotation.from_rotvec(np.array(w_b) * 0.2)
    assert (expected.inv() * Rotation.from_quat(list(f.q_ib))).magnitude() < ANGLE_TOL_RAD
    p = covariance(f)
    lib.zk_mekf_propagate(f, w_b, 0.0)
    lib.zk_mekf_propagate(f, w_b, -0.1)
    assert np.array_equal(covariance(f), p)
    for bad in ([float("nan"), 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 2.0]):
        assert lib.zk_mekf_update_attitude(f, bad) == 0
    assert (f.invalid, f.accepted, f.rejected, f.rejected_in_row) == (4, 0, 0, 0)
    assert np.all(np.isfinite(list(f.q_ib))) and np.array_equal(covariance(f), p)
