"""The absolute pointing error: the true boresight (+Z_B of the true attitude) against the true geometric
reference, from the truth rows alone (not against the reference the ADCS tracked, which it computed from
its own orbit estimate).

- nadir: the geocentric nadir -r_eci of the true orbit, the direction `NadirGuidance` points +Z_B at, over
  the truth rows at which the ADCS flew its nadir law (no slew under way), from `stats_from_s` on; taken as
  the rows come (`NadirPointing`): rows, mean and max exact, percentiles from a log-binned histogram
  (`zorka.run.attitude_error_stats`, within 0.05 %);
- captures: the true line of sight from the true orbit to the requested point target (WGS-84, ECEF =
  R_z(GMST) TEME), over the truth rows inside each capture's interval, percentiles exact (linear
  interpolation) over them. Strips are left out.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from native import lib
from native.geodesy import geodetic_to_ecef_m, teme_to_ecef_m
from native.time_scales import SECONDS_PER_DAY
from zorka.run.attitude_error_stats import ERROR_PERCENTILE_RESOLUTION, ErrorSpread

SPREAD_FIGURES = ("mean", "p50", "p99", "p99_7", "max")


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


class NadirPointing:
    """The nadir error of truth rows as they come: over the rows flown on the nadir law, the whole run's
    and from `stats_from_s` on."""

    def __init__(self, stats_from_s: float):
        self.stats_from_s = stats_from_s
        self.whole = ErrorSpread()
        self.late = ErrorSpread()

    def add(self, rows: np.ndarray, on_nadir: np.ndarray) -> None:
        """Truth rows (t_s, r_eci, v_eci, q_ib, w_b) and per row whether the ADCS flew its nadir law."""
        flown = rows[on_nadir]
        if len(flown) == 0:
            return
        error_deg = nadir_error_deg(flown)
        self.whole.add(error_deg)
        self.late.add(error_deg[flown[:, 0] >= self.stats_from_s])

    def spread(self, from_stats_start: bool) -> dict:
        """Rows, mean, p50, p99, p99.7 and max (None over no row)."""
        spread = self.late if from_stats_start else self.whole
        return {"rows": spread.count, **{k: spread.figure(k) for k in SPREAD_FIGURES}}

    def state(self) -> dict:
        return {"whole": self.whole.state(), "late": self.late.state()}

    def restore(self, state: dict) -> None:
        self.whole.restore(state["whole"])
        self.late.restore(state["late"])


def absolute_pointing(
    nadir: NadirPointing,
    from_stats_start: bool,
    jd_epoch_utc: float,
    captures: list[CaptureInterval],
    rows_between: Callable[[float, float], np.ndarray],
) -> dict:
    """The `pointing` section of summary.json: the absolute errors of the module's two references, with
    the count of truth rows each is taken over; `rows_between(t0, t1)` gives the truth rows in a capture."""
    during = []
    for capture in captures:
        inside = rows_between(capture.t_start_s, capture.t_end_s)
        if len(inside):
            during.append(target_error_deg(inside, jd_epoch_utc, capture))
    return {
        "reference": "true boresight (+Z_B) against geocentric nadir (-r) on the nadir law, and against "
        "the true line of sight to the point target (WGS-84) during captures; truth rows only",
        "nadir_error_deg": nadir.spread(from_stats_start),
        "nadir_percentiles": f"nearest rank, log-binned histogram, within {ERROR_PERCENTILE_RESOLUTION:.2%}",
        "capture_error_deg": _spread(np.concatenate(during) if during else np.zeros(0)),
        "captures": len(during),
    }
