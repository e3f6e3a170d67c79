"""Independent references for the guidance tests: a two-body + J2 orbit integrated by scipy, and the
rate and angular acceleration of an attitude history by finite differences of scipy Rotations."""

import numpy as np
from scipy.integrate import solve_ivp
from scipy.spatial.transform import Rotation

MU_M3_S2 = 3.986004418e14
R_EQ_M = 6378137.0
J2 = 1.08262668e-3
OMEGA_EARTH_RAD_S = 7.292115146706979e-5
STENCIL = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])


def j2_accel(r: np.ndarray) -> np.ndarray:
    """a = -mu r / |r|^3 - 3/2 J2 mu R^2 / |r|^5 [x (1 - 5 z^2/r^2), y (1 - 5 z^2/r^2), z (3 - 5 z^2/r^2)]."""
    r2 = r @ r
    rn = np.sqrt(r2)
    k = 1.5 * J2 * MU_M3_S2 * R_EQ_M**2 / rn**5
    s = 5.0 * r[2] ** 2 / r2
    return -MU_M3_S2 * r / rn**3 - k * r * np.array([1.0 - s, 1.0 - s, 3.0 - s])


def circular_state(
    alt_m: float, incl_rad: float, raan_rad: float, u_rad: float
) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity on a circular orbit of radius R_EQ + alt at argument of latitude u."""
    a = R_EQ_M + alt_m
    speed = np.sqrt(MU_M3_S2 / a)
    rot = Rotation.from_euler("ZXZ", [raan_rad, incl_rad, u_rad])
    return rot.apply([a, 0.0, 0.0]), rot.apply([0.0, speed, 0.0])


def propagate(r0: np.ndarray, v0: np.ndarray, times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """States (n x 3 positions, n x 3 velocities) at `times_s` (ascending, from 0), DOP853 at 1e-13."""

    def rhs(_t, y):
        return np.concatenate([y[3:], j2_accel(y[:3])])

    sol = solve_ivp(
        rhs,
        (0.0, float(times_s[-1])),
        np.concatenate([r0, v0]),
        method="DOP853",
        t_eval=times_s,
        rtol=1e-13,
        atol=1e-9,
    )
    return sol.y[:3].T.copy(), sol.y[3:].T.copy()


def stencil_times(t_s: float, h_s: float) -> np.ndarray:
    return t_s + h_s * STENCIL


def rate_and_accel(q_ib: np.ndarray, h_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Body rate and angular acceleration at the middle of five attitudes h_s apart (STENCIL).

    phi(tau) = rotvec(R(t)^-1 R(t + tau)) has phi'(0) = w and phi''(0) = alpha in body axes (the
    rotation's exponential differs from the integral of w only at third order); both come from
    fourth-order central differences."""
    rot = Rotation.from_quat(q_ib)
    phi = (rot[2].inv() * rot).as_rotvec()
    w = (8.0 * (phi[3] - phi[1]) - (phi[4] - phi[0])) / (12.0 * h_s)
    alpha = (-phi[4] + 16.0 * phi[3] - 30.0 * phi[2] + 16.0 * phi[1] - phi[0]) / (12.0 * h_s**2)
    return w, alpha
