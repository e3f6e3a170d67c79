"""The fused C loop (native/record/fused.c, zorka/run/fused_loop.py) gives bit-identical runs to the per-frame
Python path: the same seed gives the same truth files, telemetry, radio files and summary byte for byte (all
but the wall-clock figures), over the built-in mission (captures, a pass, the simulated radio), the imaging
example (targets, a station, a lossy radio) and a run with faults (a wheel and the star tracker dying: wheel
failure detection, safe mode, coarse attitude). Each comparison also checks that most frames did run fused,
so that a fused path that quietly never runs cannot pass."""

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flight.clock import SimClock
from flight.executive import Executive
from tests.zorka.test_tick_allocation import CFFI_ALLOCATORS, IN_PLACE_NUMPY, bytes_kept, called_functions
from zorka.outputs.run_folder import run_into_folder
from zorka.run.fused_loop import PER_FRAME_ENV, _frames_before
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO, FaultSpec, Scenario
from zorka.scenario.toml_file import load_scenario

ROOT = Path(__file__).resolve().parents[2]
WALL_CLOCK_KEYS = ("wall_s", "real_time_factor")
COMPARED = ("tm.bin", "tm_frames.bin", "tm_ground.bin", "requests.json", "passes.json")


def _run(scenario: Scenario, duration_s: float, out: Path, fuse: bool) -> Mission:
    out.mkdir()
    mission = Mission(scenario, duration_s, out_dir=out, fuse=fuse)
    run_into_folder(mission, out, quiet=True)
    return mission


def _without_creation_date(path: Path) -> bytes:
    return b"".join(
        x for x in path.read_bytes().splitlines(keepends=True) if not x.startswith(b"CREATION_DATE")
    )


def _summary(path: Path) -> dict:
    summary = json.loads(path.read_text())
    for key in WALL_CLOCK_KEYS:
        summary.pop(key)
    return summary


def _compare(scenario: Scenario, duration_s: float, tmp_path: Path, min_fused: float) -> Mission:
    fused = _run(scenario, duration_s, tmp_path / "fused", fuse=True)
    per_frame = _run(scenario, duration_s, tmp_path / "per_frame", fuse=False)
    frames = fused.flight.executive.frame
    assert frames == per_frame.flight.executive.frame == round(duration_s / fused.frame_s)
    assert per_frame._fused is False
    assert fused._fused.frames_fused >= min_fused * frames, "the fused loop ran too few frames"
    a, b = tmp_path / "fused", tmp_path / "per_frame"
    assert _summary(a / "summary.json") == _summary(b / "summary.json")
    for name in ("truth.oem", "truth.aem"):
        assert _without_creation_date(a / name) == _without_creation_date(b / name), name
    for name in COMPARED:
        assert (a / name).exists() == (b / name).exists(), name
        if (a / name).exists():
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # the states the files do not show, bit for bit
    for field in ("r_eci", "v_eci", "q_ib", "w_b", "wheel_speed_rad_s"):
        assert np.array_equal(getattr(fused.world, field), getattr(per_frame.world, field)), field
    assert np.array_equal(
        fused.flight.attitude.estimator.covariance, per_frame.flight.attitude.estimator.covariance
    )
    for a, b in zip(fused.attitude_errors(), per_frame.attitude_errors(), strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    assert fused.errors.state() == per_frame.errors.state()
    assert fused.truth_log.nadir.state() == per_frame.truth_log.nadir.state()
    assert fused.flight.attitude.ticks == per_frame.flight.attitude.ticks
    assert fused.flight.attitude.star_tracker_misses == per_frame.flight.attitude.star_tracker_misses
    return fused


def test_the_built_in_mission_is_bit_identical_fused(tmp_path):
    """Captures from ~700 s and the Matera pass from ~720 s: the frames around them run in Python."""
    fused = _compare(DEFAULT_SCENARIO, 760.0, tmp_path, min_fused=0.8)
    assert fused._fused.ticks_in_c > 100  # the frames of captures and of the pass: their ticks in C


def test_the_imaging_example_is_bit_identical_fused(tmp_path):
    _compare(load_scenario(ROOT / "examples" / "imaging_eeurope.toml"), 300.0, tmp_path, min_fused=0.85)


def test_a_run_with_faults_is_bit_identical_fused(tmp_path):
    """A wheel dies (detected at 1 Hz, taken out of the allocation), then the star tracker (safe mode,
    attitude from the coarse sensors, which run frame by frame in Python)."""
    faults = (
        FaultSpec(device="wheels", kind="dead", t_s=40.0, unit=2),
        FaultSpec(device="gyro", kind="noisy", t_s=80.0, factor=3.0),
        FaultSpec(device="star_tracker", kind="dead", t_s=150.0),
    )
    scenario = replace(Scenario(), faults=faults)
    _compare(scenario, 300.0, tmp_path, min_fused=0.3)


@pytest.mark.slow
def test_the_imaging_example_over_its_first_captures_is_bit_identical_fused(tmp_path):
    """The first pass over the targets (~8.4 h): slews between targets, captures, products downlinked."""
    _compare(load_scenario(ROOT / "examples" / "imaging_eeurope.toml"), 9.0 * 3600.0, tmp_path, min_fused=0.8)


def test_the_environment_forces_the_per_frame_path(monkeypatch):
    monkeypatch.setenv(PER_FRAME_ENV, "1")
    mission = Mission(Scenario(), 2.0)
    mission.run()
    assert mission._fused is False


@pytest.mark.parametrize("start, count", [(0, 1), (0, 9), (1, 9), (7, 25), (10, 10), (13, 1)])
def test_frames_run_outside_count_as_the_executive_would(start, count):
    """Executive.ran_frames against the executive running the same frames itself."""

    def executive() -> Executive:
        e = Executive(SimClock(), 0.1)
        for name, hz in (("fast", 10.0), ("half", 5.0), ("slow", 1.0), ("slower", 0.5)):
            e.add_group(name, hz, [lambda t_s: None])
        e.run_frames(start)
        return e

    ran, accounted = executive(), executive()
    ran.run_frames(count)
    accounted.ran_frames(count)
    assert accounted.frame == ran.frame
    assert [g.runs for g in accounted.groups] == [g.runs for g in ran.groups]


@settings(max_examples=300, deadline=None)
@given(
    frame=st.integers(0, 10_000_000),
    limit=st.integers(0, 50),
    offset_s=st.floats(-3.0, 8.0) | st.sampled_from((0.0, 0.1, 0.2, 1.0)),
    special=st.sampled_from((None, math.inf, -math.inf)),
)
def test_the_frames_before_a_link_time_end_strictly_before_it(frame, limit, offset_s, special):
    """The frames a link's `quiet_until_s` lets run unpolled, against counting them one by one: frame j
    ends at (j + 1) * frame_s, and runs only if that is before the time (-infinity: none; infinity: all)."""
    frame_s = 0.1
    t_s = special if special is not None else frame * frame_s + offset_s
    expected = 0
    while expected < limit and (frame + expected + 1) * frame_s < t_s:
        expected += 1
    assert _frames_before(frame, frame_s, t_s, limit) == expected


def test_fused_frames_allocate_nothing_and_keep_no_memory():
    """What tests/zorka/test_tick_allocation.py asks of a frame, of the mission's own fused path."""
    mission = Mission(Scenario(), 600.0)
    mission.run_frames(25)
    seen = called_functions(lambda: mission.run_frames(20))
    names = {name for _, name in seen}
    assert {"zk_fused_run", "zk_fused_tick", "navigate"} <= names, "the profile must see the fused frames"
    numpy_calls = {name for module, name in seen if module and module.startswith("numpy")}
    assert numpy_calls <= IN_PLACE_NUMPY, f"numpy called per frame: {numpy_calls - IN_PLACE_NUMPY}"
    cffi_calls = {name for module, name in seen if module and "cffi" in module} & CFFI_ALLOCATORS
    assert not cffi_calls, f"cffi allocations per frame: {cffi_calls}"
    mission.take_record()  # once before measuring: numpy's small-array caches for the block's statistics
    growth = bytes_kept(mission.run_frames)
    assert growth < 1024, f"{growth} bytes kept over 2000 fused frames"


@pytest.mark.slow
def test_a_strip_is_bit_identical_fused(tmp_path):
    """The built-in mission with Stockholm scanned as a strip southwards along the track: the strip's
    moving target (zk_target_at) in C."""
    stockholm = replace(
        DEFAULT_SCENARIO.requests[0], end_lat_rad=math.radians(58.9), end_lon_rad=math.radians(17.95)
    )
    scenario = replace(DEFAULT_SCENARIO, requests=(stockholm, *DEFAULT_SCENARIO.requests[1:]))
    fused = _compare(scenario, 760.0, tmp_path, min_fused=0.8)
    assert any(is_strip for *_, is_strip in fused.devices.imager.captures), "the strip was never captured"
