"""Attitude guidance: the reference the controller tracks — attitude, rate and angular acceleration.

Every law writes one C `zk_reference` (native/flight/guidance.h) through `update(t_s)`, one or two C
calls that allocate no array: `q_ref_ib` (the reference frame R to inertial), `w_ref_r` and `alpha_ref_r`
(R's angular velocity with respect to inertial and its time derivative, in R's own axes: the body's rate and
acceleration feed-forward once on R, as `PdController.track` takes them) and `w_ref_i` (the same rate in
inertial axes, as `PdController.step` takes it). Each buffer is there as a C pointer (`*_c`) and a numpy
view of the same memory. Laws that read the onboard orbit expect it propagated to `t_s` first.
"""

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from flight.adcs.orbit_estimate import OrbitEstimate
from native import ffi, lib, ptr, view
from native.earth_model import force_model
from native.time_scales import SECONDS_PER_DAY, TT_MINUS_UTC_S


class Guidance(ABC):
    """The reference buffers a guidance law writes (`ref_c`: the C `zk_reference *`)."""

    def __init__(self):
        self.ref_c = ffi.new("zk_reference *")
        self.q_ref_ib_c = self.ref_c.q_ib
        self.w_ref_r_c = self.ref_c.w_r
        self.w_ref_i_c = self.ref_c.w_i
        self.alpha_ref_r_c = self.ref_c.alpha_r
        self.q_ref_ib = view(self.q_ref_ib_c)
        self.w_ref_r = view(self.w_ref_r_c)
        self.w_ref_i = view(self.w_ref_i_c)
        self.alpha_ref_r = view(self.alpha_ref_r_c)
        self.q_ref_ib[3] = 1.0

    @abstractmethod
    def update(self, t_s: float) -> None:
        """Write the reference at onboard time `t_s`."""


class NadirGuidance(Guidance):
    """Imager boresight (+Z_B) to nadir, +X_B along track; the reference turns at the orbit rate.

    `q_ref_ib` and `w_ref_i` are zk_nadir_reference's, bit for bit; `alpha_ref_r` differentiates that rate
    along the onboard orbit's gravity (J2)."""

    def __init__(self, orbit: OrbitEstimate):
        super().__init__()
        self._forces = force_model(zonal_degree=2)
        self._r_c = orbit.r_eci_c
        self._v_c = orbit.v_eci_c

    def update(self, t_s: float | None = None) -> None:
        """The nadir frame of the orbit estimate as it stands (`t_s` only for a uniform interface)."""
        lib.zk_guidance_nadir(self._forces, self._r_c, self._v_c, self.ref_c)


class InertialHold(Guidance):
    """A fixed inertial attitude at rest (e.g. a star or calibration pointing)."""

    def __init__(self, q_ib=(0.0, 0.0, 0.0, 1.0)):
        super().__init__()
        self._q_ib = np.zeros(4)
        self._q_ib_c = ptr(self._q_ib)
        self.hold(q_ib)

    def hold(self, q_ib) -> None:
        """Hold `q_ib` from now on."""
        self._q_ib[:] = q_ib
        lib.zk_guidance_hold(self._q_ib_c, self.ref_c)

    def update(self, t_s: float) -> None:
        lib.zk_guidance_hold(self._q_ib_c, self.ref_c)


class SunPointing(Guidance):
    """Safe-mode sun pointing: body axis `axis_b` (the solar arrays' normal) on the sun, `secondary_b`
    turned as near as that allows to the orbit normal r x v (to nadir when the sun is within 1e-3 rad of
    the orbit normal). Onboard time goes to TT through the orbit's UTC epoch and `tt_minus_utc_s`."""

    def __init__(self, orbit: OrbitEstimate, axis_b, secondary_b, tt_minus_utc_s: float = TT_MINUS_UTC_S):
        super().__init__()
        a, b = np.asarray(axis_b, dtype=float), np.asarray(secondary_b, dtype=float)
        if not np.linalg.norm(np.cross(a, b)) > 1e-9 * np.linalg.norm(a) * np.linalg.norm(b):
            raise ValueError("sun pointing: axis_b and secondary_b must be non-zero and not parallel")
        self._p = ffi.new("zk_sun_pointing *")
        self._p.axis_b = list(a)
        self._p.secondary_b = list(b)
        self._forces = force_model(zonal_degree=2)
        self._r_c = orbit.r_eci_c
        self._v_c = orbit.v_eci_c
        self._jd_tt_epoch = orbit.epoch_jd_utc + tt_minus_utc_s / SECONDS_PER_DAY

    def update(self, t_s: float) -> None:
        jd_tt = self._jd_tt_epoch + t_s / SECONDS_PER_DAY
        lib.zk_guidance_sun(self._p, self._forces, jd_tt, self._r_c, self._v_c, self.ref_c)


class TargetTracking(Guidance):
    """Imager boresight (+Z_B) on a WGS-84 ground target, with yaw steering: +X_B in the plane of the
    boresight and the satellite's velocity relative to the target (the pushbroom scan direction, Earth
    rotation compensated). GMST from the orbit's UTC epoch (zk_gmst; UT1 taken as UTC).

    After `update`: `off_nadir_rad`, `elevation_rad` (the satellite above the target's horizon) and
    `range_m`. `geometry_ok` is False, and the last reference kept, if the satellite moved along the
    line of sight (never for a target above the horizon of a low orbit)."""

    def __init__(self, orbit: OrbitEstimate, lat_rad: float, lon_rad: float, alt_m: float = 0.0):
        super().__init__()
        self._target = ffi.new("zk_target *")
        self._forces = force_model(zonal_degree=2)
        self._r_c = orbit.r_eci_c
        self._v_c = orbit.v_eci_c
        self._epoch_jd_utc = orbit.epoch_jd_utc
        self.geometry_ok = True
        self.set_target(lat_rad, lon_rad, alt_m)

    def set_target(self, lat_rad: float, lon_rad: float, alt_m: float = 0.0) -> None:
        lib.zk_target_set(self._target, lat_rad, lon_rad, alt_m)
        self._strip = False

    def set_strip(
        self,
        lat0_rad: float,
        lon0_rad: float,
        lat1_rad: float,
        lon1_rad: float,
        alt_m: float,
        t0_s: float,
        t1_s: float,
    ) -> None:
        """Scan a strip: the boresight runs along its line at constant ground velocity, over its start at
        t0_s and its end at t1_s (run-up before, run-out after); the rate feed-forward has the motion."""
        lib.zk_target_strip(self._target, lat0_rad, lon0_rad, lat1_rad, lon1_rad, alt_m, t0_s, t1_s)
        self._strip = True

    def update(self, t_s: float) -> None:
        if self._strip:
            lib.zk_target_at(self._target, t_s)
        gmst_rad = lib.zk_gmst(self._epoch_jd_utc + t_s / SECONDS_PER_DAY)
        status = lib.zk_guidance_target(
            self._target, self._forces, gmst_rad, self._r_c, self._v_c, self.ref_c
        )
        self.geometry_ok = status == 0

    @property
    def off_nadir_rad(self) -> float:
        return self._target.off_nadir_rad

    @property
    def elevation_rad(self) -> float:
        return self._target.elevation_rad

    @property
    def range_m(self) -> float:
        return self._target.range_m


class Slew(Guidance):
    """Rest-to-rest eigen-axis slew, bang-coast-bang within `rate_max_rad_s` and `accel_max_rad_s2`
    (see `slew_limits`). Holds the start attitude before `t0_s` and the end attitude from `t_end_s` on."""

    def __init__(self, rate_max_rad_s: float, accel_max_rad_s2: float):
        super().__init__()
        if not (rate_max_rad_s > 0.0 and accel_max_rad_s2 > 0.0):
            raise ValueError("slew limits must be positive")
        self.rate_max_rad_s = rate_max_rad_s
        self.accel_max_rad_s2 = accel_max_rad_s2
        self._s = ffi.new("zk_slew *")
        self._q_from = np.zeros(4)
        self._q_to = np.zeros(4)
        self._q_from_c = ptr(self._q_from)
        self._q_to_c = ptr(self._q_to)

    def plan(self, q_from_ib, q_to_ib, t0_s: float) -> float:
        """Plan the slew starting at `t0_s`; its end time."""
        self._q_from[:] = q_from_ib
        self._q_to[:] = q_to_ib
        lib.zk_slew_plan(
            self._s, self._q_from_c, self._q_to_c, t0_s, self.rate_max_rad_s, self.accel_max_rad_s2
        )
        lib.zk_slew_eval(self._s, t0_s, self.ref_c)
        return self._s.t_end_s

    def slew_time_s(self, q_from_ib, q_to_ib) -> float:
        """Duration of the slew between two attitudes, without planning it."""
        self._q_from[:] = q_from_ib
        self._q_to[:] = q_to_ib
        angle_rad = lib.zk_quat_angle(self._q_from_c, self._q_to_c)
        return lib.zk_slew_time(angle_rad, self.rate_max_rad_s, self.accel_max_rad_s2)

    @property
    def t_end_s(self) -> float:
        return self._s.t_end_s

    @property
    def angle_rad(self) -> float:
        return self._s.angle_rad

    def update(self, t_s: float) -> None:
        lib.zk_slew_eval(self._s, t_s, self.ref_c)


class JoinSlew(Guidance):
    """A slew from one guidance law's reference onto another's moving profile (e.g. from tracking one
    target to tracking the next), matching attitude and rate at both ends: at `t_end_s` the reference is
    the target law's own, and the mode can switch to that law without a jump.

    The limits bound the motion relative to the target profile (zk_join_slew in native/flight/guidance.h):
    leave room in them for the target's own rate (~0.015 rad/s when tracking from 500 km)."""

    def __init__(self, rate_max_rad_s: float, accel_max_rad_s2: float):
        super().__init__()
        if not (rate_max_rad_s > 0.0 and accel_max_rad_s2 > 0.0):
            raise ValueError("slew limits must be positive")
        self.rate_max_rad_s = rate_max_rad_s
        self.accel_max_rad_s2 = accel_max_rad_s2
        self._s = ffi.new("zk_join_slew *")
        self._target: Guidance | None = None

    def plan(self, source: Guidance, target: Guidance, t0_s: float) -> float:
        """Plan the slew from `source` (its reference at `t0_s`) onto `target`; its end time."""
        source.update(t0_s)
        target.update(t0_s)
        lib.zk_join_slew_plan(
            self._s, source.ref_c, target.ref_c, t0_s, self.rate_max_rad_s, self.accel_max_rad_s2
        )
        self._target = target
        lib.zk_join_slew_eval(self._s, t0_s, target.ref_c, self.ref_c)
        return self._s.t_end_s

    @property
    def t_end_s(self) -> float:
        return self._s.t_end_s

    def update(self, t_s: float) -> None:
        """Updates the target law too (it runs under the slew)."""
        self._target.update(t_s)
        lib.zk_join_slew_eval(self._s, t_s, self._target.ref_c, self.ref_c)


@dataclass(frozen=True)
class SlewLimits:
    """Eigen-axis slew limits from the wheels (zk_slew_limits_from_wheels): what the wheels give about
    any axis through the minimum-norm allocation, over the largest principal inertia, times the margin."""

    rate_max_rad_s: float
    accel_max_rad_s2: float
    torque_nm: float
    momentum_nms: float
    inertia_kg_m2: float


def slew_limits(
    axis_b,
    torque_max_nm,
    momentum_max_nms,
    inertia_kg_m2,
    margin: float = 0.7,
    rate_cap_rad_s: float = math.inf,
) -> SlewLimits:
    """Limits for `Slew` and `JoinSlew` from the wheels (n x 3 unit axes; per-wheel or common torque and
    momentum limits) and the spacecraft's inertia. `margin` keeps 1 - margin of the torque and momentum
    for feedback, friction feed-forward, the null-space speed bias and stored momentum; `rate_cap_rad_s`
    caps the rate below what other parts of the system tolerate (star tracker, mode fall-back rules)."""
    axes = np.ascontiguousarray(axis_b, dtype=float).reshape(-1, 3)
    n = len(axes)
    torque = np.ascontiguousarray(np.broadcast_to(torque_max_nm, n), dtype=float)
    momentum = np.ascontiguousarray(np.broadcast_to(momentum_max_nms, n), dtype=float)
    inertia = np.ascontiguousarray(inertia_kg_m2, dtype=float).reshape(9)
    out = ffi.new("zk_slew_limits *")
    if (
        lib.zk_slew_limits_from_wheels(out, n, ptr(axes), ptr(torque), ptr(momentum), ptr(inertia), margin)
        != 0
    ):
        raise ValueError(
            "slew limits: wheels must span 3-D with positive limits, J positive, margin in (0, 1]"
        )
    return SlewLimits(
        min(out.rate_max_rad_s, rate_cap_rad_s),
        out.accel_max_rad_s2,
        out.torque_nm,
        out.momentum_nms,
        out.inertia_kg_m2,
    )
