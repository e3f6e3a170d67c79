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
(in C, native/flight/orbit_filter.c, one call a fix; ~65 us with 6x6 numpy matrices). The simulated
receiver's noise is white, which a filter averages down more easily than a real receiver's (correlated
over minutes); the figure it reaches (~1-2 m) is that of the flight systems above, not better.
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
        self._filter = ffi.new("zk_orbit_filter *")
        self._filter.var_r_m2, self._filter.var_v_m2_s2 = position_sigma_m**2, velocity_sigma_m_s**2
        self._filter.accel_noise_m2_s3 = ACCEL_NOISE_M2_S3
        self._t_fix_s = -math.inf

    @property
    def p_rr_m2(self) -> float:
        """The variance of one axis' position error, m^2 (the same for the three axes)."""
        return self._filter.p_rr_m2

    def update_fix(self, t_s: float, r_ecef_ptr, v_ecef_ptr) -> None:
        """Take a fix (C pointers onto the receiver's Earth-fixed reading) made at `t_s`: the update in C
        (native/flight/orbit_filter.c), after propagating to `t_s` unless the filter starts again."""
        restart = not self.valid or t_s - self._t_fix_s > RESTART_AFTER_S
        if not restart:
            self.propagate_to(t_s)
        jd_utc = self.epoch_jd_utc + t_s / SECONDS_PER_DAY
        lib.zk_orbit_filter_fix(
            self._filter, self._c, jd_utc, r_ecef_ptr, v_ecef_ptr, t_s - self._t_fix_s, restart
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
