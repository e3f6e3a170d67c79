"""Simulated coarse sun sensor: the sun direction in body with noise; blind in eclipse."""

import numpy as np

from hal.devices import SunSensor
from native import ffi, lib, view
from sim.randomness import seed_generator
from sim.spacecraft import SunSensorSpec


class SimSunSensor(SunSensor):
    def __init__(self, world, spec: SunSensorSpec, seed: np.random.SeedSequence):
        self._c = ffi.new("zk_sun_sensor *")
        seed_generator(self._c.rng, seed)
        self._c.noise_rad = spec.noise_rad
        self._world = world.c
        self._q_ib = world.c.att.q_ib
        self._r_eci = world.c.orbit.r_eci
        self._r_sun_eci = world.c.r_sun_eci
        self.s_b = view(self._c.s_b)

    def sample(self) -> bool:
        lib.zk_sun_sensor_measure(self._c, self._q_ib, self._r_eci, self._r_sun_eci, self._world.sun_fraction)
        return bool(self._c.valid)
