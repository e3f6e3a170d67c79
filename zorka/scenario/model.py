"""Scenarios: what a mission run starts from.

`Scenario()` is what a scenario file's missing keys take: one orbit of a 500 km sun-synchronous orbit
(10:30 descending node) with the default ~130 kg imager starting 10 deg off nadir with small rates, and no
station, radio or request. `DEFAULT_SCENARIO`, what `zorka run` flies without a file, adds the whole
chain to it: imaging requests, their captures and their downlink to a station. Scenario files
(`zorka.scenario.toml_file`) override any part of `Scenario()`; the field metadata here (unit, allowed
range, help) is what their validation and the commented default file are made from.
"""

import math
from dataclasses import dataclass, field

from sim.orbit_spec import OrbitSpec, meta
from sim.spacecraft import DEFAULT_SPACECRAFT, Spacecraft
from sim.world import Environment
from zorka.scenario.campaign_spec import CampaignSpec

DEFAULT_EPOCH_UTC = "2026-06-21T00:00:00Z"


@dataclass(frozen=True)
class StartSpec:
    """The attitude at the epoch, relative to nadir pointing."""

    offset_deg: float = field(
        default=10.0, metadata=meta("rotation of the body away from nadir", "deg", 0.0, 180.0)
    )
    offset_axis_b: tuple[float, float, float] = field(
        default=(0.6, -0.7, 0.4), metadata=meta("axis of that rotation in body (normalised)")
    )
    rate_deg_s: tuple[float, float, float] = field(
        default=(0.05, -0.03, 0.04), metadata=meta("body rate on top of the nadir frame's", "deg/s")
    )
    mode: str = field(
        default="NOMINAL", metadata=meta("ADCS mode at the start: DETUMBLE, SUN_SAFE or NOMINAL")
    )


@dataclass(frozen=True)
class FlightSpec:
    """The figures the flight software is loaded with, where the flight team's differ from the spacecraft
    description (the truth); unset: the description's."""

    inertia_kg_m2: tuple[tuple[float, float, float], ...] | None = field(
        default=None, metadata=meta("inertia as the mass-property budget gives it, 3 x 3", "kg m^2")
    )
    star_tracker_boresight_tilt_rad: float | None = field(
        default=None, metadata=meta("star tracker mounting tilt as calibrated", "deg", -90.0, 90.0)
    )


@dataclass(frozen=True)
class StationSpec:
    """A ground station (the values shown are an example: Svalbard)."""

    name: str = field(default="Svalbard", metadata=meta("name in reports"))
    lat_deg: float = field(default=78.23, metadata=meta("geodetic latitude, WGS-84", "deg", -90.0, 90.0))
    lon_deg: float = field(default=15.39, metadata=meta("longitude, east positive", "deg", -180.0, 360.0))
    alt_m: float = field(default=500.0, metadata=meta("height above the ellipsoid", "m", -500.0, 9000.0))
    min_elevation_deg: float = field(
        default=5.0, metadata=meta("elevation above which the station sees the satellite", "deg", 0.0, 89.0)
    )


@dataclass(frozen=True)
class FaultSpec:
    """A device fault injected at a time (the values shown are an example)."""

    device: str = field(
        default="star_tracker",
        metadata=meta(
            "device that fails: gyro, star_tracker, magnetometer, "
            "sun_sensor, gnss, wheels, magnetorquers, power"
        ),
    )
    kind: str = field(default="dead", metadata=meta("stuck, dead, noisy or biased"))
    t_s: float = field(default=1800.0, metadata=meta("time it strikes, after the epoch", "s", 0.0))
    factor: float | None = field(default=None, metadata=meta("noisy: noise multiplier", "", 0.0))
    bias: tuple[float, ...] | None = field(
        default=None, metadata=meta("biased: added to each output, in the device's SI units", "", None)
    )
    unit: int | None = field(
        default=None, metadata=meta("one unit of a set (a wheel, by index); unset: all", "", 0)
    )


@dataclass(frozen=True)
class ReportSpec:
    """How the run's figures are taken."""

    settle_threshold_deg: float = field(
        default=0.1,
        metadata=meta("pointing error under which the attitude counts as settled", "deg", 0.0, 180.0, True),
    )
    stats_from_s: float = field(default=300.0, metadata=meta("error statistics start here", "s", 0.0))
    truth_rate_hz: float = field(
        default=1.0, metadata=meta("rows per second of truth.oem and truth.aem", "Hz", 0.0, 10.0, True)
    )


@dataclass(frozen=True)
class RequestSpec:
    """An imaging request loaded on board before the run (the values shown are an example: Minsk)."""

    id: str = field(default="T001", metadata=meta("request id (letters, digits, _ and -; at most 48)"))
    lat_rad: float = field(
        default=math.radians(53.9), metadata=meta("target geodetic latitude, WGS-84", "deg", -90.0, 90.0)
    )
    lon_rad: float = field(
        default=math.radians(27.56), metadata=meta("target longitude, east positive", "deg", -180.0, 360.0)
    )
    alt_m: float = field(
        default=0.0,
        metadata=meta(
            "target height above the WGS-84 ellipsoid; unset: 0, on the ellipsoid", "m", -500.0, 9000.0
        ),
    )
    priority: int = field(default=7, metadata=meta("worth of the capture to the planner", "", 1, 1000))
    duration_s: float = field(default=8.0, metadata=meta("capture length", "s", 0.5, 120.0))
    max_off_nadir_rad: float = field(
        default=math.radians(40.0),
        metadata=meta("largest off-nadir angle of the line of sight", "deg", 0.0, 60.0),
    )
    min_sun_elevation_rad: float = field(
        default=math.radians(12.0), metadata=meta("lowest sun elevation at the target", "deg", -90.0, 90.0)
    )
    window_start_s: float | None = field(
        default=None, metadata=meta("earliest capture start after the epoch; unset: any", "s", 0.0)
    )
    window_end_s: float | None = field(
        default=None, metadata=meta("latest capture end after the epoch; unset: any", "s", 0.0)
    )
    end_lat_rad: float | None = field(
        default=None,
        metadata=meta("a strip's end latitude (scanned over duration_s); unset: a point", "deg", -90.0, 90.0),
    )
    end_lon_rad: float | None = field(
        default=None, metadata=meta("a strip's end longitude", "deg", -180.0, 360.0)
    )


@dataclass(frozen=True)
class CommandSpec:
    """A telecommand the ground sends at a time (the values shown are an example)."""

    t_s: float = field(
        default=600.0,
        metadata=meta("time it is queued on the ground; outside a pass it waits for the next", "s", 0.0),
    )
    name: str = field(default="ping", metadata=meta("command name in the dictionary (`zorka dict`)"))
    args: dict[str, float | int | bool | str] = field(
        default_factory=dict,
        metadata=meta('arguments by name, e.g. { mode = "SUN_SAFE" } (enums by name or code)'),
    )


@dataclass(frozen=True)
class LinkSpec:
    """The simulated radio between the ground stations and the spacecraft (unset: no radio)."""

    # Rates are bit/s inside; the units and ranges here are the file's (kbit/s).
    downlink_bps: float = field(default=2e6, metadata=meta("downlink data rate", "kbit/s", 0.0, 1e6, True))
    uplink_bps: float = field(default=64e3, metadata=meta("uplink data rate", "kbit/s", 0.0, 1e5, True))
    frame_loss: float = field(
        default=0.0, metadata=meta("probability that a frame is lost, each way", "", 0.0, 0.5)
    )
    delay_s: float = field(default=0.0, metadata=meta("one-way delay", "s", 0.0, 10.0))
    pass_loss: float = field(
        default=0.0, metadata=meta("probability that a whole pass is lost (an outage), seeded", "", 0.0, 0.9)
    )
    commands: tuple[CommandSpec, ...] = field(
        default=(), metadata=meta("telecommands sent from the ground, each at its time")
    )


def _route(device: str, gnss: bool = False) -> dict:
    receivers = ", ubx:PORT[@BAUD] or nmea:PORT[@BAUD] (a receiver's own protocol)" if gnss else ""
    return meta(f"the {device}: sim, or serial:PORT[@BAUD] (a board){receivers}")


@dataclass(frozen=True)
class HalSpec:
    """Where each device lives: simulated, or on a serial port (--serial and --gnss win over this)."""

    gyro: str = field(default="sim", metadata=_route("rate gyro"))
    star_tracker: str = field(default="sim", metadata=_route("star tracker"))
    magnetometer: str = field(default="sim", metadata=_route("magnetometer"))
    sun_sensor: str = field(default="sim", metadata=_route("sun sensors"))
    gnss: str = field(default="sim", metadata=_route("GNSS receiver", gnss=True))
    wheels: str = field(default="sim", metadata=_route("reaction wheels"))
    magnetorquers: str = field(default="sim", metadata=_route("magnetorquers"))
    power: str = field(default="sim", metadata=_route("EPS board"))
    imager: str = field(default="sim", metadata=_route("imager"))


@dataclass(frozen=True)
class Scenario:
    """A mission run: when, where, which spacecraft, and what happens to it."""

    seed: int = field(default=1, metadata=meta("seed of every noise generator", "", 0, 2**63 - 1))
    epoch_utc: str = field(
        default=DEFAULT_EPOCH_UTC,
        metadata=meta("start of the run (ISO 8601 UTC); with a TLE, default its epoch"),
    )
    duration_s: float | None = field(
        default=None,
        metadata=meta("simulated time; unset: one orbit (--duration overrides)", "s", 0.0, None, True),
    )
    orbit: OrbitSpec = field(default_factory=OrbitSpec)
    start: StartSpec = field(default_factory=StartSpec)
    spacecraft: Spacecraft = field(default_factory=lambda: DEFAULT_SPACECRAFT)
    flight: FlightSpec = field(default_factory=FlightSpec)
    environment: Environment = field(default_factory=Environment)
    report: ReportSpec = field(default_factory=ReportSpec)
    ground_stations: tuple[StationSpec, ...] = field(
        default=(), metadata=meta("ground stations: passes over the run go to passes.json")
    )
    faults: tuple[FaultSpec, ...] = field(default=(), metadata=meta("device faults, each at its time"))
    link: LinkSpec | None = field(
        default=None, metadata=meta("the radio link over the ground stations' passes; unset: none")
    )
    requests: tuple[RequestSpec, ...] = field(
        default=(), metadata=meta("imaging requests on board at the start (the spacecraft needs an imager)")
    )
    hal: HalSpec = field(default_factory=HalSpec)
    campaign: CampaignSpec = field(default_factory=CampaignSpec)


MISSION_EPOCH_UTC = "2026-06-21T09:52:00Z"


def _city(request_id: str, lat_deg: float, lon_deg: float, priority: int) -> RequestSpec:
    return RequestSpec(
        id=request_id,
        lat_rad=math.radians(lat_deg),
        lon_rad=math.radians(lon_deg),
        priority=priority,
        duration_s=6.0,
    )


DEFAULT_SCENARIO = Scenario(
    epoch_utc=MISSION_EPOCH_UTC,
    duration_s=1500.0,
    orbit=OrbitSpec(true_anomaly_deg=75.0),
    ground_stations=(StationSpec(name="Matera", lat_deg=40.65, lon_deg=16.70, alt_m=540.0),),
    link=LinkSpec(),
    requests=(
        _city("STOCKHOLM", 59.33, 18.07, 8),
        _city("GDANSK", 54.35, 18.65, 6),
        _city("PRAGUE", 50.08, 14.44, 7),
        _city("VIENNA", 48.21, 16.37, 9),
        _city("ROME", 41.90, 12.50, 10),
    ),
)
"""The built-in mission, `zorka run` without a file: 25 minutes from near the north pole down over Europe
(the orbit starts at 75 deg past the ascending node, the epoch puts the descending track over 15-20 deg
east). Five cities under the track are captured from ~700 s on and their products downlinked to Matera
(pass ~720-1,280 s) over the simulated radio; the run ends after the pass."""
