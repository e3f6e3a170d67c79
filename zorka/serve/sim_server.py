"""`zorka sim-server`: the world half of a flight-computer-in-the-loop bench. It owns the world and serves
the spacecraft's simulated devices on serial ports, where the flight computer (`zorka flight`, or a real
one) reads and commands them through hal's serial back end as it would real boards.

Each port holds one simulated board (`zorka.serve.served_board.ServedBoard`: the board server of
`zorka board-server`, served from a thread), reset and configured from the scenario (seed, device specs)
as the mission's rig configures a board, and stimulated in-process by that same rig
(`sim.board_stimulus.BoardStimulus`). The world waits at the epoch until the flight computer's first
device request, then steps at 10 Hz paced to the wall clock, half a frame ahead of the flight's frames:
at each tick what the boards' actuators applied drives the world over the next frame, and the new truth
goes to the boards, so the flight's frame N reads the truth of time N x 0.1 s and its commands act from
then, as in a lockstep run.

When it stops (the duration, Ctrl-C, SIGTERM) it writes truth.oem, truth.aem and summary.json (the world
side's figures) to `--out`. What the world side cannot compute: pointing and rate errors against what
the flight software commanded (the target lives on the flight computer; the flight's TM carries it), so
`attitude.error_deg` is null and the attitude is given off nadir instead.
"""

import argparse
import dataclasses
import json
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import serial

from flight.clock import WallClock
from native import lib
from sim.board_stimulus import BoardStimulus
from sim.world import World
from zorka.outputs.absolute_pointing import NadirPointing
from zorka.outputs.oem_aem import TruthFiles
from zorka.run.assembly import FRAME_S, build_world, sgp4_ephemeris
from zorka.run.attitude_error_stats import AttitudeErrorStats
from zorka.run.board_devices import board_name, devices_on_ports
from zorka.run.mission import BOARD_WATCHDOG_S
from zorka.run.recorder import BLOCK_FRAMES, RunRecorder
from zorka.run.steady_heap import freeze_built_objects
from zorka.run.truth_log import TruthLog
from zorka.run.truth_orbit import CHUNK_FRAMES, TruthOrbitTable
from zorka.scenario.device_routes import DEFAULT_BAUD, port_and_baud
from zorka.scenario.model import Scenario
from zorka.scenario.run_input import scenario_for
from zorka.serve.served_board import InProcessLink, ServedBoard

WAIT_POLL_S = 0.002
"""How often the world looks for the flight computer's first device request while it waits."""


def boards_of(assignments: list[tuple[list[str], str]]) -> list[tuple[str, int, list[str]]]:
    """The boards that `--serial DEVICES=PORT[@BAUD]` assignments ask for, as (port, baud, devices): a
    device given twice is on the later port (`all=pty imager=pty`: the imager alone on a second board),
    each `pty` assignment is a pseudo-terminal of its own, and assignments of one path are one board.
    ValueError (one line) for a device no board serves or a path given at two baud rates."""
    keyed: list[tuple[list[str], object]] = []
    bauds: dict[object, int] = {}
    for n, (names, line) in enumerate(assignments):
        key, baud = (("pty", n), DEFAULT_BAUD) if line == "pty" else port_and_baud(line)
        if bauds.setdefault(key, baud) != baud:
            raise ValueError(f"{key} is given at {bauds[key]} and at {baud} baud; give it one rate")
        keyed.append((names, key))
    on_port = devices_on_ports({device: key for names, key in keyed for device in names})
    return [
        (key if isinstance(key, str) else "pty", bauds[key], [d for d, k in on_port.items() if k == key])
        for key in dict.fromkeys(on_port.values())
    ]


class SimServer:
    """The world of `scenario` with its devices on `boards`, each (port, baud, devices) with port "pty" or
    a path (`boards_of`). Opens the ports; OSError if one cannot be opened."""

    def __init__(
        self, scenario: Scenario, boards: list[tuple[str, int, list[str]]], duration_s: float | None
    ):
        self.scenario = scenario
        self.duration_s = duration_s
        self.world: World = build_world(scenario)
        sgp4 = sgp4_ephemeris(scenario, self.world.c.jd_epoch_utc)
        self._orbit_table = (
            TruthOrbitTable(self.world, sgp4, FRAME_S) if scenario.orbit.propagator == "sgp4" else None
        )
        self.recorder = RunRecorder(self.world, FRAME_S, scenario.report.truth_rate_hz)
        self.errors = AttitudeErrorStats(FRAME_S, 0.0, scenario.report.settle_threshold_deg)
        row_dt_s = self.recorder.c.truth_every * FRAME_S
        self.truth_log = TruthLog(row_dt_s, NadirPointing(0.0), None)
        self.boards: dict[str, ServedBoard] = {}
        self.stimuli: dict[str, BoardStimulus] = {}
        self.served: dict[str, list[str]] = {}
        """The devices of each board, by its port's path."""
        try:
            for port, baud, devices in boards:
                self._serve(port, baud, devices)
        except BaseException:
            self.close()
            raise
        self.frames = 0
        self.wall_s = 0.0
        self.waited_s: float | None = None
        self.clock: WallClock | None = None
        self.ticks_late = 0

    def _serve(self, port: str, baud: int, devices: list[str]) -> None:
        """A board on `port` for `devices`, configured from the scenario, given the truth, served."""
        sc = self.scenario
        board = ServedBoard(
            port=port,
            seed=sc.seed,
            spacecraft=sc.spacecraft,
            gyro_period_s=FRAME_S,
            baudrate=baud,
            board_id=f"sim-{os.getpid()}-{len(self.boards) + 1}",
        )
        self.boards[board.path] = board
        self.served[board.path] = devices
        stimulus = BoardStimulus(InProcessLink(board), self.world, [board_name(d) for d in devices])
        stimulus.connect(sc.seed, FRAME_S, BOARD_WATCHDOG_S)
        stimulus.send_truth()
        self.stimuli[board.path] = stimulus
        board.start()

    def flight_started(self) -> bool:
        """True once the flight computer has sent a device request (a read or a command) to a board."""
        return any(board.watchdog.last_command_s is not None for board in self.boards.values())

    def run(self, stop: threading.Event) -> None:
        """Wait for the flight computer, then step the world in real time until the duration or `stop`."""
        waiting_from = time.monotonic()
        while not self.flight_started():
            if stop.wait(WAIT_POLL_S):
                return
        started = time.monotonic()
        self.waited_s = started - waiting_from
        freeze_built_objects()
        time.sleep(max(0.0, started + FRAME_S / 2 - time.monotonic()))
        self.clock = WallClock(self._advance)
        total = None if self.duration_s is None else round(self.duration_s / FRAME_S)
        while not stop.is_set() and (total is None or self.frames < total):
            if self._orbit_table is not None and self.frames % CHUNK_FRAMES == 0:
                self._orbit_table.prepare(self.frames, CHUNK_FRAMES)
            if not self.clock.wait_until((self.frames + 1) * FRAME_S):
                self.ticks_late += 1
        self.wall_s = time.monotonic() - started

    def _advance(self, t_s: float) -> None:
        """One tick: the actuators' applied values into the world, the world to `t_s`, the truth out."""
        for stimulus in self.stimuli.values():
            stimulus.read_applied()
        if self.recorder.c.n >= BLOCK_FRAMES - 2:
            self._take_record()
        lib.zk_world_step_to(self.world.c, t_s)
        lib.zk_run_record_tick(self.recorder.c, self.world.c)
        for stimulus in self.stimuli.values():
            stimulus.send_truth()
        self.frames += 1

    def _take_record(self) -> None:
        """The recorder's blocks into the error statistics and the truth rows file."""
        err_deg, rate_err_deg_s, rows = self.recorder.take()
        self.errors.add(err_deg, rate_err_deg_s)
        if len(rows):
            self.truth_log.append(rows, np.zeros(len(rows), dtype=bool))

    def summary(self) -> dict:
        """The world side's figures: what it can compute without the flight software's commands
        (percentiles from the log-binned histogram of `zorka.run.attitude_error_stats`)."""
        self._take_record()
        record = self.recorder.c
        sim_s = round(self.frames * FRAME_S, 6)
        off_nadir = self.errors.spreads(from_first=False)
        figures = {
            "side": "world",
            "seed": self.scenario.seed,
            "sim_s": sim_s,
            "wall_s": round(self.wall_s, 3),
            "real_time_factor": round(sim_s / self.wall_s, 3) if self.wall_s > 0 else None,
            "flight_waited_s": None if self.waited_s is None else round(self.waited_s, 3),
            "attitude": {
                "error_deg": None,
                "error_not_computed": "pointing errors need the target the flight software commanded, "
                "which only the flight computer holds: see `zorka flight`'s summary and TM",
                "off_nadir_deg": {k: off_nadir["err"].figure(k) for k in ("mean", "p99", "max")},
                "rate_off_nadir_deg_s": {k: off_nadir["rate"].figure(k) for k in ("mean", "p99", "max")},
            },
            "wheels": {
                "peak_speed_rpm": round(record.peak_wheel_speed_rad_s * 60.0 / (2.0 * np.pi), 6),
                "peak_momentum_fraction": round(record.peak_wheel_speed_fraction, 9),
            },
            "power": {"min_soc": round(record.min_soc, 9)},
            "realtime": {
                "ticks_late": self.ticks_late,
                "tick_start_lateness": None if self.clock is None else self.clock.lateness.figures_ms(),
            },
            "boards": {path: self._board_figures(path) for path in self.boards},
        }
        return figures

    def _board_figures(self, path: str) -> dict:
        board = self.boards[path]
        return {
            "devices": self.served[path],
            **dataclasses.asdict(board.counters),
            "bad_frames": board.frame_counters.rejected,
            "watchdog_trips": board.watchdog.trips,
            "rig": dataclasses.asdict(self.stimuli[path].counters),
        }

    def write_folder(self, out_dir: Path) -> Path:
        """truth.oem, truth.aem and summary.json in `out_dir`; the summary's path."""
        out_dir.mkdir(parents=True, exist_ok=True)
        self._take_record()
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        files = TruthFiles(out_dir, self.world.c.jd_epoch_utc, created)
        for rows in self.truth_log.blocks():
            files.append(rows)
        files.close()
        path = out_dir / "summary.json"
        path.write_text(json.dumps(self.summary(), indent=2) + "\n")
        return path

    def close(self) -> None:
        for board in self.boards.values():
            board.stop()
            board.close()


def sim_server_command(args: argparse.Namespace) -> int:
    """`zorka sim-server`: 2 on a bad scenario or device list, 1 if a port cannot be opened, else 0 after
    writing the world's folder."""
    scenario = scenario_for("sim-server", args.scenario, args.out)
    if scenario is None:
        return 2
    try:
        server = SimServer(scenario, boards_of(args.serial), args.duration)
    except ValueError as problem:
        print(f"zorka sim-server: error: {problem}", file=sys.stderr)
        return 2
    except (OSError, serial.SerialException) as failure:
        print(f"zorka sim-server: error: cannot serve the boards: {failure}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def _stop(_signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for path, devices in server.served.items():
            print(f"zorka sim-server: serving {', '.join(devices)} on {path}", flush=True)
        print("zorka sim-server: the world waits at the epoch for the flight computer", flush=True)
        server.run(stop)
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    path = server.write_folder(args.out)
    print(f"zorka sim-server: {server.frames * FRAME_S:.1f} s simulated; {path}", flush=True)
    return 0
