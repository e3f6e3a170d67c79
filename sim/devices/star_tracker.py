"""Simulated star tracker: truth attitude rotated by noise, larger about the boresight."""

import numpy as np

from hal.devices import StarTracker
from native import ffi, lib, ptr, view
from sim.randomness import seed_generator
from sim.spacecraft import StarTrackerSpec


def boresight_mount(tilt_rad: float) -> np.ndarray:
    """q_bs of a sensor whose +Z looks along -Z_B, tilted by `tilt_rad` (about X_B) towards +Y_B."""
    flip = np.zeros(4)
    lib.zk_quat_from_rotvec(ptr(np.array([np.pi, 0.0, 0.0])), ptr(flip))
    tilt = np.zeros(4)
    lib.zk_quat_from_rotvec(ptr(np.array([tilt_rad, 0.0, 0.0])), ptr(tilt))
    q_bs = np.zeros(4)
    lib.zk_quat_mul(ptr(tilt), ptr(flip), ptr(q_bs))
    return q_bs


class SimStarTracker(StarTracker):
    """Reads the body attitude from `q_ib_true`."""

    def __init__(self, q_ib_true: np.ndarray, spec: StarTrackerSpec, seed: np.random.SeedSequence):
        self._c = ffi.new("zk_star_tracker *")
        seed_generator(self._c.rng, seed)
        self._c.q_bs = list(boresight_mount(spec.boresight_tilt_rad))
        self._c.noise_cross_rad = spec.noise_cross_rad
        self._c.noise_about_rad = spec.noise_about_rad
        self._truth = q_ib_true
        self._truth_ptr = ptr(q_ib_true)
        self.q_ib = view(self._c.q_ib)

    def sample(self) -> bool:
        lib.zk_star_tracker_measure(self._c, self._truth_ptr)
        return True
