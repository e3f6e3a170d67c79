"""Attitude determination: a multiplicative extended Kalman filter on the gyro and the star tracker.

The filter (native/flight/mekf.c) holds the attitude q_ib, the gyro bias (a random walk and a Gauss-Markov
term) and their 9x9 error covariance in one C struct made here once; `propagate` and
`update_star_tracker` are one C call each on C pointers, so a tick allocates nothing. The outputs are
numpy views onto the struct.
"""

import math
from dataclasses import dataclass

import numpy as np

from native import ffi, lib, view

NIS_GATE_3DOF = 16.27  # chi-square of 3 degrees of freedom at 99.9 %: one good reading in 1000 refused
RESTART_AFTER_REJECTED = 25  # readings refused in a row (5 s at 5 Hz) before a restart from the next


@dataclass(frozen=True)
class GyroModel:
    """The gyro as the filter models it: angle random walk, and a bias that is a random walk
    (`walk_rad_s_sqrt_s`) plus a first-order Gauss-Markov term (`markov_rad_s` steady 1 sigma,
    `markov_s` correlation time; `markov_rad_s` 0 for none)."""

    arw_rad_sqrt_s: float
    walk_rad_s_sqrt_s: float
    markov_rad_s: float = 0.0
    markov_s: float = 1.0

    def __post_init__(self):
        for name in ("arw_rad_sqrt_s", "walk_rad_s_sqrt_s", "markov_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0.0):
                raise ValueError(f"GyroModel.{name} must be finite and > 0; got {value!r}")
        if not (math.isfinite(self.markov_rad_s) and self.markov_rad_s >= 0.0):
            raise ValueError(f"GyroModel.markov_rad_s must be finite and >= 0; got {self.markov_rad_s!r}")

    @classmethod
    def from_datasheet(
        cls,
        arw_rad_sqrt_s: float,
        rrw_rad_s_sqrt_s: float,
        bias_instability_rad_s: float,
        floor_from_s: float,
    ) -> "GyroModel":
        """The model of a gyro whose Allan deviation is flat at its bias instability B from about
        `floor_from_s` on: the wander on that shortest scale, which no filter can follow through a
        star-tracker outage but which fades within it, is one Markov term (B, floor_from_s); the slower
        wander a random walk of sqrt(rrw^2 + B^2 / (10 floor_from_s)), the decade beyond.

        A filter that carries the whole instability as a random walk (sqrt(rrw^2 + B^2 / floor_from_s),
        so that it does not grow overconfident and refuse good readings) extrapolates the fast wander as
        a constant: for the default gyro its error after a 10-minute outage is 68" 1 sigma per axis
        against 56" with this model (the optimum, every term modelled, is 54"), and its sigma says 99"."""
        return cls(
            arw_rad_sqrt_s,
            math.sqrt(rrw_rad_s_sqrt_s**2 + bias_instability_rad_s**2 / (10.0 * floor_from_s)),
            bias_instability_rad_s,
            floor_from_s,
        )


class AttitudeEstimator:
    """Attitude and gyro bias from gyro rates and star-tracker attitudes.

    Gyro: `gyro`, see `GyroModel.from_datasheet`. Star tracker: mounting `q_bs` (sensor to body, sensor
    +Z the boresight) and its 1-sigma noise about the sensor axes, `st_cross_rad` (X, Y) and
    `st_about_rad` (Z). A reading whose normalised innovation squared exceeds `nis_gate` is refused and
    counted; after `restart_after` refusals in a row the next refused reading restarts the attitude
    (0: never). Call `init` before the first `propagate`.
    """

    def __init__(
        self,
        gyro: GyroModel,
        q_bs,
        st_cross_rad: float,
        st_about_rad: float,
        nis_gate: float = NIS_GATE_3DOF,
        restart_after: int = RESTART_AFTER_REJECTED,
    ):
        values = (st_cross_rad, st_about_rad, nis_gate)
        if not all(np.isfinite(v) and v > 0.0 for v in values):
            raise ValueError(f"star-tracker noise figures and gate must be finite and > 0; got {values}")
        if not (isinstance(restart_after, int) and restart_after >= 0):
            raise ValueError(f"restart_after must be an integer >= 0; got {restart_after!r}")
        q = np.asarray(q_bs, dtype=float)
        if q.shape != (4,) or not np.isfinite(q).all() or not np.linalg.norm(q) > 0.0:
            raise ValueError(f"q_bs must be a non-zero quaternion [x, y, z, w]; got {q_bs!r}")
        c = ffi.new("zk_mekf *")
        c.arw_rad_sqrt_s = gyro.arw_rad_sqrt_s
        c.rrw_rad_s_sqrt_s = gyro.walk_rad_s_sqrt_s
        c.markov_sigma_rad_s = gyro.markov_rad_s
        c.markov_time_s = gyro.markov_s
        c.q_bs = list(q / np.linalg.norm(q))
        c.st_cross_rad = st_cross_rad
        c.st_about_rad = st_about_rad
        c.nis_gate = nis_gate
        c.restart_after = restart_after
        self._c = c
        self._zero_bias = ffi.new("double[3]")
        self.q_ib_c = c.q_ib
        self.w_b_c = c.w_b
        self.bias_b_c = c.bias_b
        self.q_ib = view(c.q_ib)
        self.bias_b = view(c.bias_b)
        self.w_b = view(c.w_b)
        self._w_meas_b_c = c.w_meas_b
        self.sigma_att_rad = view(c.sigma_att_rad)
        self.residual_b = view(c.residual_b)
        self.covariance = view(c.p).reshape(9, 9)
        self.initialised = False

    def init(self, q_ib_c, sigma_att_rad: float, sigma_bias_rad_s: float, bias_b_c=None) -> None:
        """Start from attitude `q_ib_c` (a C pointer, or 4 numbers) with 1-sigma uncertainties per axis,
        and gyro bias `bias_b_c` (zero if None; `self.bias_b_c` keeps the current estimate), all of it
        the random walk's to begin with."""
        lib.zk_mekf_init(
            self._c,
            q_ib_c,
            self._zero_bias if bias_b_c is None else bias_b_c,
            sigma_att_rad,
            sigma_bias_rad_s,
        )
        self.initialised = True

    def propagate(self, w_meas_b_c, dt_s: float, w_end_b_c=None) -> None:
        """Advance by `dt_s` on the gyro rate `w_meas_b_c` over the step (C pointer); with `w_end_b_c` (a C
        pointer too), the reading at the step's end (finite), that becomes the rate output `w_b` (less the
        bias): element by element, as native/record/fused.c does (numpy calls on 3-vectors cost more)."""
        lib.zk_mekf_propagate(self._c, w_meas_b_c, dt_s)
        if w_end_b_c is None:
            return
        x, y, z = w_end_b_c[0], w_end_b_c[1], w_end_b_c[2]
        if math.isfinite(x + y + z):
            w_meas, w_b, bias = self._w_meas_b_c, self.w_b_c, self.bias_b_c
            w_meas[0], w_meas[1], w_meas[2] = x, y, z
            w_b[0], w_b[1], w_b[2] = x - bias[0], y - bias[1], z - bias[2]

    def update_star_tracker(self, q_ib_meas_c) -> bool:
        """Take a star-tracker attitude (C pointer onto its q_ib). False if the gate refused it; True if
        it was taken, or restarted the attitude (`restarts`)."""
        return bool(lib.zk_mekf_update_attitude(self._c, q_ib_meas_c))

    @property
    def nis(self) -> float:
        """Normalised innovation squared of the last star-tracker reading (3 degrees of freedom)."""
        return self._c.nis

    @property
    def accepted(self) -> int:
        return self._c.accepted

    @property
    def rejected(self) -> int:
        return self._c.rejected

    @property
    def rejected_in_row(self) -> int:
        """Readings refused since the last one taken: many in a row means the filter has lost the truth."""
        return self._c.rejected_in_row

    @property
    def restarts(self) -> int:
        """Attitude restarts from a reading after `restart_after` refusals in a row."""
        return self._c.restarts

    @property
    def invalid(self) -> int:
        """Non-finite gyro or star-tracker readings ignored (the last good gyro reading used instead)."""
        return self._c.invalid
