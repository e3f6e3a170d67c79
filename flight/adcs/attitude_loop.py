"""The 10 Hz attitude loop: sense, estimate, guide, control, actuate — a handful of C calls.

This first loop is honest but not final: attitude from the star tracker when it gives a reading,
otherwise propagated with the gyro (between its updates, through outages); rate straight from the
gyro; nadir guidance from the onboard orbit; PD control; torque over the wheels. Every
buffer is made once here; a tick allocates no array. Navigation (a GNSS fix) runs at 1 Hz.
"""

from dataclasses import dataclass

import numpy as np

from flight.adcs.control import PdController
from flight.adcs.guidance import NadirGuidance
from flight.adcs.orbit_estimate import OrbitEstimate
from flight.adcs.wheel_allocation import WheelAllocator
from hal.devices import DeviceSet
from native import lib, ptr


@dataclass(frozen=True)
class AdcsConfig:
    """What the attitude loop is told about its spacecraft and mission."""

    inertia_kg_m2: np.ndarray
    epoch_jd_utc: float
    bandwidth_rad_s: float = 0.15
    damping: float = 0.8
    wheel_friction_coulomb_nm: float = 0.0  # calibrated on the ground
    wheel_friction_viscous_nm_s: float = 0.0


class AttitudeLoop:
    def __init__(self, devices: DeviceSet, config: AdcsConfig, frame_s: float):
        self.gyro = devices.gyro
        self.star_tracker = devices.star_tracker
        self.wheels = devices.wheels
        self.gnss = devices.gnss
        self.orbit = OrbitEstimate(config.epoch_jd_utc)
        self.guidance = NadirGuidance(self.orbit)
        self.control = PdController(config.inertia_kg_m2, config.bandwidth_rad_s, config.damping)
        self.allocator = WheelAllocator(
            devices.wheels, config.wheel_friction_coulomb_nm, config.wheel_friction_viscous_nm_s
        )
        self._w_b_c = ptr(devices.gyro.rate_b)
        self.q_ib_est = np.array([0.0, 0.0, 0.0, 1.0])
        self._q_ib_c = ptr(self.q_ib_est)
        self._attitude_known = False
        self.frame_s = frame_s
        self._r_ecef_c = ptr(devices.gnss.r_ecef_m)
        self._v_ecef_c = ptr(devices.gnss.v_ecef_m_s)
        self.ticks = 0
        self.gyro_misses = 0
        self.star_tracker_misses = 0
        self.wheel_misses = 0
        self.gnss_misses = 0

    def navigate(self, t_s: float) -> None:
        """1 Hz: take a GNSS fix into the onboard orbit."""
        if self.gnss.sample():
            self.orbit.update_fix(t_s, self._r_ecef_c, self._v_ecef_c)
        else:
            self.gnss_misses += 1

    def tick(self, t_s: float) -> None:
        """10 Hz: one pass of the control cycle. Holds the wheels still until the orbit is known."""
        if not self.gyro.sample():
            self.gyro_misses += 1
        if self.star_tracker.sample():
            np.copyto(self.q_ib_est, self.star_tracker.q_ib)
            self._attitude_known = True
        else:
            self.star_tracker_misses += 1
            lib.zk_attitude_propagate(self._q_ib_c, self._w_b_c, self.frame_s)
        if not self.wheels.sample():
            self.wheel_misses += 1
        self.ticks += 1
        if not (self.orbit.valid and self._attitude_known):
            return
        self.orbit.propagate_to(t_s)
        self.guidance.update()
        self.allocator.update_momentum()
        self.control.step(
            self.guidance.q_ref_ib_c,
            self.guidance.w_ref_i_c,
            self._q_ib_c,
            self._w_b_c,
            self.allocator.h_wheel_b_c,
        )
        self.allocator.distribute(self.control.torque_b_c)
        self.wheels.apply()
