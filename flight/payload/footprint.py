"""The onboard georeference of a product: where the flight software believed each line of a capture fell
on the ground, from its own orbit estimate (TEME, propagated to the line's onboard time) and attitude
estimate (q_ib), Earth-fixed by ECEF = R_z(GMST) TEME, intersected with the WGS-84 ellipsoid raised to
the target's height (semi-axes + h: within millimetres of the true height surface for |h| < 9 km at the
~10 mrad swath).

Rows are sampled at every ADCS tick (10 Hz) while the capture is open (`FootprintSamples`): at the
payload's 1 Hz the boresight interpolated linearly to mid-capture was off by up to ~3.5" (the line of
sight's angular acceleration while tracking a target, ~1.3e-4 rad/s^2, x dt^2 / 8), ~10 m on the
ground; at 10 Hz 0.03". The footprint is its centre (the boresight's ground point at mid-capture,
interpolated between the samples about it) and four corners (the detector's end pixels at the first
and last sample: start -Y_B, start +Y_B, end +Y_B, end -Y_B), each as (lat_deg, lon_deg, height_m)."""

import math

import numpy as np

from native import lib, ptr
from native.earth_model import WGS84_A_M, WGS84_B_M
from native.time_scales import SECONDS_PER_DAY


def ellipsoid_point(r_ecef_m: np.ndarray, los_ecef: np.ndarray, height_m: float) -> np.ndarray | None:
    """Where the ray from r_ecef_m along los_ecef first meets the ellipsoid raised by height_m; None if
    it misses."""
    scale = np.array([WGS84_A_M + height_m, WGS84_A_M + height_m, WGS84_B_M + height_m])
    o, d = r_ecef_m / scale, los_ecef / scale
    a, b, c = d @ d, o @ d, o @ o - 1.0
    disc = b * b - a * c
    if disc < 0.0:
        return None
    t = (-b - math.sqrt(disc)) / a
    return r_ecef_m + t * los_ecef if t > 0.0 else None


def geodetic(point_ecef_m: np.ndarray) -> list[float]:
    """[lat_deg, lon_deg, height_m] of an ECEF point."""
    out = np.zeros(3)
    lib.zk_ecef_to_geodetic(ptr(np.ascontiguousarray(point_ecef_m, dtype=float)), ptr(out))
    return [math.degrees(out[0]), math.degrees(out[1]), float(out[2])]


def _rotation(q_ib: np.ndarray) -> np.ndarray:
    x, y, z, w = q_ib / np.linalg.norm(q_ib)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


class FootprintSamples:
    """The onboard state at each payload tick of one capture: t_s, r_ecef, body-to-ECEF rotation."""

    def __init__(self, epoch_jd_utc: float, half_swath_rad: float, height_m: float):
        self.epoch_jd_utc = epoch_jd_utc
        self.height_m = height_m
        self._pixel_ends_b = [
            np.array([0.0, s * math.sin(half_swath_rad), math.cos(half_swath_rad)]) for s in (-1, 1)
        ]
        self.t_s: list[float] = []
        self.r_ecef_m: list[np.ndarray] = []
        self.body_to_ecef: list[np.ndarray] = []

    def add(self, t_s: float, r_eci_m: np.ndarray, q_ib: np.ndarray) -> None:
        """The estimate at onboard time t_s (the orbit propagated to it)."""
        gmst = lib.zk_gmst(self.epoch_jd_utc + t_s / SECONDS_PER_DAY)
        c, s = math.cos(gmst), math.sin(gmst)
        to_ecef = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
        self.t_s.append(t_s)
        self.r_ecef_m.append(to_ecef @ r_eci_m)
        self.body_to_ecef.append(to_ecef @ _rotation(np.asarray(q_ib, dtype=float)))

    def boresight_point(self, k: int) -> np.ndarray | None:
        return ellipsoid_point(self.r_ecef_m[k], self.body_to_ecef[k][:, 2], self.height_m)

    def footprint(self, t_mid_s: float) -> dict | None:
        """Centre at onboard time t_mid_s, corners, the onboard position and boresight (ECEF) at t_mid_s;
        None without samples or with a ray off the Earth."""
        if not self.t_s:
            return None
        t = np.array(self.t_s)
        k = int(np.clip(np.searchsorted(t, t_mid_s) - 1, 0, max(len(t) - 2, 0)))
        j = min(k + 1, len(t) - 1)
        f = 0.0 if j == k else float(np.clip((t_mid_s - t[k]) / (t[j] - t[k]), 0.0, 1.0))
        r_mid = (1 - f) * self.r_ecef_m[k] + f * self.r_ecef_m[j]
        los_mid = (1 - f) * self.body_to_ecef[k][:, 2] + f * self.body_to_ecef[j][:, 2]
        los_mid /= np.linalg.norm(los_mid)
        centre = ellipsoid_point(r_mid, los_mid, self.height_m)
        first, last = 0, len(t) - 1
        corners = [
            ellipsoid_point(self.r_ecef_m[i], self.body_to_ecef[i] @ self._pixel_ends_b[e], self.height_m)
            for i, e in ((first, 0), (first, 1), (last, 1), (last, 0))
        ]
        if centre is None or any(c is None for c in corners):
            return None
        return {
            "t_mid_s": t_mid_s,
            "centre": geodetic(centre),
            "corners": [geodetic(c) for c in corners],
            "r_ecef_m": r_mid.tolist(),
            "boresight_ecef": los_mid.tolist(),
            "samples": len(t),
        }
