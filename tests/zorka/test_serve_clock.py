"""A `zorka serve` restarted into its folder resumes onboard time where the last session stopped: the world
(orbit, attitude) put back bit for bit, the executive at the frame reached, TM stamped after the last
session's; another scenario starts at the epoch and says so; summary.json's wall_s is the session's
wall time even when it ends by SIGTERM."""

import dataclasses
import json
import signal
import subprocess
import time
from datetime import datetime, timedelta

import msgpack
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccsds.packet_stream import PacketSplitter
from ccsds.time_code import cds_short_utc
from tests.zorka.serve_process import ZORKA
from zorka.outputs.tm_files import rotated_files
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO
from zorka.serve.onboard_clock import STATE_NAME, ServeState, read_state, resume

FRAMES = 30


def state(mission: Mission) -> np.ndarray:
    """Position, velocity, attitude and rate of the world."""
    att = mission.world.c.att
    return np.concatenate([mission.world.r_eci, mission.world.v_eci, list(att.q_ib), list(att.w_b)])


def test_a_restart_resumes_the_world_and_the_onboard_clock_where_the_folder_stopped(tmp_path):
    first = Mission(DEFAULT_SCENARIO, 60.0, out_dir=tmp_path)
    assert resume(first, tmp_path) is None  # a new folder: a first start
    first.run_frames(FRAMES)
    ServeState(first, tmp_path).write()
    stopped, t_s = state(first), first.flight.executive.t_s
    first.close()
    again = Mission(DEFAULT_SCENARIO, 60.0, out_dir=tmp_path)
    resumed = resume(again, tmp_path)
    assert resumed.problem is None and resumed.t_s == pytest.approx(FRAMES * 0.1)
    assert again.flight.executive.t_s == t_s and np.array_equal(state(again), stopped)
    assert again.world.t_s == pytest.approx(t_s)
    stamps = []
    again.tm_listeners.append(lambda packet: stamps.append(cds_short_utc(packet[13:20])))
    again.run_frames(10)
    again.close()
    epoch = datetime.fromisoformat(DEFAULT_SCENARIO.epoch_utc)  # onboard time 0
    assert stamps and min(stamps) >= epoch + timedelta(seconds=t_s)


def test_a_folder_of_another_scenario_starts_at_the_epoch_and_says_so(tmp_path):
    first = Mission(DEFAULT_SCENARIO, 60.0, out_dir=tmp_path)
    first.run_frames(5)
    ServeState(first, tmp_path).write()
    first.close()
    other = Mission(dataclasses.replace(DEFAULT_SCENARIO, seed=99), 60.0, out_dir=tmp_path)
    resumed = resume(other, tmp_path)
    other.close()
    assert resumed.t_s == 0.0 and "another scenario or seed" in resumed.problem
    (tmp_path / STATE_NAME).write_bytes(b"\x00garbage")
    broken = Mission(DEFAULT_SCENARIO, 60.0, out_dir=tmp_path)
    resumed = resume(broken, tmp_path)
    broken.close()
    assert resumed.t_s == 0.0 and "epoch" in resumed.problem and "\n" not in resumed.problem


@pytest.mark.slow
def test_zorka_serve_restarted_into_its_folder_stamps_tm_after_the_last_session(tmp_path):
    def serve_for(seconds: float) -> None:
        process = subprocess.Popen(
            [*ZORKA, "serve", "--packet-port", "0", "--insecure", "--out", str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout.readline().startswith("zorka serve:")
        time.sleep(seconds)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert time.monotonic() - started < 30

    serve_for(4.0)
    first = json.loads((tmp_path / "summary.json").read_text())
    serve_for(3.0)
    summary = json.loads((tmp_path / "summary.json").read_text())
    (earlier,) = rotated_files(tmp_path)
    last_before = cds_short_utc(PacketSplitter().feed(earlier.read_bytes())[-1][13:20])
    after = PacketSplitter().feed((tmp_path / "tm.bin").read_bytes())
    assert cds_short_utc(after[0][13:20]) >= last_before
    assert first["sim_s"] > 2.0 and abs(first["wall_s"] - first["sim_s"]) < 1.0  # real time, not 0.0
    assert summary["restarts"]["at_s"] == [pytest.approx(first["sim_s"], abs=0.11)]
    assert summary["sim_s"] - first["sim_s"] == pytest.approx(summary["wall_s"], abs=1.0)


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=200)
    | st.builds(msgpack.packb, st.dictionaries(st.text(max_size=12), st.integers(-(2**63), 2**63 - 1)))
)
def test_any_bytes_as_a_serve_state_are_a_state_or_a_one_line_problem(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("state") / STATE_NAME
    path.write_bytes(raw)
    document, problem = read_state(path, "digest")
    assert document is None and "\n" not in problem and "epoch" in problem


def test_a_state_with_a_field_out_of_range_is_refused(tmp_path):
    path = tmp_path / STATE_NAME
    good = {"format": 1, "scenario": "d", "frame": 20, "world": {"world": b"x"}, "restarts_at_s": [1.0]}
    path.write_bytes(msgpack.packb(good))
    assert read_state(path, "d") == (good, None)
    for change in ({"frame": -1}, {"frame": "20"}, {"restarts_at_s": [5.0]}, {"world": {"world": 3}}):
        path.write_bytes(msgpack.packb(good | change))
        assert read_state(path, "d")[1].endswith("field out of range: onboard time starts at the epoch")
