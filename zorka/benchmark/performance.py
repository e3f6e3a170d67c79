"""`zorka bench`: the performance figures, each the median of repeated measurements, with its goal.

Figures: the real-time factor of nadir pointing (one orbit and 24 h), the C integrator's steps per second
(whole world, attitude alone, orbit propagator alone), the CPU time of one 10 Hz tick (flight software:
sensors, estimator, guidance, control; world step; truth record; goal <= 15 us) on the per-frame path, and
per frame of a mission's own run, the fused C loop between Python events (goal <= 5 us), the memory a frame
keeps on each path (tracemalloc), IGRF field evaluations per second in C against ppigrf (goal: at least 100
times faster per point), and the command path: protected telecommands taken up to dispatch per second (goal
20,000) and telemetry packets encoded per second (goal 50,000). Imaging: 2,000 world-wide targets planned
over 24 h from the TLE (goal 2 s) and the re-plan after one new request (goal 100 ms); `zorka plan` from its
file (interpreter start, JSON, SGP4, access, plan, output) of 10,000 clustered targets (goal 5 s) and of
100,000 world-wide targets (goals 10 s and 500 MB of peak resident memory). Campaigns: the CPU time of one
one-orbit seed as a campaign's worker runs it (goal 0.6 s, what the next goal leaves a seed) and 200
one-orbit seeds with dispersions on two local workers, the whole command, on a Dask LocalCluster and on
the local process pool (goal 60 s each; measured once: they take minutes).
The whole process of a 24 h run of the built-in mission (`zorka run --duration 24h --quiet`, each run in its
own process, its rusage): CPU seconds and peak resident memory with report.html and with --no-report (goals 8
s and 200 MiB; the RSS figures are those of the CPU figures' runs). The memory of a 7-day run (--no-report):
how much its resident memory grows from the end of its first day to the end of its seventh (goal 5 MiB: flat),
in a child process of its own.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from spacepackets.ecss import PusTc

from ccsds.sdls import SdlsSender, SecurityAssociation
from ccsds.tc_frame import TcFrame
from flight.link.link_parameters import SCID, TC_VCID
from flight.link.uplink import Uplink
from flight.payload.planner import Planner
from flight.payload.requests import ImagingRequest
from flight.software import APID
from native import ffi, lib
from native.earth_model import force_model
from native.time_scales import parse_utc
from sim.environment_bench import field_evaluations_per_s
from sim.tle import parse_tle
from zorka.benchmark.plan_instances import clustered, world_wide
from zorka.run.campaign import run_seed
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario
from zorka.scenario.plan_input import PlanInput
from zorka.scenario.toml_file import scenario_from_toml

NADIR_ORBIT = Scenario()  # the figures are of one orbit of nadir pointing (examples/nadir_orbit.toml)

# Goal of each figure: (value, "at least" or "at most"), or None while none is set.
GOALS: dict[str, tuple[float, str] | None] = {
    "real_time_factor": None,
    "real_time_factor_24h": None,
    "world_steps_per_s": None,
    "attitude_steps_per_s": None,
    "orbit_steps_per_s": None,
    "frame_us": (15.0, "at most"),
    "frame_fused_us": (5.0, "at most"),
    "frame_kept_bytes": (1.0, "at most"),  # anything kept each frame would be >= 16 B a frame
    "frame_fused_kept_bytes": (1.0, "at most"),
    "igrf_evaluations_per_s": None,
    "igrf_speedup_vs_ppigrf": (100.0, "at least"),
    "tc_per_s": (20_000.0, "at least"),
    "tm_packets_per_s": (50_000.0, "at least"),
    "plan_world_2000_s": (2.0, "at most"),
    "replan_one_request_ms": (100.0, "at most"),
    "plan_clustered_10k_s": (5.0, "at most"),
    "plan_world_100k_s": (10.0, "at most"),
    "plan_world_100k_peak_mb": (500.0, "at most"),
    "campaign_seed_cpu_s": (0.6, "at most"),  # what 200 seeds on 2 workers in 60 s leave each seed
    "campaign_200_seeds_s": (60.0, "at most"),
    "run_24h_cpu_s": (8.0, "at most"),
    "run_24h_peak_rss_mib": (200.0, "at most"),
    "run_24h_no_report_cpu_s": (8.0, "at most"),
    "run_24h_no_report_peak_rss_mib": (200.0, "at most"),
    "run_7d_rss_growth_mib": (5.0, "at most"),  # flat: what grew from the end of day 1 to that of day 7
    "campaign_200_seeds_pool_s": (60.0, "at most"),
}
UPLINK_TCS = 5_000
BENCH_KEY = bytes(range(32))
KEPT_FRAMES = 2000
STEPS = 200_000
PLAN_TARGETS = 2000
PLAN_SEED = 2000
PLAN_TLE = (  # 500 km sun-synchronous, ascending node at 10:30
    "1 99999U          25172.00000000  .00000000  00000-0  10000-3 0    09",
    "2 99999  97.4018  67.3871 0001000  90.0000   0.0000 15.21936487    04",
)


def _median(measure: Callable[[], float], repeat: int) -> float:
    return statistics.median(measure() for _ in range(repeat))


def real_time_factor() -> float:
    mission = Mission(NADIR_ORBIT)
    summary = mission.run()
    return summary["sim_s"] / mission.wall_s


def real_time_factor_24h() -> float:
    mission = Mission(NADIR_ORBIT, 86400.0)
    summary = mission.run()
    return summary["sim_s"] / mission.wall_s


def _steps_per_s(step: Callable[[], None]) -> float:
    start = time.perf_counter()
    for _ in range(STEPS):
        step()
    return STEPS / (time.perf_counter() - start)


def world_steps_per_s() -> float:
    world_c = Mission(NADIR_ORBIT, 1.0).world.c
    step = lib.zk_world_step
    return _steps_per_s(lambda: step(world_c, 0.1))


def attitude_steps_per_s() -> float:
    world_c = Mission(NADIR_ORBIT, 1.0).world.c
    att, body = ffi.addressof(world_c, "att"), ffi.addressof(world_c, "body")
    u, r, mu = world_c.wheels.torque_applied_nm, world_c.orbit.r_eci, world_c.forces.mu
    torque_b = ffi.new("double[3]")
    step = lib.zk_attitude_step
    return _steps_per_s(lambda: step(att, body, u, torque_b, r, mu, 0.1))


def orbit_steps_per_s() -> float:
    world_c = Mission(NADIR_ORBIT, 1.0).world.c
    orbit_p, g = ffi.addressof(world_c, "orbit"), force_model(drag_area_m2_per_kg=0.017)
    step = lib.zk_orbit_step
    return _steps_per_s(lambda: step(orbit_p, g, 10.0))


def frame_us() -> float:
    """The per-frame path: every frame through the Python executive (as in real time and HIL)."""
    frames = 20_000
    mission = Mission(NADIR_ORBIT, frames / 10.0 + 1.0, fuse=False)
    executive = mission.flight.executive
    executive.run_frames(100)
    start = time.process_time()
    executive.run_frames(frames - 100)
    return (time.process_time() - start) / (frames - 100) * 1e6


def frame_fused_us() -> float:
    """The mission's own path: the frames between Python events in the fused C loop, the 1 Hz frames
    (housekeeping, modes, navigation, payload, PUS) in Python; the average over whole seconds."""
    frames = 20_000
    mission = Mission(NADIR_ORBIT, frames / 10.0 + 1.0)
    mission.run_frames(100)
    start = time.process_time()
    mission.run_frames(frames - 100)
    return (time.process_time() - start) / (frames - 100) * 1e6


def in_fresh_process(measure: Callable[[], float]) -> Callable[[], float]:
    """`measure` run in an interpreter of its own, as a mission runs in `zorka run`: in the bench's process,
    after the 24 h figures, the same frame measured 6.9 µs against 4.9 in a fresh one."""

    def measured() -> float:
        code = f"from {measure.__module__} import {measure.__name__} as measure; print(measure())"
        command = [sys.executable, "-c", code]
        return float(subprocess.run(command, capture_output=True, check=True, text=True).stdout)

    return measured


def _kept_bytes(run_frames: Callable[[int], None]) -> float:
    tracemalloc.start()
    try:
        run_frames(1000)  # past the small cached ints: what a frame replaces is then traced too
        before = tracemalloc.get_traced_memory()[0]
        run_frames(KEPT_FRAMES)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return max(0, after - before) / KEPT_FRAMES


def frame_kept_bytes() -> float:
    return _kept_bytes(Mission(NADIR_ORBIT, 600.0, fuse=False).flight.executive.run_frames)


def frame_fused_kept_bytes() -> float:
    return _kept_bytes(Mission(NADIR_ORBIT, 600.0).run_frames)


def _uplink_mission() -> Mission:
    return Mission(NADIR_ORBIT, 1.0)


def tc_per_s() -> float:
    """Protected TC frames carrying PUS pings through the onboard uplink (frame header checks, SDLS
    verification, TC frame decode, FARM-1, packet split) into the flight software (PUS accepted,
    verified and dispatched, its TM reports encoded), per second."""
    flight = _uplink_mission().flight
    sa = SecurityAssociation(spi=1, key=BENCH_KEY)
    uplink = Uplink(SCID, TC_VCID, flight.accept_telecommand, {1: sa})
    sender = SdlsSender(SecurityAssociation(spi=1, key=BENCH_KEY, arsn=1), segment_header=True)
    frames = [
        sender.apply(
            TcFrame(
                SCID,
                TC_VCID,
                k % 256,
                PusTc(apid=APID, service=17, message_subtype=1, seq_count=k).pack(),
                segment_header=0xC0,
            ).pack()
        )
        for k in range(UPLINK_TCS)
    ]
    start = time.perf_counter()
    for raw in frames:
        uplink.receive(raw)
    elapsed = time.perf_counter() - start
    assert flight.pus.acceptor.accepted == UPLINK_TCS, uplink.counts
    return UPLINK_TCS / elapsed


def tm_packets_per_s() -> float:
    """Housekeeping reports (service 3,25, the whole 1 Hz row) encoded with CDS time stamps, per second."""
    flight = _uplink_mission().flight
    reports = flight.pus.housekeeping
    start = time.perf_counter()
    for k in range(UPLINK_TCS):
        reports.tick(float(k))
    return UPLINK_TCS / (time.perf_counter() - start)


def igrf_per_s() -> float:
    return field_evaluations_per_s(ppigrf_points=1)["c"]


def igrf_speedup() -> float:
    return field_evaluations_per_s()["speedup"]


def _world_plan_input() -> PlanInput:
    """PLAN_TARGETS targets drawn from PLAN_SEED: lat -70..70 deg, any longitude, priority 1-10, 5-10 s."""
    rng = np.random.default_rng(PLAN_SEED)
    requests = [
        ImagingRequest(
            id=f"W{i:04d}",
            lat_rad=math.radians(rng.uniform(-70.0, 70.0)),
            lon_rad=math.radians(rng.uniform(-180.0, 180.0)),
            priority=float(rng.integers(1, 11)),
            duration_s=float(rng.integers(5, 11)),
            max_off_nadir_rad=math.radians(40.0),
            min_sun_elevation_rad=math.radians(12.0),
        )
        for i in range(PLAN_TARGETS)
    ]
    return PlanInput(
        parse_tle(*PLAN_TLE), parse_utc("2025-06-21T00:00:00Z"), 86400.0, 5.0, math.radians(2.0), requests
    )


def plan_world_2000_s() -> float:
    """From the TLE to the plan: SGP4 every second for 24 h, access, planning."""
    plan_input = _world_plan_input()
    start = time.perf_counter()
    Planner(plan_input.table(), plan_input.slew_s).plan(plan_input.requests)
    return time.perf_counter() - start


def replan_one_request_ms() -> float:
    """A new request beside a planned capture (so it competes for the same pass) added to the plan."""
    plan_input = _world_plan_input()
    planner = Planner(plan_input.table(), plan_input.slew_s)
    captures = planner.plan(plan_input.requests)
    near = next(r for r in plan_input.requests if r.id == captures[len(captures) // 2].request_id)
    new = ImagingRequest(**{**vars(near), "id": "NEW", "lat_rad": near.lat_rad + 0.002, "priority": 10.0})
    start = time.perf_counter()
    planner.add_request(new)
    return (time.perf_counter() - start) * 1e3


def zorka_process(*arguments: str) -> tuple[float, float, float]:
    """(wall s, CPU s, peak resident MiB) of `zorka ARGUMENTS...` in a process of its own, interpreter
    start included: CPU (user + system) from its rusage (os.wait4), peak memory as it read it itself at
    its end (`zorka.benchmark.peak_memory`: VmHWM; the parent's rusage would count this process's own
    memory in it). Raises CalledProcessError if it fails."""
    with tempfile.TemporaryDirectory() as folder:
        peak_file = os.path.join(folder, "peak_mib")
        command = [sys.executable, "-m", "zorka.benchmark.peak_memory", peak_file, *arguments]
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            raise subprocess.CalledProcessError(child.returncode, command)
        peak_mib = float(Path(peak_file).read_text())
    return elapsed, usage.ru_utime + usage.ru_stime, peak_mib


def _zorka_plan(document: dict) -> tuple[float, float]:
    """(wall s, peak resident MiB) of `zorka plan` on the document, in a child process of its own."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "in.json")
        with open(path, "w") as file:
            json.dump(document, file)
        elapsed, _, peak_mib = zorka_process("plan", path, "--out", os.path.join(folder, "out.json"))
    return elapsed, peak_mib


def plan_clustered_10k_s() -> float:
    return _zorka_plan(clustered(10_000, PLAN_SEED))[0]


def plan_world_100k_s() -> float:
    return _zorka_plan(world_wide(100_000, PLAN_SEED))[0]


def plan_world_100k_peak_mb() -> float:
    return _zorka_plan(world_wide(100_000, PLAN_SEED))[1]


CAMPAIGN_SEEDS = 200
CAMPAIGN_SCENARIO = """
[[campaign.dispersions]]
key = "start.offset_deg"
sigma = 5.0
bound = 10.0

[[campaign.dispersions]]
key = "spacecraft.inertia_kg_m2"
sigma = 0.03
bound = 0.09
relative = true
"""
MEASURED_ONCE = {
    "campaign_200_seeds_s",
    "campaign_200_seeds_pool_s",
    "run_24h_peak_rss_mib",
    "run_7d_rss_growth_mib",
}
"""Figures that take minutes: measured once whatever --repeat says."""


def campaign_seed_cpu_s() -> float:
    """CPU seconds of one one-orbit seed with dispersions as a campaign's worker runs it (`run_seed`: draw,
    build, loop, what a seed keeps), in a process a first seed has warmed."""
    scenario = scenario_from_toml(CAMPAIGN_SCENARIO)
    with tempfile.TemporaryDirectory() as folder:
        run_seed(scenario, 1, None, Path(folder), False)
        start = time.process_time()
        run_seed(scenario, 2, None, Path(folder), False)
        return time.process_time() - start


def _campaign_200_seeds_s(*engine: str) -> float:
    """Wall time of `zorka run --seeds 1-200` of one-orbit seeds with dispersions on `engine`, whole:
    interpreter, engine start, the runs, campaign.json, campaign.html and the worst seeds' run reports."""
    with tempfile.TemporaryDirectory() as folder:
        scenario = os.path.join(folder, "campaign.toml")
        with open(scenario, "w") as file:
            file.write(CAMPAIGN_SCENARIO)
        command = [sys.executable, "-m", "zorka", "run", scenario, "--seeds", f"1-{CAMPAIGN_SEEDS}"]
        command += [*engine, "--out", os.path.join(folder, "out"), "--quiet"]
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - start


def campaign_200_seeds_s() -> float:
    """The campaign on a Dask LocalCluster of two worker processes (`--dask local:2`)."""
    return _campaign_200_seeds_s("--dask", "local:2")


def campaign_200_seeds_pool_s() -> float:
    """The campaign on the local process pool of two processes (`--jobs 2`)."""
    return _campaign_200_seeds_s("--jobs", "2")


WHOLE_RUN_RSS_MIB: dict[bool, list[float]] = {True: [], False: []}
"""Peak RSS of the whole runs the CPU figures made (with report.html, without), for the RSS figures."""


def whole_run_24h(report: bool, duration: str = "24h") -> tuple[float, float]:
    """CPU seconds (user + system) and peak resident MiB of `zorka run --duration 24h --quiet` of the
    built-in mission into a fresh folder (its run folder written, report.html unless not `report`): the
    process alone, interpreter start included (`zorka_process`)."""
    with tempfile.TemporaryDirectory() as folder:
        arguments = ["run", "--duration", duration, "--quiet", "--out", folder]
        _, cpu_s, peak_mib = zorka_process(*arguments, *([] if report else ["--no-report"]))
    return cpu_s, peak_mib


def _whole_run_cpu_s(report: bool) -> float:
    cpu_s, rss_mib = whole_run_24h(report)
    WHOLE_RUN_RSS_MIB[report].append(rss_mib)
    return cpu_s


def _whole_run_rss_mib(report: bool) -> float:
    """The peak RSS of the next run the CPU figure made (a run of its own if none is left)."""
    made = WHOLE_RUN_RSS_MIB[report]
    return made.pop(0) if made else whole_run_24h(report)[1]


def run_24h_cpu_s() -> float:
    return _whole_run_cpu_s(report=True)


def run_24h_peak_rss_mib() -> float:
    return _whole_run_rss_mib(report=True)


def run_24h_no_report_cpu_s() -> float:
    return _whole_run_cpu_s(report=False)


def run_24h_no_report_peak_rss_mib() -> float:
    return _whole_run_rss_mib(report=False)


def run_7d_rss_growth_mib() -> float:
    """Resident MiB at the end of day 7 less that at the end of day 1 of a 7-day default run without a
    report (`zorka.benchmark.run_memory`, a child process of its own; ~50 CPU-s)."""
    command = [sys.executable, "-m", "zorka.benchmark.run_memory", "7"]
    per_day = json.loads(subprocess.run(command, capture_output=True, check=True, text=True).stdout)
    return per_day["rss_mib_per_day"][-1] - per_day["rss_mib_per_day"][0]


FIGURES: dict[str, tuple[str, Callable[[], float]]] = {
    "real_time_factor": ("× real time, default mission, one orbit", real_time_factor),
    "real_time_factor_24h": ("× real time, default mission, 24 h", real_time_factor_24h),
    "world_steps_per_s": ("C world steps/s (orbit + attitude RK4 + environment)", world_steps_per_s),
    "attitude_steps_per_s": ("C attitude RK4 steps/s (gyrostat + gravity gradient)", attitude_steps_per_s),
    "orbit_steps_per_s": ("C orbit propagator RK4 steps/s (J2-J4, drag)", orbit_steps_per_s),
    "frame_us": (
        "CPU µs per 10 Hz frame, per-frame path: sensors, estimator, guidance, control, dynamics, record",
        in_fresh_process(frame_us),
    ),
    "frame_fused_us": (
        "CPU µs per 10 Hz frame, fused C loop between Python events, full flight software",
        in_fresh_process(frame_fused_us),
    ),
    "frame_kept_bytes": ("bytes kept per 10 Hz frame over 2000 frames (tracemalloc)", frame_kept_bytes),
    "frame_fused_kept_bytes": ("bytes kept per frame, fused path, over 2000 frames", frame_fused_kept_bytes),
    "igrf_evaluations_per_s": ("C IGRF-14 degree-13 field evaluations/s (one cffi call each)", igrf_per_s),
    "igrf_speedup_vs_ppigrf": ("× ppigrf per point, the same field", igrf_speedup),
    "tc_per_s": ("TCs/s: SDLS verified, frame decoded, FARM-1, PUS accepted and dispatched (ping)", tc_per_s),
    "tm_packets_per_s": ("TM packets/s encoded (housekeeping 3,25 with CDS time)", tm_packets_per_s),
    "plan_world_2000_s": (
        "s to plan 2,000 world-wide targets over 24 h (SGP4, access, plan)",
        plan_world_2000_s,
    ),
    "replan_one_request_ms": (
        "ms to re-plan after one new request (2,000 targets planned)",
        replan_one_request_ms,
    ),
    "plan_clustered_10k_s": (
        "s for `zorka plan` of 10,000 targets in lat 45-60, lon 20-40 deg over 24 h (from its file)",
        plan_clustered_10k_s,
    ),
    "plan_world_100k_s": (
        "s for `zorka plan` of 100,000 world-wide targets over 24 h (from its file)",
        plan_world_100k_s,
    ),
    "plan_world_100k_peak_mb": (
        "MB peak resident memory of that `zorka plan` (its process alone)",
        plan_world_100k_peak_mb,
    ),
    "campaign_seed_cpu_s": (
        "CPU s of one one-orbit campaign seed (build, loop, what it keeps)",
        campaign_seed_cpu_s,
    ),
    "campaign_200_seeds_s": (
        f"s for {CAMPAIGN_SEEDS} one-orbit seeds with dispersions on `--dask local:2`, whole (reports incl.)",
        campaign_200_seeds_s,
    ),
    "campaign_200_seeds_pool_s": (
        f"s for the same {CAMPAIGN_SEEDS} seeds on the local pool of 2 processes (`--jobs 2`), whole",
        campaign_200_seeds_pool_s,
    ),
    "run_24h_cpu_s": (
        "CPU s (user + sys) of a whole `zorka run --duration 24h --quiet`, output files and report incl.",
        run_24h_cpu_s,
    ),
    "run_24h_peak_rss_mib": (
        "MiB peak resident memory of those runs (each process alone)",
        run_24h_peak_rss_mib,
    ),
    "run_24h_no_report_cpu_s": ("CPU s of the same run with --no-report", run_24h_no_report_cpu_s),
    "run_24h_no_report_peak_rss_mib": (
        "MiB peak resident memory of the --no-report runs",
        run_24h_no_report_peak_rss_mib,
    ),
    "run_7d_rss_growth_mib": (
        "MiB resident memory grown from day 1 to day 7 of a 7-day run (--no-report): flat",
        run_7d_rss_growth_mib,
    ),
}


def _goal_text(name: str, value: float) -> str:
    if GOALS[name] is None:
        return "goal: none yet"
    goal, sense = GOALS[name]
    met = value >= goal if sense == "at least" else value <= goal
    return f"goal: {sense} {goal:g}, ratio {value / goal:.2f}, {'met' if met else 'MISSED'}"


def run_bench(repeat: int = 5) -> Iterator[str]:
    """One line per figure: name, median value, what it is, its goal."""
    for name, (what, measure) in FIGURES.items():
        times = 1 if name in MEASURED_ONCE else repeat
        value = _median(measure, times)
        yield f"{name:22s} {value:14,.2f}  {what}  [{_goal_text(name, value)}; median of {times}]"


def bench_command(args: argparse.Namespace) -> int:
    """`zorka bench`: each figure as it is measured; 2 for a bad --repeat."""
    if args.repeat < 1:
        print("zorka bench: error: argument --repeat: use a whole number of at least 1", file=sys.stderr)
        return 2
    for line in run_bench(repeat=args.repeat):
        print(line, flush=True)
    return 0
