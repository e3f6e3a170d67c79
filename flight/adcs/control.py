"""Attitude control: quaternion and rate feedback with feed-forward of the reference's motion, gyroscopic
compensation and an optional anti-windup integral (C, native/flight/adcs.c: zk_pd_control_track)."""

import math

import numpy as np

from native import ffi, lib, view


class PdController:
    """Per-axis gains from a closed-loop natural frequency w_n and damping zeta: kp = J w_n^2,
    kd = 2 zeta J w_n, and ki = integral_ratio w_n kp, which puts the integral's pole near
    integral_ratio w_n (the loop J s^3 + kd s^2 + kp s + ki stays stable for integral_ratio < 2 zeta).

    The integral (for steady disturbances: aerodynamic, solar pressure, friction residual) runs only
    while the angle error is below `integral_zone_rad` and the wheels were not saturated at the last
    distribution, and its torque is clamped to `integral_max_nm` per axis. `integral_ratio` 0: none.

    `track` writes the body torque to apply into `torque_b`; `angle_err_rad` and `rate_err_b`
    are what the controller saw (the estimate against the reference).
    """

    def __init__(
        self,
        inertia_kg_m2: np.ndarray,
        bandwidth_rad_s: float,
        damping: float,
        frame_s: float = 0.1,
        integral_ratio: float = 0.0,
        integral_max_nm: float = 0.0,
        integral_zone_rad: float = 0.0,
    ):
        if bandwidth_rad_s <= 0.0 or damping <= 0.0 or frame_s <= 0.0:
            raise ValueError("controller bandwidth_rad_s, damping and frame_s must be positive")
        if not 0.0 <= integral_ratio < 2.0 * damping:
            raise ValueError("integral_ratio must be in [0, 2 damping) for a stable loop")
        j = np.asarray(inertia_kg_m2, dtype=float).reshape(3, 3)
        c = ffi.new("zk_pd_control *")
        self.c = c
        """The C struct, for a recorder that reads the reference each step tracked (`q_ref_ib`,
        `w_ref_r`, `alpha_ref_r`, `steps`)."""
        self._integral_ratio = integral_ratio
        self._j_diag = np.diag(j).copy()
        self.set_gains(bandwidth_rad_s, damping)
        c.j_b = list(j.ravel())
        c.integral_max_nm = [integral_max_nm] * 3
        c.integral_zone_rad = integral_zone_rad
        c.dt_s = frame_s
        self._zero_c = ffi.new("double[3]")
        self.torque_b_c = c.torque_b
        self.torque_b = view(c.torque_b)
        self._rate_err_c = c.rate_err_b
        self.rate_err_b = view(c.rate_err_b)
        self.integral_rad_s = view(c.integral_rad_s)

    @property
    def angle_err_rad(self) -> float:
        return self.c.angle_err_rad

    @property
    def rate_err_rad_s(self) -> float:
        """Norm of the last rate error."""
        e = self._rate_err_c
        return math.sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2])

    def track(
        self, q_ref_ib_c, w_ref_r_c, alpha_ref_r_c, q_ib_c, w_b_c, h_wheel_b_c, torque_ext_b_c, saturated
    ) -> None:
        """One control step on C pointers: reference attitude, its rate and angular acceleration in its
        own axes, estimate, wheel momentum in body, known external torque over the next step (None: 0),
        and whether the last distribution had to scale the torque down (freezes the integral)."""
        self.c.hold_integral = saturated
        lib.zk_pd_control_track(
            self.c,
            q_ref_ib_c,
            w_ref_r_c,
            alpha_ref_r_c,
            q_ib_c,
            w_b_c,
            h_wheel_b_c,
            self._zero_c if torque_ext_b_c is None else torque_ext_b_c,
        )

    def set_gains(self, bandwidth_rad_s: float, damping: float) -> None:
        """kp = J w_n^2, kd = 2 zeta J w_n, ki = ratio w_n kp, per axis."""
        if bandwidth_rad_s <= 0.0 or damping <= 0.0 or not self._integral_ratio < 2.0 * damping:
            raise ValueError("bandwidth_rad_s and damping must be positive, integral_ratio < 2 damping")
        kp = self._j_diag * bandwidth_rad_s**2
        self.bandwidth_rad_s = bandwidth_rad_s
        self.damping = damping
        self.c.kp = list(kp)
        self.c.kd = list(2.0 * damping * self._j_diag * bandwidth_rad_s)
        self.c.ki = list(self._integral_ratio * bandwidth_rad_s * kp)

    @property
    def integral_max_nm(self) -> float:
        """The clamp of the integral's torque, per axis (in the C struct)."""
        return self.c.integral_max_nm[0]

    @integral_max_nm.setter
    def integral_max_nm(self, value: float) -> None:
        self.c.integral_max_nm = [value] * 3

    @property
    def integral_zone_rad(self) -> float:
        """The angle error below which the integral runs (in the C struct)."""
        return self.c.integral_zone_rad

    @integral_zone_rad.setter
    def integral_zone_rad(self, value: float) -> None:
        self.c.integral_zone_rad = value

    def reset_integral(self) -> None:
        """Forget the integral (on a change of mode or reference)."""
        self.integral_rad_s[:] = 0.0
