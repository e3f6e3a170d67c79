"""Imaging requests: what the ground asks the satellite to photograph, in SI units and radians."""

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ImagingRequest:
    """A point target (WGS-84 geodetic) to image for `duration_s`, worth `priority` when captured.

    The capture must lie inside [window_start_s, window_end_s] (seconds since the plan's epoch; None is
    unbounded), look at most `max_off_nadir_rad` off nadir and see the sun at least
    `min_sun_elevation_rad` above the target's horizon over its whole interval."""

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
