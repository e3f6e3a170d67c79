"""The mission runner: builds the world, the devices (simulated or on serial boards), the flight
software and its clock, runs them in lockstep, records the truth each tick and sums it up.

Per frame: the flight software runs its rate groups; then the clock's `advance` reads back what
boards in the loop did, steps the world by one frame, records the truth, and stimulates the boards
with the new truth. Nothing in a frame allocates an array.
"""

import dataclasses
import functools
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from flight.adcs.attitude_loop import AdcsConfig
from flight.clock import SimClock, WallClock
from flight.software import ATTITUDE_HZ, FlightSoftware
from hal.devices import DeviceSet
from hal.serial_devices import SerialGyro, SerialReactionWheels
from hal.serial_link import SerialLink
from native import ffi, lib, ptr
from native.earth_model import MU_EARTH_M3_S2, R_EARTH_M
from sim import orbit
from sim.board_stimulus import BoardStimulus
from sim.devices.gnss import SimGnss
from sim.devices.gyro import SimGyro
from sim.devices.magnetometer import SimMagnetometer
from sim.devices.magnetorquers import SimMagnetorquers
from sim.devices.power_system import SimPowerSystem
from sim.devices.reaction_wheels import SimReactionWheels
from sim.devices.star_tracker import SimStarTracker
from sim.devices.sun_sensor import SimSunSensor
from sim.ephemeris import NumericalEphemeris, Sgp4Ephemeris
from sim.faults import Fault, inject
from sim.ground_station import GroundStation, Pass
from sim.randomness import model_seed
from sim.timescale import julian_date, parse_utc
from sim.tle import parse_tle
from sim.world import World
from zorka.ccsds_ephemeris import write_aem, write_oem
from zorka.scenario import Scenario
from zorka.scenario_file import faults
from zorka.summary import summarize

SERIAL_DEVICES = ("gyro", "wheels")
FRAME_S = 1.0 / ATTITUDE_HZ
PASS_HORIZON_S = 86400.0  # passes are predicted for at least a day
CHUNK_FRAMES = 600  # frames run between progress reports (and SGP4 table refills)
TRUTH_COLUMNS = lib.ZK_TRUTH_COLUMNS
BOARD_PING_TIMEOUT_S = 1.0


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
    )


class Mission:
    """One run of a scenario. `serial` maps device names ("gyro", "wheels") to the port of the board
    that serves them; the rest are simulated. `realtime` paces frames to the wall clock."""

    def __init__(
        self,
        scenario: Scenario,
        duration_s: float | None = None,
        serial: dict[str, str] | None = None,
        realtime: bool = False,
    ):
        self.scenario = scenario
        self.frame_s = FRAME_S
        self.world = build_world(scenario)
        if duration_s is None:
            duration_s = scenario.duration_s or orbit_period_s(self.world.r_eci, self.world.v_eci)
        self.duration_s = duration_s
        jd = self.world.c.jd_epoch_utc
        sgp4 = sgp4_ephemeris(scenario, jd)
        self._sgp4_truth = sgp4 if scenario.orbit.propagator == "sgp4" else None
        self.ephemeris = self._sgp4_truth or NumericalEphemeris(
            self.world.r_eci, self.world.v_eci, ffi.addressof(self.world.c, "forces")
        )
        self._orbit_table = np.zeros((CHUNK_FRAMES, 6))
        if self._sgp4_truth is not None:
            self._orbit_table_c = ptr(self._orbit_table.reshape(-1))
            self.world.c.orbit_table = self._orbit_table_c
        self.stations = [
            GroundStation(s.name, s.lat_deg, s.lon_deg, s.alt_m, s.min_elevation_deg)
            for s in scenario.ground_stations
        ]
        self.devices = simulated_devices(self.world, scenario)
        self.links: dict[str, SerialLink] = {}
        self.stimuli: list[BoardStimulus] = []
        self._attach_boards(serial or {})

        capacity = round(duration_s / self.frame_s) + 1
        self._err_deg = np.zeros(capacity)
        self._rate_err_deg_s = np.zeros(capacity)
        rec = ffi.new("zk_run_record *")
        rec.err_deg = ptr(self._err_deg)
        rec.rate_err_deg_s = ptr(self._rate_err_deg_s)
        rec.capacity = capacity
        rec.min_soc = self.world.c.power.soc
        rec.truth_every = max(1, round(1.0 / (scenario.report.truth_rate_hz * self.frame_s)))
        self._truth = np.zeros((capacity // rec.truth_every + 2, TRUTH_COLUMNS))
        self._truth[0] = np.concatenate(
            [[0.0], self.world.r_eci, self.world.v_eci, self.world.q_ib, self.world.w_b]
        )
        rec.truth = ptr(self._truth.reshape(-1))
        rec.truth_capacity = len(self._truth)
        rec.truth_n = 1
        self._record = rec
        self._world_c = self.world.c

        self.faults = faults(scenario)
        for fault in self.faults:
            if not hasattr(getattr(self.devices, fault.device), "inject"):
                raise ValueError(
                    f"fault at {fault.t_s:g} s: the {fault.device} is on a serial board, "
                    "which has no fault model"
                )
        self.injected: list[Fault] = []

        clock_type = WallClock if realtime else SimClock
        config = AdcsConfig(
            inertia_kg_m2=np.asarray(scenario.spacecraft.inertia_kg_m2),
            epoch_jd_utc=self.world.c.jd_epoch_utc,
            wheel_friction_coulomb_nm=scenario.spacecraft.wheels.friction_coulomb_nm,
            wheel_friction_viscous_nm_s=scenario.spacecraft.wheels.friction_viscous_nm_s,
        )
        self.flight = FlightSoftware(self.devices, config, clock_type(self._advance))
        self.wall_s = 0.0

    def _attach_boards(self, serial: dict[str, str]) -> None:
        wheels = self.scenario.spacecraft.wheels
        for device, port in serial.items():
            if device not in SERIAL_DEVICES:
                raise ValueError(
                    f"device {device!r} cannot be served over serial; use one of {SERIAL_DEVICES}"
                )
            link = self.links.setdefault(port, SerialLink(port))
            if device == "gyro":
                self.devices.gyro = SerialGyro(link)
            else:
                self.devices.wheels = SerialReactionWheels(
                    link, wheels.axis_b, wheels.inertia_kg_m2, wheels.torque_max_nm, wheels.speed_max_rad_s
                )
        for port, link in self.links.items():
            if not link.open():
                raise OSError(f"cannot open serial port {port}")
            served = [d for d, p in serial.items() if p == port]
            ping = link.request("board", "ping", timeout_s=BOARD_PING_TIMEOUT_S)
            if ping is None:
                raise OSError(f"no board answers on {port} (is `zorka board-server --port ...` serving it?)")
            missing = sorted(set(served) - set(ping.get("devices", [])))
            if missing:
                raise OSError(f"the board on {port} does not serve {', '.join(missing)}")
            stimulus = BoardStimulus(link, self.world, wheels="wheels" in served)
            stimulus.send_truth()
            self.stimuli.append(stimulus)

    def _advance(self, t_s: float) -> None:
        """Move the world to onboard time t_s (one frame), with the boards in lockstep."""
        world_c = self._world_c
        for stimulus in self.stimuli:
            stimulus.read_applied()
        lib.zk_world_step_to(world_c, t_s)
        lib.zk_run_record_tick(self._record, world_c)
        for stimulus in self.stimuli:
            stimulus.send_truth()

    def run(self, on_progress: Callable[[float], None] | None = None) -> dict:
        """Run the whole duration in chunks of frames; `on_progress(sim_s)` is called between them."""
        executive = self.flight.executive
        total = round(self.duration_s / self.frame_s)
        start = time.perf_counter()
        while executive.frame < total:
            self._inject_due_faults(executive.frame)
            frames = min(CHUNK_FRAMES, total - executive.frame, self._frames_to_next_fault(executive.frame))
            self._prepare_orbit_table(executive.frame, frames)
            executive.run_frames(frames)
            if on_progress is not None:
                on_progress(executive.t_s)
        self.wall_s += time.perf_counter() - start
        return self.summary()

    def _fault_frame(self, fault: Fault) -> int:
        """The frame before which a fault strikes: its time, rounded to a whole frame."""
        return round(fault.t_s / self.frame_s)

    def _inject_due_faults(self, frame: int) -> None:
        while (
            len(self.injected) < len(self.faults)
            and self._fault_frame(self.faults[len(self.injected)]) <= frame
        ):
            fault = self.faults[len(self.injected)]
            inject(self.devices, fault)
            self.injected.append(fault)

    def _frames_to_next_fault(self, frame: int) -> int:
        pending = self.faults[len(self.injected) :]
        return self._fault_frame(pending[0]) - frame if pending else CHUNK_FRAMES

    def _prepare_orbit_table(self, frame: int, frames: int) -> None:
        """With an SGP4 truth, the world's states at the ends of the next `frames` steps."""
        if self._sgp4_truth is None:
            return
        table = self._orbit_table[:frames]
        self._sgp4_truth.fill((frame + 1) * self.frame_s, self.frame_s, table[:, :3], table[:, 3:])
        world_c = self.world.c
        world_c.orbit_table_len = frames
        world_c.orbit_table_next = 0

    @functools.cached_property
    def passes(self) -> list[Pass]:
        """Passes over every ground station from the epoch over the run, or a day if the run is shorter,
        predicted from the truth orbit model."""
        jd = self.world.c.jd_epoch_utc
        horizon_s = max(self.duration_s, PASS_HORIZON_S)
        found = [p for s in self.stations for p in s.passes(self.ephemeris.fill, jd, 0.0, horizon_s)]
        return sorted(found, key=lambda p: p.aos_s)

    def summary(self) -> dict:
        n = self._record.n
        summary = summarize(
            seed=self.scenario.seed,
            sim_s=self.flight.executive.t_s,
            wall_s=self.wall_s,
            frame_s=self.frame_s,
            err_deg=self._err_deg[:n],
            rate_err_deg_s=self._rate_err_deg_s[:n],
            settle_threshold_deg=self.scenario.report.settle_threshold_deg,
            stats_from_s=self.scenario.report.stats_from_s,
            peak_wheel_speed_rad_s=self._record.peak_wheel_speed_rad_s,
            peak_wheel_momentum_fraction=self._record.peak_wheel_speed_fraction,
            overruns=self.flight.executive.overruns,
            min_soc=self._record.min_soc,
        )
        if self.faults:
            summary["faults"] = [
                {
                    "device": f.device,
                    "kind": f.kind,
                    "t_s": round(self._fault_frame(f) * self.frame_s, 6),
                    "injected": f in self.injected,
                }
                for f in self.faults
            ]
        if self.stations:
            in_run = [p for p in self.passes if p.aos_s < self.duration_s]
            summary["ground"] = {
                "stations": len(self.stations),
                "passes": len(in_run),
                "contact_s": round(sum(min(p.los_s, self.duration_s) - p.aos_s for p in in_run), 3),
            }
        if self.links:
            summary["serial"] = {port: self._link_figures(port) for port in self.links}
        return summary

    def _link_figures(self, port: str) -> dict:
        """What crossed a serial link, and what went wrong on it."""
        link = self.links[port]
        figures = dataclasses.asdict(link.counters)
        figures["bad_frames"] = link.frame_counters.rejected
        for stimulus in self.stimuli:
            if stimulus.link is link:
                figures.update(dataclasses.asdict(stimulus.counters))
        return figures

    def close(self) -> None:
        for link in self.links.values():
            link.close()

    def truth(self) -> np.ndarray:
        """Rows recorded so far: t_s, r_eci (3), v_eci (3), q_ib (4), w_b (3)."""
        return self._truth[: self._record.truth_n]

    def write_run_folder(self, summary: dict, out_dir: Path) -> Path:
        """summary.json, truth.oem and truth.aem in `out_dir`; the summary's path."""
        rows = self.truth()
        jd = self.world.c.jd_epoch_utc
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        write_oem(out_dir / "truth.oem", jd, rows[:, 0], rows[:, 1:4], rows[:, 4:7], created)
        write_aem(out_dir / "truth.aem", jd, rows[:, 0], rows[:, 7:11], created)
        if self.stations:
            (out_dir / "passes.json").write_text(
                json.dumps([pass_record(p) for p in self.passes], indent=2) + "\n"
            )
        path = out_dir / "summary.json"
        path.write_text(json.dumps(summary, indent=2) + "\n")
        return path


def pass_record(p: Pass) -> dict:
    """A pass as passes.json holds it: times in UTC and seconds since the epoch, elevation in degrees."""
    return {
        "station": p.station,
        "aos_utc": p.aos_utc.isoformat().replace("+00:00", "Z"),
        "los_utc": p.los_utc.isoformat().replace("+00:00", "Z"),
        "aos_s": round(p.aos_s, 3),
        "los_s": round(p.los_s, 3),
        "duration_s": round(p.duration_s, 3),
        "max_elevation_deg": round(float(np.degrees(p.max_elevation_rad)), 3),
        "max_elevation_utc": p.max_elevation_utc.isoformat().replace("+00:00", "Z"),
        "cut_by_run": bool(p.aos_cut or p.los_cut),
    }
