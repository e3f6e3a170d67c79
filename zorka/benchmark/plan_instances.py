"""Random `zorka plan` inputs for the benchmark: the 500 km sun-synchronous orbit and limits of the public
instances (/work/shared/data/planning), targets clustered or world-wide, priority 1-10, 5-10 s."""

import math

import numpy as np

TLE = (  # 500 km sun-synchronous, ascending node at 10:30
    "1 99999U          25172.00000000  .00000000  00000-0  10000-3 0    09",
    "2 99999  97.4018  67.3871 0001000  90.0000   0.0000 15.21936487    04",
)


def plan_document(lat_deg: np.ndarray, lon_deg: np.ndarray, rng: np.random.Generator) -> dict:
    """A one-day plan input for targets at (lat_deg, lon_deg)."""
    priority, duration_s = rng.integers(1, 11, len(lat_deg)), rng.integers(5, 11, len(lat_deg))
    return {
        "tle": list(TLE),
        "start_utc": "2025-06-21T00:00:00Z",
        "horizon_s": 86400,
        "max_off_nadir_deg": 40,
        "min_sun_elevation_deg": 12,
        "slew": {"settle_s": 5, "rate_deg_s": 2},
        "targets": [
            {"id": f"T{i:06d}", "lat_deg": round(float(a), 5), "lon_deg": round(float(o), 5),
             "priority": int(p), "duration_s": int(d)}
            for i, (a, o, p, d) in enumerate(zip(lat_deg, lon_deg, priority, duration_s, strict=True))
        ],
    }  # fmt: skip


def clustered(n: int, seed: int) -> dict:
    """n targets uniform in lat 45-60 deg, lon 20-40 deg (eastern Europe, as the eeurope instances)."""
    rng = np.random.default_rng(seed)
    return plan_document(rng.uniform(45.0, 60.0, n), rng.uniform(20.0, 40.0, n), rng)


def world_wide(n: int, seed: int) -> dict:
    """n targets uniform over the sphere between lat -70 and 70 deg."""
    rng = np.random.default_rng(seed)
    sin_lat = rng.uniform(math.sin(math.radians(-70.0)), math.sin(math.radians(70.0)), n)
    return plan_document(np.degrees(np.arcsin(sin_lat)), rng.uniform(-180.0, 180.0, n), rng)
