"""A scenario's world and its simulated devices at the epoch: the initial orbit (elements, or SGP4 of a
TLE), the initial attitude relative to nadir, the truth World, and a device set over it."""

import numpy as np

from flight.adcs.attitude_loop import AdcsConfig
from flight.adcs.estimator import GyroModel
from flight.adcs.guidance import slew_limits
from flight.adcs.magnetic_control import bdot_gain_am2_s_t
from flight.adcs.modes import Mode
from flight.software import ATTITUDE_HZ
from hal.devices import DeviceSet
from native import ffi, lib, ptr
from native.earth_model import MU_EARTH_M3_S2, R_EARTH_M
from sim import orbit
from sim.devices.gnss import SimGnss
from sim.devices.gyro import SimGyro
from sim.devices.imager import SimImager
from sim.devices.magnetometer import SimMagnetometer
from sim.devices.magnetorquers import SimMagnetorquers
from sim.devices.power_system import SimPowerSystem
from sim.devices.reaction_wheels import SimReactionWheels
from sim.devices.star_tracker import SimStarTracker, boresight_mount
from sim.devices.sun_sensor import SimSunSensor
from sim.ephemeris import Sgp4Ephemeris
from sim.power import WING_NORMAL_B
from sim.randomness import model_seed
from sim.spacecraft import GyroSpec
from sim.timescale import julian_date, parse_utc
from sim.tle import parse_tle
from sim.world import World
from zorka.scenario.model import Scenario

BDOT_FIELD_T = 30e-6  # a typical field at 500 km, for the B-dot gain
FRAME_S = 1.0 / ATTITUDE_HZ  # the flight software's frame: the step of the world and of its devices


def sgp4_ephemeris(scenario: Scenario, jd_epoch_utc: float) -> Sgp4Ephemeris | None:
    """SGP4 of the scenario's TLE from the run's epoch, if it has a TLE."""
    if scenario.orbit.tle is None:
        return None
    return Sgp4Ephemeris(parse_tle(*scenario.orbit.tle).satrec, jd_epoch_utc)


def initial_orbit(scenario: Scenario, jd_epoch_utc: float) -> tuple[np.ndarray, np.ndarray]:
    """Inertial state at the epoch: SGP4 of the TLE if there is one, else from the elements."""
    ephemeris = sgp4_ephemeris(scenario, jd_epoch_utc)
    if ephemeris is not None:
        return ephemeris.state_at(0.0)
    spec = scenario.orbit
    a_m = R_EARTH_M + spec.altitude_km * 1e3
    inclination = (
        orbit.sun_synchronous_inclination(a_m, spec.eccentricity)
        if spec.inclination_deg is None
        else np.deg2rad(spec.inclination_deg)
    )
    raan = (
        orbit.raan_for_ltan(jd_epoch_utc, spec.ltan_h) if spec.raan_deg is None else np.deg2rad(spec.raan_deg)
    )
    return orbit.state_from_elements(
        a_m,
        spec.eccentricity,
        inclination,
        raan,
        np.deg2rad(spec.arg_perigee_deg),
        np.deg2rad(spec.true_anomaly_deg),
    )


def initial_attitude(
    scenario: Scenario, r_eci: np.ndarray, v_eci: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """q_ib and w_b at the epoch: nadir pointing turned by the start offset, plus the start rate."""
    start = scenario.start
    q_nadir, w_nadir_i = np.zeros(4), np.zeros(3)
    lib.zk_nadir_reference(ptr(r_eci), ptr(v_eci), ptr(q_nadir), ptr(w_nadir_i))
    axis = np.asarray(start.offset_axis_b, dtype=float)
    offset = np.zeros(4)
    lib.zk_quat_from_rotvec(ptr(axis / np.linalg.norm(axis) * np.deg2rad(start.offset_deg)), ptr(offset))
    q_ib = np.zeros(4)
    lib.zk_quat_mul(ptr(q_nadir), ptr(offset), ptr(q_ib))
    w_nadir_b = np.zeros(3)
    lib.zk_quat_rotate_inv(ptr(q_ib), ptr(w_nadir_i), ptr(w_nadir_b))
    return q_ib, w_nadir_b + np.deg2rad(np.asarray(start.rate_deg_s, dtype=float))


def orbit_period_s(r_eci: np.ndarray, v_eci: np.ndarray) -> float:
    """Keplerian period of the osculating orbit (vis-viva)."""
    energy = 0.5 * float(v_eci @ v_eci) - MU_EARTH_M3_S2 / float(np.linalg.norm(r_eci))
    a_m = -MU_EARTH_M3_S2 / (2.0 * energy)
    return float(2.0 * np.pi * np.sqrt(a_m**3 / MU_EARTH_M3_S2))


def build_world(scenario: Scenario) -> World:
    """The truth at the scenario's epoch."""
    jd = julian_date(parse_utc(scenario.epoch_utc))
    r_eci, v_eci = initial_orbit(scenario, jd)
    q_ib, w_b = initial_attitude(scenario, r_eci, v_eci)
    return World(scenario.spacecraft, jd, r_eci, v_eci, q_ib, w_b, environment=scenario.environment)


def simulated_devices(world: World, scenario: Scenario) -> DeviceSet:
    sc, seed = scenario.spacecraft, scenario.seed
    return DeviceSet(
        gyro=SimGyro.from_spec(world.w_b, sc.gyro, FRAME_S, model_seed(seed, "gyro")),
        star_tracker=SimStarTracker(world.q_ib, sc.star_tracker, model_seed(seed, "star_tracker"), world),
        magnetometer=SimMagnetometer(world, sc.magnetometer, model_seed(seed, "magnetometer")),
        sun_sensor=SimSunSensor(world, sc.sun_sensor, model_seed(seed, "sun_sensor")),
        gnss=SimGnss(world, sc.gnss, model_seed(seed, "gnss")),
        wheels=SimReactionWheels.from_spec(
            world.wheels_c, world.wheel_speed_rad_s, sc.wheels, model_seed(seed, "wheels"), FRAME_S
        ),
        magnetorquers=SimMagnetorquers.from_spec(
            world.magnetorquers_c, sc.magnetorquers, model_seed(seed, "magnetorquers")
        ),
        power=SimPowerSystem(ffi.addressof(world.c, "power"), sc.power, model_seed(seed, "power")),
        imager=SimImager(world, sc.imager, FRAME_S),
    )


def gyro_model(spec: GyroSpec) -> GyroModel:
    """The filter's model of the gyro, from its datasheet figures (the Allan floor starts at the
    shortest correlation time of the simulated instability)."""
    return GyroModel.from_datasheet(
        spec.angle_random_walk_rad_sqrt_s,
        spec.rate_random_walk_rad_s_sqrt_s,
        spec.bias_instability_rad_s,
        min(spec.instability_correlation_s),
    )


def adcs_config(scenario: Scenario, jd_epoch_utc: float) -> AdcsConfig:
    """What the flight software is told of its spacecraft: the calibrated figures of the spacecraft
    description (flight cannot read sim's), and the ADCS tuning derived from them."""
    sc = scenario.spacecraft
    gyro, tracker, wheels = sc.gyro, sc.star_tracker, sc.wheels
    inertia = np.asarray(sc.inertia_kg_m2, dtype=float)
    limits = slew_limits(wheels.axis_b, wheels.torque_max_nm, wheels.momentum_max_nms, inertia)
    return AdcsConfig(
        inertia_kg_m2=inertia,
        epoch_jd_utc=jd_epoch_utc,
        gyro=gyro_model(gyro),
        star_tracker_q_bs=tuple(boresight_mount(tracker.boresight_tilt_rad)),
        star_tracker_cross_rad=tracker.noise_cross_rad,
        star_tracker_about_rad=tracker.noise_about_rad,
        slew_rate_max_rad_s=limits.rate_max_rad_s,
        slew_accel_max_rad_s2=limits.accel_max_rad_s2,
        bdot_gain_am2_s_t=bdot_gain_am2_s_t(
            float(np.linalg.eigvalsh(inertia)[0]),
            2.0 * np.pi / orbit_period_s(*initial_orbit(scenario, jd_epoch_utc)),
            BDOT_FIELD_T,
            np.pi / 2.0,
        ),
        sun_axis_b=tuple(WING_NORMAL_B),
        wheel_friction_coulomb_nm=wheels.friction_coulomb_nm,
        wheel_friction_viscous_nm_s=wheels.friction_viscous_nm_s,
        initial_mode=Mode[scenario.start.mode],
    )
