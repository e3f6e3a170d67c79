"""The absolute pointing error: the true boresight (+Z_B of the true attitude) against the true geometric
reference, from the truth rows alone (not against the reference the ADCS tracked, which it computed from
its own orbit estimate).

- nadir: the geocentric nadir -r_eci of the true orbit, the direction `NadirGuidance` points +Z_B at, over
  the truth rows at which the ADCS flew its nadir law (no slew under way), from `stats_from_s` on;
- captures: the true line of sight from the true orbit to the requested point target (WGS-84, ECEF =
  R_z(GMST) TEME), over the truth rows inside each capture's interval. Strips are left out.
"""

from dataclasses import dataclass

import numpy as np

from native import lib
from native.geodesy import geodetic_to_ecef_m, teme_to_ecef_m
from native.time_scales import SECONDS_PER_DAY


@dataclass(frozen=True)
class CaptureInterval:
    """A point-target capture as the imager made it: its truth interval and the target (lat, lon, alt)."""

    request_id: str
    t_start_s: float
    t_end_s: float
    lat_rad: float
    lon_rad: float
    alt_m: float


def boresight_eci(q_ib: np.ndarray) -> np.ndarray:
    """+Z_B in inertial axes: the third column of R(q_ib), rows of scalar-last quaternions."""
    q = q_ib / np.linalg.norm(q_ib, axis=-1, keepdims=True)
    x, y, z, w = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return np.stack([2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y)], axis=-1)


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle between rows of vectors, degrees (atan2: exact at small angles)."""
    cross = np.linalg.norm(np.cross(a, b), axis=-1)
    return np.degrees(np.arctan2(cross, np.sum(a * b, axis=-1)))


def _spread(values: np.ndarray) -> dict:
    if len(values) == 0:
        return {"rows": 0, "mean": None, "p50": None, "p99": None, "p99_7": None, "max": None}
    return {
        "rows": len(values),
        "mean": float(np.mean(values)),
        "p50": float(np.percentile(values, 50.0)),
        "p99": float(np.percentile(values, 99.0)),
        "p99_7": float(np.percentile(values, 99.7)),
        "max": float(np.max(values)),
    }


def nadir_error_deg(truth: np.ndarray) -> np.ndarray:
    """Per truth row (t_s, r_eci, v_eci, q_ib, w_b): the angle of the true boresight from geocentric nadir."""
    return _angle_deg(boresight_eci(truth[:, 7:11]), -truth[:, 1:4])


def target_error_deg(truth: np.ndarray, jd_epoch_utc: float, capture: CaptureInterval) -> np.ndarray:
    """Per truth row: the angle of the true boresight from the true line of sight to the capture's target."""
    gmst = np.array([lib.zk_gmst(jd_epoch_utc + t / SECONDS_PER_DAY) for t in truth[:, 0]])
    r_ecef = teme_to_ecef_m(gmst, truth[:, 1:4])
    target_ecef = geodetic_to_ecef_m([capture.lat_rad], [capture.lon_rad], [capture.alt_m])[0]
    boresight_ecef = teme_to_ecef_m(gmst, boresight_eci(truth[:, 7:11]))
    return _angle_deg(boresight_ecef, target_ecef - r_ecef)


def absolute_pointing(
    truth: np.ndarray,
    jd_epoch_utc: float,
    nadir_rows: np.ndarray,
    captures: list[CaptureInterval],
    stats_from_s: float,
) -> dict:
    """The `pointing` section of summary.json: the absolute errors of the module's two references, with
    the count of truth rows each is taken over; `nadir_rows` flags the rows flown on the nadir law."""
    nadir = nadir_rows[: len(truth)] & (truth[:, 0] >= stats_from_s)
    during = []
    for capture in captures:
        inside = (truth[:, 0] >= capture.t_start_s) & (truth[:, 0] <= capture.t_end_s)
        if np.any(inside):
            during.append(target_error_deg(truth[inside], jd_epoch_utc, capture))
    return {
        "reference": "true boresight (+Z_B) against geocentric nadir (-r) on the nadir law, and against "
        "the true line of sight to the point target (WGS-84) during captures; truth rows only",
        "nadir_error_deg": _spread(nadir_error_deg(truth[nadir])),
        "capture_error_deg": _spread(np.concatenate(during) if during else np.zeros(0)),
        "captures": len(during),
    }
