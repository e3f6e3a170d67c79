"""The targets of a `zorka plan` input checked in bulk: one pass over the parsed list into columns, the
ranges tested on whole arrays. 100,000 targets took 2.6 s field by field; any target that is not plainly
good makes the caller check field by field instead, which names the field."""

import math

import numpy as np

from flight.payload.requests import ImagingRequest

NUMBER_TYPES = (int, float)


def _column(targets: list[dict], key: str, default: float | None = None) -> np.ndarray | None:
    values = [t.get(key, default) for t in targets]
    if not all(type(v) in NUMBER_TYPES for v in values):
        return None
    try:
        column = np.array(values, dtype=float)
    except OverflowError:
        return None
    return column if np.isfinite(column).all() else None


def plain_requests(
    targets: list,
    keys: frozenset[str],
    optional_keys: frozenset[str],
    horizon_s: float,
    max_off_nadir_rad: float,
    min_sun_elevation_rad: float,
) -> list[ImagingRequest] | None:
    """The requests of the targets when every one is plainly good (an object with the required keys and
    perhaps the optional ones, a unique non-empty string id, numbers in range); else None."""
    if not all(type(t) is dict and keys <= t.keys() <= keys | optional_keys for t in targets):
        return None
    ids = [t["id"] for t in targets]
    if not all(type(i) is str and i.strip() for i in ids) or len(set(ids)) != len(ids):
        return None
    lat, lon, alt, priority, duration = (
        _column(targets, "lat_deg"),
        _column(targets, "lon_deg"),
        _column(targets, "alt_m", 0.0),
        _column(targets, "priority"),
        _column(targets, "duration_s"),
    )
    if any(c is None for c in (lat, lon, alt, priority, duration)):
        return None
    in_range = (
        (np.abs(lat) <= 90.0).all()
        and ((lon >= -180.0) & (lon <= 360.0)).all()
        and ((alt >= -500.0) & (alt <= 9000.0)).all()
        and ((priority >= 0.0) & (priority <= 1e9)).all()
        and ((duration > 0.0) & (duration <= horizon_s)).all()
    )
    if not in_range:
        return None
    return [
        ImagingRequest(
            id=i, lat_rad=math.radians(a), lon_rad=math.radians(o), alt_m=h, priority=p, duration_s=d,
            max_off_nadir_rad=max_off_nadir_rad, min_sun_elevation_rad=min_sun_elevation_rad,
        )
        for i, a, o, h, p, d in zip(
            ids, lat.tolist(), lon.tolist(), alt.tolist(), priority.tolist(), duration.tolist(), strict=True
        )
    ]  # fmt: skip
