"""Geolocation of products: the footprint the flight software computed (its orbit and attitude estimates,
`flight.payload.footprint`, the attitude smoothed over the capture by `flight.payload.attitude_smoothing`)
against the one the imager truly had (`sim.devices.imager`), both at the requested target's height.

Per product: `geolocation_error_m`, the onboard centre's distance from the true centre (and
`geolocation_error_realtime_m`, that of the real-time filter's estimate before smoothing), and its budget,
each term the error of the centre with only that knowledge wrong: orbit knowledge (the onboard position,
the true boresight), attitude knowledge (the true position, the onboard boresight) and timing (the onboard
time scale against the truth's: the offset of the onboard epoch and of the mid-capture time tags, times
the speed at which lines are laid on the ground). Over a run: CE90 (the 90th percentile of the error, all
captures and those up to 30 deg off nadir, smoothed and real-time), the budget's RMS terms, and the
targeting error (the true centre against the requested target: where the ADCS put the capture, not what
the product knows).
"""

import numpy as np

from sim.devices.imager import ellipsoid_intersection

OFF_NADIR_LIMIT_DEG = 30.0


def _point(r_ecef_m: list[float], los_ecef: list[float], height_m: float) -> np.ndarray:
    return ellipsoid_intersection(np.array(r_ecef_m), np.array(los_ecef), height_m)


def judge_product(metadata: dict, epoch_offset_s: float) -> dict | None:
    """The product's geolocation error and budget (m), None without both footprints; `epoch_offset_s`:
    the onboard epoch minus the truth's. With the real-time footprint (the filter's estimate alone,
    before smoothing) also its error, `geolocation_error_realtime_m`."""
    onboard, truth = metadata.get("onboard_footprint"), metadata.get("true_footprint")
    if not onboard or not truth:
        return None
    height_m = metadata["requested_alt_m"]
    true_m = np.array(truth["ecef_m"])
    onboard_m = _point(onboard["r_ecef_m"], onboard["boresight_ecef"], height_m)
    realtime = metadata.get("onboard_footprint_realtime")
    realtime_m = _point(realtime["r_ecef_m"], realtime["boresight_ecef"], height_m) if realtime else None
    orbit_m = _point(onboard["r_ecef_m"], truth["boresight_ecef"], height_m)
    attitude_m = _point(truth["r_ecef_m"], onboard["boresight_ecef"], height_m)
    offset_s = epoch_offset_s + onboard["t_mid_s"] - truth["t_mid_s"]
    return {
        "geolocation_error_m": float(np.linalg.norm(onboard_m - true_m)),
        "geolocation_error_realtime_m": None
        if realtime_m is None
        else float(np.linalg.norm(realtime_m - true_m)),
        "geolocation_budget_m": {
            "orbit_knowledge": float(np.linalg.norm(orbit_m - true_m)),
            "attitude_knowledge": float(np.linalg.norm(attitude_m - true_m)),
            "timing": abs(offset_s) * metadata["ground_speed_m_s"],
        },
    }


def geolocation_figures(products: list[dict]) -> dict:
    """The `geolocation` section of summary.json over judged products' metadata."""
    judged = [p for p in products if p.get("geolocation_error_m") is not None]
    error = np.array([p["geolocation_error_m"] for p in judged])
    near = np.array([p["geolocation_error_m"] for p in judged if p["off_nadir_deg"] <= OFF_NADIR_LIMIT_DEG])
    near_realtime = np.array(
        [
            p["geolocation_error_realtime_m"]
            for p in judged
            if p["off_nadir_deg"] <= OFF_NADIR_LIMIT_DEG and p.get("geolocation_error_realtime_m") is not None
        ]
    )
    targeting = np.array([p["targeting_error_m"] for p in products if p.get("targeting_error_m") is not None])
    terms = ("orbit_knowledge", "attitude_knowledge", "timing")

    def rms(values: list[float]) -> float | None:
        return float(np.sqrt(np.mean(np.square(values)))) if values else None

    def pct(values: np.ndarray, q: float) -> float | None:
        return float(np.percentile(values, q)) if len(values) else None

    return {
        "products": len(judged),
        "ce90_m": pct(error, 90.0),
        "products_off_nadir_le_30deg": len(near),
        "ce90_m_off_nadir_le_30deg": pct(near, 90.0),
        "ce90_m_realtime_off_nadir_le_30deg": pct(near_realtime, 90.0),
        "max_m": float(np.max(error)) if len(error) else None,
        "budget_rms_m": {
            **{t: rms([p["geolocation_budget_m"][t] for p in judged]) for t in terms},
            "total": rms(list(error)),
        },
        "targeting_error_m": {
            "p50": pct(targeting, 50.0),
            "p95": pct(targeting, 95.0),
            "max": pct(targeting, 100.0),
        },
        "target_height": "the request's height above the WGS-84 ellipsoid; 0 (on it) when it gives none",
    }
