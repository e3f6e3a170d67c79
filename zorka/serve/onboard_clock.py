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
from zorka.run.mission import Mission

STATE_NAME = "serve_state.msgpack"
FORMAT = 1
EVERY_S = 10.0


def scenario_digest(mission: Mission) -> str:
    """A fingerprint of the mission's scenario (seed included)."""
    return hashlib.sha256(repr(mission.scenario).encode()).hexdigest()


@dataclass(frozen=True)
class Resumed:
    """Where a restarted session picked up: onboard time, or why it started at the epoch (`problem`)."""

    t_s: float
    problem: str | None = None


def resume(mission: Mission, out_dir: Path) -> Resumed | None:
    """Put `mission` (just built, not yet run) at the onboard time its folder's last session reached;
    None if the folder holds no serve state (a first start)."""
    path = Path(out_dir) / STATE_NAME
    try:
        document = msgpack.unpackb(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, msgpack.UnpackException) as problem:
        return Resumed(0.0, f"{path} unreadable ({problem}): onboard time starts at the epoch")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return Resumed(0.0, f"{path} is not a serve state of this version: onboard time starts at the epoch")
    if document.get("scenario") != scenario_digest(mission):
        return Resumed(0.0, f"{path} is of another scenario or seed: onboard time starts at the epoch")
    try:
        restore_world(mission.world, mission.devices, document["world"])
    except (KeyError, TypeError, ValueError) as problem:
        return Resumed(0.0, f"{path}: {problem}: onboard time starts at the epoch")
    frame = int(document["frame"])
    mission.flight.executive.frame = frame
    mission.duration_s += frame * mission.frame_s
    mission.restarts_at_s = [*document.get("restarts_at_s", []), frame * mission.frame_s]
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
