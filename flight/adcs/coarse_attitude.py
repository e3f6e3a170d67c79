"""Coarse attitude without the star tracker: TRIAD on the sun sensor and the magnetometer against onboard
reference models, the analytic sun (native/common/sun.c) and IGRF-14 (native/common/igrf.c) at onboard time.

A few C calls on buffers made once, so it may run every tick (sun-safe, star-tracker outages, the first
attitude for the Kalman filter).
"""

import math

from native import ffi, lib, view
from native.igrf_model import decimal_year_from_jd, fill_igrf
from native.time_scales import SECONDS_PER_DAY, TT_MINUS_UTC_S

MIN_SEPARATION_RAD = math.radians(15.0)  # the field's error about the sun axis grows as 1 / sin(separation)


class CoarseAttitude:
    """q_ib from the measured sun direction s_b and magnetic field b_b_t in body.

    The sun is the first TRIAD pair (matched exactly): the cosine sun sensor (~0.6 deg) beats the
    magnetometer once the field model's error and the bus's own field (a few hundred nT to uT of
    20-50 uT) are counted. The sun's direction is taken from the Earth's centre: the parallax at the
    satellite is < 0.003 deg. `epoch_jd_utc` ties onboard time `t_s` to UTC; IGRF is taken at the epoch
    (the field changes by ~0.01 % a day). No attitude is given while the sun and the field are within
    `min_separation_rad` of parallel or anti-parallel.
    """

    def __init__(
        self,
        epoch_jd_utc: float,
        min_separation_rad: float = MIN_SEPARATION_RAD,
        tt_minus_utc_s: float = TT_MINUS_UTC_S,
    ):
        if not 0.0 <= min_separation_rad < 0.5 * math.pi:
            raise ValueError(f"min_separation_rad must be in [0, pi/2); got {min_separation_rad}")
        self.epoch_jd_utc = epoch_jd_utc
        self.min_separation_rad = min_separation_rad
        self._tt_minus_utc_days = tt_minus_utc_s / SECONDS_PER_DAY
        self._igrf = ffi.new("zk_igrf *")
        fill_igrf(self._igrf, decimal_year_from_jd(epoch_jd_utc))
        self.r_sun_eci_c = ffi.new("double[3]")
        self.b_eci_t_c = ffi.new("double[3]")
        self.q_ib_c = ffi.new("double[4]", [0.0, 0.0, 0.0, 1.0])
        self._r_ecef_c = ffi.new("double[3]")
        self._b_ecef_t_c = ffi.new("double[3]")
        self.r_sun_eci = view(self.r_sun_eci_c)
        self.b_eci_t = view(self.b_eci_t_c)
        self.q_ib = view(self.q_ib_c)
        self.valid = False

    def references(self, t_s: float, r_eci_c) -> None:
        """The sun's position and the field at the satellite (`r_eci_c`, C pointer), inertial, at `t_s`."""
        jd_utc = self.epoch_jd_utc + t_s / SECONDS_PER_DAY
        gmst = lib.zk_gmst(jd_utc)
        lib.zk_sun_eci(jd_utc + self._tt_minus_utc_days, self.r_sun_eci_c)
        lib.zk_eci_to_ecef(gmst, r_eci_c, ffi.NULL, self._r_ecef_c, ffi.NULL)
        lib.zk_igrf_field_ecef(self._igrf, self._r_ecef_c, self._b_ecef_t_c)
        lib.zk_ecef_to_eci(gmst, self._b_ecef_t_c, ffi.NULL, self.b_eci_t_c, ffi.NULL)

    def update(self, t_s: float, s_b_c, b_b_t_c, r_eci_c) -> bool:
        """Attitude into `q_ib` from the sun sensor's `s_b` and the magnetometer's `b_b_t` (C pointers)
        at onboard time `t_s`, the satellite at `r_eci_c`. False (q_ib kept) when the sun and the field
        are too close to parallel to fix the attitude, or a vector is zero."""
        self.references(t_s, r_eci_c)
        self.valid = (
            lib.zk_triad(
                s_b_c, self.r_sun_eci_c, b_b_t_c, self.b_eci_t_c, self.min_separation_rad, self.q_ib_c
            )
            == 0
        )
        return self.valid
