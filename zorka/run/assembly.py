"""A mission's two sides, each built by its own package from its own part of the scenario: the world by
sim (orbit, attitude, spacecraft description, environment, devices), and the flight software's
configuration by flight from the nominal spacecraft the flight team loads. Assembly only hands each its
part; the nominal figures are the spacecraft description's catalogue values unless the scenario's
[flight] table says otherwise, so a dispersed truth is a real test."""

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from flight.adcs.attitude_loop import AdcsConfig
from flight.adcs.modes import Mode
from flight.clock import Clock
from flight.nominal_spacecraft import NominalSpacecraft
from flight.payload.downlink_windows import OnboardStation
from flight.payload.requests import ImagingRequest
from flight.software import ATTITUDE_HZ, FlightSoftware
from hal.devices import DeviceSet
from native.time_scales import unix_s_from_julian_date
from sim import world_builder
from sim.devices.star_tracker import boresight_mount
from sim.ephemeris import Sgp4Ephemeris
from sim.power import WING_NORMAL_B
from sim.world import World
from zorka.scenario.model import Scenario

FRAME_S = 1.0 / ATTITUDE_HZ  # the flight software's frame: the step of the world and of its devices


def build_world(scenario: Scenario) -> World:
    """The truth at the scenario's epoch, built by sim from its part of the scenario."""
    start = scenario.start
    return world_builder.build_world(
        scenario.epoch_utc,
        scenario.orbit,
        (start.offset_deg, start.offset_axis_b, start.rate_deg_s),
        scenario.spacecraft,
        scenario.environment,
    )


def simulated_devices(world: World, scenario: Scenario) -> DeviceSet:
    """Every device of the scenario's spacecraft simulated over `world`."""
    return world_builder.simulated_devices(world, scenario.spacecraft, scenario.seed, FRAME_S)


def sgp4_ephemeris(scenario: Scenario, jd_epoch_utc: float) -> Sgp4Ephemeris | None:
    """SGP4 of the scenario's TLE from the run's epoch, if it has a TLE."""
    return world_builder.sgp4_ephemeris(scenario.orbit, jd_epoch_utc)


def nominal_spacecraft(scenario: Scenario, jd_epoch_utc: float) -> NominalSpacecraft:
    """The figures the flight software is loaded with: the [flight] table's where it gives them, else
    the catalogue values of the spacecraft description; the orbit period of the planned orbit."""
    sc, loaded = scenario.spacecraft, scenario.flight
    planned = world_builder.initial_orbit(scenario.orbit, jd_epoch_utc)
    gyro, tracker, wheels = sc.gyro, sc.star_tracker, sc.wheels
    inertia = sc.inertia_kg_m2 if loaded.inertia_kg_m2 is None else np.array(loaded.inertia_kg_m2)
    tilt_rad = (
        tracker.boresight_tilt_rad
        if loaded.star_tracker_boresight_tilt_rad is None
        else loaded.star_tracker_boresight_tilt_rad
    )
    return NominalSpacecraft(
        inertia_kg_m2=np.asarray(inertia, dtype=float),
        gyro_angle_random_walk_rad_sqrt_s=gyro.angle_random_walk_rad_sqrt_s,
        gyro_rate_random_walk_rad_s_sqrt_s=gyro.rate_random_walk_rad_s_sqrt_s,
        gyro_bias_instability_rad_s=gyro.bias_instability_rad_s,
        gyro_floor_from_s=min(gyro.instability_correlation_s),
        star_tracker_q_bs=tuple(boresight_mount(tilt_rad)),
        star_tracker_cross_rad=tracker.noise_cross_rad,
        star_tracker_about_rad=tracker.noise_about_rad,
        star_tracker_sun_exclusion_rad=tracker.sun_exclusion_rad,
        star_tracker_earth_exclusion_rad=tracker.earth_exclusion_rad,
        wheel_axis_b=wheels.axis_b,
        wheel_torque_max_nm=wheels.torque_max_nm,
        wheel_momentum_max_nms=wheels.momentum_max_nms,
        wheel_friction_coulomb_nm=wheels.friction_coulomb_nm,
        wheel_friction_viscous_nm_s=wheels.friction_viscous_nm_s,
        sun_axis_b=tuple(WING_NORMAL_B),
        orbit_period_s=world_builder.orbit_period_s(*planned),
    )


def onboard_stations(scenario: Scenario) -> tuple[OnboardStation, ...]:
    """The scenario's ground stations as the flight software's station table holds them."""
    return tuple(
        OnboardStation(
            s.name,
            math.radians(s.lat_deg),
            math.radians(s.lon_deg),
            s.alt_m,
            math.radians(s.min_elevation_deg),
        )
        for s in scenario.ground_stations
    )


def build_flight_software(
    scenario: Scenario,
    devices: DeviceSet,
    clock: Clock,
    tm_sink: Callable[[bytes], None],
    jd_epoch_utc: float,
    storage: Path,
) -> FlightSoftware:
    """The flight software, built by flight from its configuration (the nominal spacecraft and the
    station table) over `devices`, its onboard stores in `storage`."""
    return FlightSoftware(
        devices,
        adcs_config(scenario, jd_epoch_utc),
        clock,
        tm_sink,
        unix_s_from_julian_date(jd_epoch_utc),
        storage / "parameters.json",
        onboard_stations(scenario),
    )


def adcs_config(scenario: Scenario, jd_epoch_utc: float) -> AdcsConfig:
    """The flight software's ADCS configuration, derived by flight from the nominal spacecraft."""
    return nominal_spacecraft(scenario, jd_epoch_utc).adcs_config(jd_epoch_utc, Mode[scenario.start.mode])


def load_requests(flight: FlightSoftware, scenario: Scenario) -> None:
    """The scenario's imaging requests into the flight software's book (as if uplinked before the
    run); those already there, from an earlier run of the same folder, are kept as they are."""
    payload = flight.payload
    if scenario.requests and payload is None:
        raise ValueError("requests: the spacecraft has no imager to take them")
    for spec in scenario.requests:
        if spec.id not in payload.book.entries:
            payload.add_request(0.0, ImagingRequest(**dataclasses.asdict(spec)))
