"""The star tracker's sun and Earth exclusion, as the imaging planner sees it: for a candidate capture, is
the tracker blinded while the boresight tracks the target?

Agile imagers plan around their attitude sensors' exclusion zones (a capture whose attitude puts the sun
in the star tracker's baffle is re-timed or left for another pass), because a capture flown on the gyro
alone is georeferenced from a drifting attitude: in `examples/imaging_world_24h.toml` the captures with
the tracker blinded in the 2 minutes before them were 12-25 m off against 1-11 m for the others (seed 8).

The capture attitude is the guidance's (flight/adcs/guidance.py `TargetTracking`): +Z_B on the target,
+X_B in the plane of the boresight and the satellite's velocity relative to the target. The tracker is
blinded, as the sensor class is specified, with the sun within `sun_rad` of its boresight or the Earth's
limb within `earth_rad` of it; the satellite's eclipse is left out (captures are made in daylight).
"""

import math
from dataclasses import dataclass

import numpy as np

from flight.payload.access import EphemerisTable
from native import lib, ptr

EARTH_RATE_RAD_S = 7.292115e-5
WGS84_A_M = 6378137.0
MARGIN_RAD = math.radians(2.0)
"""Added to the datasheet's exclusion angles for planning: the plan's orbit is the onboard estimate
propagated for hours, its attitude the guidance's (the ADCS tracks it to ~0.01 deg) and its samples 1 s
apart while the attitude turns at up to ~0.8 deg/s; without a margin the world day's closest capture came
within 0.1 deg of blinding the tracker."""
CLEAR_BEFORE_S = 30.0
"""The tracker must see for this long before a capture starts, while the satellite settles on the target:
after 30 s of 5 Hz readings the filter's attitude is back to the tracker's accuracy (its covariance
converges in a few seconds) and its bias estimate has been corrected over the settle."""


@dataclass(frozen=True)
class TrackerExclusion:
    """The tracker's boresight in body axes and the exclusion half-angles the plan keeps to (rad)."""

    boresight_b: tuple[float, float, float]
    sun_rad: float
    earth_rad: float
    clear_before_s: float = CLEAR_BEFORE_S

    @classmethod
    def from_mount(
        cls,
        q_bs: tuple[float, float, float, float],
        sun_rad: float,
        earth_rad: float,
        margin_rad: float = MARGIN_RAD,
    ) -> "TrackerExclusion":
        """From the tracker's mount (sensor to body, scalar last; its boresight is the sensor's +Z) and
        its datasheet exclusions, each widened by `margin_rad` for planning."""
        boresight_b = np.zeros(3)
        lib.zk_quat_rotate(ptr(np.array(q_bs, dtype=float)), ptr(np.array([0.0, 0.0, 1.0])), ptr(boresight_b))
        return cls(tuple(float(x) for x in boresight_b), sun_rad + margin_rad, earth_rad + margin_rad)

    def angles_rad(
        self, table: EphemerisTable, target_ecef_m: np.ndarray, k: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(sun to tracker boresight, Earth's limb to tracker boresight) at whole sample indices k of the
        table, with the imager tracking the target (ECEF, m)."""
        k = np.asarray(k, dtype=int)
        r = table.r_ecef_m[k]
        ahead = np.minimum(k + 1, len(table) - 1)
        behind = np.maximum(k - 1, 0)
        v_ecef = (table.r_ecef_m[ahead] - table.r_ecef_m[behind]) / ((ahead - behind)[:, None] * table.dt_s)
        los = target_ecef_m - r
        z = los / np.linalg.norm(los, axis=1)[:, None]
        v_rel = v_ecef - np.cross([0.0, 0.0, EARTH_RATE_RAD_S], los)  # inertial, in ECEF axes
        x = v_rel - np.einsum("ij,ij->i", v_rel, z)[:, None] * z
        x /= np.linalg.norm(x, axis=1)[:, None]
        y = np.cross(z, x)
        bx, by, bz = self.boresight_b
        tracker = bx * x + by * y + bz * z
        sun = table.sun_ecef_m[k] - r
        sun /= np.linalg.norm(sun, axis=1)[:, None]
        r_m = np.linalg.norm(r, axis=1)
        sun_angle = np.arccos(np.clip(np.einsum("ij,ij->i", tracker, sun), -1.0, 1.0))
        nadir_angle = np.arccos(np.clip(-np.einsum("ij,ij->i", tracker, r) / r_m, -1.0, 1.0))
        return sun_angle, nadir_angle - np.arcsin(np.minimum(1.0, WGS84_A_M / r_m))

    def clear_starts(
        self, table: EphemerisTable, target_ecef_m: np.ndarray, samples: np.ndarray, steps: int
    ) -> np.ndarray:
        """Of the candidate start samples (sorted) of a capture `steps` samples long, those whose capture,
        and the `clear_before_s` before it, keep the tracker clear of the sun and the Earth."""
        if not len(samples):
            return samples
        before = math.ceil(self.clear_before_s / table.dt_s)
        k = np.arange(max(int(samples[0]) - before, 0), min(int(samples[-1]) + steps, len(table) - 1) + 1)
        sun, limb = self.angles_rad(table, target_ecef_m, k)
        blinded = np.concatenate(([0], np.cumsum((sun < self.sun_rad) | (limb < self.earth_rad))))
        lo = np.clip(samples - before - k[0], 0, len(k))
        hi = np.clip(samples + steps - k[0] + 1, 0, len(k))
        return samples[blinded[hi] - blinded[lo] == 0]
