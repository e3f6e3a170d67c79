"""Speed of the environment models against the reference libraries they replace, for `zorka bench`."""

import time
from datetime import datetime

import numpy as np

from native import lib, ptr
from sim.magnetic_field import IGRF_REFERENCE_RADIUS_M, igrf_model


def _sample_points_ecef_m(n: int) -> np.ndarray:
    """n positions 0-1000 km above the IGRF reference sphere, spread over all latitudes and longitudes."""
    rng = np.random.default_rng(1)
    radius_m = IGRF_REFERENCE_RADIUS_M + rng.uniform(0.0, 1.0e6, n)
    u = rng.normal(size=(n, 3))
    return radius_m[:, None] * u / np.linalg.norm(u, axis=1)[:, None]


def field_evaluations_per_s(c_points: int = 20_000, ppigrf_points: int = 20) -> dict[str, float]:
    """IGRF-14 field evaluations per second at degree 13: the C model, one cffi call per point (as the
    world step makes it, call overhead included); ppigrf one point per call (what a per-step Python user
    gets: it re-reads its coefficient file each call) and vectorised over all points in one call;
    `speedup` is C over ppigrf per call."""
    import ppigrf  # pulls in pandas: only here

    when = datetime(2026, 6, 21)
    model = igrf_model(when)
    points = _sample_points_ecef_m(c_points)
    pointers = [ptr(p) for p in np.ascontiguousarray(points)]
    b_ecef_t = np.empty(3)
    b_p = ptr(b_ecef_t)
    evaluate = lib.zk_igrf_field_ecef
    start = time.perf_counter()
    for r_p in pointers:
        evaluate(model, r_p, b_p)
    c_per_s = c_points / (time.perf_counter() - start)

    radius_km = np.linalg.norm(points, axis=1) / 1e3
    colat_deg = np.degrees(np.arccos(points[:, 2] / (1e3 * radius_km)))
    lon_deg = np.degrees(np.arctan2(points[:, 1], points[:, 0]))
    start = time.perf_counter()
    for i in range(ppigrf_points):
        ppigrf.igrf_gc(radius_km[i], colat_deg[i], lon_deg[i], when)
    ppigrf_per_s = ppigrf_points / (time.perf_counter() - start)
    start = time.perf_counter()
    ppigrf.igrf_gc(radius_km, colat_deg, lon_deg, when)
    ppigrf_vectorised_per_s = c_points / (time.perf_counter() - start)
    return {
        "c": c_per_s,
        "ppigrf": ppigrf_per_s,
        "ppigrf_vectorised": ppigrf_vectorised_per_s,
        "speedup": c_per_s / ppigrf_per_s,
    }
