"""An SGP4 truth orbit fed to the world ahead of its steps: the world reads each step's state from a
table filled by SGP4 in chunks (one call a chunk) instead of integrating. Used by the mission and by
`zorka sim-server`, so both step the same truth."""

import numpy as np

from native import ptr
from sim.ephemeris import Sgp4Ephemeris
from sim.world import World

CHUNK_FRAMES = 600
"""Frames whose states one fill computes ahead."""


class TruthOrbitTable:
    """The orbit table of `world` (steps of `frame_s`), filled from `sgp4`."""

    def __init__(self, world: World, sgp4: Sgp4Ephemeris, frame_s: float):
        self._world_c = world.c
        self._sgp4 = sgp4
        self._frame_s = frame_s
        self._table = np.zeros((CHUNK_FRAMES, 6))
        self._table_c = ptr(self._table.reshape(-1))
        world.c.orbit_table = self._table_c

    def prepare(self, frame: int, frames: int) -> None:
        """The world's states at the ends of the `frames` (at most CHUNK_FRAMES) steps after `frame`."""
        table = self._table[:frames]
        self._sgp4.fill((frame + 1) * self._frame_s, self._frame_s, table[:, :3], table[:, 3:])
        self._world_c.orbit_table_len = frames
        self._world_c.orbit_table_next = 0
