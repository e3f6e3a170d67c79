"""Simulated GNSS receiver: Earth-fixed position and velocity with white noise, fixes at its rate from
the world's clock, and random outages (exponential gaps and durations, seeded)."""

import math

import numpy as np

from hal.devices import Gnss
from native import ffi, lib, view
from sim.faults import SingleUnitFaults
from sim.randomness import seed_generator
from sim.spacecraft import GnssSpec


class SimGnss(SingleUnitFaults, Gnss):
    """First fix due at the world's time at construction. A biased fault's bias: position then velocity."""

    fault_bias_units = ("m",) * 3 + ("m/s",) * 3

    def __init__(self, world, spec: GnssSpec, seed: np.random.SeedSequence):
        if not (math.isfinite(spec.fix_hz) and spec.fix_hz > 0.0):
            raise ValueError(f"GnssSpec.fix_hz must be finite and > 0; got {spec.fix_hz}")
        if not spec.outage_gap_mean_s > 0.0:
            raise ValueError(
                f"GnssSpec.outage_gap_mean_s must be > 0 s (inf: no outages); got {spec.outage_gap_mean_s}"
            )
        if not (math.isfinite(spec.outage_mean_s) and spec.outage_mean_s >= 0.0):
            raise ValueError(f"GnssSpec.outage_mean_s must be finite and >= 0 s; got {spec.outage_mean_s}")
        self._c = ffi.new("zk_gnss *")
        seed_generator(self._c.rng, seed)
        self._c.noise_pos_m = spec.noise_pos_m
        self._c.noise_vel_m_s = spec.noise_vel_m_s
        self._c.period_s = 1.0 / spec.fix_hz
        self._c.outage_gap_mean_s = spec.outage_gap_mean_s
        self._c.outage_mean_s = spec.outage_mean_s
        lib.zk_gnss_start(self._c, world.t_s)
        self._world = world.c
        self._r_eci = world.c.orbit.r_eci
        self._v_eci = world.c.orbit.v_eci
        self.r_ecef_m = view(self._c.r_ecef)
        self.v_ecef_m_s = view(self._c.v_ecef)

    @property
    def outage_s(self) -> tuple[float, float]:
        """(start, end) of the current or the next outage, as scheduled at the last sample."""
        return self._c.outage_start_s, self._c.outage_end_s

    def sample(self) -> bool:
        w = self._world
        return bool(lib.zk_gnss_measure(self._c, w.t_s, w.gmst_rad, self._r_eci, self._v_eci))
