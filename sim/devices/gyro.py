"""Simulated rate gyro: truth rate plus a constant bias plus white noise."""

import numpy as np

from hal.devices import Gyro
from native import ffi, lib, ptr, view
from sim.randomness import seed_generator


class SimGyro(Gyro):
    """Reads the body rate from `w_b_true` (the world's state, or a board's stimulus buffer)."""

    def __init__(self, w_b_true: np.ndarray, noise_rad_s: float, bias_b, seed: np.random.SeedSequence):
        self._c = ffi.new("zk_gyro *")
        seed_generator(self._c.rng, seed)
        self._c.noise_rad_s = noise_rad_s
        self._c.bias_b = [float(x) for x in bias_b]
        self._truth = w_b_true
        self._truth_ptr = ptr(w_b_true)
        self.rate_b = view(self._c.rate_b)

    def sample(self) -> bool:
        lib.zk_gyro_measure(self._c, self._truth_ptr)
        return True
