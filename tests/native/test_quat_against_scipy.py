"""The C quaternion algebra (native/common/quat.c) against scipy.spatial.transform.Rotation.

scipy is the reference of the house convention: Hamilton, scalar last [x, y, z, w], R(q) maps body to
inertial. Quaternions are compared up to sign (q and -q are one rotation) unless the C contract fixes
the sign (w >= 0). Tolerances are angles in radians or lengths of unit vectors.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from native import lib, ptr

ANGLE_TOL_RAD = 1e-12  # ~ 2e-7 arcsec: double-precision round-off on a handful of operations
UNIT_TOL = 1e-12  # error on components of unit vectors and direction-cosine matrices
N_RANDOM = 300

component = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)
any_quat = st.tuples(component, component, component, component).filter(lambda c: np.linalg.norm(c) > 1e-3)
any_vector = st.tuples(*(st.floats(min_value=-1e7, max_value=1e7, allow_nan=False),) * 3)


def random_rotations(seed: int, n: int = N_RANDOM) -> Rotation:
    """Uniform random rotations plus the awkward ones: near 0 and near pi."""
    rng = np.random.default_rng(seed)
    axes = rng.normal(size=(n // 3, 3))
    axes /= np.linalg.norm(axes, axis=1)[:, None]
    small = Rotation.from_rotvec(axes * rng.uniform(1e-9, 1e-3, size=(n // 3, 1)))
    near_pi = Rotation.from_rotvec(axes * (np.pi - rng.uniform(1e-9, 1e-3, size=(n // 3, 1))))
    uniform = Rotation.random(n - 2 * (n // 3), random_state=seed)
    return Rotation.concatenate([uniform, small, near_pi])


def f64(values) -> np.ndarray:
    """A C-contiguous float64 copy, as ptr() needs."""
    return np.ascontiguousarray(values, dtype=np.float64)


def sign_free_distance(q1: np.ndarray, q2: np.ndarray) -> float:
    """Distance between two unit quaternions taken as rotations (q ~ -q)."""
    return min(np.linalg.norm(q1 - q2), np.linalg.norm(q1 + q2))


def c_mul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    out = np.empty(4)
    lib.zk_quat_mul(ptr(f64(p)), ptr(f64(q)), ptr(out))
    return out


def c_rotate(q: np.ndarray, v: np.ndarray, inverse: bool = False) -> np.ndarray:
    out = np.empty(3)
    fn = lib.zk_quat_rotate_inv if inverse else lib.zk_quat_rotate
    fn(ptr(f64(q)), ptr(f64(v)), ptr(out))
    return out


def c_to_dcm(q: np.ndarray) -> np.ndarray:
    m = np.empty(9)
    lib.zk_quat_to_dcm(ptr(f64(q)), ptr(m))
    return m.reshape(3, 3)


def c_from_dcm(m: np.ndarray) -> np.ndarray:
    q = np.empty(4)
    lib.zk_quat_from_dcm(ptr(np.ascontiguousarray(m, dtype=np.float64).ravel()), ptr(q))
    return q


def c_from_rotvec(rv: np.ndarray) -> np.ndarray:
    q = np.empty(4)
    lib.zk_quat_from_rotvec(ptr(f64(rv)), ptr(q))
    return q


def c_to_rotvec(q: np.ndarray) -> np.ndarray:
    rv = np.empty(3)
    lib.zk_quat_to_rotvec(ptr(f64(q)), ptr(rv))
    return rv


@pytest.mark.parametrize("seed", [1, 2])
def test_mul_is_scipy_composition(seed):
    """p (x) q is the rotation R(p) R(q): scipy's p * q, and the product of the matrices."""
    p_all, q_all = random_rotations(seed), random_rotations(seed + 100)
    for p, q in zip(p_all, q_all, strict=True):
        pq = c_mul(p.as_quat(), q.as_quat())
        assert sign_free_distance(pq, (p * q).as_quat()) < ANGLE_TOL_RAD
        assert np.abs(c_to_dcm(pq) - p.as_matrix() @ q.as_matrix()).max() < UNIT_TOL


def test_conj_is_scipy_inverse():
    for r in random_rotations(3):
        out = np.empty(4)
        lib.zk_quat_conj(ptr(f64(r.as_quat())), ptr(out))
        assert sign_free_distance(out, r.inv().as_quat()) < ANGLE_TOL_RAD


@pytest.mark.parametrize("seed", [4, 5])
def test_rotate_and_rotate_inv_are_scipy_apply(seed):
    """rotate is R(q) v (scipy apply); rotate_inv is R(q)^T v (scipy inverse apply), unit vectors."""
    rng = np.random.default_rng(seed)
    for r in random_rotations(seed):
        v = rng.normal(size=3)
        v /= np.linalg.norm(v)
        assert np.abs(c_rotate(r.as_quat(), v) - r.apply(v)).max() < UNIT_TOL
        assert np.abs(c_rotate(r.as_quat(), v, inverse=True) - r.apply(v, inverse=True)).max() < UNIT_TOL


def test_to_dcm_is_scipy_as_matrix():
    for r in random_rotations(6):
        assert np.abs(c_to_dcm(r.as_quat()) - r.as_matrix()).max() < UNIT_TOL


def test_from_dcm_is_scipy_from_matrix_with_w_nonnegative():
    """Shepperd's method, including rotations near pi where the trace pivot fails."""
    for r in random_rotations(7):
        q = c_from_dcm(r.as_matrix())
        assert q[3] >= 0.0
        assert abs(np.linalg.norm(q) - 1.0) < UNIT_TOL
        assert sign_free_distance(q, Rotation.from_matrix(r.as_matrix()).as_quat()) < ANGLE_TOL_RAD


def test_rotvec_both_ways_match_scipy():
    """from_rotvec / to_rotvec against scipy, including tiny angles (Taylor branch) and |rv| near pi."""
    for r in random_rotations(8):
        rv = r.as_rotvec()
        assert sign_free_distance(c_from_rotvec(rv), Rotation.from_rotvec(rv).as_quat()) < ANGLE_TOL_RAD
        rv_c = c_to_rotvec(r.as_quat())
        assert np.linalg.norm(rv_c) <= np.pi
        assert np.abs(rv_c - rv).max() < ANGLE_TOL_RAD * max(1.0, np.linalg.norm(rv)) + 1e-15


def test_to_rotvec_is_shortest_for_negative_w():
    """-q is the same rotation: to_rotvec still returns the short way, |rv| <= pi."""
    for r in random_rotations(9):
        rv_c = c_to_rotvec(-r.as_quat())
        assert np.abs(rv_c - r.as_rotvec()).max() < ANGLE_TOL_RAD * np.pi


def test_angle_is_scipy_magnitude_of_relative_rotation():
    p_all, q_all = random_rotations(10), random_rotations(11)
    for p, q in zip(p_all, q_all, strict=True):
        angle_rad = lib.zk_quat_angle(ptr(f64(p.as_quat())), ptr(f64(q.as_quat())))
        assert abs(angle_rad - (p.inv() * q).magnitude()) < ANGLE_TOL_RAD
        assert 0.0 <= angle_rad <= np.pi


def test_normalize_of_zero_is_identity():
    q = np.zeros(4)
    lib.zk_quat_normalize(ptr(q))
    assert q.tolist() == [0.0, 0.0, 0.0, 1.0]


@settings(max_examples=300, deadline=None)
@given(q=any_quat)
def test_normalize_keeps_scipy_rotation_and_makes_w_nonnegative(q):
    q = np.array(q)
    out = q.copy()
    lib.zk_quat_normalize(ptr(out))
    assert abs(np.linalg.norm(out) - 1.0) < UNIT_TOL
    assert out[3] >= 0.0
    assert sign_free_distance(out, Rotation.from_quat(q).as_quat()) < ANGLE_TOL_RAD


@settings(max_examples=300, deadline=None)
@given(p=any_quat, q=any_quat, v=any_vector)
def test_any_quaternions_compose_and_rotate_like_scipy(p, q, v):
    """Non-unit inputs stand for their direction, as in scipy: mul, rotate, rotate_inv, to_dcm."""
    p, q, v = np.array(p), np.array(q), np.array(v)
    rp, rq = Rotation.from_quat(p), Rotation.from_quat(q)
    pq = c_mul(p, q)
    assert sign_free_distance(pq / np.linalg.norm(pq), (rp * rq).as_quat()) < ANGLE_TOL_RAD
    v_scale = max(1.0, np.linalg.norm(v))
    assert np.abs(c_rotate(q, v) - rq.apply(v)).max() < UNIT_TOL * v_scale
    assert np.abs(c_rotate(q, v, inverse=True) - rq.apply(v, inverse=True)).max() < UNIT_TOL * v_scale
    assert np.abs(c_to_dcm(q) - rq.as_matrix()).max() < UNIT_TOL
    assert abs(lib.zk_quat_angle(ptr(p), ptr(q)) - (rp.inv() * rq).magnitude()) < ANGLE_TOL_RAD


@settings(max_examples=300, deadline=None)
@given(rv=st.tuples(*(st.floats(min_value=-3.0, max_value=3.0, allow_nan=False),) * 3))
def test_any_rotvec_round_trips_like_scipy(rv):
    rv = np.array(rv)
    q = c_from_rotvec(rv)
    assert sign_free_distance(q, Rotation.from_rotvec(rv).as_quat()) < ANGLE_TOL_RAD
    assert np.abs(c_to_rotvec(q) - Rotation.from_rotvec(rv).as_rotvec()).max() < 1e-11
