"""Orbits of the simulation: Earth's gravity constants and initial states from elements.

Propagation is in C (native/common/orbit.c); this module sets up what it propagates.
"""

import numpy as np

from native import lib, ptr
from native.earth_model import J2, MU_EARTH_M3_S2, R_EARTH_M
from native.time_scales import SECONDS_PER_DAY

TROPICAL_YEAR_S = 365.2421897 * SECONDS_PER_DAY


def state_from_elements(
    a_m: float, e: float, i_rad: float, raan_rad: float, argp_rad: float, nu_rad: float
) -> tuple[np.ndarray, np.ndarray]:
    """Inertial position (m) and velocity (m/s) from classical elements (true anomaly nu)."""
    p = a_m * (1.0 - e * e)
    r = p / (1.0 + e * np.cos(nu_rad))
    r_pqw = r * np.array([np.cos(nu_rad), np.sin(nu_rad), 0.0])
    v_pqw = np.sqrt(MU_EARTH_M3_S2 / p) * np.array([-np.sin(nu_rad), e + np.cos(nu_rad), 0.0])
    co, so = np.cos(raan_rad), np.sin(raan_rad)
    ci, si = np.cos(i_rad), np.sin(i_rad)
    cw, sw = np.cos(argp_rad), np.sin(argp_rad)
    rot = np.array(
        [
            [co * cw - so * sw * ci, -co * sw - so * cw * ci, so * si],
            [so * cw + co * sw * ci, -so * sw + co * cw * ci, -co * si],
            [sw * si, cw * si, ci],
        ]
    )
    return rot @ r_pqw, rot @ v_pqw


def sun_synchronous_inclination(a_m: float, e: float = 0.0) -> float:
    """Inclination (rad) whose J2 nodal regression follows the mean sun: one turn per year."""
    n = np.sqrt(MU_EARTH_M3_S2 / a_m**3)
    p = a_m * (1.0 - e * e)
    rate = 2.0 * np.pi / TROPICAL_YEAR_S
    return float(np.arccos(-rate / (1.5 * n * J2 * (R_EARTH_M / p) ** 2)))


def raan_for_ltan(jd_utc: float, ltan_h: float) -> float:
    """RAAN (rad) that puts the ascending node at local time `ltan_h` at the epoch."""
    r_sun = np.zeros(3)
    lib.zk_sun_eci(jd_utc, ptr(r_sun))
    ra_sun = np.arctan2(r_sun[1], r_sun[0])
    return float((ra_sun + (ltan_h - 12.0) * np.pi / 12.0) % (2.0 * np.pi))
