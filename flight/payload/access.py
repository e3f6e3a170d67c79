"""Access: when targets can be imaged, from an ephemeris table of the satellite's TEME positions.

The caller supplies the table (flight cannot see the simulator: onboard it is the propagated orbit
estimate; `zorka plan` gives SGP4 positions). native/flight/access.c does the per-sample work: Earth rotation
(GMST), the sun, then for every target a coarse central-angle screen followed by a test of every sample.
"""

import math
from collections.abc import Sequence

import numpy as np

from flight.payload.requests import ImagingRequest
from native import ffi, lib, ptr
from native.geodesy import geodetic_to_ecef_m
from native.time_scales import TT_MINUS_UTC_S

COARSE_SAMPLES = 10  # the screen's step, in samples


def up_vectors(lat_rad: np.ndarray, lon_rad: np.ndarray) -> np.ndarray:
    """Unit WGS-84 normals (local vertical) in ECEF, (n, 3)."""
    cl = np.cos(lat_rad)
    return np.column_stack((cl * np.cos(lon_rad), cl * np.sin(lon_rad), np.sin(lat_rad)))


class EphemerisTable:
    """Satellite positions r_eci_m (n, 3, TEME) at t = k dt_s after the epoch (Julian date, UTC), with
    the GMST, ECEF positions and sun of every sample computed once."""

    def __init__(self, jd_epoch_utc: float, dt_s: float, r_eci_m: np.ndarray) -> None:
        self.jd_epoch_utc = jd_epoch_utc
        self.dt_s = dt_s
        self.r_eci_m = np.ascontiguousarray(r_eci_m, dtype=np.float64)
        n = len(self.r_eci_m)
        self.gmst_rad = np.empty(n)
        self.r_ecef_m = np.empty((n, 3))
        self.sun_ecef_m = np.empty((n, 3))
        lib.zk_access_frames(
            n, jd_epoch_utc, dt_s, TT_MINUS_UTC_S, ptr(self.r_eci_m),
            ptr(self.gmst_rad), ptr(self.r_ecef_m), ptr(self.sun_ecef_m),
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.r_eci_m)

    def los_eci(self, target_ecef_m: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Unit lines of sight (TEME) to a target (3,), or to one target per index (m, 3), at fractional
        sample indices k, (m, 3); positions and GMST are interpolated linearly between samples (< 2 m of
        curvature over a 1 s step)."""
        k = np.asarray(k, dtype=float)
        i = np.minimum(np.floor(k).astype(int), len(self) - 2)
        f = (k - i)[:, None]
        r = self.r_eci_m[i] * (1.0 - f) + self.r_eci_m[i + 1] * f
        g = self.gmst_rad[i] * (1.0 - f[:, 0]) + self.gmst_rad[i + 1] * f[:, 0]
        c, s = np.cos(g), np.sin(g)
        x, y, z = np.asarray(target_ecef_m).T
        los = np.column_stack((c * x - s * y, s * x + c * y, np.broadcast_to(z, len(k)))) - r
        return los / np.linalg.norm(los, axis=1)[:, None]

    def off_nadir_rad(self, target_ecef_m: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Off-nadir angle (from the geocentric nadir) of the line of sight at whole sample indices k."""
        r = self.r_ecef_m[k]
        los = target_ecef_m - r
        c = -np.einsum("ij,ij->i", los, r) / (np.linalg.norm(los, axis=1) * np.linalg.norm(r, axis=1))
        return np.arccos(np.clip(c, -1.0, 1.0))


def visibility_windows(
    table: EphemerisTable, requests: Sequence[ImagingRequest]
) -> list[list[tuple[int, int]]]:
    """Per request, its windows of feasible samples [first, last] (inclusive, in time order), clipped to
    the request's own time window."""
    result: list[list[tuple[int, int]]] = [[] for _ in requests]
    groups: dict[tuple[float, float], list[int]] = {}
    for i, request in enumerate(requests):
        groups.setdefault((request.max_off_nadir_rad, request.min_sun_elevation_rad), []).append(i)
    for (max_off_nadir, min_sun), members in groups.items():
        chosen = [requests[i] for i in members]
        lat = np.array([r.lat_rad for r in chosen])
        lon = np.array([r.lon_rad for r in chosen])
        ecef = np.ascontiguousarray(geodetic_to_ecef_m(lat, lon, np.array([r.alt_m for r in chosen])))
        up = np.ascontiguousarray(up_vectors(lat, lon))
        capacity = 8 * len(chosen)
        while True:
            target, first, last = (np.empty(capacity, dtype=np.int32) for _ in range(3))
            count = lib.zk_access_windows(
                len(table), ptr(table.r_ecef_m), ptr(table.sun_ecef_m), len(chosen), ptr(ecef), ptr(up),
                max_off_nadir, min_sun, COARSE_SAMPLES, capacity, ffi.from_buffer("int[]", target),
                ffi.from_buffer("int[]", first), ffi.from_buffer("int[]", last),
            )  # fmt: skip
            if count == lib.ZK_ACCESS_NO_MEMORY:
                raise MemoryError(f"zk_access_windows: no memory to screen {len(table)} ephemeris samples")
            if count <= capacity:
                break
            capacity = count
        for t, a, b in zip(
            target[:count].tolist(), first[:count].tolist(), last[:count].tolist(), strict=True
        ):
            request = chosen[t]
            if request.window_start_s is not None:
                a = max(a, math.ceil(request.window_start_s / table.dt_s - 1e-9))
            if request.window_end_s is not None:
                b = min(b, math.floor(request.window_end_s / table.dt_s + 1e-9))
            if a <= b:
                result[members[t]].append((a, b))
    return result
