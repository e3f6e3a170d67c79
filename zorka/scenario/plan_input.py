"""`zorka plan` files: the planner's JSON input read in pieces and checked field by field, SGP4
positions for its ephemeris table, and the JSON plan written back (format in README, "Planning").

The input is streamed (zorka/scenario/json_stream.py): the targets are checked in batches as they arrive
and kept as columns (zorka/scenario/plan_targets.py), so neither the file nor its parsed objects are ever
held whole, and a list past the limits is refused as soon as it passes them. A bad input raises
PlanFileError with one line naming the field, e.g. `targets[3].lat_deg: 95 is outside -90..90`.
"""

import io
import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from flight.payload.access import EphemerisTable
from flight.payload.planner import Capture
from flight.payload.requests import ImagingRequest
from native.atomic_file import write_atomically
from native.time_scales import SECONDS_PER_DAY, julian_date, parse_utc, utc_from_julian_date
from sim.ephemeris import Sgp4Ephemeris, Sgp4Error
from sim.tle import Tle, TleError, parse_tle
from zorka.scenario.json_stream import JsonStream, JsonStreamError
from zorka.scenario.plan_fields import PlanFileError, checked_number, checked_object
from zorka.scenario.plan_targets import TargetColumns

STEP_S = 1.0  # the ephemeris table's step, and so the grid of capture starts
MAX_HORIZON_S = 7 * SECONDS_PER_DAY
MAX_TARGETS = 100_000
MAX_TARGET_DAYS = 100_000
"""Targets times the horizon in days (a day at least): what `zorka plan` is measured to plan within 10 s
and 500 MB (`zorka bench`, plan_world_100k)."""
BATCH_TARGETS = 4096  # targets parsed before they are checked and reduced to columns
TOP_KEYS = ("tle", "start_utc", "horizon_s", "max_off_nadir_deg", "min_sun_elevation_deg", "slew", "targets")


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


def parse_plan_input(text: str | bytes) -> PlanInput:
    """Check a `zorka plan` input document held in memory (see `read_plan_input`)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return read_plan_input(io.BytesIO(data))


def read_plan_input(source: BinaryIO) -> PlanInput:
    """Read and check a `zorka plan` input from a binary stream. Raises PlanFileError (one line) for any bad
    input, as soon as the text shows it."""
    stream = JsonStream(source)
    try:
        return _read_document(stream)
    except JsonStreamError as failure:
        raise PlanFileError(f"not valid JSON ({failure})") from None


def _read_document(stream: JsonStream) -> PlanInput:
    if stream.next_char() != "{":
        stream.value()
        _end_of_text(stream)
        raise PlanFileError("the document: expected a JSON object")
    stream.take("{", "an object")
    fields: dict[str, Any] = {}
    targets = TargetColumns()
    while stream.next_char() != "}":
        if fields:
            stream.take(",", "',' or '}' after a value")
        if stream.next_char() != '"':
            stream.take('"', "a key (a string)")
        key = stream.value()
        stream.take(":", "':' after a key")
        if key not in TOP_KEYS:
            raise PlanFileError(f"{key}: unknown key; allowed: {', '.join(TOP_KEYS)}")
        if key in fields:
            raise PlanFileError(f"{key}: given twice")
        if key == "targets":
            fields[key] = _read_targets(stream, targets, fields)
        else:
            fields[key] = stream.value()
            if key == "horizon_s":
                targets.horizon_s = _horizon_s(fields["horizon_s"])
    stream.take("}", "'}'")
    _end_of_text(stream)
    for key in TOP_KEYS:
        if key not in fields:
            raise PlanFileError(f"{key}: missing")
    return _plan_input(fields, targets)


def _end_of_text(stream: JsonStream) -> None:
    if not stream.at_end():
        stream.take("", "the end of the text")


def _horizon_s(value: Any) -> float:
    return checked_number(value, "horizon_s", 0.0, MAX_HORIZON_S, low_open=True)


def _target_limit(horizon_s: float) -> int:
    """The most targets allowed over `horizon_s` (inf: not known yet)."""
    if math.isinf(horizon_s):
        return MAX_TARGETS
    return min(MAX_TARGETS, math.floor(MAX_TARGET_DAYS / max(1.0, horizon_s / SECONDS_PER_DAY)))


def _too_many(horizon_s: float) -> PlanFileError:
    if _target_limit(horizon_s) == MAX_TARGETS:
        return PlanFileError(f"targets: more than the {MAX_TARGETS:,} targets allowed")
    days = max(1.0, horizon_s / SECONDS_PER_DAY)
    return PlanFileError(
        f"targets: more than {_target_limit(horizon_s):,} targets over {days:g} days, beyond the "
        f"{MAX_TARGET_DAYS:,} target-days allowed (targets times the horizon in days, at least one)"
    )


def _read_targets(stream: JsonStream, targets: TargetColumns, fields: dict[str, Any]) -> int:
    """Stream the targets list into `targets`, BATCH_TARGETS at a time; the number read."""
    if stream.next_char() != "[":
        stream.value()
        raise PlanFileError("targets: expected a list of targets")
    stream.take("[", "'['")
    batch: list[Any] = []
    count = 0
    while stream.next_char() != "]":
        if count:
            stream.take(",", "',' or ']' after a target")
        batch.append(stream.value())
        count += 1
        if count > _target_limit(targets.horizon_s):
            raise _too_many(targets.horizon_s)
        if len(batch) == BATCH_TARGETS:
            targets.add(batch)
            batch = []
    stream.take("]", "']'")
    targets.add(batch)
    return count


def _plan_input(fields: dict[str, Any], targets: TargetColumns) -> PlanInput:
    """The checked input from its top-level fields and its targets' columns."""
    tle_lines = fields["tle"]
    if not (
        isinstance(tle_lines, list) and len(tle_lines) == 2 and all(isinstance(x, str) for x in tle_lines)
    ):
        raise PlanFileError("tle: expected a list of two strings (the TLE's lines)")
    try:
        tle = parse_tle(*tle_lines)
    except TleError as failure:
        raise PlanFileError(str(failure)) from None
    if not isinstance(fields["start_utc"], str):
        raise PlanFileError(f"start_utc: {json.dumps(fields['start_utc'])} is not a string")
    try:
        start = parse_utc(fields["start_utc"])
    except (ValueError, OverflowError) as failure:
        raise PlanFileError(f"start_utc: {failure}") from None
    if not 1900 < start.year < 2100:
        raise PlanFileError(f"start_utc: {fields['start_utc']!r} is outside the years 1901..2099")
    horizon = _horizon_s(fields["horizon_s"])
    max_off_nadir = checked_number(fields["max_off_nadir_deg"], "max_off_nadir_deg", 0.0, 89.0, low_open=True)
    min_sun = checked_number(fields["min_sun_elevation_deg"], "min_sun_elevation_deg", -90.0, 90.0)
    slew = checked_object(fields["slew"], "slew", ("settle_s", "rate_deg_s"))
    settle = checked_number(slew["settle_s"], "slew.settle_s", 0.0, 3600.0)
    rate = checked_number(slew["rate_deg_s"], "slew.rate_deg_s", 0.0, 360.0, low_open=True)
    if len(targets) > _target_limit(horizon):
        raise _too_many(horizon)
    requests = targets.requests(horizon, math.radians(max_off_nadir), math.radians(min_sun))
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
