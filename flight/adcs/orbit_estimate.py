"""The onboard orbit: GNSS fixes turned inertial, propagated between fixes with the C propagator."""

from native import ffi, lib, view
from native.earth_model import force_model
from native.time_scales import SECONDS_PER_DAY


class OrbitEstimate:
    """Position and velocity in the inertial frame (TEME) at onboard time `t_s`.

    `epoch_jd_utc` ties onboard time to UTC, which Earth rotation needs to turn the receiver's
    Earth-fixed fix inertial.
    """

    def __init__(self, epoch_jd_utc: float, step_s: float = 10.0):
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

    def update_fix(self, t_s: float, r_ecef_ptr, v_ecef_ptr) -> None:
        """Take a fix (C pointers onto the receiver's Earth-fixed reading) made at `t_s`."""
        gmst = lib.zk_gmst(self.epoch_jd_utc + t_s / SECONDS_PER_DAY)
        lib.zk_ecef_to_eci(gmst, r_ecef_ptr, v_ecef_ptr, self.r_eci_c, self.v_eci_c)
        self.t_s = t_s
        self.valid = True
        self.fixes += 1

    def propagate_to(self, t_s: float) -> None:
        dt_s = t_s - self.t_s
        if dt_s != 0.0:
            lib.zk_orbit_propagate(self._c, self._forces, dt_s, self.step_s)
            self.t_s = t_s
