"""Attitude control: quaternion-feedback PD with gyroscopic compensation (C, native/adcs.c)."""

import math

import numpy as np

from native import ffi, lib, view


class PdController:
    """Per-axis gains from a closed-loop natural frequency and damping: kp = J w_n^2, kd = 2 zeta J w_n.

    `step` writes the body torque to apply into `torque_b`; `angle_err_rad` and `rate_err_b`
    are what the controller saw (the estimate against the reference).
    """

    def __init__(self, inertia_kg_m2: np.ndarray, bandwidth_rad_s: float, damping: float):
        if bandwidth_rad_s <= 0.0 or damping <= 0.0:
            raise ValueError("controller bandwidth_rad_s and damping must be positive")
        j = np.asarray(inertia_kg_m2, dtype=float).reshape(3, 3)
        c = ffi.new("zk_pd_control *")
        c.kp = list(np.diag(j) * bandwidth_rad_s**2)
        c.kd = list(2.0 * damping * np.diag(j) * bandwidth_rad_s)
        c.j_b = list(j.ravel())
        self._c = c
        self.torque_b_c = c.torque_b
        self.torque_b = view(c.torque_b)
        self._rate_err_c = c.rate_err_b
        self.rate_err_b = view(c.rate_err_b)

    @property
    def angle_err_rad(self) -> float:
        return self._c.angle_err_rad

    @property
    def rate_err_rad_s(self) -> float:
        """Norm of the last rate error."""
        e = self._rate_err_c
        return math.sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2])

    def step(self, q_ref_ib_c, w_ref_i_c, q_ib_c, w_b_c, h_wheel_b_c) -> None:
        """One control step on C pointers (reference, estimate, wheel momentum in body)."""
        lib.zk_pd_control_step(self._c, q_ref_ib_c, w_ref_i_c, q_ib_c, w_b_c, h_wheel_b_c)
