"""The run recorder: what the truth did, frame by frame, measured against what the ADCS was told. One C
struct and buffers allocated once for the whole run; each frame `zk_run_record_tick` writes the true
pointing and rate errors against the controller's reference, peaks of wheel speed and the lowest
battery charge, and every `truth_every` frames a row of the truth (t_s, r_eci, v_eci, q_ib, w_b)."""

import numpy as np

from native import ffi, lib, ptr
from sim.world import World

TRUTH_COLUMNS = lib.ZK_TRUTH_COLUMNS


class RunRecorder:
    """Records `world` for up to `capacity` frames of `frame_s`, truth rows at `truth_rate_hz`."""

    def __init__(self, world: World, capacity: int, frame_s: float, truth_rate_hz: float):
        self.frame_s = frame_s
        self.err_deg = np.zeros(capacity)
        self.rate_err_deg_s = np.zeros(capacity)
        rec = ffi.new("zk_run_record *")
        rec.err_deg = ptr(self.err_deg)
        rec.rate_err_deg_s = ptr(self.rate_err_deg_s)
        rec.capacity = capacity
        rec.min_soc = world.c.power.soc
        rec.truth_every = max(1, round(1.0 / (truth_rate_hz * frame_s)))
        self._truth = np.zeros((capacity // rec.truth_every + 2, TRUTH_COLUMNS))
        self._truth[0] = np.concatenate([[0.0], world.r_eci, world.v_eci, world.q_ib, world.w_b])
        rec.truth = ptr(self._truth.reshape(-1))
        rec.truth_capacity = len(self._truth)
        rec.truth_n = 1
        rec.frame_s = frame_s
        self.c = rec

    def follow(self, control_c) -> None:
        """Measure errors against the reference of this controller (its C struct)."""
        self.c.control = control_c

    @property
    def frames(self) -> int:
        """Frames recorded so far."""
        return self.c.n

    @property
    def truth_buffer(self) -> np.ndarray:
        """The whole preallocated truth buffer, flat (rows recorded so far first)."""
        return self._truth.reshape(-1)

    def truth(self) -> np.ndarray:
        """Rows recorded so far: t_s, r_eci (3), v_eci (3), q_ib (4), w_b (3)."""
        return self._truth[: self.c.truth_n]

    def attitude_errors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per frame so far: t_s (record k at (k + 1) frames, after the world stepped), the true pointing
        error in degrees and the true rate error in degrees per second."""
        n = self.c.n
        return np.arange(1, n + 1) * self.frame_s, self.err_deg[:n], self.rate_err_deg_s[:n]
