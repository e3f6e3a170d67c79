"""Housekeeping: a 1 Hz snapshot of the flight software's own view, for telemetry and displays.

The parameters are named once here; each sample writes them into one preallocated row, the last
column the executive's count of overrun frames. The power readings are those the power application
took this second (flight/power.py), or the last good ones.
"""

import math

import numpy as np

from flight.adcs.attitude_loop import AttitudeLoop
from flight.executive import Executive
from flight.power.application import Power

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
        self.latest = np.zeros(len(self.names))
        self._wheel_speeds = self.latest[3 : 3 + n_wheels]
        self._n_wheels = n_wheels
        first_eps = 8 + n_wheels
        self._eps_readings = self.latest[first_eps : first_eps + len(power.eps.READINGS)]
        self.samples = 0

    def sample(self, t_s: float) -> None:
        a = self._attitude
        row = self.latest
        n = self._n_wheels
        row[0] = t_s
        row[1] = a.control.angle_err_rad * RAD_TO_DEG
        row[2] = a.control.rate_err_rad_s * RAD_TO_DEG
        np.copyto(self._wheel_speeds, a.wheels.speed_rad_s)
        row[3 + n] = a.gyro_misses
        row[4 + n] = a.star_tracker_misses
        row[5 + n] = a.orbit.fixes
        row[6 + n] = a.mode
        row[7 + n] = a.health.estimate_sigma_rad * ARCSEC_PER_RAD
        power = self._power
        if power.fresh:
            np.copyto(self._eps_readings, power.eps.readings)
            row[-2] = power.eps.flags
        row[-1] = self._executive.overruns
        self.samples += 1

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.names, self.latest.tolist(), strict=True))
