"""The mission runner: builds the world, the devices (simulated or on serial boards), the flight
software and its clock, runs them in lockstep, records the truth each tick and sums it up.

Per frame: the flight software runs its rate groups; then the clock's `advance` reads back what
boards in the loop did, steps the world by one frame, records the truth, and stimulates the boards
with the new truth. In lockstep the world never steps before every board has answered: a board silent
for BOARD_FAILURE_TIMEOUT_S is declared failed and the run ends there (`board_failure`). Nothing in a
frame allocates an array.
"""

import dataclasses
import functools
import math
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from flight.clock import SimClock, WallClock
from hal.serial_link import SerialLink
from native import ffi, lib
from native.time_scales import SECONDS_PER_DAY, utc_from_julian_date
from sim.board_stimulus import BoardStimulus
from sim.devices.gnss import SimGnss
from sim.ephemeris import NumericalEphemeris
from sim.faults import Fault, inject
from sim.ground_station import GroundStation, Pass
from sim.world_builder import orbit_period_s
from zorka.outputs.absolute_pointing import CaptureInterval, NadirPointing, absolute_pointing
from zorka.outputs.dictionary_json import dictionary_document
from zorka.outputs.geolocation import geolocation_figures, judge_product
from zorka.outputs.oem_aem import TruthFiles
from zorka.outputs.summary import summarize
from zorka.outputs.tm_files import TmLog
from zorka.run.assembly import (
    FRAME_S,
    build_flight_software,
    build_world,
    load_requests,
    sgp4_ephemeris,
    simulated_devices,
)
from zorka.run.attitude_error_stats import AttitudeErrorStats
from zorka.run.board_devices import board_links, board_name, devices_on_ports, routed_lines, serial_device
from zorka.run.flight_figures import (
    commanding_figures,
    imaging_figures,
    realtime_figures,
    serial_link_figures,
)
from zorka.run.fused_loop import FusedLoop
from zorka.run.link_ports import LinkPorts, flight_link_ports
from zorka.run.radio_link import RadioLink
from zorka.run.recorder import BLOCK_FRAMES, RunRecorder
from zorka.run.steady_heap import freeze_built_objects
from zorka.run.truth_log import TruthLog
from zorka.run.truth_orbit import CHUNK_FRAMES, TruthOrbitTable
from zorka.scenario.limits import check_run_duration
from zorka.scenario.model import Scenario
from zorka.scenario.toml_file import faults

if TYPE_CHECKING:  # the GNSS line's module and its protocol libraries (~90 ms) only for --gnss
    from zorka.run.gnss_line import GnssLine

BOARD_WATCHDOG_S = 2.0  # a board puts its actuators in their safe state after this long without a command
LINK_TIMEOUT_S = 0.05  # in real time, a board's reply comes within this or the frame goes on without it
LINK_RETRIES = 1  # in real time, a request without a reply is sent once more, halfway through its timeout
BOARD_FAILURE_TIMEOUT_S = 10.0
"""In lockstep the world waits this long for a board's reply (resending, reopening a lost port); past it
the board is declared failed and the run ends."""
LOCKSTEP_RETRIES = 8  # in lockstep, a request without a reply is sent again up to 8 times ...
LOCKSTEP_RETRY_AFTER_S = (
    0.25  # ... 0.25 s apart (plus its time on the line), then waited for until the timeout
)
PASS_HORIZON_S = SECONDS_PER_DAY  # passes are predicted for at least a day


class BoardFailedError(OSError):
    """A board in lockstep that did not answer within BOARD_FAILURE_TIMEOUT_S: the run ends there."""


class Mission:
    """One run of a scenario. `serial` maps device names (`SERIAL_DEVICES`, or "all") to the port of the
    board that serves them; the rest are simulated. `realtime` paces frames to the wall clock. With `out_dir`,
    the telemetry streams to out_dir/tm.bin (appended, rotated: zorka/outputs/tm_files.py; `keep_tm_bytes`:
    a resumed run's tm.bin is cut to that and appended to, and `keep_link_bytes` the radio's files), the
    tunable parameters persist in out_dir/parameters.json and the truth goes to out_dir/truth.oem and
    truth.aem as the run goes (unless not `truth_files`: a campaign's seed keeps none; `keep_truth`: a
    resumed run's, cut to what its checkpoint counted); without,
    telemetry is only counted and parameters live in a temporary folder. A scenario with a `link` table
    gets a simulated radio over its passes (`zorka.run.radio_link`); without one, nothing of it runs."""

    def __init__(
        self,
        scenario: Scenario,
        duration_s: float | None = None,
        serial: dict[str, str] | None = None,
        realtime: bool = False,
        out_dir: Path | None = None,
        gnss: str | None = None,
        keep_tm_bytes: int | None = None,
        keep_link_bytes: dict[str, int] | None = None,
        keep_truth: dict | None = None,
        truth_files: bool = True,
        fuse: bool = True,
    ):
        self.scenario = scenario
        self.frame_s = FRAME_S
        self.world = build_world(scenario)
        if duration_s is None:
            duration_s = scenario.duration_s or orbit_period_s(self.world.r_eci, self.world.v_eci)
        check_run_duration(duration_s, live=realtime)  # before the recorder sizes itself from it
        self.duration_s = duration_s
        jd = self.world.c.jd_epoch_utc
        sgp4 = sgp4_ephemeris(scenario, jd)
        self._sgp4_truth = sgp4 if scenario.orbit.propagator == "sgp4" else None
        self.ephemeris = self._sgp4_truth or NumericalEphemeris(
            self.world.r_eci, self.world.v_eci, ffi.addressof(self.world.c, "forces")
        )
        self._orbit_table = (
            None if self._sgp4_truth is None else TruthOrbitTable(self.world, self._sgp4_truth, self.frame_s)
        )
        self.stations = [
            GroundStation(s.name, s.lat_deg, s.lon_deg, s.alt_m, s.min_elevation_deg)
            for s in scenario.ground_stations
        ]
        self.devices = simulated_devices(self.world, scenario)
        self.links: dict[str, SerialLink] = {}
        self.stimuli: list[BoardStimulus] = []
        self.realtime = realtime
        self.board_failure: str | None = None
        """Why the run ended early: a board in lockstep declared failed (None if it did not)."""
        serial, gnss = routed_lines(scenario.hal, serial or {}, gnss)
        self._attach_boards(serial)

        self.recorder = RunRecorder(self.world, self.frame_s, scenario.report.truth_rate_hz)
        self._record = self.recorder.c
        report = scenario.report
        self.errors = AttitudeErrorStats(self.frame_s, report.stats_from_s, report.settle_threshold_deg)
        """The per-frame attitude errors, as streaming statistics (`zorka.run.attitude_error_stats`)."""
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        jd = self.world.c.jd_epoch_utc
        files = TruthFiles(out_dir, jd, created, keep_truth) if out_dir is not None and truth_files else None
        self.truth_log = TruthLog(
            self._record.truth_every * self.frame_s, NadirPointing(report.stats_from_s), files
        )
        """The truth rows, streamed to their files and statistics (`zorka.run.truth_log`)."""
        self._world_c = self.world.c

        self.faults = faults(scenario)
        for fault in self.faults:
            if not hasattr(getattr(self.devices, fault.device), "inject"):
                raise ValueError(
                    f"fault at {fault.t_s:g} s: the {fault.device} is on a serial board, "
                    "which has no fault model"
                )
        self.injected: list[Fault] = []
        self.restarts_at_s: list[float] = []
        """Onboard times at which a resumed run restarted its flight software (`zorka.run.checkpoint`)."""

        self.clock = (WallClock if realtime else SimClock)(self._advance)
        self.tm_packets = 0
        self.tm_bytes = 0
        self.tm_listeners: list[Callable[[bytes], None]] = []  # e.g. a ground link: every TM packet
        self.frame_hooks: list[Callable[[], None]] = []  # between frames, e.g. polling a link for TCs
        self.chunk_hooks: list[Callable[[], None]] = []  # between chunks of `run`, e.g. a checkpoint
        # a simulated imager records the truth of a capture; a board's records each `sim.truth` it is sent
        if hasattr(self.devices.imager, "record"):
            self.frame_hooks.append(self.devices.imager.record)
            self.devices.imager.render_in_background = realtime
        self.gnss_line: GnssLine | None = None
        if gnss is not None:
            self._attach_gnss_line(gnss)
        run_dir = out_dir
        if out_dir is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="zorka-")
            out_dir = Path(self._scratch.name)
            self._tm_file = None
        else:
            self._tm_file = TmLog(out_dir, keep_bytes=keep_tm_bytes)
        self.flight = build_flight_software(
            scenario,
            self.devices,
            self.clock,
            self._downlink,
            self.world.c.jd_epoch_utc,
            out_dir,
        )
        self.recorder.follow(self.flight.attitude.control.c)  # errors against what it was told
        self.nadir_rows = np.zeros(self.recorder.truth_rows_capacity, dtype=bool)
        """Per truth row of the recorder's block: the ADCS was flying its nadir law (no slew), for the
        absolute pointing error."""
        self._rows_noted = 1
        self.frame_hooks.append(self._note_nadir_row)
        self.products: list[dict] = []
        """Each product's metadata as stored, with its geolocation judged (`zorka.outputs.geolocation`)."""
        if self.flight.payload is not None:
            self.flight.payload.product_hooks.append(self._judge_product)
        self.wall_s = 0.0
        self.radio_link = None
        if scenario.link is not None:
            self.radio_link = RadioLink(
                self.ports(),
                scenario.link,
                dictionary_document(self.flight.dictionary),
                run_dir,
                keep_bytes=keep_link_bytes,
            )
        load_requests(self.flight, scenario)
        self.fuse = fuse
        """Whether frames between Python events may run in the fused C loop (`zorka.run.fused_loop`); the
        per-frame path gives bit-identical results, and the environment can force it too."""
        self._fused: FusedLoop | bool | None = None  # made at the first frame, once every hook is added

    def ports(self) -> LinkPorts:
        """What a link attached to this mission may use of it."""
        return flight_link_ports(
            self.flight,
            self.tm_listeners.append,
            self.frame_hooks.append,
            lambda: [(p.aos_s, p.los_s) for p in self.passes],
            self.scenario.seed,
        )

    def _attach_boards(self, serial: dict[str, str]) -> None:
        """The devices of `serial` (names, or "all") on the boards of their ports, each board reset and
        configured from the scenario before the mission starts. In real time a request waits
        LINK_TIMEOUT_S (sent again once); in lockstep up to BOARD_FAILURE_TIMEOUT_S (resent, its port
        reopened if lost)."""
        if self.realtime:
            timeout_s, retries, retry_after_s = LINK_TIMEOUT_S, LINK_RETRIES, None
        else:
            timeout_s, retries, retry_after_s = (
                BOARD_FAILURE_TIMEOUT_S,
                LOCKSTEP_RETRIES,
                LOCKSTEP_RETRY_AFTER_S,
            )
        lines = devices_on_ports(serial)
        if self.devices.imager is None:  # no imager on this spacecraft: none on a board either
            lines.pop("imager", None)
        links, on_port = board_links(lines, timeout_s, retries=retries, retry_after_s=retry_after_s)
        self.links.update(links)
        sc = self.scenario.spacecraft
        for device, port in on_port.items():
            link = self.links[port]
            setattr(self.devices, device, serial_device(device, link, sc, lockstep=not self.realtime))
            self.devices.board_links[device] = link
        for port, link in self.links.items():
            if not link.open():
                raise OSError(f"cannot open serial port {port}: {link.open_error}")
            served = [board_name(d) for d, p in on_port.items() if p == port]
            stimulus = BoardStimulus(link, self.world, served, timeout_s)
            stimulus.connect(self.scenario.seed, self.frame_s, BOARD_WATCHDOG_S)
            stimulus.send_truth()
            self.stimuli.append(stimulus)
            if not self.realtime:
                link.on_unanswered = functools.partial(self._declare_failed, port)

    def _attach_gnss_line(self, spec: str) -> None:
        """The flight software's GNSS as a receiver on a serial line (`zorka.run.gnss_line`)."""
        from zorka.run.gnss_line import GnssLine, parse_gnss_line

        protocol, port, baud = parse_gnss_line(spec)
        if not isinstance(self.devices.gnss, SimGnss):
            raise ValueError("--gnss: the GNSS is already on a board (--serial); give it one or the other")
        epoch_utc = utc_from_julian_date(self.world.c.jd_epoch_utc)
        self.gnss_line = GnssLine(protocol, port, baud, self.devices.gnss, epoch_utc)
        self.devices.gnss = self.gnss_line.receiver
        world = self.world
        line = self.gnss_line
        self.frame_hooks.append(lambda: line.step(world.t_s))

    def _advance(self, t_s: float) -> None:
        """Move the world to onboard time t_s (one frame), with the boards in lockstep; the recorder's
        blocks emptied first if all but full (a caller running many frames without `run_frames`)."""
        if self._record.n >= BLOCK_FRAMES - 2:
            self.take_record()
        if self._fused and self._fused.advance():
            return
        world_c = self._world_c
        for stimulus in self.stimuli:
            stimulus.read_applied()
        lib.zk_world_step_to(world_c, t_s)
        lib.zk_run_record_tick(self._record, world_c)
        for stimulus in self.stimuli:
            stimulus.send_truth()
        for hook in self.frame_hooks:
            hook()

    def _note_nadir_row(self) -> None:
        """After a frame that wrote a truth row: whether the ADCS flew nadir in it."""
        rows = self._record.truth_n
        if rows != self._rows_noted:
            attitude = self.flight.attitude
            self.nadir_rows[rows - 1] = attitude.guidance is attitude.nadir
            self._rows_noted = rows

    def _judge_product(self, metadata: dict) -> None:
        """A product about to be stored: its onboard footprint against the true one, into its metadata."""
        epoch_offset_s = (self.flight.payload.epoch_jd_utc - self.world.c.jd_epoch_utc) * SECONDS_PER_DAY
        judged = judge_product(metadata, epoch_offset_s)
        if judged is not None:
            metadata.update(judged)
        self.products.append(metadata)

    def _declare_failed(self, port: str) -> None:
        """In lockstep, a request to the board on `port` went unanswered for BOARD_FAILURE_TIMEOUT_S: the
        board is declared failed and the run ends here, before the world steps without it."""
        raise BoardFailedError(
            f"the board on {port} did not answer for {BOARD_FAILURE_TIMEOUT_S:g} s "
            f"(at t = {self.world.t_s:.1f} s): declared failed, run ended"
        )

    def run(self, on_progress: Callable[[float], None] | None = None) -> dict:
        """Run the rest of the duration in chunks of frames; `on_progress(sim_s)` is called between them."""
        executive = self.flight.executive
        total = round(self.duration_s / self.frame_s)
        if isinstance(self.clock, WallClock) and not self.clock.started:
            if self.stations:
                self.passes  # noqa: B018 - predicted now (~0.4 s a day), not inside a frame's summary
            freeze_built_objects()
            self.clock.start(executive.t_s)
        start = time.perf_counter()
        try:
            while executive.frame < total:
                self.run_frames(min(CHUNK_FRAMES, total - executive.frame))
                for hook in self.chunk_hooks:
                    hook()
                if on_progress is not None:
                    on_progress(executive.t_s)
        except BoardFailedError as failure:
            self.board_failure = str(failure)
        finally:  # a live session ends by Ctrl-C or SIGTERM (KeyboardInterrupt): its wall time counts too
            self.wall_s += time.perf_counter() - start
        return self.summary()

    def run_frames(self, count: int) -> None:
        """Run `count` frames, faults striking at their frames and an SGP4 truth fed ahead: what `run`
        does, for callers that act on the flight software in between (scripted tests, a console)."""
        executive = self.flight.executive
        end = executive.frame + count
        while executive.frame < end:
            self._inject_due_faults(executive.frame)
            frames = min(CHUNK_FRAMES, end - executive.frame, self._frames_to_next_fault(executive.frame))
            if self._orbit_table is not None:
                self._orbit_table.prepare(executive.frame, frames)
            self._run_span(frames)
            if self._record.n > BLOCK_FRAMES - CHUNK_FRAMES - 1:  # the next span might not fit
                self.take_record()

    @property
    def record_taken(self) -> bool:
        """The recorder's blocks are empty: `take_record` just ran, at a frame the run's own flushes fix,
        and taking them now would change nothing (a checkpoint waits for such a moment, so that its
        statistics are summed in the same blocks with or without checkpoints)."""
        return self._record.n == 0 and self._record.truth_n == 0

    def take_record(self) -> None:
        """The recorder's blocks emptied into the error statistics and the truth log: after a span of frames
        when the next might not fit, before a summary, a checkpoint or the truth is read."""
        err_deg, rate_err_deg_s, rows = self.recorder.take()
        self.errors.add(err_deg, rate_err_deg_s)
        if len(rows):
            self.truth_log.append(rows, self.nadir_rows[: len(rows)])
        self._rows_noted = 0

    def _run_span(self, count: int) -> None:
        """Run `count` frames: through the fused loop where it may run them, else frame by frame."""
        executive = self.flight.executive
        if self._fused is None:
            self._fused = FusedLoop(self) if self.fuse and FusedLoop.applies(self) else False
        if not self._fused:
            executive.run_frames(count)
            return
        end = executive.frame + count
        while executive.frame < end:
            if not self._fused.run(end - executive.frame):
                executive.run_frames(1)

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

    @property
    def passes_horizon_s(self) -> float:
        """How far from the epoch `passes` predicts."""
        return PASS_HORIZON_S if self.realtime else max(self.duration_s, PASS_HORIZON_S)

    @functools.cached_property
    def passes(self) -> list[Pass]:
        """Passes over every ground station from the epoch over the run, or a day if the run is shorter,
        predicted from the truth orbit model; over the first day only in real time (a live session's
        duration may be a year: predicted before the clock starts, see `run`)."""
        jd = self.world.c.jd_epoch_utc
        horizon_s = self.passes_horizon_s
        found = [p for s in self.stations for p in s.passes(self.ephemeris.fill, jd, 0.0, horizon_s)]
        return sorted(found, key=lambda p: p.aos_s)

    def summary(self) -> dict:
        self.take_record()
        summary = summarize(
            seed=self.scenario.seed,
            sim_s=self.flight.executive.t_s,
            wall_s=self.wall_s,
            errors=self.errors,
            stats_from_s=self.scenario.report.stats_from_s,
            peak_wheel_speed_rad_s=self._record.peak_wheel_speed_rad_s,
            peak_wheel_momentum_fraction=self._record.peak_wheel_speed_fraction,
            overruns=self.flight.executive.overruns,
            min_soc=self._record.min_soc,
        )
        summary["commanding"] = commanding_figures(self.flight)
        summary["telemetry"] = {"packets": self.tm_packets, "bytes": self.tm_bytes}
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
        if self.restarts_at_s:
            summary["restarts"] = {
                "count": len(self.restarts_at_s),
                "at_s": [round(t_s, 3) for t_s in self.restarts_at_s],
                "boot_count": self.flight.boot_count,
            }
        if self.stations:
            end_s = min(self.sim_s, self.passes_horizon_s) if self.realtime else self.duration_s
            in_run = [p for p in self.passes if p.aos_s < end_s]
            summary["ground"] = {
                "stations": len(self.stations),
                "passes": len(in_run),
                "contact_s": round(sum(min(p.los_s, end_s) - p.aos_s for p in in_run), 3),
            }
            if self.realtime:  # a live session counts the passes flown, over the first day at most
                summary["ground"]["passes_until_s"] = round(end_s, 3)
        if self.radio_link is not None:
            summary["link"] = self.radio_link.figures()
        if self.flight.payload is not None and self.scenario.requests:
            summary["imaging"] = imaging_figures(self.flight.payload)
            summary["geolocation"] = geolocation_figures(self.products)
        summary["pointing"] = self._absolute_pointing()
        if isinstance(self.clock, WallClock):
            summary["realtime"] = realtime_figures(self.flight, self.clock)
        if self.links:
            summary["serial"] = {port: self._link_figures(port) for port in self.links}
        return summary

    def _absolute_pointing(self) -> dict:
        """The true boresight against true nadir and the true targets (`zorka.outputs.absolute_pointing`),
        the captures from the products stored (the imager's own interval and the requested point target,
        a simulated imager or a board's alike; strips left out)."""
        entries = {} if self.flight.payload is None else self.flight.payload.book.entries
        captures = [
            CaptureInterval(m["request_id"], m["t_start_s"], m["t_end_s"], *_target(m, entries))
            for m in self.products
            if m.get("t_start_s") is not None
            and not (m["request_id"] in entries and entries[m["request_id"]].request.is_strip)
        ]
        late = self.sim_s > self.scenario.report.stats_from_s
        return absolute_pointing(
            self.truth_log.nadir, late, self.epoch_jd_utc, captures, self.truth_log.between
        )

    def _link_figures(self, port: str) -> dict:
        """What crossed a serial link and what went wrong on it: the port's counts, bad frames by reason,
        round trips (first transmission to reply, retries included), the rig's counts, the timing mode and
        its timeouts, whether the board was declared failed (and the one-line why), the board-links events
        the flight software raised for it (`onboard_events`), and the same figures per protocol device."""
        link = self.links[port]
        figures = serial_link_figures(link)
        for stimulus in self.stimuli:
            if stimulus.link is link:
                figures.update(dataclasses.asdict(stimulus.counters))
        failed = self.board_failure is not None and f" on {port} " in self.board_failure
        figures["mode"] = "realtime" if self.realtime else "lockstep"
        figures["request_timeout_s"] = LINK_TIMEOUT_S if self.realtime else BOARD_FAILURE_TIMEOUT_S
        figures["board_failure_timeout_s"] = None if self.realtime else BOARD_FAILURE_TIMEOUT_S
        figures["declared_failed"] = failed
        figures["failure"] = self.board_failure if failed else None
        board_links = self.flight.board_links
        if board_links is not None:
            index = next(i for i, known in enumerate(board_links.boards) if known is link)
            figures["onboard_events"] = dict(board_links.raised[index])
        figures["devices"] = {dev: counters.figures() for dev, counters in sorted(link.devices.items())}
        return figures

    def _downlink(self, packet: bytes) -> None:
        """Every TM packet: counted, and written to tm.bin when the run has a folder."""
        self.tm_packets += 1
        self.tm_bytes += len(packet)
        if self._tm_file is not None:
            self._tm_file.write(packet)
        for listener in self.tm_listeners:
            listener(packet)

    def flush_telemetry(self) -> None:
        """Push the TM written so far to its file (for a summary that describes it)."""
        if self._tm_file is not None:
            self._tm_file.flush()

    def durable_tm_bytes(self) -> int:
        """tm.bin flushed and fsynced: its length, which a checkpoint may count on (0 without a folder)."""
        return 0 if self._tm_file is None else self._tm_file.make_durable()

    def close(self) -> None:
        """The links and files closed; truth.oem/truth.aem finished (the summary stays computable)."""
        self.take_record()
        self.truth_log.close()
        for link in self.links.values():
            link.close()
        if self.gnss_line is not None:
            self.gnss_line.close()
        if self._tm_file is not None:
            self._tm_file.close()
        if self.radio_link is not None:
            self.radio_link.close()

    @property
    def epoch_jd_utc(self) -> float:
        """The scenario's epoch, onboard time 0, as a UTC Julian date."""
        return self.world.c.jd_epoch_utc

    @property
    def sim_s(self) -> float:
        """Simulated time so far."""
        return self.flight.executive.t_s

    def truth(self) -> np.ndarray:
        """Truth rows so far, decimated to at most DECIMATED_ROWS: every `truth_log.stride`-th row from
        t = 0 (every row for a run of up to 4.5 h at 1 Hz), uniform in time; t_s, r_eci (3), v_eci (3),
        q_ib (4), w_b (3). The files and summary have every row."""
        self.take_record()
        return self.truth_log.decimated()

    def attitude_errors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The true pointing error (deg) and rate error (deg/s) so far, decimated for plots: per span of
        `errors.envelope.span` frames (one frame for runs of up to 55 min) its largest values (NaN where
        no frame of it had a reference), at t_s of its last frame (`zorka.run.attitude_error_stats`)."""
        self.take_record()
        return self.errors.envelope.series()


def _target(metadata: dict, entries: dict) -> tuple[float, float, float]:
    """A product's point target (lat_rad, lon_rad, alt_m): its request's, exact, while the book holds it;
    else the metadata's (in degrees)."""
    entry = entries.get(metadata["request_id"])
    if entry is not None:
        return entry.request.lat_rad, entry.request.lon_rad, entry.request.alt_m
    lat_deg, lon_deg = metadata["requested_lat_deg"], metadata["requested_lon_deg"]
    return math.radians(lat_deg), math.radians(lon_deg), metadata["requested_alt_m"]
