"""Magnetic control: wheel momentum dumping (cross-product law) and B-dot detumbling
(C, native/flight/adcs.c).

The magnetometer sees the torquers' own field, so, as flown missions do, the torquers are duty-cycled:
over a cycle of `cycle_frames` control frames they are on for all but the last frame and off for it, and
the magnetometer is sampled at the start of the next cycle, after a whole frame off. Each class owns the
magnetometer's sampling and the torquers' command while it runs: call `tick` once per control frame, and
`reset` on entering the mode. A tick allocates nothing.
"""

import numpy as np

from hal.devices import Magnetometer, Magnetorquers
from native import ffi, lib, ptr, view


def bdot_gain_am2_s_t(
    inertia_min_kg_m2: float, orbit_rate_rad_s: float, field_t: float, inclination_rad: float
) -> float:
    """B-dot gain giving the damping coefficient of Avanzini & Giulietti (JGCD 35(4), 2012),
    2 n (1 + sin xi) J_min in N m s, at a field of `field_t`: with dB/dt ~ -w x B, m = -k dB/dt gives the
    torque -k |B|^2 (w less its part along B). xi: the orbit's inclination to the geomagnetic equator."""
    return 2.0 * orbit_rate_rad_s * (1.0 + np.sin(inclination_rad)) * inertia_min_kg_m2 / field_t**2


class _DutyCycle:
    """The torquers' on/off cycle and the magnetometer samples taken in its off part."""

    def __init__(self, magnetometer: Magnetometer, magnetorquers: Magnetorquers, cycle_frames: int):
        if cycle_frames < 2:
            raise ValueError("cycle_frames must be at least 2: one frame off before each sample")
        self._magnetometer = magnetometer
        self._torquers = magnetorquers
        self._cmd = magnetorquers.dipole_cmd_am2
        self._cmd_c = ptr(magnetorquers.dipole_cmd_am2)
        self._b_c = ptr(magnetometer.b_b_t)
        self._zero = np.zeros(3)
        self._last = cycle_frames - 1
        self._phase = self._last

    def reset(self) -> None:
        """Start with a frame off, so that the first sample sees no torquer field."""
        self._phase = self._last

    def _advance(self) -> int:
        """This frame's phase (0: sample and command; last: off), and move on."""
        phase = self._phase
        self._phase = 0 if phase == self._last else phase + 1
        return phase

    def _off(self) -> None:
        np.copyto(self._cmd, self._zero)
        self._torquers.apply()


class BDot(_DutyCycle):
    """B-dot detumbling: m = -gain dB/dt from the magnetometer readings one cycle apart, through a
    first-order filter of time constant `filter_s`, held over the on part of the cycle."""

    def __init__(
        self,
        magnetometer: Magnetometer,
        magnetorquers: Magnetorquers,
        frame_s: float,
        gain_am2_s_t: float,
        filter_s: float,
        cycle_frames: int = 5,
    ):
        super().__init__(magnetometer, magnetorquers, cycle_frames)
        c = ffi.new("zk_bdot *")
        c.gain_am2_s_t = gain_am2_s_t
        c.filter_s = filter_s
        c.dipole_max_am2 = list(np.asarray(magnetorquers.dipole_max_am2, dtype=float))
        self._c = c
        self._period_s = cycle_frames * frame_s
        self.db_dt_b_t_s = view(c.db_dt_b_t_s)

    @property
    def gain_am2_s_t(self) -> float:
        """The B-dot gain (in the C struct)."""
        return self._c.gain_am2_s_t

    @gain_am2_s_t.setter
    def gain_am2_s_t(self, value: float) -> None:
        self._c.gain_am2_s_t = value

    def reset(self) -> None:
        super().reset()
        lib.zk_bdot_reset(self._c)

    def tick(self) -> None:
        phase = self._advance()
        if phase == self._last:
            self._off()
        elif phase == 0:
            if self._magnetometer.sample():
                lib.zk_bdot_step(self._c, self._b_c, self._period_s, self._cmd_c)
                self._torquers.apply()
            else:
                lib.zk_bdot_reset(self._c)
                self._off()


class MomentumDumping(_DutyCycle):
    """Wheel momentum dumping: m = gain (h_wheel_b - h_target_b) x B / |B|^2 on every frame of the on
    part, with the field of the last clean reading and the wheel momentum of the frame (`h_wheel_b_c`,
    e.g. WheelAllocator.h_wheel_b_c, updated before `tick`). `torque_b_c` holds the torque the dipole
    is expected to give over the next step (0 while off), for the attitude controller's feed-forward."""

    def __init__(
        self,
        magnetometer: Magnetometer,
        magnetorquers: Magnetorquers,
        h_wheel_b_c,
        gain_per_s: float,
        h_target_b_nms=(0.0, 0.0, 0.0),
        cycle_frames: int = 5,
    ):
        super().__init__(magnetometer, magnetorquers, cycle_frames)
        c = ffi.new("zk_momentum_dump *")
        c.gain_per_s = gain_per_s
        c.h_target_b_nms = list(map(float, h_target_b_nms))
        c.dipole_max_am2 = list(np.asarray(magnetorquers.dipole_max_am2, dtype=float))
        self._c = c
        self._h_c = h_wheel_b_c
        self.b_b_t = np.zeros(3)  # the last clean field reading; all zero: none (no dipole)
        self._b_clean_c = ptr(self.b_b_t)
        self.torque_b_c = c.torque_b
        self.torque_b = view(c.torque_b)

    @property
    def gain_per_s(self) -> float:
        """The dumping gain (in the C struct)."""
        return self._c.gain_per_s

    @gain_per_s.setter
    def gain_per_s(self, value: float) -> None:
        self._c.gain_per_s = value

    def reset(self) -> None:
        super().reset()
        np.copyto(self.b_b_t, self._zero)

    def tick(self) -> None:
        phase = self._advance()
        if phase == self._last:
            np.copyto(self.torque_b, self._zero)
            self._off()
            return
        if phase == 0:
            np.copyto(self.b_b_t, self._magnetometer.b_b_t if self._magnetometer.sample() else self._zero)
        lib.zk_momentum_dump_step(self._c, self._h_c, self._b_clean_c, self._cmd_c)
        self._torquers.apply()
