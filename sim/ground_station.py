"""Ground stations: look angles to the satellite and the passes above a minimum elevation.

Look angles are topocentric about the WGS-84 geodetic normal of the station (east, north, up); ECEF is
R_z(GMST IAU-82) TEME with UT1 taken as UTC, as everywhere in Zorka. Passes come from a coarse scan of the
elevation (every `step_s`), refined: rises and sets by bisection to 1 ms, the highest point by
golden-section search to 1 ms. A pass shorter than a step is still found: every sampled local maximum of
the elevation below the minimum by less than twice the largest change between samples is refined, and
its top tested.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from native import lib, ptr
from native.geodesy import teme_to_ecef_m
from native.time_scales import SECONDS_PER_DAY, utc_from_julian_date

# fill(t0_s, dt_s, r_eci, v_eci): states at t0_s + k dt_s (seconds since the run epoch), TEME, m and m/s,
# written into (n, 3) arrays -- the signature of Sgp4Ephemeris.fill.
EphemerisFill = Callable[[float, float, np.ndarray, np.ndarray], None]

TIME_TOLERANCE_S = 1e-3
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class Pass:
    """One pass above the station's minimum elevation; times in seconds since the run epoch and UTC.
    `aos_cut` / `los_cut`: the window's start / end cut the pass (the satellite was already up at
    aos_s / still up at los_s), so that end is the window's edge and not a rise or set."""

    station: str
    aos_s: float
    los_s: float
    max_elevation_s: float
    max_elevation_rad: float
    aos_utc: datetime
    los_utc: datetime
    max_elevation_utc: datetime
    aos_cut: bool
    los_cut: bool

    @property
    def duration_s(self) -> float:
        return self.los_s - self.aos_s


class GroundStation:
    """A station on the WGS-84 ellipsoid that sees the satellite above `min_elevation_deg`."""

    def __init__(
        self, name: str, lat_deg: float, lon_deg: float, alt_m: float, min_elevation_deg: float
    ) -> None:
        if not -90.0 <= lat_deg <= 90.0:
            raise ValueError(f"ground station {name!r}: latitude {lat_deg} deg is not in -90..90")
        if not -360.0 <= lon_deg <= 360.0:
            raise ValueError(f"ground station {name!r}: longitude {lon_deg} deg is not in -360..360")
        if not -10e3 <= alt_m <= 10e3:
            raise ValueError(f"ground station {name!r}: altitude {alt_m} m is not in -10000..10000")
        if not -90.0 < min_elevation_deg < 90.0:
            raise ValueError(
                f"ground station {name!r}: minimum elevation {min_elevation_deg} deg is not in -90..90"
            )
        self.name = name
        self.lat_rad, self.lon_rad, self.alt_m = math.radians(lat_deg), math.radians(lon_deg), alt_m
        self.min_elevation_rad = math.radians(min_elevation_deg)
        self.r_ecef = np.empty(3)
        lib.zk_geodetic_to_ecef(self.lat_rad, self.lon_rad, alt_m, ptr(self.r_ecef))
        sl, cl = math.sin(self.lat_rad), math.cos(self.lat_rad)
        so, co = math.sin(self.lon_rad), math.cos(self.lon_rad)
        # Rows: east, north, up (the geodetic normal), in ECEF components.
        self.enu_from_ecef = np.array([[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]])

    def look_angles(self, r_ecef: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Azimuth (rad, from north towards east, 0..2 pi), elevation (rad) and range (m) of ECEF
        positions, shape (3,) or (n, 3)."""
        enu = (np.asarray(r_ecef) - self.r_ecef) @ self.enu_from_ecef.T
        east, north, up = enu[..., 0], enu[..., 1], enu[..., 2]
        horizontal = np.hypot(east, north)
        azimuth = np.arctan2(east, north) % (2.0 * np.pi)
        return azimuth, np.arctan2(up, horizontal), np.hypot(horizontal, up)

    def passes(
        self,
        ephemeris_fn: EphemerisFill,
        jd_epoch_utc: float,
        t_start_s: float,
        t_end_s: float,
        step_s: float = 10.0,
    ) -> list[Pass]:
        """The passes in [t_start_s, t_end_s] (seconds since the run epoch at Julian date jd_epoch_utc),
        in time order; a pass under way at either edge is cut there and flagged."""
        if not t_end_s >= t_start_s:
            raise ValueError(f"pass window [{t_start_s}, {t_end_s}] s ends before it starts")
        if not step_s > 0.0:
            raise ValueError(f"pass scan step {step_s} s is not > 0")
        if t_end_s == t_start_s:
            return []
        elevation = _ElevationFunction(self, ephemeris_fn, jd_epoch_utc)
        n = math.ceil((t_end_s - t_start_s) / step_s)
        dt_s = (t_end_s - t_start_s) / n
        t_s = t_start_s + dt_s * np.arange(n + 1)
        t_s[-1] = t_end_s
        el_rad = elevation.on_grid(t_start_s, dt_s, n + 1)
        up = el_rad > self.min_elevation_rad

        def above(t: float) -> bool:
            return elevation.at(t) > self.min_elevation_rad

        crossings = [
            (_bisect(above, t_s[k], t_s[k + 1]), bool(up[k + 1])) for k in np.flatnonzero(up[:-1] != up[1:])
        ]
        grazing_tops = []
        margin_rad = 2.0 * float(np.abs(np.diff(el_rad)).max())
        for k in _grazing_candidates(el_rad, up, self.min_elevation_rad - margin_rad):
            t_top, el_top = _golden_max(elevation.at, t_s[k - 1], t_s[k + 1])
            if el_top > self.min_elevation_rad:
                crossings += [
                    (_bisect(above, t_s[k - 1], t_top), True),
                    (_bisect(above, t_top, t_s[k + 1]), False),
                ]
                grazing_tops.append((t_top, el_top))
        crossings.sort()

        windows = []
        aos_s = t_start_s if up[0] else None
        for t_cross, rising in crossings:
            if rising:
                aos_s = t_cross
            elif aos_s is not None:
                windows.append((aos_s, t_cross))
                aos_s = None
        if aos_s is not None:
            windows.append((aos_s, t_end_s))

        result = []
        for aos_s, los_s in windows:
            inside = np.flatnonzero((t_s >= aos_s) & (t_s <= los_s))
            if inside.size:
                k = int(inside[np.argmax(el_rad[inside])])
                lo, hi = max(aos_s, t_s[max(k - 1, 0)]), min(los_s, t_s[min(k + 1, n)])
                t_top, el_top = _golden_max(elevation.at, lo, hi)
            else:
                t_top, el_top = next(top for top in grazing_tops if aos_s <= top[0] <= los_s)
            result.append(
                Pass(
                    station=self.name,
                    aos_s=aos_s,
                    los_s=los_s,
                    max_elevation_s=t_top,
                    max_elevation_rad=el_top,
                    aos_utc=utc_from_julian_date(jd_epoch_utc, aos_s),
                    los_utc=utc_from_julian_date(jd_epoch_utc, los_s),
                    max_elevation_utc=utc_from_julian_date(jd_epoch_utc, t_top),
                    aos_cut=aos_s == t_start_s and bool(up[0]),
                    los_cut=los_s == t_end_s and bool(up[-1]),
                )
            )
        return result


class _ElevationFunction:
    """The station's elevation of the satellite at times since the run epoch, on a grid or one at a time."""

    def __init__(self, station: GroundStation, fill: EphemerisFill, jd_epoch_utc: float) -> None:
        self.station, self.fill, self.jd_epoch_utc = station, fill, jd_epoch_utc
        self.r_one, self.v_one = np.empty((1, 3)), np.empty((1, 3))

    def on_grid(self, t0_s: float, dt_s: float, n: int) -> np.ndarray:
        r_eci, v_eci = np.empty((n, 3)), np.empty((n, 3))
        self.fill(t0_s, dt_s, r_eci, v_eci)
        jd = self.jd_epoch_utc + (t0_s + dt_s * np.arange(n)) / SECONDS_PER_DAY
        gmst_rad = np.array([lib.zk_gmst(x) for x in jd])
        return self.station.look_angles(teme_to_ecef_m(gmst_rad, r_eci))[1]

    def at(self, t_s: float) -> float:
        self.fill(t_s, 0.0, self.r_one, self.v_one)
        gmst_rad = np.array([lib.zk_gmst(self.jd_epoch_utc + t_s / SECONDS_PER_DAY)])
        return float(self.station.look_angles(teme_to_ecef_m(gmst_rad, self.r_one))[1][0])


def _grazing_candidates(el_rad: np.ndarray, up: np.ndarray, floor_rad: float) -> np.ndarray:
    """Interior samples that are local maxima of the elevation above `floor_rad`, none of the three up:
    a pass may hide between their neighbours."""
    mid = el_rad[1:-1]
    local_max = (mid >= el_rad[:-2]) & (mid >= el_rad[2:])
    down = ~(up[:-2] | up[1:-1] | up[2:])
    return 1 + np.flatnonzero(local_max & down & (mid > floor_rad))


def _bisect(above: Callable[[float], bool], t_a: float, t_b: float) -> float:
    """The time in [t_a, t_b] where `above` changes, to TIME_TOLERANCE_S; above(t_a) != above(t_b)."""
    side_a = above(t_a)
    while t_b - t_a > TIME_TOLERANCE_S:
        t_mid = 0.5 * (t_a + t_b)
        if above(t_mid) == side_a:
            t_a = t_mid
        else:
            t_b = t_mid
    return 0.5 * (t_a + t_b)


def _golden_max(fn: Callable[[float], float], t_a: float, t_b: float) -> tuple[float, float]:
    """Golden-section search for the maximum of a unimodal fn on [t_a, t_b], to TIME_TOLERANCE_S;
    the ends are candidates too, so a maximum at an edge of the bracket is found."""
    t_c, t_d = t_b - _GOLDEN * (t_b - t_a), t_a + _GOLDEN * (t_b - t_a)
    f_c, f_d = fn(t_c), fn(t_d)
    while t_b - t_a > TIME_TOLERANCE_S:
        if f_c >= f_d:
            t_b, t_d, f_d = t_d, t_c, f_c
            t_c = t_b - _GOLDEN * (t_b - t_a)
            f_c = fn(t_c)
        else:
            t_a, t_c, f_c = t_c, t_d, f_d
            t_d = t_a + _GOLDEN * (t_b - t_a)
            f_d = fn(t_d)
    return max((f_c, t_c), (f_d, t_d), (fn(t_a), t_a), (fn(t_b), t_b))[::-1]
