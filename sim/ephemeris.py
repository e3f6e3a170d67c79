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
    same `fill` as Sgp4Ephemeris, for predictions such as ground passes."""

    def __init__(self, r_eci: np.ndarray, v_eci: np.ndarray, forces, step_s: float = 10.0) -> None:
        self._initial = (np.array(r_eci, dtype=float), np.array(v_eci, dtype=float))
        self._forces = forces
        self._orbit = ffi.new("zk_orbit *")
        self.step_s = step_s

    def fill(self, t0_s: float, dt_s: float, r_eci: np.ndarray, v_eci: np.ndarray) -> None:
        """Write the n states at t0_s + k dt_s (seconds since the run epoch) into r_eci and v_eci, (n, 3)."""
        orbit = self._orbit
        orbit.r_eci, orbit.v_eci = self._initial[0].tolist(), self._initial[1].tolist()
        lib.zk_orbit_propagate(orbit, self._forces, t0_s, self.step_s)
        for k in range(len(r_eci)):
            if k:
                lib.zk_orbit_propagate(orbit, self._forces, dt_s, self.step_s)
            r_eci[k] = tuple(orbit.r_eci)
            v_eci[k] = tuple(orbit.v_eci)
