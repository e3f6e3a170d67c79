"""Checkpoints come every CHECKPOINT_EVERY_S simulated seconds and no sooner than their wall floor after
the last: a fast run writes one only once the wall clock (injected here) allows it, then waits another
600 simulated seconds; with a floor of 0 they fall on simulated time alone, as before."""

import argparse

import pytest

from zorka import cli
from zorka.run.checkpoint import (
    CHECKPOINT_EVERY_S,
    CHECKPOINT_MIN_WALL_S,
    CHECKPOINT_NAME,
    Checkpointer,
    read_checkpoint,
)
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario

FRAMES_PER_CHECKPOINT = round(CHECKPOINT_EVERY_S / 0.1)


def run_chunks(mission: Mission, frames: int) -> None:
    """`frames` frames as `Mission.run` runs them: chunk by chunk, the chunk hooks after each."""
    end = mission.flight.executive.frame + frames
    while mission.flight.executive.frame < end:
        mission.run_frames(min(500, end - mission.flight.executive.frame))
        for hook in mission.chunk_hooks:
            hook()


def test_the_wall_floor_holds_a_checkpoint_back_until_the_wall_clock_allows_it(tmp_path):
    wall_s = [100.0]
    mission = Mission(Scenario(seed=3), 1800.0, out_dir=tmp_path)
    checkpointer = Checkpointer(mission, tmp_path, min_wall_s=5.0, wall_clock=lambda: wall_s[0])
    run_chunks(mission, FRAMES_PER_CHECKPOINT + 1000)  # 700 simulated s in no wall time at all
    assert checkpointer.written == 0 and not (tmp_path / CHECKPOINT_NAME).exists()
    wall_s[0] += 5.0
    run_chunks(mission, 500)
    assert checkpointer.written == 1
    assert read_checkpoint(tmp_path)["frame"] == FRAMES_PER_CHECKPOINT + 1500
    wall_s[0] += 60.0  # the wall floor is met, but not yet 600 simulated seconds since
    run_chunks(mission, FRAMES_PER_CHECKPOINT - 500)
    assert checkpointer.written == 1
    run_chunks(mission, 500)
    assert checkpointer.written == 2
    checkpointer.close()
    mission.close()


def test_without_a_wall_floor_checkpoints_fall_every_600_simulated_seconds(tmp_path):
    mission = Mission(Scenario(seed=3), 1800.0, out_dir=tmp_path)
    checkpointer = Checkpointer(mission, tmp_path, min_wall_s=0.0, wall_clock=lambda: 0.0)
    run_chunks(mission, 3 * FRAMES_PER_CHECKPOINT)
    assert checkpointer.written == 3
    assert read_checkpoint(tmp_path)["frame"] == 3 * FRAMES_PER_CHECKPOINT
    checkpointer.close()
    mission.close()


def test_the_command_line_default_is_the_checkpointers():
    """cli.py keeps its own copy (it imports nothing heavy); `--checkpoint-wall-s` takes seconds >= 0."""
    assert cli.CHECKPOINT_MIN_WALL_S == CHECKPOINT_MIN_WALL_S
    assert cli.wall_seconds("0") == 0.0 and cli.wall_seconds("2.5") == 2.5
    for bad in ("-1", "inf", "nan", "soon"):
        with pytest.raises(argparse.ArgumentTypeError, match="seconds >= 0"):
            cli.wall_seconds(bad)
