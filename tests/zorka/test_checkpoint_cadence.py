"""Checkpoints come at the run's own recorder flushes, at least CHECKPOINT_EVERY_S simulated seconds and
their wall floor after the last: a fast run writes one only once the wall clock (injected here) allows
it; with a floor of 0 they fall on simulated time alone; and a run's results are bit for bit the same
with checkpoints as without (they never change how its statistics are summed)."""

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
from zorka.run.recorder import BLOCK_FRAMES
from zorka.run.truth_orbit import CHUNK_FRAMES
from zorka.scenario.model import Scenario

FRAMES_PER_CHECKPOINT = round(CHECKPOINT_EVERY_S / 0.1)
FLUSH_FRAMES = 3600
"""The recorder empties itself once a chunk leaves fewer than a chunk's frames free in its block: every
6th chunk of 600 frames (3,600 frames > 4,096 - 600 - 1)."""


def run_chunks(mission: Mission, frames: int) -> None:
    """`frames` frames as `Mission.run` runs them: chunk by chunk, the chunk hooks after each."""
    end = mission.flight.executive.frame + frames
    while mission.flight.executive.frame < end:
        mission.run_frames(min(CHUNK_FRAMES, end - mission.flight.executive.frame))
        for hook in mission.chunk_hooks:
            hook()


def test_the_flush_period_follows_from_the_recorders_sizes():
    chunks = next(k for k in range(1, 100) if k * CHUNK_FRAMES > BLOCK_FRAMES - CHUNK_FRAMES - 1)
    assert chunks * CHUNK_FRAMES == FLUSH_FRAMES


def test_the_wall_floor_holds_a_checkpoint_back_until_the_wall_clock_allows_it(tmp_path):
    wall_s = [100.0]
    mission = Mission(Scenario(seed=3), 2400.0, out_dir=tmp_path)
    checkpointer = Checkpointer(mission, tmp_path, min_wall_s=5.0, wall_clock=lambda: wall_s[0])
    run_chunks(mission, 2 * FLUSH_FRAMES + CHUNK_FRAMES)  # past 600 simulated s in no wall time at all
    assert checkpointer.written == 0 and not (tmp_path / CHECKPOINT_NAME).exists()
    wall_s[0] += 5.0
    run_chunks(mission, FLUSH_FRAMES - CHUNK_FRAMES)  # to the next flush
    assert checkpointer.written == 1
    assert read_checkpoint(tmp_path)["frame"] == 3 * FLUSH_FRAMES
    wall_s[0] += 60.0  # the wall floor is met, but not yet 600 simulated seconds since at the next flush
    run_chunks(mission, FLUSH_FRAMES)
    assert checkpointer.written == 1
    run_chunks(mission, FLUSH_FRAMES)
    assert checkpointer.written == 2
    assert read_checkpoint(tmp_path)["frame"] == 5 * FLUSH_FRAMES
    assert 5 * FLUSH_FRAMES - 3 * FLUSH_FRAMES >= FRAMES_PER_CHECKPOINT
    checkpointer.close()
    mission.close()


def test_without_a_wall_floor_checkpoints_fall_at_the_first_flush_600_simulated_seconds_on(tmp_path):
    mission = Mission(Scenario(seed=3), 2400.0, out_dir=tmp_path)
    checkpointer = Checkpointer(mission, tmp_path, min_wall_s=0.0, wall_clock=lambda: 0.0)
    frames = []
    for _ in range(6):
        run_chunks(mission, FLUSH_FRAMES)
        frames.append(read_checkpoint(tmp_path)["frame"] if checkpointer.written else None)
    assert frames == [None, 7200, 7200, 14400, 14400, 21600]
    checkpointer.close()
    mission.close()


def test_a_run_with_checkpoints_gives_the_summary_of_the_run_without(tmp_path):
    """Checkpoints every 600 simulated seconds (no wall floor) against none: the same figures to the bit
    (the statistics are sums in blocks; a checkpoint that took the recorder's rows early would change
    their last digits)."""
    summaries = []
    for folder, checkpoints in ((tmp_path / "with", True), (tmp_path / "without", False)):
        folder.mkdir()
        mission = Mission(Scenario(seed=3), 3600.0, out_dir=folder)
        checkpointer = Checkpointer(mission, folder, min_wall_s=0.0) if checkpoints else None
        summary = mission.run()
        if checkpointer is not None:
            assert checkpointer.written == 5  # at 7,200, 14,400, ... 36,000 frames
            checkpointer.close()
        mission.close()
        summaries.append({k: v for k, v in summary.items() if k not in ("wall_s", "real_time_factor")})
    assert summaries[0] == summaries[1]


def test_the_command_line_default_is_the_checkpointers():
    """cli.py keeps its own copy (it imports nothing heavy); `--checkpoint-wall-s` takes seconds >= 0."""
    assert cli.CHECKPOINT_MIN_WALL_S == CHECKPOINT_MIN_WALL_S
    assert cli.wall_seconds("0") == 0.0 and cli.wall_seconds("2.5") == 2.5
    for bad in ("-1", "inf", "nan", "soon"):
        with pytest.raises(argparse.ArgumentTypeError, match="seconds >= 0"):
            cli.wall_seconds(bad)
