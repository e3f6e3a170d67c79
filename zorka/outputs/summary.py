"""The figures of a run, as `summary.json` holds them (keys from DESIGN.md; never renamed)."""

import numpy as np


def settle_time_s(err_deg: np.ndarray, frame_s: float, threshold_deg: float) -> float | None:
    """Time after which the error stays below the threshold; None if it never settles.

    Record k is taken at (k + 1) * frame_s, after the world stepped.
    """
    above = np.flatnonzero(~(err_deg < threshold_deg))  # a frame without a reference (NaN) is not settled
    if len(above) == 0:
        return frame_s
    if above[-1] == len(err_deg) - 1:
        return None
    return round((above[-1] + 2) * frame_s, 6)


def _stat(x: np.ndarray, kind: str) -> float | None:
    """Over the frames that had a reference (the others are NaN); None if none had."""
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return None
    value = {"mean": np.mean, "p99": lambda a: np.percentile(a, 99.0), "max": np.max}[kind](x)
    return float(value)


def summarize(
    *,
    seed: int,
    sim_s: float,
    wall_s: float,
    frame_s: float,
    err_deg: np.ndarray,
    rate_err_deg_s: np.ndarray,
    settle_threshold_deg: float,
    stats_from_s: float,
    peak_wheel_speed_rad_s: float,
    peak_wheel_momentum_fraction: float,
    overruns: int,
    min_soc: float,
) -> dict:
    """The summary of a run; statistics are over t >= stats_from_s (from the start if the run is shorter)."""
    start_s = stats_from_s if sim_s > stats_from_s else 0.0
    first = round(start_s / frame_s)
    err, rate = err_deg[first:], rate_err_deg_s[first:]
    return {
        "seed": seed,
        "sim_s": round(sim_s, 6),
        "wall_s": round(wall_s, 3),
        "real_time_factor": round(sim_s / wall_s, 1) if wall_s > 0 else None,
        "attitude": {
            "settle_s": settle_time_s(err_deg, frame_s, settle_threshold_deg),
            "settle_threshold_deg": settle_threshold_deg,
            "stats_from_s": start_s,
            "error_deg": {k: _stat(err, k) for k in ("mean", "p99", "max")},
            "rate_error_deg_s": {k: _stat(rate, k) for k in ("p99", "max")},
        },
        "wheels": {
            "peak_speed_rpm": round(peak_wheel_speed_rad_s * 60.0 / (2.0 * np.pi), 6),
            "peak_momentum_fraction": round(peak_wheel_momentum_fraction, 9),
        },
        "control": {"overruns": overruns},
        "power": {"min_soc": round(min_soc, 9)},
    }
