"""The truth at a scenario's epoch, built by the simulator from its own part of the scenario: the orbit
(elements, or SGP4 of a TLE), the attitude relative to nadir, the spacecraft description and the
environment; and the simulated devices over that truth."""

import numpy as np

from hal.devices import DeviceSet
from native import ffi, lib, ptr
from native.earth_model import MU_EARTH_M3_S2, R_EARTH_M
from native.time_scales import julian_date, parse_utc
from sim import orbit
from sim.devices.gnss import SimGnss
from sim.devices.gyro import SimGyro
from sim.devices.imager import SimImager
from sim.devices.magnetometer import SimMagnetometer
from sim.devices.magnetorquers import SimMagnetorquers
from sim.devices.power_system import SimPowerSystem
from sim.devices.reaction_wheels import SimReactionWheels
from sim.devices.star_tracker import SimStarTracker
from sim.devices.sun_sensor import SimSunSensor
from sim.ephemeris import Sgp4Ephemeris
from sim.orbit_spec import OrbitSpec
from sim.randomness import model_seed
from sim.spacecraft import Spacecraft
from sim.tle import parse_tle
from sim.world import Environment, World


def sgp4_ephemeris(spec: OrbitSpec, jd_epoch_utc: float) -> Sgp4Ephemeris | None:
    """SGP4 of the orbit's TLE from the run's epoch, if it has a TLE."""
    if spec.tle is None:
        return None
    return Sgp4Ephemeris(parse_tle(*spec.tle).satrec, jd_epoch_utc)


def initial_orbit(spec: OrbitSpec, jd_epoch_utc: float) -> tuple[np.ndarray, np.ndarray]:
    """Inertial state at the epoch: SGP4 of the TLE if there is one, else from the elements."""
    ephemeris = sgp4_ephemeris(spec, jd_epoch_utc)
    if ephemeris is not None:
        return ephemeris.state_at(0.0)
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
    r_eci: np.ndarray,
    v_eci: np.ndarray,
    offset_deg: float,
    offset_axis_b: tuple[float, float, float],
    rate_deg_s: tuple[float, float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """q_ib and w_b at the epoch: nadir pointing turned by `offset_deg` about `offset_axis_b`, plus
    `rate_deg_s` on top of the nadir frame's rate."""
    q_nadir, w_nadir_i = np.zeros(4), np.zeros(3)
    lib.zk_nadir_reference(ptr(r_eci), ptr(v_eci), ptr(q_nadir), ptr(w_nadir_i))
    axis = np.asarray(offset_axis_b, dtype=float)
    offset = np.zeros(4)
    lib.zk_quat_from_rotvec(ptr(axis / np.linalg.norm(axis) * np.deg2rad(offset_deg)), ptr(offset))
    q_ib = np.zeros(4)
    lib.zk_quat_mul(ptr(q_nadir), ptr(offset), ptr(q_ib))
    w_nadir_b = np.zeros(3)
    lib.zk_quat_rotate_inv(ptr(q_ib), ptr(w_nadir_i), ptr(w_nadir_b))
    return q_ib, w_nadir_b + np.deg2rad(np.asarray(rate_deg_s, dtype=float))


def orbit_period_s(r_eci: np.ndarray, v_eci: np.ndarray) -> float:
    """Keplerian period of the osculating orbit (vis-viva)."""
    energy = 0.5 * float(v_eci @ v_eci) - MU_EARTH_M3_S2 / float(np.linalg.norm(r_eci))
    a_m = -MU_EARTH_M3_S2 / (2.0 * energy)
    return float(2.0 * np.pi * np.sqrt(a_m**3 / MU_EARTH_M3_S2))


def build_world(
    epoch_utc: str,
    orbit_spec: OrbitSpec,
    attitude_offset: tuple[float, tuple[float, float, float], tuple[float, float, float]],
    spacecraft: Spacecraft,
    environment: Environment,
) -> World:
    """The truth at the epoch; `attitude_offset` is (offset_deg, offset_axis_b, rate_deg_s) as in
    `initial_attitude`."""
    jd = julian_date(parse_utc(epoch_utc))
    r_eci, v_eci = initial_orbit(orbit_spec, jd)
    q_ib, w_b = initial_attitude(r_eci, v_eci, *attitude_offset)
    return World(spacecraft, jd, r_eci, v_eci, q_ib, w_b, environment=environment)


def simulated_devices(world: World, spacecraft: Spacecraft, seed: int, frame_s: float) -> DeviceSet:
    """Every device simulated over `world`, each with its own generator from `seed`, sampled each
    `frame_s` where it integrates over a frame."""
    sc = spacecraft
    return DeviceSet(
        gyro=SimGyro.from_spec(world.w_b, sc.gyro, frame_s, model_seed(seed, "gyro")),
        star_tracker=SimStarTracker(world.q_ib, sc.star_tracker, model_seed(seed, "star_tracker"), world),
        magnetometer=SimMagnetometer(world, sc.magnetometer, model_seed(seed, "magnetometer")),
        sun_sensor=SimSunSensor(world, sc.sun_sensor, model_seed(seed, "sun_sensor")),
        gnss=SimGnss(world, sc.gnss, model_seed(seed, "gnss")),
        wheels=SimReactionWheels.from_spec(
            world.wheels_c, world.wheel_speed_rad_s, sc.wheels, model_seed(seed, "wheels"), frame_s
        ),
        magnetorquers=SimMagnetorquers.from_spec(
            world.magnetorquers_c, sc.magnetorquers, model_seed(seed, "magnetorquers")
        ),
        power=SimPowerSystem(ffi.addressof(world.c, "power"), sc.power, model_seed(seed, "power")),
        imager=SimImager(world, sc.imager, frame_s),
    )
