"""Simulated coarse sun sensor: cosine heads on the body, the sun direction fitted over the lit heads;
blind in eclipse (see native/sim/sensors.h)."""

import numpy as np

from hal.devices import SunSensor
from native import ffi, lib, view
from sim.faults import SingleUnitFaults
from sim.randomness import seed_generator
from sim.spacecraft import SunSensorSpec


class SimSunSensor(SingleUnitFaults, SunSensor):
    """Senses the world's sun. `current_a`: each head's reading, A (a biased fault's bias: one per head)."""

    def __init__(self, world, spec: SunSensorSpec, seed: np.random.SeedSequence):
        normals = np.asarray(spec.head_normal_b, dtype=float)
        n = len(normals)
        if normals.ndim != 2 or normals.shape[1] != 3 or not 1 <= n <= lib.ZK_SUN_HEADS_MAX:
            raise ValueError(f"SunSensorSpec.head_normal_b must be 1 to {lib.ZK_SUN_HEADS_MAX} rows of 3")
        lengths = np.linalg.norm(normals, axis=1)
        if not np.all(np.isfinite(lengths) & (lengths > 0.0)):
            raise ValueError("SunSensorSpec.head_normal_b rows must be finite and non-zero")
        if not spec.full_sun_current_a > 0.0:
            raise ValueError(f"SunSensorSpec.full_sun_current_a must be > 0; got {spec.full_sun_current_a}")
        self._c = ffi.new("zk_sun_sensor *")
        seed_generator(self._c.rng, seed)
        self._c.n_heads = n
        self._c.normal_b[0 : 3 * n] = list((normals / lengths[:, None]).ravel())
        self._c.scale_a = spec.full_sun_current_a
        self._c.noise_a = spec.noise_a
        self._c.lit_a = spec.lit_threshold_a
        self._c.valid_fraction = spec.valid_fraction
        self.fault_bias_units = ("A",) * n
        self._world = world.c
        self._q_ib = world.c.att.q_ib
        self._r_eci = world.c.orbit.r_eci
        self._r_sun_eci = world.c.r_sun_eci
        self.current_a = view(self._c.current_a, n)
        self.s_b = view(self._c.s_b)

    def sample(self) -> bool:
        return bool(
            lib.zk_sun_sensor_measure(
                self._c, self._q_ib, self._r_eci, self._r_sun_eci, self._world.sun_fraction
            )
        )
