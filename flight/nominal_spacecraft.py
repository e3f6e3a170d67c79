"""The spacecraft as the flight team loads it: nominal figures from datasheets, mass-property budgets and
ground calibration — never the simulator's truth, which flight cannot see. The ADCS configuration is
derived here from these figures, so a truth dispersed away from them (a scenario's [flight] table) is a
real test of the flight software."""

from dataclasses import dataclass

import numpy as np

from flight.adcs.attitude_loop import AdcsConfig
from flight.adcs.estimator import GyroModel
from flight.adcs.guidance import slew_limits
from flight.adcs.magnetic_control import bdot_gain_am2_s_t
from flight.adcs.modes import Mode

BDOT_FIELD_T = 30e-6  # a typical field at 500 km, for the B-dot gain
BDOT_INCLINATION_RAD = np.pi / 2.0  # the gain's design inclination: a polar orbit


@dataclass(frozen=True)
class NominalSpacecraft:
    """What the flight software is told of its spacecraft. Gyro figures are the datasheet's: angle and
    rate random walk, bias instability and the shortest correlation time of its Allan floor. The star
    tracker is mounted by `star_tracker_q_bs` (sensor to body, scalar last); wheels by their spin axes
    in body (one row a wheel); `sun_axis_b` is the solar wings' normal; `orbit_period_s` the planned
    orbit's, for the B-dot gain."""

    inertia_kg_m2: np.ndarray
    gyro_angle_random_walk_rad_sqrt_s: float
    gyro_rate_random_walk_rad_s_sqrt_s: float
    gyro_bias_instability_rad_s: float
    gyro_floor_from_s: float
    star_tracker_q_bs: tuple[float, float, float, float]
    star_tracker_cross_rad: float
    star_tracker_about_rad: float
    wheel_axis_b: np.ndarray
    wheel_torque_max_nm: float
    wheel_momentum_max_nms: float
    wheel_friction_coulomb_nm: float
    wheel_friction_viscous_nm_s: float
    sun_axis_b: tuple[float, float, float]
    orbit_period_s: float
    star_tracker_sun_exclusion_rad: float = np.radians(40.0)
    star_tracker_earth_exclusion_rad: float = np.radians(25.0)

    def gyro_model(self) -> GyroModel:
        """The filter's model of the gyro, from its datasheet figures."""
        return GyroModel.from_datasheet(
            self.gyro_angle_random_walk_rad_sqrt_s,
            self.gyro_rate_random_walk_rad_s_sqrt_s,
            self.gyro_bias_instability_rad_s,
            self.gyro_floor_from_s,
        )

    def adcs_config(self, epoch_jd_utc: float, initial_mode: Mode) -> AdcsConfig:
        """The ADCS configuration: these figures, and the tuning derived from them (slew limits from the
        wheels and inertia, the B-dot gain from the smallest principal inertia and the orbit rate)."""
        inertia = np.asarray(self.inertia_kg_m2, dtype=float)
        limits = slew_limits(
            self.wheel_axis_b, self.wheel_torque_max_nm, self.wheel_momentum_max_nms, inertia
        )
        return AdcsConfig(
            inertia_kg_m2=inertia,
            epoch_jd_utc=epoch_jd_utc,
            gyro=self.gyro_model(),
            star_tracker_q_bs=self.star_tracker_q_bs,
            star_tracker_cross_rad=self.star_tracker_cross_rad,
            star_tracker_about_rad=self.star_tracker_about_rad,
            star_tracker_sun_exclusion_rad=self.star_tracker_sun_exclusion_rad,
            star_tracker_earth_exclusion_rad=self.star_tracker_earth_exclusion_rad,
            slew_rate_max_rad_s=limits.rate_max_rad_s,
            slew_accel_max_rad_s2=limits.accel_max_rad_s2,
            bdot_gain_am2_s_t=bdot_gain_am2_s_t(
                float(np.linalg.eigvalsh(inertia)[0]),
                2.0 * np.pi / self.orbit_period_s,
                BDOT_FIELD_T,
                BDOT_INCLINATION_RAD,
            ),
            sun_axis_b=self.sun_axis_b,
            wheel_friction_coulomb_nm=self.wheel_friction_coulomb_nm,
            wheel_friction_viscous_nm_s=self.wheel_friction_viscous_nm_s,
            initial_mode=initial_mode,
        )
