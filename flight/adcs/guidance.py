"""Attitude guidance: the reference attitude and rate the controller tracks."""

from flight.adcs.orbit_estimate import OrbitEstimate
from native import ffi, lib, view


class NadirGuidance:
    """Imager boresight (+Z_B) to nadir, +X_B along track; the reference turns at the orbit rate."""

    def __init__(self, orbit: OrbitEstimate):
        self._r_c = orbit.r_eci_c
        self._v_c = orbit.v_eci_c
        self.q_ref_ib_c = ffi.new("double[4]")
        self.w_ref_i_c = ffi.new("double[3]")
        self.q_ref_ib = view(self.q_ref_ib_c)
        self.w_ref_i = view(self.w_ref_i_c)

    def update(self) -> None:
        lib.zk_nadir_reference(self._r_c, self._v_c, self.q_ref_ib_c, self.w_ref_i_c)
