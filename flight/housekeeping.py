"""Housekeeping: a 1 Hz snapshot of the flight software's own view, for telemetry and displays.

The parameters are named once here; each sample writes them into one preallocated row of floats, the
last column the executive's count of overrun frames. The power readings are those the power application
took this second (flight/power.py), or the last good ones. The row is a list, not a numpy array: its
readers (the report packer, monitoring) take one value at a time, and a numpy element costs a scalar
object and numpy arithmetic each time (a report of 19 values took 3x longer).
"""

import math

from flight.adcs.attitude_loop import AttitudeLoop
from flight.executive import Executive
from flight.power.application import Power
from native import ptr

RAD_TO_DEG = 180.0 / math.pi
ARCSEC_PER_RAD = RAD_TO_DEG * 3600.0


class Housekeeping:
    def __init__(self, attitude: AttitudeLoop, power: Power, executive: Executive):
        self._attitude = attitude
        self._power = power
        self._executive = executive
        n_wheels = attitude.wheels.n
        self.names = (
            "t_s",
            "attitude_error_est_deg",
            "rate_error_est_deg_s",
            *(f"wheel{i}_speed_rad_s" for i in range(n_wheels)),
            "gyro_misses",
            "star_tracker_misses",
            "gnss_fixes",
            "adcs_mode",
            "estimate_sigma_arcsec",
            *(f"eps_{name}" for name in power.eps.READINGS),
            "eps_flags",
            "overruns",
        )
        self.latest = [0.0] * len(self.names)
        self._n_wheels = n_wheels
        self._first_eps = 8 + n_wheels
        self._n_eps = len(power.eps.READINGS)
        self._control, self._orbit, self._health = attitude.control, attitude.orbit, attitude.health
        self._speeds_c = ptr(attitude.wheels.speed_rad_s)
        self._readings_c = ptr(power.eps.readings)
        """The wheels' and the EPS's readings through C pointers: an element is a Python float at once
        (a numpy element costs a scalar object and its conversion)."""
        self.samples = 0

    def sample(self, t_s: float) -> None:
        a = self._attitude
        row = self.latest
        n = self._n_wheels
        control = self._control
        row[0] = t_s
        row[1] = control.angle_err_rad * RAD_TO_DEG
        row[2] = control.rate_err_rad_s * RAD_TO_DEG
        speeds = self._speeds_c
        for i in range(n):
            row[3 + i] = speeds[i]
        row[3 + n] = float(a.gyro_misses)
        row[4 + n] = float(a.star_tracker_misses)
        row[5 + n] = float(self._orbit.fixes)
        row[6 + n] = float(a.modes.mode)
        row[7 + n] = self._health.estimate_sigma_rad * ARCSEC_PER_RAD
        power = self._power
        if power.fresh:
            readings, first = self._readings_c, self._first_eps
            for i in range(self._n_eps):
                row[first + i] = readings[i]
            row[-2] = float(power.eps.flags)
        row[-1] = float(self._executive.overruns)
        self.samples += 1

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.names, self.latest, strict=True))
