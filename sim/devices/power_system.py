"""Simulated EPS board: the power truth's figures with seeded relative noise; switches act on the truth."""

import numpy as np

from hal.devices import PowerSystem
from native import ffi, lib, view
from sim.power import PowerSpec
from sim.randomness import seed_generator


class SimPowerSystem(PowerSystem):
    """Over a C `zk_power *` filled from `spec` (normally the world's own, or `sim.power.power_state`).

    A switch takes effect at the truth's next step.
    """

    def __init__(self, power_c, spec: PowerSpec, seed: np.random.SeedSequence):
        self._truth = power_c
        self._c = ffi.new("zk_power_telemetry *")
        seed_generator(self._c.rng, seed)
        self._c.noise_fraction = spec.telemetry_noise_fraction
        self.load_names = spec.load_names
        self._index = {name: k for k, name in enumerate(self.load_names)}
        self.readings = view(self._c.readings)
        n_bytes = ffi.sizeof("int") * len(self.load_names)
        self.load_on = np.frombuffer(ffi.buffer(self._c.load_on, n_bytes), dtype=np.intc)
        self.flags = 0

    def sample(self) -> bool:
        lib.zk_power_measure(self._c, self._truth)
        self.flags = self._c.flags
        return True

    def switch(self, load_name: str, on: bool) -> bool:
        k = self._index.get(load_name)
        if k is None:
            return False
        self._truth.load_on[k] = 1 if on else 0
        return True
