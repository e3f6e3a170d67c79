"""`zorka plan` files: the planner's JSON input checked field by field, SGP4 positions for its ephemeris
table, and the JSON plan written back (format in README, "Planning").

A bad input raises PlanFileError with one line naming the field, e.g.
`targets[3].lat_deg: 95 is outside -90..90`.
"""

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from flight.payload.access import EphemerisTable
from flight.payload.planner import Capture
from flight.payload.requests import ImagingRequest
from native.atomic_file import write_atomically
from native.time_scales import SECONDS_PER_DAY, julian_date, parse_utc, utc_from_julian_date
from sim.ephemeris import Sgp4Ephemeris, Sgp4Error
from sim.tle import Tle, TleError, parse_tle
from zorka.scenario.plan_targets import plain_requests

STEP_S = 1.0  # the ephemeris table's step, and so the grid of capture starts
MAX_HORIZON_S = 7 * SECONDS_PER_DAY
MAX_TARGETS = 100_000
MAX_TARGET_DAYS = 100_000
"""Targets times the horizon in days (a day at least): what `zorka plan` is measured to plan within 10 s
and 500 MB (`zorka bench`, plan_world_100k)."""
TOP_KEYS = ("tle", "start_utc", "horizon_s", "max_off_nadir_deg", "min_sun_elevation_deg", "slew", "targets")
TARGET_KEYS = ("id", "lat_deg", "lon_deg", "priority", "duration_s")
OPTIONAL_TARGET_KEYS = ("alt_m",)


class PlanFileError(ValueError):
    """A bad plan input: one line naming the field, the value and what is allowed."""


@dataclass(frozen=True)
class PlanInput:
    """A checked `zorka plan` input."""

    tle: Tle
    start_utc: datetime
    horizon_s: float
    settle_s: float
    rate_rad_s: float
    requests: list[ImagingRequest]

    def slew_s(self, angle_rad: float) -> float:
        """Slew-and-settle time (s) for an angle between lines of sight."""
        return self.settle_s + angle_rad / self.rate_rad_s

    def table(self) -> EphemerisTable:
        """SGP4 positions every STEP_S over the horizon (both ends included). Raises PlanFileError when
        SGP4 fails (a decayed or nonsensical orbit)."""
        jd = julian_date(self.start_utc)
        n = math.floor(self.horizon_s / STEP_S + 1e-9) + 1
        r, v = np.empty((n, 3)), np.empty((n, 3))
        try:
            Sgp4Ephemeris(self.tle.satrec, jd).fill(0.0, STEP_S, r, v)
        except Sgp4Error as failure:
            raise PlanFileError(f"tle: {failure}") from None
        return EphemerisTable(jd, STEP_S, r)


def _number(value: Any, field: str, low: float, high: float, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanFileError(f"{field}: {json.dumps(value)} is not a number")
    try:
        value = float(value)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise PlanFileError(f"{field}: {value} is not a finite number")
    if value < low or value > high or (low_open and value == low):
        interval = f"({low:g}..{high:g}]" if low_open else f"{low:g}..{high:g}"
        raise PlanFileError(f"{field}: {value:g} is outside {interval}")
    return float(value)


def _object(value: Any, field: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        raise PlanFileError(f"{field}: expected an object with {', '.join(required)}")
    where = f"{field}." if field else ""
    for key in required:
        if key not in value:
            raise PlanFileError(f"{where}{key}: missing")
    for key in value:
        if key not in required + optional:
            raise PlanFileError(f"{where}{key}: unknown key; allowed: {', '.join(required + optional)}")
    return value


def parse_plan_input(text: str | bytes) -> PlanInput:
    """Check a `zorka plan` input document. Raises PlanFileError (one line) for any bad input."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as failure:
        raise PlanFileError(f"not valid JSON ({str(failure).splitlines()[0]})") from None
    if not isinstance(document, dict):
        raise PlanFileError("the document: expected a JSON object")
    top = _object(document, "", TOP_KEYS)
    tle_lines = top["tle"]
    if not (
        isinstance(tle_lines, list) and len(tle_lines) == 2 and all(isinstance(x, str) for x in tle_lines)
    ):
        raise PlanFileError("tle: expected a list of two strings (the TLE's lines)")
    try:
        tle = parse_tle(*tle_lines)
    except TleError as failure:
        raise PlanFileError(str(failure)) from None
    if not isinstance(top["start_utc"], str):
        raise PlanFileError(f"start_utc: {json.dumps(top['start_utc'])} is not a string")
    try:
        start = parse_utc(top["start_utc"])
    except (ValueError, OverflowError) as failure:
        raise PlanFileError(f"start_utc: {failure}") from None
    if not 1900 < start.year < 2100:
        raise PlanFileError(f"start_utc: {top['start_utc']!r} is outside the years 1901..2099")
    horizon = _number(top["horizon_s"], "horizon_s", 0.0, MAX_HORIZON_S, low_open=True)
    max_off_nadir = _number(top["max_off_nadir_deg"], "max_off_nadir_deg", 0.0, 89.0, low_open=True)
    min_sun = _number(top["min_sun_elevation_deg"], "min_sun_elevation_deg", -90.0, 90.0)
    slew = _object(top["slew"], "slew", ("settle_s", "rate_deg_s"))
    settle = _number(slew["settle_s"], "slew.settle_s", 0.0, 3600.0)
    rate = _number(slew["rate_deg_s"], "slew.rate_deg_s", 0.0, 360.0, low_open=True)
    targets = top["targets"]
    if not isinstance(targets, list):
        raise PlanFileError("targets: expected a list of targets")
    if len(targets) > MAX_TARGETS:
        raise PlanFileError(f"targets: {len(targets)} targets, more than the {MAX_TARGETS:,} allowed")
    days = max(1.0, horizon / SECONDS_PER_DAY)
    if len(targets) * days > MAX_TARGET_DAYS:
        raise PlanFileError(
            f"targets: {len(targets)} targets over {days:g} days, more than the {MAX_TARGET_DAYS:,} "
            "target-days allowed (targets times the horizon in days, at least one)"
        )
    keys, optional = frozenset(TARGET_KEYS), frozenset(OPTIONAL_TARGET_KEYS)
    requests = plain_requests(
        targets, keys, optional, horizon, math.radians(max_off_nadir), math.radians(min_sun)
    )
    if requests is not None:
        return PlanInput(tle, start, horizon, settle, math.radians(rate), requests)
    requests, seen = [], {}
    for i, entry in enumerate(targets):
        targets[i] = None  # each target's dict goes as its request is made: one copy of the targets at a time
        field = f"targets[{i}]"
        target = _object(entry, field, TARGET_KEYS, OPTIONAL_TARGET_KEYS)
        ident = target["id"]
        if not isinstance(ident, str) or not ident.strip():
            raise PlanFileError(f"{field}.id: {json.dumps(ident)} is not a non-empty string")
        if ident in seen:
            raise PlanFileError(f"{field}.id: {ident!r} repeats targets[{seen[ident]}].id")
        seen[ident] = i
        requests.append(
            ImagingRequest(
                id=ident,
                lat_rad=math.radians(_number(target["lat_deg"], f"{field}.lat_deg", -90.0, 90.0)),
                lon_rad=math.radians(_number(target["lon_deg"], f"{field}.lon_deg", -180.0, 360.0)),
                alt_m=_number(target.get("alt_m", 0.0), f"{field}.alt_m", -500.0, 9000.0),
                priority=_number(target["priority"], f"{field}.priority", 0.0, 1e9),
                duration_s=_number(target["duration_s"], f"{field}.duration_s", 0.0, horizon, low_open=True),
                max_off_nadir_rad=math.radians(max_off_nadir),
                min_sun_elevation_rad=math.radians(min_sun),
            )
        )
    return PlanInput(tle, start, horizon, settle, math.radians(rate), requests)


def _utc_text(start_utc: datetime, t_s: float) -> str:
    instant = utc_from_julian_date(julian_date(start_utc), t_s)
    whole = instant.replace(microsecond=0)
    fraction = f"{instant.microsecond / 1e6:.6f}"[1:].rstrip("0")
    return f"{whole:%Y-%m-%dT%H:%M:%S}{fraction if len(fraction) > 1 else '.0'}Z"


def _plain(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def plan_document(plan_input: PlanInput, captures: list[Capture]) -> dict:
    """The output document: captures in time order and the objective (sum of their priorities)."""
    return {
        "captures": [
            {
                "target_id": c.request_id,
                "start_utc": _utc_text(plan_input.start_utc, c.start_s),
                "duration_s": _plain(c.duration_s),
                "off_nadir_deg": round(math.degrees(c.off_nadir_rad), 3),
            }
            for c in captures
        ],
        "objective": _plain(sum(c.priority for c in captures)),
    }


def write_json(path: Path, document: dict) -> None:
    """Write the plan as indented JSON, atomically (native/atomic_file.py)."""
    write_atomically(Path(path), (json.dumps(document, indent=1) + "\n").encode())
