"""Scenarios: what a mission run starts from. The built-in default is a 500 km sun-synchronous orbit
with the default ~130 kg imager starting 10 deg off nadir with small rates."""

from dataclasses import dataclass, field

import numpy as np

from native.earth_model import MU_EARTH_M3_S2, R_EARTH_M
from sim.spacecraft import DEFAULT_SPACECRAFT, Spacecraft


@dataclass(frozen=True)
class Scenario:
    seed: int = 1
    epoch_utc: str = "2026-06-21T00:00:00Z"
    altitude_m: float = 500e3
    eccentricity: float = 0.001
    ltan_h: float = 22.5  # local time of the ascending node: a 10:30 descending-node imager
    arg_perigee_deg: float = 0.0
    true_anomaly_deg: float = 0.0
    initial_offset_deg: float = 10.0  # rotation of the body away from nadir at the start
    initial_offset_axis_b: tuple[float, float, float] = (0.6, -0.7, 0.4)
    initial_rate_deg_s: tuple[float, float, float] = (0.05, -0.03, 0.04)  # body rate on top of nadir's
    spacecraft: Spacecraft = field(default_factory=lambda: DEFAULT_SPACECRAFT)
    settle_threshold_deg: float = 0.1  # pointing error under which the attitude counts as settled
    stats_from_s: float = 300.0  # error statistics start here, after settling

    @property
    def semi_major_axis_m(self) -> float:
        return R_EARTH_M + self.altitude_m

    @property
    def orbit_period_s(self) -> float:
        return float(2.0 * np.pi * np.sqrt(self.semi_major_axis_m**3 / MU_EARTH_M3_S2))


DEFAULT_SCENARIO = Scenario()
