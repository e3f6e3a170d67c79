"""The run recorder: what the truth did, frame by frame, measured against what the ADCS was told. One C
struct and block buffers allocated once; each frame `zk_run_record_tick` writes the true pointing and
rate errors against the controller's reference, peaks of wheel speed and the lowest battery charge, and
every `truth_every` frames a row of the truth (t_s, r_eci, v_eci, q_ib, w_b). The mission empties the
blocks (`take`) into its streaming statistics and truth files before they could fill (its spans run at
most CHUNK_FRAMES), so the memory does not grow with the run's length."""

import numpy as np

from native import ffi, lib, ptr
from sim.world import World

TRUTH_COLUMNS = lib.ZK_TRUTH_COLUMNS
BLOCK_FRAMES = 4096
"""Frames a block holds: more than a span of the mission's loop (CHUNK_FRAMES) ever runs."""


class RunRecorder:
    """Records `world` in blocks of BLOCK_FRAMES frames of `frame_s`, truth rows at `truth_rate_hz`; the
    first truth row (t = 0) is in the first block."""

    def __init__(self, world: World, frame_s: float, truth_rate_hz: float):
        self.frame_s = frame_s
        self.err_deg = np.zeros(BLOCK_FRAMES)
        self.rate_err_deg_s = np.zeros(BLOCK_FRAMES)
        rec = ffi.new("zk_run_record *")
        rec.err_deg = ptr(self.err_deg)
        rec.rate_err_deg_s = ptr(self.rate_err_deg_s)
        rec.capacity = BLOCK_FRAMES
        rec.min_soc = world.c.power.soc
        rec.truth_every = max(1, round(1.0 / (truth_rate_hz * frame_s)))
        self._truth = np.zeros((BLOCK_FRAMES // rec.truth_every + 3, TRUTH_COLUMNS))
        self._truth[0] = np.concatenate([[0.0], world.r_eci, world.v_eci, world.q_ib, world.w_b])
        rec.truth = ptr(self._truth.reshape(-1))
        rec.truth_capacity = len(self._truth)
        rec.truth_n = 1
        rec.frame_s = frame_s
        self.c = rec
        self.frames_taken = 0
        """Frames emptied out of the blocks so far."""

    @property
    def truth_rows_capacity(self) -> int:
        """Truth rows a block holds."""
        return len(self._truth)

    def follow(self, control_c) -> None:
        """Measure errors against the reference of this controller (its C struct)."""
        self.c.control = control_c

    @property
    def frames(self) -> int:
        """Frames recorded so far."""
        return self.frames_taken + self.c.n

    def take(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The block so far, and the blocks emptied: per frame the true pointing error (deg) and rate error
        (deg/s), and the truth rows (views, valid until the next frame). Raises if a block overflowed (a
        span longer than BLOCK_FRAMES: a bug)."""
        n, rows = self.c.n, self.c.truth_n
        if n >= BLOCK_FRAMES or rows >= len(self._truth):
            raise RuntimeError(f"run recorder: a block overflowed ({n} frames, {rows} truth rows)")
        self.c.n = 0
        self.c.truth_n = 0
        self.frames_taken += n
        return self.err_deg[:n], self.rate_err_deg_s[:n], self._truth[:rows]
