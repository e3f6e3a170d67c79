"""Simulated rate gyro: truth + turn-on bias + bias instability + rate random walk + angle random walk.

Bias instability is a sum of first-order Gauss-Markov biases whose Allan deviation approximates the
flat flicker floor 0.664 B over the decades of their correlation times; rate random walk is integrated
white noise; angle random walk is white noise on each sample. One sample per `sample()` (the tick).
"""

import math

import numpy as np

from hal.devices import Gyro
from native import ffi, lib, ptr, view
from sim.faults import SingleUnitFaults
from sim.randomness import seed_generator
from sim.spacecraft import GyroSpec

FLICKER_FLOOR = math.sqrt(2.0 * math.log(2.0) / math.pi)  # Allan floor of flicker rate noise per unit B
MARKOV_PEAK_TAU = 1.89  # the Allan deviation of a Gauss-Markov rate peaks at ~1.89 correlation times


def markov_allan_variance(tau_s, sigma_rad_s: float, correlation_s: float):
    """Allan variance of a first-order Gauss-Markov rate of stationary sigma, at averaging times tau_s."""
    x = np.asarray(tau_s, dtype=float) / correlation_s
    return 2.0 * sigma_rad_s**2 / x * (1.0 - (3.0 - 4.0 * np.exp(-x) + np.exp(-2.0 * x)) / (2.0 * x))


def markov_sigma_for_floor(bias_instability_rad_s: float, correlation_s) -> float:
    """Stationary sigma of each of equal Gauss-Markov terms whose summed Allan deviation, between the
    peaks of the shortest and the longest term, centres on the flicker floor 0.664 B (the geometric
    mean of its extremes there)."""
    band = MARKOV_PEAK_TAU * np.array([min(correlation_s), max(correlation_s)])
    tau_s = np.geomspace(band[0], band[1], 200)
    adev = np.sqrt(sum(markov_allan_variance(tau_s, 1.0, t) for t in correlation_s))
    return FLICKER_FLOOR * bias_instability_rad_s / math.sqrt(adev.min() * adev.max())


class SimGyro(SingleUnitFaults, Gyro):
    """Reads the body rate from `w_b_true` (the world's state, or a board's stimulus buffer).

    Parameters are per sample: `noise_rad_s` white noise (1 sigma), `bias_b` constant, `markov` a
    (phi = exp(-dt / correlation time), driving 1 sigma) pair per Gauss-Markov term, `walk_rad_s` the
    rate random walk's step (1 sigma). `from_spec` derives them from a `GyroSpec` and the tick.
    """

    fault_bias_units = ("rad/s",) * 3

    def __init__(
        self,
        w_b_true: np.ndarray,
        noise_rad_s: float,
        bias_b,
        seed: np.random.SeedSequence,
        markov: tuple[tuple[float, float], ...] = (),
        walk_rad_s: float = 0.0,
    ):
        if len(markov) > lib.ZK_GYRO_MARKOV_MAX:
            raise ValueError(
                f"a gyro has at most {lib.ZK_GYRO_MARKOV_MAX} Gauss-Markov terms, got {len(markov)}"
            )
        self._c = ffi.new("zk_gyro *")
        seed_generator(self._c.rng, seed)
        self._c.noise_rad_s = noise_rad_s
        self._c.bias_b = [float(x) for x in bias_b]
        self._c.n_markov = len(markov)
        for k, (phi, step_rad_s) in enumerate(markov):
            self._c.markov_phi[k] = phi
            self._c.markov_step_rad_s[k] = step_rad_s
        self._c.walk_step_rad_s = walk_rad_s
        lib.zk_gyro_start(self._c)
        self._truth = w_b_true
        self._truth_ptr = ptr(w_b_true)
        self.rate_b = view(self._c.rate_b)

    @classmethod
    def from_spec(cls, w_b_true: np.ndarray, spec: GyroSpec, dt_s: float, seed: np.random.SeedSequence):
        """A gyro of the `spec` class sampled every `dt_s`."""
        times = spec.instability_correlation_s
        if not all(math.isfinite(t) and t > 0.0 for t in times):
            raise ValueError(f"GyroSpec.instability_correlation_s must be finite and > 0 s; got {times}")
        if not spec.bias_instability_rad_s >= 0.0:
            raise ValueError(
                f"GyroSpec.bias_instability_rad_s must be >= 0; got {spec.bias_instability_rad_s}"
            )
        sigma_rad_s = markov_sigma_for_floor(spec.bias_instability_rad_s, times)
        markov = []
        for t in times:
            phi = math.exp(-dt_s / t)
            markov.append((phi, sigma_rad_s * math.sqrt(1.0 - phi * phi)))
        return cls(
            w_b_true,
            spec.noise_rad_s(dt_s),
            spec.bias_rad_s,
            seed,
            markov=tuple(markov),
            walk_rad_s=spec.rate_random_walk_rad_s_sqrt_s * math.sqrt(dt_s),
        )

    def sample(self) -> bool:
        return bool(lib.zk_gyro_measure(self._c, self._truth_ptr))

    def record(self, n: int) -> np.ndarray:
        """n consecutive samples (n x 3, rad/s) of the current truth, sampled in C: an Allan record."""
        out = np.empty((n, 3))
        lib.zk_gyro_measure_n(self._c, self._truth_ptr, ptr(out), n)
        return out
