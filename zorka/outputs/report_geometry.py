"""Geometry the report draws, from the truth orbit rows (t_s, r_eci TEME, ...): the ground track, the
eclipses and the stations' visibility circles.

The same models the simulator flies: ECEF = R_z(GMST) · TEME, WGS-84 geodetic coordinates, and the
analytic sun with the Earth's shadow of native/common/sun.h (the sun's disk seen past a spherical Earth).
"""

import math
from dataclasses import dataclass

import numpy as np

from native import ffi, lib, ptr
from native.time_scales import SECONDS_PER_DAY, TT_MINUS_UTC_S

EARTH_RADIUS_M = 6378137.0  # WGS-84 equatorial radius: the visibility circles' spherical Earth
SUN_RADIUS_M = 696.0e6  # ZK_SUN_RADIUS_M of native/common/sun.h
SUN_STEP_S = 600.0
"""The sun's position is sampled this often and interpolated linearly between (a chord error under 1e-6
rad: the sun moves 0.04° in 600 s)."""
EDGE_RAD = 3e-3
"""Rows whose disks' separation is this close to an edge are classed by the C model: three times what a
low orbit moves in 1 s (1.1e-3 rad/s), a thousand times the numpy estimate's error."""


def ground_track_deg(rows: np.ndarray, jd_epoch_utc: float) -> tuple[np.ndarray, np.ndarray]:
    """Geodetic latitude and longitude (deg, longitude in [-180, 180)) under each truth row."""
    r_eci = np.ascontiguousarray(rows[:, 1:4])
    r_ecef = np.zeros(3)
    geodetic = np.zeros((len(rows), 3))
    for i, t_s in enumerate(rows[:, 0]):
        gmst = lib.zk_gmst(jd_epoch_utc + t_s / SECONDS_PER_DAY)
        lib.zk_eci_to_ecef(gmst, ptr(r_eci[i]), ffi.NULL, ptr(r_ecef), ffi.NULL)
        lib.zk_ecef_to_geodetic(ptr(r_ecef), ptr(geodetic[i]))
    lat_deg, lon_deg = np.degrees(geodetic[:, 0]), np.degrees(geodetic[:, 1])
    return lat_deg, (lon_deg + 180.0) % 360.0 - 180.0


def broken_at_dateline(lon_deg: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The line with a NaN gap wherever it wraps from +180 to -180 deg (or back), for plotting."""
    wraps = np.flatnonzero(np.abs(np.diff(lon_deg)) > 180.0) + 1
    return np.insert(lon_deg, wraps, np.nan), np.insert(lat_deg, wraps, np.nan)


def sun_visible_fraction(t_s: float, r_eci: np.ndarray, jd_epoch_utc: float) -> float:
    """Fraction of the solar disk seen from `r_eci` (TEME, m) at `t_s` after the epoch: 1 sunlit, 0 umbra."""
    r_sun = np.zeros(3)
    lib.zk_sun_eci(jd_epoch_utc + (t_s + TT_MINUS_UTC_S) / SECONDS_PER_DAY, ptr(r_sun))
    return lib.zk_sun_visible_fraction(ptr(np.ascontiguousarray(r_eci)), ptr(r_sun))


@dataclass(frozen=True)
class Eclipse:
    """One stretch of the run in the Earth's shadow (any part of the sun's disk hidden): [start_s, end_s]
    since the epoch, each edge the first / last truth row in shadow; cut when the run starts or ends in it."""

    start_s: float
    end_s: float
    umbra_s: float
    """Of which in full shadow (no part of the disk seen), s."""
    start_cut: bool
    end_cut: bool


def eclipses(rows: np.ndarray, jd_epoch_utc: float) -> list[Eclipse]:
    """The eclipses over the truth rows. Every row is classed by the shadow model's geometry in numpy
    (the sun's and the Earth's apparent disks, the sun interpolated between SUN_STEP_S samples), and every
    row whose disks' separation lies within EDGE_RAD of an edge (partial shadow or umbra beginning) by
    the C model itself, so the edges are the C model's, row by row, at a few hundred C calls a day."""
    n = len(rows)
    if n == 0:
        return []
    t_s, r_sat = rows[:, 0], rows[:, 1:4]
    samples_s = np.arange(t_s[0], t_s[-1] + SUN_STEP_S, SUN_STEP_S)
    r_sun_samples = np.zeros((len(samples_s), 3))
    for i, sample_s in enumerate(samples_s):
        lib.zk_sun_eci(jd_epoch_utc + (sample_s + TT_MINUS_UTC_S) / SECONDS_PER_DAY, ptr(r_sun_samples[i]))
    r_sun = np.column_stack([np.interp(t_s, samples_s, r_sun_samples[:, k]) for k in range(3)])
    to_sun = r_sun - r_sat
    d_sun, d_earth = np.linalg.norm(to_sun, axis=1), np.linalg.norm(r_sat, axis=1)
    sun_rad = np.arcsin(np.minimum(SUN_RADIUS_M / d_sun, 1.0))
    earth_rad = np.arcsin(np.minimum(EARTH_RADIUS_M / d_earth, 1.0))
    separation = np.arccos(np.clip(-(to_sun * r_sat).sum(axis=1) / (d_sun * d_earth), -1.0, 1.0))
    fractions = np.where(
        separation >= sun_rad + earth_rad, 1.0, np.where(separation <= earth_rad - sun_rad, 0.0, 0.5)
    )
    near = (np.abs(separation - (sun_rad + earth_rad)) < EDGE_RAD) | (
        np.abs(separation - (earth_rad - sun_rad)) < EDGE_RAD
    )
    for i in np.flatnonzero(near).tolist():
        fractions[i] = sun_visible_fraction(t_s[i], r_sat[i], jd_epoch_utc)
    shadow = fractions < 1.0
    found = []
    edges = np.flatnonzero(np.diff(shadow.astype(np.int8))) + 1
    starts = ([0] if shadow[0] else []) + [e for e in edges if shadow[e]]
    ends = [e - 1 for e in edges if not shadow[e]] + ([n - 1] if shadow[-1] else [])
    for s, e in zip(starts, ends, strict=True):
        t = t_s[s : e + 1]
        dark = fractions[s : e + 1] <= 0.0
        umbra_s = float(t[dark][-1] - t[dark][0]) if dark.sum() > 1 else 0.0
        found.append(Eclipse(float(t[0]), float(t[-1]), umbra_s, s == 0, e == n - 1))
    return found


def visibility_radius_rad(altitude_m: float, min_elevation_deg: float) -> float:
    """Earth central angle from a station to the edge of where a satellite at `altitude_m` is seen above
    `min_elevation_deg` (spherical Earth): acos(R / (R + h) · cos ε) − ε."""
    elevation = math.radians(min_elevation_deg)
    return math.acos(EARTH_RADIUS_M / (EARTH_RADIUS_M + altitude_m) * math.cos(elevation)) - elevation


def small_circle_deg(lat_deg: float, lon_deg: float, radius_rad: float, n: int = 181) -> tuple:
    """Latitudes and longitudes (deg, longitude in [-180, 180)) of the circle at central angle
    `radius_rad` around a point, on a sphere."""
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    bearing = np.linspace(0.0, 2.0 * np.pi, n)
    lat_c = np.arcsin(np.sin(lat) * np.cos(radius_rad) + np.cos(lat) * np.sin(radius_rad) * np.cos(bearing))
    lon_c = lon + np.arctan2(
        np.sin(bearing) * np.sin(radius_rad) * np.cos(lat), np.cos(radius_rad) - np.sin(lat) * np.sin(lat_c)
    )
    return np.degrees(lat_c), (np.degrees(lon_c) + 180.0) % 360.0 - 180.0
