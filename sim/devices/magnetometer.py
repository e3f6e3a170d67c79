"""Simulated magnetometer: the world's field in body, plus bias and white noise."""

import numpy as np

from hal.devices import Magnetometer
from native import ffi, lib, view
from sim.randomness import seed_generator
from sim.spacecraft import MagnetometerSpec


class SimMagnetometer(Magnetometer):
    def __init__(self, world, spec: MagnetometerSpec, seed: np.random.SeedSequence):
        self._c = ffi.new("zk_magnetometer *")
        seed_generator(self._c.rng, seed)
        self._c.noise_t = spec.noise_t
        self._c.bias_b_t = list(spec.bias_b_t)
        self._world = world.c
        self._q_ib = world.c.att.q_ib
        self._b_eci_t = world.c.b_eci_t
        self.b_b_t = view(self._c.b_b_t)

    def sample(self) -> bool:
        lib.zk_magnetometer_measure(self._c, self._q_ib, self._b_eci_t)
        return True
