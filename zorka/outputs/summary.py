"""The figures of a run, as `summary.json` holds them (keys from DESIGN.md; never renamed)."""

import numpy as np

from zorka.run.attitude_error_stats import ERROR_PERCENTILE_RESOLUTION, AttitudeErrorStats, ErrorSpread


def _figures(spread: ErrorSpread, kinds: tuple[str, ...]) -> dict:
    """Over the frames that had a reference (the others are NaN); None if none had."""
    value = {k: spread.figure(k) for k in kinds}
    return {k: None if v is None else float(v) for k, v in value.items()}


def summarize(
    *,
    seed: int,
    sim_s: float,
    wall_s: float,
    errors: AttitudeErrorStats,
    stats_from_s: float,
    peak_wheel_speed_rad_s: float,
    peak_wheel_momentum_fraction: float,
    overruns: int,
    min_soc: float,
) -> dict:
    """The summary of a run; statistics are over t >= stats_from_s (from the start if the run is shorter):
    count, mean and max exact, p99 the nearest rank from `errors`' log-binned histogram (within
    ERROR_PERCENTILE_RESOLUTION, said in the summary)."""
    late = sim_s > stats_from_s
    start_s = stats_from_s if late else 0.0
    spreads = errors.spreads(from_first=late)
    return {
        "seed": seed,
        "sim_s": round(sim_s, 6),
        "wall_s": round(wall_s, 3),
        "real_time_factor": round(sim_s / wall_s, 1) if wall_s > 0 else None,
        "attitude": {
            "settle_s": errors.settle_s(),
            "settle_threshold_deg": errors.settle_threshold_deg,
            "stats_from_s": start_s,
            "error_deg": _figures(spreads["err"], ("mean", "p99", "max")),
            "rate_error_deg_s": _figures(spreads["rate"], ("p99", "max")),
            "frames_with_reference": spreads["err"].count,
            "percentiles": f"nearest rank, log-binned histogram, within {ERROR_PERCENTILE_RESOLUTION:.2%}",
        },
        "wheels": {
            "peak_speed_rpm": round(peak_wheel_speed_rad_s * 60.0 / (2.0 * np.pi), 6),
            "peak_momentum_fraction": round(peak_wheel_momentum_fraction, 9),
        },
        "control": {"overruns": overruns},
        "power": {"min_soc": round(min_soc, 9)},
    }
