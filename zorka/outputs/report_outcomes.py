"""What became of each imaging request of a run, with the reason, for the report's map and table.

Outcomes: `captured` (a capture met quality and its product is in mass memory or on the ground),
`failed` (captures were made but none met quality: the onboard `capture_failed` events say why),
`missed` (dropped from the book, or its only chances to be imaged passed with no capture), `open` (still
waiting or planned at the end of the run). The reason of a request that stayed open or was missed comes
from the onboard book and plan at the end of the run and from the access geometry over the truth orbit
(`flight.payload.access`, the same visibility test the onboard planner makes on its own orbit estimate),
with the planner's star-tracker exclusion (`flight.payload.tracker_exclusion`): an access window with no
start that keeps the tracker clear of the sun and the Earth is said so, not left as "not planned".
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from flight.payload.access import EphemerisTable, visibility_windows
from flight.payload.request_book import RequestState
from flight.payload.requests import ImagingRequest
from flight.payload.tracker_exclusion import TrackerExclusion
from native.geodesy import geodetic_to_ecef_m
from zorka.run.mission import Mission

OUTCOME_COLOURS = {"captured": "#2ca02c", "failed": "#d62728", "missed": "#ff7f0e", "open": "#7f7f7f"}
"""Tableau green, red, orange and grey."""
OUTCOME_MARKERS = {"captured": "o", "failed": "X", "missed": "s", "open": "D"}
"""Shapes as well as colours, for readers who do not tell red from green."""


@dataclass(frozen=True)
class Outcome:
    request_id: str
    lat_deg: float
    lon_deg: float
    priority: int
    outcome: str
    reason: str
    capture_t_s: float | None
    """Start of its good capture (s since the epoch), if any."""


def request_outcomes(
    mission: Mission, failures: dict[str, list[str]], utc: Callable[[float], str], run_end_s: float
) -> list[Outcome]:
    """Every request of the onboard book at the end of the run (those of the scenario if the run has no
    payload), with its outcome and reason; `failures`: request id -> the reasons of its failed captures
    (from the telemetry's events); `utc(t_s)` formats a time for the reasons."""
    payload = mission.flight.payload
    if payload is None:
        return [
            Outcome(r.id, math.degrees(r.lat_rad), math.degrees(r.lon_rad), r.priority, "open",
                    "the spacecraft has no imaging payload", None)
            for r in mission.scenario.requests
        ]  # fmt: skip
    captured_at = {
        m["request_id"]: m["t_start_s"]
        for m in mission.products
        if m.get("t_start_s") is not None and m.get("quality_ok")
    }
    planned_at = {c.request_id: c.start_s for c in payload.timeline}
    entries = list(payload.book.entries.values())
    access = _access_windows_s(mission, [e.request for e in entries], payload.tracker_exclusion)
    outcomes = []
    for entry, windows in zip(entries, access, strict=True):
        request = entry.request
        rid = request.id
        reasons = failures.get(rid, [])
        if entry.state is RequestState.CAPTURED:
            outcome, reason = "captured", f"captured at {utc(captured_at[rid])}" if rid in captured_at else ""
            if reasons:
                reason += f" after {len(reasons)} failed capture(s)"
        elif reasons:
            outcome = "failed"
            reason = f"{len(reasons)} failed capture(s), last: {reasons[-1]}"
            if rid in planned_at:
                reason += f"; re-planned for {utc(planned_at[rid])}"
        elif entry.state is RequestState.DROPPED:
            outcome, reason = (
                "missed",
                "dropped from the book: its time window closed or the ground deleted it",
            )
        elif entry.state is RequestState.PLANNED and rid in planned_at:
            outcome = "open"
            reason = f"planned for {utc(planned_at[rid])}, after the run's end"
        else:
            outcome, reason = _unplanned(request, windows, run_end_s, utc)
        outcomes.append(
            Outcome(rid, math.degrees(request.lat_rad), math.degrees(request.lon_rad), request.priority,
                    outcome, reason.strip(), captured_at.get(rid))
        )  # fmt: skip
    return outcomes


def _unplanned(
    request: ImagingRequest,
    windows: list[tuple[float, float, bool]],
    run_end_s: float,
    utc: Callable[[float], str],
) -> tuple[str, str]:
    """Why a request that is neither captured, failed nor dropped has no capture: its access (windows:
    start, end, and whether a start in it keeps the star tracker clear)."""
    limits = (
        f"off-nadir ≤ {math.degrees(request.max_off_nadir_rad):.0f}°, "
        f"sun elevation ≥ {math.degrees(request.min_sun_elevation_rad):.0f}°"
    )
    if not windows:
        return "open", f"no access during the run ({limits})"
    fits = [(a, b, clear) for a, b, clear in windows if b - a >= request.duration_s]
    if not fits:
        longest = max(b - a for a, b, _ in windows)
        return (
            "open",
            f"access too short: {longest:.0f} s for a {request.duration_s:.0f} s capture ({limits})",
        )
    first = utc(fits[0][0])
    if not any(clear for _, _, clear in fits):
        return (
            "missed" if fits[-1][1] < run_end_s - request.duration_s else "open",
            f"{len(fits)} access window(s) from {first}, none keeping the star tracker clear of the sun and "
            "the Earth through the capture and the settle before it",
        )
    if fits[-1][1] >= run_end_s - request.duration_s:
        return "open", f"access from {first} not taken by the plan (the run ended inside an access window)"
    return "missed", f"{len(fits)} access window(s) from {first} not planned (priority {request.priority})"


def _access_windows_s(
    mission: Mission, requests: list, exclusion: TrackerExclusion
) -> list[list[tuple[float, float, bool]]]:
    """Per request, its access windows over the run on the truth orbit, in s since the epoch, each with
    whether a capture in it can start with the star tracker kept clear (`exclusion`)."""
    rows = mission.truth()
    if len(rows) < 2 or not requests:
        return [[] for _ in requests]
    dt_s = float(rows[1, 0] - rows[0, 0])
    uniform = rows[:: max(1, round(1.0 / dt_s))] if dt_s < 1.0 else rows
    dt_s = float(uniform[1, 0] - uniform[0, 0]) if len(uniform) > 1 else dt_s
    table = EphemerisTable(mission.epoch_jd_utc + uniform[0, 0] / 86400.0, dt_s, uniform[:, 1:4])
    t0_s = float(uniform[0, 0])
    out = []
    for request, windows in zip(requests, visibility_windows(table, requests), strict=True):
        target = geodetic_to_ecef_m(
            np.array([request.lat_rad]), np.array([request.lon_rad]), np.array([request.alt_m])
        )[0]
        steps = math.ceil(request.duration_s / dt_s - 1e-9)
        clear = [len(exclusion.clear_starts(table, target, np.arange(a, b - steps + 1), steps)) > 0
                 for a, b in windows]  # fmt: skip
        out.append([(t0_s + a * dt_s, t0_s + b * dt_s, c) for (a, b), c in zip(windows, clear, strict=True)])
    return out


def failure_reasons(events: list[tuple[float, str, str, str]]) -> dict[str, list[str]]:
    """Request id -> the why of each of its `capture_failed` events (t_s, name, request id, text)."""
    found: dict[str, list[str]] = {}
    for _, name, request_id, text in events:
        if name == "capture_failed":
            why = text.split(":", 1)[1] if ":" in text else text
            found.setdefault(request_id, []).append(why.removesuffix("; re-planned").strip())
    return found
