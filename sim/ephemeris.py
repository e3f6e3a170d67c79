"""Orbits as ephemerides: TEME positions and velocities at times counted from the run's epoch, from SGP4
(a truth orbit given by a TLE) or from the numerical model (predictions such as ground passes).

The run's epoch and the TLE's epoch are separate instants; SGP4 propagates from the TLE's. The run's
Julian date is split into a whole part and a fraction so that times within the run keep ~0.1 us
precision; a float Julian date resolves ~40 us (0.3 m along track), so the run epoch itself, given as
one float, is what it is to within 20 us, the same for every model that uses it.
"""

import math

import numpy as np
from sgp4.api import SGP4_ERRORS, Satrec

from native import ffi, lib
from native.time_scales import SECONDS_PER_DAY


class Sgp4Error(RuntimeError):
    """SGP4 could not give a state: when (run time and Julian date) and sgp4's own reason."""

    def __init__(self, t_s: float, jd_utc: float, code: int) -> None:
        self.t_s, self.jd_utc, self.code = t_s, jd_utc, code
        super().__init__(
            f"sgp4 failed at t = {t_s:.3f} s after the run epoch (JD {jd_utc:.6f} UTC): "
            f"{SGP4_ERRORS.get(code, 'unknown error')} (error {code})"
        )


class Sgp4Ephemeris:
    """States of one SGP4 satellite (WGS-72 as in the TLE's fit) in metres and m/s, TEME."""

    def __init__(self, satrec: Satrec, jd_epoch_utc: float) -> None:
        self.satrec = satrec
        self.jd_epoch_utc = jd_epoch_utc
        self._jd_whole = float(math.floor(jd_epoch_utc))
        self._jd_fraction = jd_epoch_utc - self._jd_whole

    def fill(self, t0_s: float, dt_s: float, r_eci: np.ndarray, v_eci: np.ndarray) -> None:
        """Write the n states at t0_s + k dt_s (k = 0..n-1, seconds since the run epoch) into r_eci and
        v_eci, each (n, 3). Raises Sgp4Error at the first time SGP4 fails."""
        n = len(r_eci)
        fraction = self._jd_fraction + (t0_s + dt_s * np.arange(n)) / SECONDS_PER_DAY
        codes, r_km, v_km_s = self.satrec.sgp4_array(np.full(n, self._jd_whole), fraction)
        if codes.any():
            k = int(np.flatnonzero(codes)[0])
            raise Sgp4Error(t0_s + k * dt_s, self._jd_whole + fraction[k], int(codes[k]))
        np.multiply(r_km, 1e3, out=r_eci)
        np.multiply(v_km_s, 1e3, out=v_eci)

    def state_at(self, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Position (m) and velocity (m/s), TEME, at t_s seconds since the run epoch."""
        fraction = self._jd_fraction + t_s / SECONDS_PER_DAY
        code, r_km, v_km_s = self.satrec.sgp4(self._jd_whole, fraction)
        if code:
            raise Sgp4Error(t_s, self._jd_whole + fraction, code)
        return np.array(r_km) * 1e3, np.array(v_km_s) * 1e3


class NumericalEphemeris:
    """States of the numerical orbit model (RK4 with `forces`) from an initial state at t = 0, with the
    same `fill` as Sgp4Ephemeris, for predictions such as ground passes.

    The orbit is integrated once, in whole steps of `step_s`, and the state at each step kept (48 bytes a
    step: 2.9 MB for a week at 10 s); a state between steps is one partial step from the step before it.
    A prediction at any time so costs one RK4 step once the orbit reaches it, where integrating from the
    epoch every time made a week's pass prediction quadratic in its length.
    """

    def __init__(self, r_eci: np.ndarray, v_eci: np.ndarray, forces, step_s: float = 10.0) -> None:
        if not (step_s > 0.0 and math.isfinite(step_s)):
            raise ValueError(f"step_s: {step_s} s is not a positive finite number")
        self._forces = forces
        self._orbit = ffi.new("zk_orbit *")
        self.step_s = step_s
        self._knots = np.empty((1024, 6))
        self._knots[0, :3], self._knots[0, 3:] = r_eci, v_eci
        self._n_knots = 1

    def _knot(self, k: int) -> np.ndarray:
        """The state after k whole steps (k >= 0), integrating on from the last one kept."""
        if k >= len(self._knots):
            grown = np.empty((max(k + 1, 2 * len(self._knots)), 6))
            grown[: self._n_knots] = self._knots[: self._n_knots]
            self._knots = grown
        orbit = self._orbit
        while self._n_knots <= k:
            last = self._knots[self._n_knots - 1]
            orbit.r_eci, orbit.v_eci = last[:3].tolist(), last[3:].tolist()
            lib.zk_orbit_propagate(orbit, self._forces, self.step_s, self.step_s)
            self._knots[self._n_knots] = (*orbit.r_eci, *orbit.v_eci)
            self._n_knots += 1
        return self._knots[k]

    def fill(self, t0_s: float, dt_s: float, r_eci: np.ndarray, v_eci: np.ndarray) -> None:
        """Write the n states at t0_s + k dt_s (seconds since the run epoch, not before it) into r_eci and
        v_eci, (n, 3)."""
        orbit = self._orbit
        for i in range(len(r_eci)):
            t_s = t0_s + i * dt_s
            if not t_s >= 0.0:
                raise ValueError(f"t_s: {t_s} s is before the epoch of the numerical orbit")
            k = math.floor(t_s / self.step_s)
            knot = self._knot(k)
            orbit.r_eci, orbit.v_eci = knot[:3].tolist(), knot[3:].tolist()
            lib.zk_orbit_propagate(orbit, self._forces, t_s - k * self.step_s, self.step_s)
            r_eci[i] = tuple(orbit.r_eci)
            v_eci[i] = tuple(orbit.v_eci)
