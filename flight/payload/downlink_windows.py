"""Downlink windows predicted on board: when a ground station of the spacecraft's table sees it above
the station's minimum elevation, from the same ephemeris table the planner uses (positions every
second, Earth-fixed). The planner's memory budget frees room in these windows; the timeline shows them.
"""

from dataclasses import dataclass

import numpy as np

from flight.payload.access import EphemerisTable, up_vectors
from native.geodesy import geodetic_to_ecef_m


@dataclass(frozen=True)
class OnboardStation:
    """A station of the onboard table: WGS-84 position and the elevation above which it sees us."""

    name: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    min_elevation_rad: float


def downlink_windows(table: EphemerisTable, stations: list[OnboardStation]) -> list[tuple[float, float]]:
    """(start, end) seconds of the table's time when at least one station sees the satellite, merged
    across stations, in time order; to the table's one-second sampling."""
    if not stations:
        return []
    visible = np.zeros(len(table), dtype=bool)
    for station in stations:
        lat, lon = np.array([station.lat_rad]), np.array([station.lon_rad])
        site = geodetic_to_ecef_m(lat, lon, np.array([station.alt_m]))[0]
        up = up_vectors(lat, lon)[0]
        line = table.r_ecef_m - site
        sin_elevation = line @ up / np.linalg.norm(line, axis=1)
        visible |= sin_elevation > np.sin(station.min_elevation_rad)
    edges = np.flatnonzero(np.diff(visible.astype(np.int8)))
    starts = [0, *(edges[visible[edges + 1]] + 1)] if visible[0] else list(edges[visible[edges + 1]] + 1)
    ends = list(edges[~visible[edges + 1]]) + ([len(table) - 1] if visible[-1] else [])
    return [(float(a) * table.dt_s, float(b) * table.dt_s) for a, b in zip(starts, ends, strict=True)]
