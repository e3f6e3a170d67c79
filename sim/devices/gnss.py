"""Simulated GNSS receiver: Earth-fixed position and velocity with white noise."""

import numpy as np

from hal.devices import Gnss
from native import ffi, lib, view
from sim.randomness import seed_generator
from sim.spacecraft import GnssSpec


class SimGnss(Gnss):
    def __init__(self, world, spec: GnssSpec, seed: np.random.SeedSequence):
        self._c = ffi.new("zk_gnss *")
        seed_generator(self._c.rng, seed)
        self._c.noise_pos_m = spec.noise_pos_m
        self._c.noise_vel_m_s = spec.noise_vel_m_s
        self._world = world.c
        self._r_eci = world.c.orbit.r_eci
        self._v_eci = world.c.orbit.v_eci
        self.r_ecef_m = view(self._c.r_ecef)
        self.v_ecef_m_s = view(self._c.v_ecef)

    def sample(self) -> bool:
        lib.zk_gnss_measure(self._c, self._world.gmst_rad, self._r_eci, self._v_eci)
        return True
