"""Simulated magnetorquers: dipole commands plus noise latched through the dipole limit; faults."""

import numpy as np

from hal.devices import Magnetorquers
from native import lib, view
from sim.faults import SingleUnitFaults
from sim.randomness import seed_generator
from sim.spacecraft import MagnetorquerSpec


class SimMagnetorquers(SingleUnitFaults, Magnetorquers):
    """Over a C `zk_magnetorquers *` (limits filled), normally the world's own. `from_spec` also fills
    its noise and generator. A biased fault's bias: A m^2 per body axis."""

    fault_bias_units = ("A m^2",) * 3

    def __init__(self, mtq_c):
        self._c = mtq_c
        self.dipole_max_am2 = view(mtq_c.dipole_max_am2)
        self.dipole_cmd_am2 = view(mtq_c.dipole_cmd_am2)
        self.dipole_applied_am2 = view(mtq_c.dipole_applied_am2)

    @classmethod
    def from_spec(cls, mtq_c, spec: MagnetorquerSpec, seed: np.random.SeedSequence) -> "SimMagnetorquers":
        mtq_c.dipole_max_am2 = [spec.dipole_max_am2] * 3
        mtq_c.noise_am2 = spec.dipole_noise_am2
        seed_generator(mtq_c.rng, seed)
        return cls(mtq_c)

    def apply(self) -> None:
        lib.zk_magnetorquers_apply(self._c)
