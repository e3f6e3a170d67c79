"""Imaging requests: what the ground asks the satellite to photograph, in SI units and radians."""

import math
from dataclasses import dataclass

from native.earth_model import MEAN_SPHERE_RADIUS_M

EARTH_RADIUS_M = MEAN_SPHERE_RADIUS_M
"""The sphere of a strip's haversine length and of its altitude margin: a strip's few kilometres need no
ellipsoid, and the planned off-nadir limits of strips stay what they were."""


@dataclass(frozen=True, kw_only=True)
class ImagingRequest:
    """A point target (WGS-84 geodetic) to image for `duration_s`, worth `priority` when captured.

    The capture must lie inside [window_start_s, window_end_s] (seconds since the plan's epoch; None is
    unbounded), look at most `max_off_nadir_rad` off nadir and see the sun at least
    `min_sun_elevation_rad` above the target's horizon over its whole interval. With an end point it is a
    strip, planned at its middle and scanned from (lat, lon) to (end_lat, end_lon) over the capture."""

    id: str
    lat_rad: float
    lon_rad: float
    priority: float
    duration_s: float
    max_off_nadir_rad: float
    min_sun_elevation_rad: float
    alt_m: float = 0.0
    window_start_s: float | None = None
    window_end_s: float | None = None
    end_lat_rad: float | None = None
    end_lon_rad: float | None = None

    @property
    def is_strip(self) -> bool:
        """A strip from (lat, lon) to (end_lat, end_lon), scanned over `duration_s`; else a point."""
        return self.end_lat_rad is not None and self.end_lon_rad is not None

    def half_length_m(self) -> float:
        """Half a strip's length over the ground (haversine on the mean sphere); 0 for a point."""
        if not self.is_strip:
            return 0.0
        dlat, dlon = self.end_lat_rad - self.lat_rad, self.end_lon_rad - self.lon_rad
        h = (
            math.sin(dlat / 2) ** 2
            + math.cos(self.lat_rad) * math.cos(self.end_lat_rad) * math.sin(dlon / 2) ** 2
        )
        return EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))

    def centre(self) -> tuple[float, float]:
        """(lat_rad, lon_rad) of the point, or of a strip's middle (mean of its ends: strips are short)."""
        if not self.is_strip:
            return self.lat_rad, self.lon_rad
        return 0.5 * (self.lat_rad + self.end_lat_rad), 0.5 * (self.lon_rad + self.end_lon_rad)
