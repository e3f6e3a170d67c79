"""The onboard orbit: GNSS fixes turned inertial and filtered, propagated between fixes with the C
propagator.

A fix alone carries the receiver's noise (5 m per axis, 1 sigma, for the default class): taken as the
orbit, that was 7 m RMS of orbit knowledge in the georeference of the world-wide day
(`examples/imaging_world_24h.toml`), as large as the attitude's share. Flight navigation software filters
the fixes with the orbit's dynamics instead (a Kalman filter of position and velocity, as the real-time
navigation of LEO GNSS receivers does, e.g. DLR's Phoenix-XNS, ~1 m 3D RMS in flight on PROBA-2).
Here: the state propagated by the J2 model, updated with each fix's position and velocity; the
covariance of each axis' position and velocity errors propagated as free motion (the gravity gradient
changes it by ~1e-6 over a 1 s step) with a white acceleration noise for what the model leaves out (J3,
J4, drag: ~5e-5 m/s^2 at 500 km), the same for the three axes, so the update is a few float operations
(~6 us a fix against ~65 us with 6x6 numpy matrices). The simulated receiver's noise is
white, which a filter averages down more easily than a real receiver's (correlated over minutes); the
figure it reaches (~1-2 m) is that of the flight systems above, not better.
"""

import math

from native import ffi, lib, view
from native.earth_model import force_model
from native.time_scales import SECONDS_PER_DAY

ACCEL_NOISE_M2_S3 = (5e-5) ** 2 * 100.0  # unmodelled acceleration ~5e-5 m/s^2, correlated over ~100 s
RESTART_AFTER_S = 600.0  # a fix after a longer gap (an outage) starts the filter again


class OrbitEstimate:
    """Position and velocity in the inertial frame (TEME) at onboard time `t_s`.

    `epoch_jd_utc` ties onboard time to UTC, which Earth rotation needs to turn the receiver's
    Earth-fixed fix inertial; `position_sigma_m` and `velocity_sigma_m_s` are the receiver's 1-sigma
    noise per axis, the filter's measurement noise.
    """

    def __init__(
        self,
        epoch_jd_utc: float,
        step_s: float = 10.0,
        position_sigma_m: float = 5.0,
        velocity_sigma_m_s: float = 0.05,
    ):
        self._c = ffi.new("zk_orbit *")
        self._forces = force_model(zonal_degree=2)
        self.r_eci_c = self._c.r_eci
        self.v_eci_c = self._c.v_eci
        self.r_eci = view(self.r_eci_c)
        self.v_eci = view(self.v_eci_c)
        self.epoch_jd_utc = epoch_jd_utc
        self.step_s = step_s
        self.t_s = 0.0
        self.valid = False
        self.fixes = 0
        self.p_rr_m2, self.p_rv_m2_s, self.p_vv_m2_s2 = 0.0, 0.0, 0.0
        """The covariance of one axis' position and velocity errors, the same for the three axes."""
        self._var_r, self._var_v = position_sigma_m**2, velocity_sigma_m_s**2
        self._fix_r = ffi.new("double[3]")
        self._fix_v = ffi.new("double[3]")
        self._t_fix_s = -math.inf

    def update_fix(self, t_s: float, r_ecef_ptr, v_ecef_ptr) -> None:
        """Take a fix (C pointers onto the receiver's Earth-fixed reading) made at `t_s`."""
        gmst = lib.zk_gmst(self.epoch_jd_utc + t_s / SECONDS_PER_DAY)
        fix_r, fix_v = self._fix_r, self._fix_v
        lib.zk_ecef_to_eci(gmst, r_ecef_ptr, v_ecef_ptr, fix_r, fix_v)
        r, v = self.r_eci_c, self.v_eci_c
        var_r, var_v = self._var_r, self._var_v
        if not self.valid or t_s - self._t_fix_s > RESTART_AFTER_S:
            for i in range(3):
                r[i], v[i] = fix_r[i], fix_v[i]
            self.p_rr_m2, self.p_rv_m2_s, self.p_vv_m2_s2 = var_r, 0.0, var_v
        else:
            dt, q = t_s - self._t_fix_s, ACCEL_NOISE_M2_S3
            self.propagate_to(t_s)
            a, b, c = self.p_rr_m2, self.p_rv_m2_s, self.p_vv_m2_s2
            a += 2.0 * b * dt + c * dt * dt + q * dt**3 / 3.0
            b += c * dt + q * dt * dt / 2.0
            c += q * dt
            det = (a + var_r) * (c + var_v) - b * b
            k_rr, k_rv = (a * (c + var_v) - b * b) / det, b * var_r / det
            k_vr, k_vv = b * var_v / det, (c * (a + var_r) - b * b) / det
            for i in range(3):
                dr, dv = fix_r[i] - r[i], fix_v[i] - v[i]
                r[i] += k_rr * dr + k_rv * dv
                v[i] += k_vr * dr + k_vv * dv
            self.p_rr_m2, self.p_rv_m2_s, self.p_vv_m2_s2 = (
                a - k_rr * a - k_rv * b,
                b - k_rr * b - k_rv * c,
                c - k_vr * b - k_vv * c,
            )
        self.t_s = t_s
        self._t_fix_s = t_s
        self.valid = True
        self.fixes += 1

    def propagate_to(self, t_s: float) -> None:
        dt_s = t_s - self.t_s
        if dt_s != 0.0:
            lib.zk_orbit_propagate(self._c, self._forces, dt_s, self.step_s)
            self.t_s = t_s
