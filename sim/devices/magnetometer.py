"""Simulated magnetometer: the world's field in body, plus bias, the torquers' field and white noise."""

import numpy as np

from hal.devices import Magnetometer
from native import ffi, lib, view
from sim.faults import SingleUnitFaults
from sim.randomness import seed_generator
from sim.spacecraft import MagnetometerSpec


class SimMagnetometer(SingleUnitFaults, Magnetometer):
    """Senses the world's field and its magnetorquers' applied dipole (`world.c.mtq`)."""

    fault_bias_units = ("T",) * 3

    def __init__(self, world, spec: MagnetometerSpec, seed: np.random.SeedSequence):
        coupling = np.asarray(spec.torquer_coupling_t_per_am2, dtype=float)
        if coupling.shape != (3, 3) or not np.all(np.isfinite(coupling)):
            raise ValueError("MagnetometerSpec.torquer_coupling_t_per_am2 must be a finite 3 x 3 matrix")
        self._c = ffi.new("zk_magnetometer *")
        seed_generator(self._c.rng, seed)
        self._c.noise_t = spec.noise_t
        self._c.bias_b_t = list(spec.bias_b_t)
        self._c.coupling_t_per_am2 = list(coupling.ravel())
        self._world = world.c
        self._q_ib = world.c.att.q_ib
        self._b_eci_t = world.c.b_eci_t
        self._dipole_am2 = world.c.mtq.dipole_applied_am2
        self.b_b_t = view(self._c.b_b_t)

    def sample(self) -> bool:
        return bool(lib.zk_magnetometer_measure(self._c, self._q_ib, self._b_eci_t, self._dipole_am2))
