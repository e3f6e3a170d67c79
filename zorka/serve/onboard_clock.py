"""The onboard clock of a `zorka serve` run folder, carried across restarts.

A spacecraft's clock does not go back to its epoch because its ground bench restarted. While serving,
`serve_state.msgpack` in the run folder holds the frame the session reached and the world's state then
(orbit, attitude, devices: `sim.world_checkpoint`), written every `EVERY_S` of wall time (renamed into
place, not fsynced, so a frame is not stalled) and at the end (fsynced). A restart into the same folder
with the same scenario puts the world back at that state and the flight software's executive at that
frame, so onboard time, TM time stamps and the orbit go on where they stopped; the flight software
itself boots cold on its stores, as a computer that was switched off. A folder of another scenario or
seed starts at the epoch, and says so.
"""

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import msgpack

from native.atomic_file import TEMPORARY_SUFFIX, write_atomically
from sim.world_checkpoint import restore_world, world_state
from zorka.run.assembly import FRAME_S
from zorka.run.mission import Mission

STATE_NAME = "serve_state.msgpack"
FORMAT = 1
EVERY_S = 10.0
MAX_FRAMES = round(100 * 366 * 86400 / FRAME_S)
"""A century of frames: a frame count beyond it is not a serve state's."""


def scenario_digest(mission: Mission) -> str:
    """A fingerprint of the mission's scenario (seed included)."""
    return hashlib.sha256(repr(mission.scenario).encode()).hexdigest()


@dataclass(frozen=True)
class Resumed:
    """Where a restarted session picked up: onboard time, or why it started at the epoch (`problem`)."""

    t_s: float
    problem: str | None = None


def read_state(path: Path, digest: str) -> tuple[dict | None, str | None]:
    """The serve state at `path` for the scenario of fingerprint `digest`, checked field by field; or
    why it cannot be used (one line). (None, None): there is none (a first start)."""
    try:
        document = msgpack.unpackb(path.read_bytes())
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError, TypeError, msgpack.UnpackException) as problem:
        return None, f"{path} unreadable ({type(problem).__name__}): onboard time starts at the epoch"
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None, f"{path} is not a serve state of this version: onboard time starts at the epoch"
    if document.get("scenario") != digest:
        return None, f"{path} is of another scenario or seed: onboard time starts at the epoch"
    frame, restarts, world = document.get("frame"), document.get("restarts_at_s"), document.get("world")
    valid = (
        type(frame) is int
        and 0 <= frame < MAX_FRAMES
        and isinstance(restarts, list)
        and all(isinstance(t, (int, float)) and 0 <= t <= frame * FRAME_S for t in restarts)
        and isinstance(world, dict)
        and all(isinstance(k, str) and isinstance(v, bytes) for k, v in world.items())
    )
    if not valid:
        return None, f"{path} holds a field out of range: onboard time starts at the epoch"
    return document, None


def resume(mission: Mission, out_dir: Path) -> Resumed | None:
    """Put `mission` (just built, not yet run) at the onboard time its folder's last session reached;
    None if the folder holds no serve state (a first start)."""
    path = Path(out_dir) / STATE_NAME
    document, problem = read_state(path, scenario_digest(mission))
    if problem is not None:
        return Resumed(0.0, problem)
    if document is None:
        return None
    try:
        restore_world(mission.world, mission.devices, document["world"])
    except ValueError as failure:
        return Resumed(0.0, f"{path}: {failure}: onboard time starts at the epoch")
    frame = document["frame"]
    mission.flight.executive.frame = frame
    mission.duration_s += frame * mission.frame_s
    mission.restarts_at_s = [*document["restarts_at_s"], frame * mission.frame_s]
    return Resumed(frame * mission.frame_s)


class ServeState:
    """A frame hook writing the folder's serve state every `every_s` of wall time; `write` at the end."""

    def __init__(self, mission: Mission, out_dir: Path, every_s: float = EVERY_S):
        self.mission = mission
        self.path = Path(out_dir) / STATE_NAME
        self.every_s = every_s
        self._digest = scenario_digest(mission)
        self._next_s = time.monotonic() + every_s

    def __call__(self) -> None:
        if time.monotonic() >= self._next_s:
            self._next_s = time.monotonic() + self.every_s
            temporary = self.path.with_name(self.path.name + TEMPORARY_SUFFIX)
            temporary.write_bytes(self._document())
            os.replace(temporary, self.path)

    def write(self) -> None:
        """The state now, durably (the session is ending)."""
        write_atomically(self.path, self._document())

    def _document(self) -> bytes:
        mission = self.mission
        return msgpack.packb(
            {
                "format": FORMAT,
                "scenario": self._digest,
                "frame": mission.flight.executive.frame,
                "world": world_state(mission.world, mission.devices),
                "restarts_at_s": mission.restarts_at_s,
            }
        )
