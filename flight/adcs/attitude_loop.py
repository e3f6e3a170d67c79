"""The attitude loop: determination, guidance and control per mode, over hal devices.

10 Hz `tick`: sample the gyro and wheels; propagate the MEKF with the gyro and update it with each
star-tracker reading; hand the estimate of the tick to `ancillary` (set by the payload while it
captures: the attitude at each 10 Hz tick, as an imager's ancillary data); then, by mode:
- DETUMBLE: B-dot on the magnetorquers, wheels unpowered;
- SUN_SAFE: the solar-wing normal to the sun on the wheels, attitude from the MEKF while the star
  tracker is healthy, else from the coarse sun-sensor/magnetometer TRIAD propagated on the gyro;
- NOMINAL: nadir; IMAGING: a ground target, reached by a slew that joins its tracking profile.
Pointing modes use feed-forward PD(+I) control, null-space wheel-speed biasing, friction
feed-forward and magnetic momentum dumping. 1 Hz: a GNSS fix (`navigate`); wheel failure
detection, which takes a failed wheel out of the allocation, and the mode rules (`supervise`).
Every buffer is made once here; a tick is a handful of C calls.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from flight.adcs.coarse_attitude import CoarseAttitude
from flight.adcs.commands import POINTING_BANDWIDTH, POINTING_DAMPING
from flight.adcs.control import PdController
from flight.adcs.estimator import AttitudeEstimator, GyroModel
from flight.adcs.events import (
    HOLD_REFUSED,
    IMAGING_REFUSED,
    SETTING_CHANGED,
    SETTING_REFUSED,
    SLEW_PLANNED,
    WHEEL_FAILED,
)
from flight.adcs.guidance import Guidance, InertialHold, JoinSlew, NadirGuidance, SunPointing, TargetTracking
from flight.adcs.magnetic_control import BDot, MomentumDumping
from flight.adcs.modes import Health, Mode, ModeLimits, ModeManager
from flight.adcs.orbit_estimate import OrbitEstimate
from flight.adcs.wheel_allocation import WheelAllocator
from flight.adcs.wheel_monitor import WheelMonitor
from flight.events import EventLog, Severity
from hal.devices import DeviceSet
from native import lib, ptr

DEG = math.pi / 180.0
ARCSEC = DEG / 3600.0


@dataclass(frozen=True)
class AdcsConfig:
    """What the ADCS is told about its spacecraft (calibrated on the ground) and how it is tuned."""

    inertia_kg_m2: np.ndarray
    epoch_jd_utc: float
    gyro: GyroModel
    star_tracker_q_bs: tuple[float, float, float, float]
    star_tracker_cross_rad: float
    star_tracker_about_rad: float
    slew_rate_max_rad_s: float
    slew_accel_max_rad_s2: float
    bdot_gain_am2_s_t: float
    sun_axis_b: tuple[float, float, float] = (0.0, 0.0, -1.0)  # the solar wings' normal
    sun_secondary_b: tuple[float, float, float] = (1.0, 0.0, 0.0)  # as close as it goes to the orbit normal
    bandwidth_rad_s: float = 0.15
    damping: float = 0.8
    integral_ratio: float = 0.1
    integral_max_nm: float = 5e-3
    integral_zone_rad: float = 0.02 * DEG
    """The integral is for steady disturbances (~1e-5 N m: errors of ~0.002 deg); with a zone of 1 deg it
    wound up on the settling transient after each slew and then, its pole at ~67 s, held a bias of up to
    0.046 deg through the capture that followed (the boresight ~500 m off the target)."""
    wheel_friction_coulomb_nm: float = 0.0
    wheel_friction_viscous_nm_s: float = 0.0
    wheel_speed_bias_rad_s: float = 1000.0 * 2.0 * math.pi / 60.0
    wheel_bias_time_constant_s: float = 100.0
    dumping_gain_per_s: float = 2e-3
    bdot_filter_s: float = 2.0
    magnetic_cycle_frames: int = 5
    star_tracker_timeout_s: float = 10.0  # no accepted reading for this long: the tracker has failed
    star_tracker_blind_max_s: float = 600.0  # ... unless it reports itself blinded, for up to this long
    star_tracker_sun_exclusion_rad: float = 40.0 * DEG  # the datasheet's; the planner keeps captures out
    star_tracker_earth_exclusion_rad: float = 25.0 * DEG  # ... of both (the Earth's: from its limb)
    mode_limits: ModeLimits = field(default_factory=ModeLimits)
    initial_mode: Mode = Mode.NOMINAL


class AttitudeLoop:
    def __init__(self, devices: DeviceSet, config: AdcsConfig, frame_s: float, events: EventLog):
        self.config = config
        self.frame_s = frame_s
        self.events = events
        self.gyro = devices.gyro
        self.star_tracker = devices.star_tracker
        self.sun_sensor = devices.sun_sensor
        self.wheels = devices.wheels
        self.magnetorquers = devices.magnetorquers
        self.gnss = devices.gnss

        self.orbit = OrbitEstimate(config.epoch_jd_utc)
        self.estimator = AttitudeEstimator(
            config.gyro,
            config.star_tracker_q_bs,
            config.star_tracker_cross_rad,
            config.star_tracker_about_rad,
        )
        self.coarse = CoarseAttitude(config.epoch_jd_utc)
        self.nadir = NadirGuidance(self.orbit)
        self.sun = SunPointing(self.orbit, config.sun_axis_b, config.sun_secondary_b)
        self.target = TargetTracking(self.orbit, 0.0, 0.0)
        self._next_target = TargetTracking(self.orbit, 0.0, 0.0)  # the other of a pair: see _enter
        self.hold = InertialHold()  # the slews' start when they leave from the estimate
        self.inertial = InertialHold()  # the inertial attitude held on request
        self.join = JoinSlew(config.slew_rate_max_rad_s, config.slew_accel_max_rad_s2)
        self.guidance: Guidance = self.nadir
        self._law: Guidance = self.nadir
        self.control = PdController(
            config.inertia_kg_m2,
            config.bandwidth_rad_s,
            config.damping,
            frame_s,
            config.integral_ratio,
            config.integral_max_nm,
            config.integral_zone_rad,
        )
        self.allocator = WheelAllocator(
            devices.wheels,
            config.wheel_friction_coulomb_nm,
            config.wheel_friction_viscous_nm_s,
            config.wheel_speed_bias_rad_s,
            config.wheel_bias_time_constant_s,
        )
        self.bdot = BDot(
            devices.magnetometer,
            devices.magnetorquers,
            frame_s,
            config.bdot_gain_am2_s_t,
            config.bdot_filter_s,
            config.magnetic_cycle_frames,
        )
        self.dumping = MomentumDumping(
            devices.magnetometer,
            devices.magnetorquers,
            self.allocator.h_wheel_b_c,
            config.dumping_gain_per_s,
            cycle_frames=config.magnetic_cycle_frames,
        )
        self.wheel_monitor = WheelMonitor(
            devices.wheels, config.wheel_friction_coulomb_nm, config.wheel_friction_viscous_nm_s
        )
        self.modes = ModeManager(events, config.mode_limits, config.initial_mode)
        self.star_tracker_timeout_s = config.star_tracker_timeout_s  # tunable: flight/adcs/tunables.py
        self.health = Health()

        self._w_meas_c = ptr(devices.gyro.rate_b)
        self._w_meas = devices.gyro.rate_b
        self._w_last = np.zeros(3)  # the previous frame's gyro reading
        self._w_step = np.zeros(3)  # the rate over the last frame: the mean of its two end readings
        self._w_step_c = ptr(self._w_step)
        self._w_last_c = ptr(self._w_last)
        self._q_st_c = ptr(devices.star_tracker.q_ib)
        self._s_b_c = ptr(devices.sun_sensor.s_b)
        self._b_clean_c = ptr(self.dumping.b_b_t)
        self._r_ecef_c = ptr(devices.gnss.r_ecef_m)
        self._v_ecef_c = ptr(devices.gnss.v_ecef_m_s)
        self._zero3 = np.zeros(3)
        self._zero_torque = np.zeros(devices.wheels.n)
        self._q_coarse = np.array([0.0, 0.0, 0.0, 1.0])
        self._q_coarse_c = ptr(self._q_coarse)
        self._sigma_att_c = ptr(self.estimator.sigma_att_rad)
        self._coarse_known = False
        self._active_mode: Mode | None = None
        self._last_star_fix_s = 0.0  # the tracker is given its timeout to report at the start
        self._last_star_blind_s = -math.inf  # when it last said it was blinded (alive, no solution)
        self.imaging_target: tuple[float, float, float] | None = None
        self.star_reading_taken = False  # this tick's star-tracker reading went into the filter
        self.ancillary: Callable[[float], None] | None = None
        """Called with t_s once the tick's estimate is made (the payload's records while it captures)."""

        self.ticks = 0
        self.gyro_misses = 0
        self.star_tracker_misses = 0
        self.wheel_misses = 0
        self.gnss_misses = 0

    # ---- flight APIs (telecommands and the planner reach the ADCS through these) ----

    @property
    def mode(self) -> Mode:
        return self.modes.mode

    def request_mode(self, t_s: float, mode: Mode) -> bool:
        return self.modes.request(t_s, mode)

    def image(self, t_s: float, lat_rad: float, lon_rad: float, alt_m: float = 0.0) -> bool:
        """Track a ground target from now (slewing onto it first); from NOMINAL or IMAGING only. The
        target already tracked is kept as it is."""
        return self._aim(t_s, (lat_rad, lon_rad, alt_m))

    def image_strip(
        self,
        t_s: float,
        lat0_rad: float,
        lon0_rad: float,
        lat1_rad: float,
        lon1_rad: float,
        alt_m: float,
        scan_start_s: float,
        scan_end_s: float,
    ) -> bool:
        """Slew onto a strip's start now and scan it from `scan_start_s` to `scan_end_s`; from NOMINAL
        or IMAGING only. The same strip already set is kept as it is."""
        return self._aim(t_s, (lat0_rad, lon0_rad, lat1_rad, lon1_rad, alt_m, scan_start_s, scan_end_s))

    def _aim(self, t_s: float, target: tuple[float, ...]) -> bool:
        """IMAGING onto `target` (a point, or a strip: see `_enter`), unless it is the one being tracked."""
        if self.mode not in (Mode.NOMINAL, Mode.IMAGING):
            IMAGING_REFUSED.raise_(self.events, t_s, mode=self.mode.name)
            return False
        if self.mode == Mode.IMAGING and self.imaging_target == target:
            return True  # already there (or on the way): a new slew would only start a transient
        self.imaging_target = target
        if self.mode == Mode.IMAGING:
            self._enter(t_s, Mode.IMAGING)
            return True
        return self.modes.request(t_s, Mode.IMAGING)

    def hold_inertial(self, t_s: float, q_ib) -> bool:
        """Slew rest-to-rest to inertial attitude `q_ib` and hold it; from NOMINAL or IMAGING only."""
        if self.mode not in (Mode.NOMINAL, Mode.IMAGING):
            HOLD_REFUSED.raise_(self.events, t_s, mode=self.mode.name)
            return False
        moving = self.guidance is not self.join and self.guidance is not self.inertial
        self.inertial.hold(q_ib)
        self._slew_onto(self.inertial, t_s, from_reference=moving)
        return True

    def set_pointing_gains(self, t_s: float, bandwidth_rad_s: float, damping: float) -> bool:
        """Retune the pointing controller (a tunable parameter); False, with an event, if out of range."""
        if not (POINTING_BANDWIDTH.valid(bandwidth_rad_s) and POINTING_DAMPING.valid(damping)):
            SETTING_REFUSED.raise_(self.events, t_s, bandwidth_rad_s=bandwidth_rad_s, damping=damping)
            return False
        self.control.set_gains(bandwidth_rad_s, damping)
        SETTING_CHANGED.raise_(self.events, t_s, bandwidth_rad_s=bandwidth_rad_s)
        return True

    def fail_wheel(self, t_s: float, wheel: int) -> bool:
        """Take wheel `wheel` out of the allocation (after a detected failure); False if < 3 would remain."""
        done = self.allocator.set_failed(wheel)
        WHEEL_FAILED.raise_(
            self.events,
            t_s,
            severity=None if done else Severity.MEDIUM,
            wheel=wheel,
            outcome="taken out: control on the others" if done else "cannot be taken out",
        )
        self.health.wheels_usable = self.allocator.active
        return done

    # ---- rate groups ----

    def navigate(self, t_s: float) -> None:
        """1 Hz: take a GNSS fix into the onboard orbit."""
        if self.gnss.sample():
            self.orbit.update_fix(t_s, self._r_ecef_c, self._v_ecef_c)
        else:
            self.gnss_misses += 1

    def supervise(self, t_s: float) -> None:
        """1 Hz: check the wheels, refresh the health the mode rules look at, and apply them."""
        health = self.health
        health.rate_rad_s = self._rate_norm_rad_s()
        sigma = self._sigma_att_c
        health.estimate_sigma_rad = (
            max(sigma[0], sigma[1], sigma[2]) if self.estimator.initialised else math.inf
        )
        timeout_s = self.star_tracker_timeout_s
        since_fix_s = t_s - self._last_star_fix_s
        blinded_only = t_s - self._last_star_blind_s <= timeout_s
        health.star_tracker_ok = since_fix_s <= timeout_s or (
            blinded_only and since_fix_s <= self.config.star_tracker_blind_max_s
        )
        failed = self.wheel_monitor.check()
        if failed >= 0:
            self.fail_wheel(t_s, failed)
        health.wheels_usable = self.allocator.active
        self.modes.evaluate(t_s, health)

    def tick(self, t_s: float) -> None:
        """10 Hz: one pass of the control cycle in the current mode."""
        self.ticks += 1
        if not self.gyro.sample():
            self.gyro_misses += 1
        if not self.wheels.sample():
            self.wheel_misses += 1
        self._determine(t_s)
        if self.ancillary is not None:
            self.ancillary(t_s)
        mode = self.modes.mode
        if mode != self._active_mode:
            self._enter(t_s, mode)
        self.wheel_monitor.tick(self.frame_s)
        if mode == Mode.DETUMBLE:
            self.bdot.tick()
            return
        if not self.orbit.valid:
            return
        self.orbit.propagate_to(t_s)
        allocator = self.allocator
        allocator.update_momentum()
        self.dumping.tick()
        estimator = self.estimator
        if mode == Mode.SUN_SAFE and not self.health.star_tracker_ok and self._coarse_attitude(t_s):
            q_ib_c = self._q_coarse_c
        elif estimator.initialised:
            q_ib_c = estimator.q_ib_c
        else:
            return
        if self.guidance is self.join and t_s >= self.join.t_end_s:
            self.guidance = self._law
        guidance = self.guidance
        guidance.update(t_s)
        self.wheel_monitor.coast(self.dumping.torque_b_c, allocator.h_wheel_b_c, self.frame_s)
        self.control.track(
            guidance.q_ref_ib_c,
            guidance.w_ref_r_c,
            guidance.alpha_ref_r_c,
            q_ib_c,
            estimator.w_b_c if estimator.initialised else self._w_meas_c,
            allocator.h_wheel_b_c,
            self.wheel_monitor.torque_ext_b_c,
            allocator.saturated or guidance is self.join,  # a slew's transient is no steady disturbance
        )
        allocator.distribute(self.control.torque_b_c)
        self.wheels.apply()

    # ---- inside ----

    def _determine(self, t_s: float) -> None:
        """MEKF: propagate on the gyro, update with a star-tracker reading (the first one starts it)."""
        estimator = self.estimator
        # The gyro reads the rate at the frame's end; propagating over the frame on that end rate alone
        # (rectangle rule) left 0.5 dt x the change of rate in the attitude: 0.24 deg after a 4.7 deg/s
        # slew flown blind, gated out for the whole capture that followed (3-4 km on the ground).
        # Element by element through C pointers: three numpy calls on 3-vectors cost more than the sums.
        w_last, w_meas, w_step = self._w_last_c, self._w_meas_c, self._w_step_c
        x, y, z = w_meas[0], w_meas[1], w_meas[2]
        w_step[0] = (w_last[0] + x) * 0.5
        w_step[1] = (w_last[1] + y) * 0.5
        w_step[2] = (w_last[2] + z) * 0.5
        w_last[0], w_last[1], w_last[2] = x, y, z
        if estimator.initialised:
            estimator.propagate(self._w_step_c, self.frame_s, self._w_meas_c)
        self.star_reading_taken = False
        if not self.star_tracker.sample():
            self.star_tracker_misses += 1
            if self.star_tracker.blinded:
                self._last_star_blind_s = t_s
            return
        if not estimator.initialised:
            estimator.init(self._q_st_c, 100.0 * ARCSEC, 1.0 * DEG / 3600.0)
            self._last_star_fix_s = t_s
        elif estimator.update_star_tracker(self._q_st_c):
            self._last_star_fix_s = t_s
            self.star_reading_taken = True

    def _coarse_attitude(self, t_s: float) -> bool:
        """Sun sensor + magnetometer TRIAD (the field from the torquers' off time) when both are usable,
        propagated on the gyro otherwise; False until a first TRIAD."""
        if self.sun_sensor.sample() and self.coarse.update(
            t_s, self._s_b_c, self._b_clean_c, self.orbit.r_eci_c
        ):
            np.copyto(self._q_coarse, self.coarse.q_ib)
            self._coarse_known = True
        elif self._coarse_known:
            lib.zk_attitude_propagate(self._q_coarse_c, self._w_meas_c, self.frame_s)
        return self._coarse_known

    def _enter(self, t_s: float, mode: Mode) -> None:
        """Set the actuators and the guidance law up for `mode`; pointing modes are reached by a slew."""
        previous = self._active_mode
        self._active_mode = mode
        self.control.reset_integral()
        if mode == Mode.DETUMBLE:
            np.copyto(self.wheels.torque_cmd_nm, self._zero_torque)
            self.wheels.apply()
            self.bdot.reset()
            return
        self.dumping.reset()
        if mode == Mode.SUN_SAFE:
            law = self.sun
        elif mode == Mode.IMAGING and self.imaging_target is not None:
            # A new target goes into the spare law, so a slew from the one being tracked starts from
            # its profile unchanged (re-aiming that law would make the slew start at the new target).
            self.target, self._next_target = self._next_target, self.target
            if len(self.imaging_target) == 3:
                self.target.set_target(*self.imaging_target)
            else:
                self.target.set_strip(*self.imaging_target)
            law = self.target
        else:
            law = self.nadir
        pointing = previous in (Mode.SUN_SAFE, Mode.NOMINAL, Mode.IMAGING)
        self._slew_onto(law, t_s, from_reference=pointing and self.guidance is not self.join)

    def _slew_onto(self, law: Guidance, t_s: float, from_reference: bool) -> None:
        """Join `law`'s profile with a rate- and acceleration-limited slew from the current reference
        (`from_reference`) or from the attitude estimate; straight onto it if there is no estimate yet."""
        self._law = law
        if self.estimator.initialised:
            q_ib = self.estimator.q_ib
        elif self._coarse_known:
            q_ib = self._q_coarse
        else:
            self.guidance = law
            return
        if not self.orbit.valid:
            self.guidance = law
            return
        self.orbit.propagate_to(t_s)
        source = self.guidance if from_reference else self.hold
        if not from_reference:
            self.hold.hold(q_ib)
        end_s = self.join.plan(source, law, t_s)
        self.guidance = self.join
        SLEW_PLANNED.raise_(self.events, t_s, law=type(law).__name__, duration_s=end_s - t_s)

    @property
    def w_step_b(self) -> np.ndarray:
        """The gyro's mean rate over the last frame (the mean of its two end readings), rad/s."""
        return self._w_step

    def _rate_norm_rad_s(self) -> float:
        w = self._w_meas_c
        return math.sqrt(w[0] ** 2 + w[1] ** 2 + w[2] ** 2)
