"""Simulated star tracker: truth attitude rotated by noise, larger about the boresight; a reading at its
update rate, none while the sun or the lit Earth blinds it (see native/sim/sensors.h)."""

import math

import numpy as np

from hal.devices import StarTracker
from native import ffi, lib, ptr, view
from sim.faults import SingleUnitFaults
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


class SimStarTracker(SingleUnitFaults, StarTracker):
    """Reads the body attitude from `q_ib_true` (normally `world.q_ib`).

    With a `world` (sim.world.World), its clock, sun and orbit: a reading every 1 / update_hz from the
    world's time at construction, none while blinded. Without one (an attitude alone, as a bench
    stimulus), a reading at every sample and nothing blinds it. A biased fault's bias is a rotation
    vector in the sensor frame, rad.
    """

    fault_bias_units = ("rad",) * 3

    def __init__(
        self, q_ib_true: np.ndarray, spec: StarTrackerSpec, seed: np.random.SeedSequence, world=None
    ):
        if not (math.isfinite(spec.update_hz) and spec.update_hz > 0.0):
            raise ValueError(f"StarTrackerSpec.update_hz must be finite and > 0; got {spec.update_hz}")
        self._c = ffi.new("zk_star_tracker *")
        seed_generator(self._c.rng, seed)
        self._c.q_bs = list(boresight_mount(spec.boresight_tilt_rad))
        self._c.noise_cross_rad = spec.noise_cross_rad
        self._c.noise_about_rad = spec.noise_about_rad
        self._c.sun_exclusion_rad = spec.sun_exclusion_rad
        self._c.earth_exclusion_rad = spec.earth_exclusion_rad
        self._truth = q_ib_true
        self._truth_ptr = ptr(q_ib_true)
        self._world = None if world is None else world.c
        if world is not None:
            self._c.period_s = 1.0 / spec.update_hz
            self._c.t_next_s = world.t_s
            self._r_sat_eci = world.c.orbit.r_eci
            self._r_sun_eci = world.c.r_sun_eci
        self.q_ib = view(self._c.q_ib)

    @property
    def blinded(self) -> bool:
        """The last reading due was lost to the sun or the lit Earth."""
        return bool(self._c.blinded)

    def sample(self) -> bool:
        w = self._world
        if w is None:
            return bool(lib.zk_star_tracker_measure(self._c, 0.0, self._truth_ptr, ffi.NULL, ffi.NULL, 0.0))
        return bool(
            lib.zk_star_tracker_measure(
                self._c, w.t_s, self._truth_ptr, self._r_sat_eci, self._r_sun_eci, w.sun_fraction
            )
        )
