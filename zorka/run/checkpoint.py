"""Checkpoints of a mission run, and resuming from the last one after the run's process died.

At the first moment the run has just emptied its recorder (every ~360 simulated seconds) at least
CHECKPOINT_EVERY_S simulated seconds and CHECKPOINT_MIN_WALL_S of wall time after the last checkpoint, the
mission writes, into its run folder: the truth rows new since the last checkpoint
appended to recorder/truth.f64, truth.oem, truth.aem and tm.bin flushed, all fsynced, then
`checkpoint.msgpack` atomically — the world's and devices' C state (`sim.world_checkpoint`), the frame,
the faults injected, the recorder's scalars, the streaming statistics of the attitude errors and of the
truth (`zorka.run.attitude_error_stats`, `zorka.run.truth_log`), the bytes of tm.bin, truth.oem, truth.aem
and the truth rows it vouches for. A reader finds the old checkpoint or the new one, and every byte either
counts is on the disk. Waiting for the recorder's own flush keeps a run's results independent of its
checkpoints (and so of the wall clock): its statistics are summed over the same blocks either way.

The cadence is that of long-running simulation tools (GROMACS' `mdrun -cpt`, a training loop's "every N
steps, at most every M minutes"): what a crash may cost is wall time to run again, so a run as fast as
Zorka's (a day in ~10 s) writes one every few wall seconds, not 144 a day 70 ms apart, and a run slower
than 120x real time keeps one per 600 simulated seconds. `zorka run --checkpoint-wall-s 0` (a soak, a
test that kills a run after its first checkpoint) checkpoints on simulated time alone.

`resume_mission` rebuilds the mission from its scenario, puts the world back at the checkpoint and boots
the flight software cold on its own onboard stores (parameters, schedule, requests, mass memory, boot
counter), as a computer that rebooted: estimator and modes start over, from RESTART_MODE, and FDIR
brings it back to NOMINAL. The world rolls back to the checkpoint; the onboard stores do not (they are the
flight computer's, written when it wrote them). A radio link (`[link]`) puts its world side in the
checkpoint (the radio's draws and counts, the bytes of tm_frames.bin and tm_ground.bin); its two ends
keep their own link state, which does not roll back either (zorka/run/radio_link.py).
"""

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import msgpack

from native.atomic_file import write_atomically
from sim.world_checkpoint import restore_struct, restore_world, struct_bytes, world_state
from zorka.run.mission import Mission
from zorka.run.recorder import TRUTH_COLUMNS
from zorka.scenario.model import Scenario

CHECKPOINT_NAME = "checkpoint.msgpack"
RECORDER_FOLDER = "recorder"
RECORDER_FILES = ("truth",)
CHECKPOINT_EVERY_S = 600.0
CHECKPOINT_MIN_WALL_S = 5.0
"""Wall seconds at least between two checkpoints: a crash costs at most ~5 s of a run's work to run again,
while the ~7 ms of a checkpoint (its fsyncs) cost under 0.2 % of the wall time."""
RESTART_MODE = "SUN_SAFE"
FORMAT = 4


def make_durable(stream: BinaryIO) -> int:
    """Flush and fsync the stream; the bytes it holds, which a checkpoint may then count on."""
    stream.flush()
    os.fsync(stream.fileno())
    return stream.tell()


class Checkpointer:
    """Writes `mission`'s checkpoints into `out_dir` every `every_s` simulated seconds, each at least
    `min_wall_s` of wall time after the last (a chunk hook; 0: on simulated time alone); `wall_clock` gives
    the wall time in seconds."""

    def __init__(
        self,
        mission: Mission,
        out_dir: Path,
        every_s: float = CHECKPOINT_EVERY_S,
        min_wall_s: float = CHECKPOINT_MIN_WALL_S,
        wall_clock: Callable[[], float] = time.monotonic,
    ):
        self.mission = mission
        self.out_dir = out_dir
        self.every_frames = max(1, round(every_s / mission.frame_s))
        self.min_wall_s = min_wall_s
        self.wall_clock = wall_clock
        self.written = 0
        """Checkpoints written by this process."""
        self.scenario_digest = scenario_digest(mission.scenario)
        folder = out_dir / RECORDER_FOLDER
        folder.mkdir(exist_ok=True)
        self._rows_file = (folder / "truth.f64").open("ab")
        self._rows_saved = self._rows_file.tell() // (8 * TRUTH_COLUMNS)
        self._last_frame = mission.flight.executive.frame
        self._last_wall_s = wall_clock()
        mission.chunk_hooks.append(self.maybe_write)

    def maybe_write(self) -> None:
        """A checkpoint if `every_frames` have run and `min_wall_s` gone by since the last one, once the
        run has just emptied its recorder (`Mission.record_taken`: every ~360 simulated s), so that the
        checkpoint's own `take_record` takes nothing and the run's statistics and results are bit for bit
        those of the same run without checkpoints, whenever the wall clock lets them fall."""
        if (
            self.mission.record_taken
            and self.mission.flight.executive.frame - self._last_frame >= self.every_frames
            and self.wall_clock() - self._last_wall_s >= self.min_wall_s
        ):
            self.write()

    def write(self) -> None:
        """The recorder's new rows and tm.bin made durable, then the checkpoint that counts them."""
        mission = self.mission
        mission.take_record()
        log = mission.truth_log
        self._rows_file.write(log.rows_bytes(self._rows_saved))
        self._rows_saved = log.rows
        make_durable(self._rows_file)
        tm_bytes = mission.durable_tm_bytes()
        document = {
            "format": FORMAT,
            "scenario": self.scenario_digest,
            "duration_s": mission.duration_s,
            "frame": mission.flight.executive.frame,
            "world": world_state(mission.world, mission.devices),
            "recorder": struct_bytes(mission.recorder.c),
            "frames_taken": mission.recorder.frames_taken,
            "errors": mission.errors.state(),
            "truth": log.state(),
            "injected": len(mission.injected),
            "tm": {"bytes": tm_bytes, "packets": mission.tm_packets, "packet_bytes": mission.tm_bytes},
            "wall_s": mission.wall_s,
            "restarts_at_s": mission.restarts_at_s,
            "link": None if mission.radio_link is None else mission.radio_link.checkpoint_state(),
        }
        write_atomically(self.out_dir / CHECKPOINT_NAME, msgpack.packb(document))
        self._last_frame = mission.flight.executive.frame
        self._last_wall_s = self.wall_clock()
        self.written += 1

    def finish(self) -> None:
        """The run ended whole and its folder is written: the checkpoint and recorder files go."""
        self._rows_file.close()
        remove_checkpoint(self.out_dir)

    def close(self) -> None:
        self._rows_file.close()


def scenario_digest(scenario: Scenario) -> str:
    """A fingerprint of the scenario (seed included), so a resume refuses another one."""
    return hashlib.sha256(repr(scenario).encode()).hexdigest()


def remove_checkpoint(out_dir: Path) -> None:
    """What checkpoints leave in a run folder, removed (a new run, or one that ended whole)."""
    (out_dir / CHECKPOINT_NAME).unlink(missing_ok=True)
    folder = out_dir / RECORDER_FOLDER
    for name in RECORDER_FILES:
        (folder / f"{name}.f64").unlink(missing_ok=True)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def read_checkpoint(out_dir: Path) -> dict:
    """The last checkpoint of the run in `out_dir`; ValueError (one line) if there is none or not one."""
    path = out_dir / CHECKPOINT_NAME
    try:
        document = msgpack.unpackb(path.read_bytes())
    except FileNotFoundError:
        raise ValueError(
            f"{path}: no checkpoint to resume from (was the run started with --out there?)"
        ) from None
    except (ValueError, msgpack.UnpackException):
        raise ValueError(f"{path}: not a checkpoint") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path}: not a checkpoint of this version")
    return document


def resume_mission(
    scenario: Scenario, out_dir: Path, duration_s: float | None, min_wall_s: float = CHECKPOINT_MIN_WALL_S
) -> tuple[Mission, Checkpointer]:
    """The mission of the run in `out_dir` rebuilt at its last checkpoint, its flight software booted cold
    from its onboard stores in RESTART_MODE, the restart counted; ValueError (one line) if the checkpoint
    is missing or of another run (seed, duration)."""
    document = read_checkpoint(out_dir)
    if document["scenario"] != scenario_digest(scenario):
        raise ValueError(f"--resume: the run in {out_dir} is of another scenario or seed; give the same ones")
    if duration_s is not None and abs(duration_s - document["duration_s"]) > 1e-9:
        raise ValueError(
            f"--resume: the run in {out_dir} lasts {document['duration_s']:g} s, not {duration_s:g} s"
        )
    restarted = dataclasses.replace(scenario, start=dataclasses.replace(scenario.start, mode=RESTART_MODE))
    link = document["link"]
    mission = Mission(
        restarted,
        document["duration_s"],
        out_dir=out_dir,
        keep_tm_bytes=document["tm"]["bytes"],
        keep_link_bytes=None if link is None else link["files"],
        keep_truth=document["truth"]["files"],
    )
    restore_world(mission.world, mission.devices, document["world"])
    if mission.radio_link is not None:
        mission.radio_link.restore(link)
    try:
        _restore_recorder(mission, out_dir, document)
    except (KeyError, TypeError, ValueError, OSError) as problem:
        raise ValueError(
            f"{out_dir / CHECKPOINT_NAME}: its recorder state does not read back ({problem}); "
            "start the run again without --resume"
        ) from None
    mission.flight.executive.frame = document["frame"]
    mission.injected = list(mission.faults[: document["injected"]])
    mission.tm_packets = document["tm"]["packets"]
    mission.tm_bytes = document["tm"]["packet_bytes"]
    mission.wall_s = document["wall_s"]
    mission.restarts_at_s = [*document["restarts_at_s"], document["frame"] * mission.frame_s]
    checkpointer = Checkpointer(mission, out_dir, min_wall_s=min_wall_s)
    checkpointer.scenario_digest = document["scenario"]  # the scenario as given, not as restarted
    return mission, checkpointer


def _restore_recorder(mission: Mission, out_dir: Path, document: dict) -> None:
    """The recorder's scalars, the statistics and the truth log as the checkpoint counted them, the truth
    rows file cut to its rows."""
    recorder = mission.recorder
    restore_struct(recorder.c, document["recorder"])
    recorder.frames_taken = document["frames_taken"]
    mission.errors.restore(document["errors"])
    path = out_dir / RECORDER_FOLDER / "truth.f64"
    rows = document["truth"]["rows"]
    with path.open("r+b") as handle:
        handle.truncate(rows * 8 * TRUTH_COLUMNS)
    mission.truth_log.restore(document["truth"], path)
