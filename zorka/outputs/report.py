"""report.html of a run folder: one self-contained page an analyst reads after a run.

Sections, in order: the verdict and the summary grouped by topic (units, sensible rounding); the world
map (coastlines, ground track, station visibility circles and passes, targets by outcome); the requests
and what became of each, with the reason; the contact table; the imaging and downlink timeline (captures,
passes, deliveries, mass-memory backlog); attitude error with the requirement and the captures; wheel
speeds in rpm with saturation; battery and power with eclipses; the ADCS mode; the quicklooks. Every
time is UTC. Plots are inline SVG drawn by hand (`svg_figure`, `svg_axes`: vector, sharp when zoomed, no
plotting library) with alt text saying what they show; the quicklooks are PNG images. The page loads
nothing from outside itself (the quicklooks link to the product files beside it in the run folder).

Where each figure comes from: the truth orbit (ground track, eclipses by the simulator's own shadow
model), the mission's pass prediction and the simulated radio's records (contacts, bytes down,
deliveries), the onboard book, plan and products (outcomes), and the telemetry archive (housekeeping and
events: what the spacecraft reported). A section whose data the run does not have says so.
Pillow is imported by the quicklooks only, so the rest of `zorka` does not pay.
"""

import html
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from native.time_scales import unix_s_from_julian_date
from zorka.outputs.report_contacts import Contact, contact_table, contacts
from zorka.outputs.report_figure import MAX_POINTS, no_data, stride
from zorka.outputs.report_geometry import EARTH_RADIUS_M, Eclipse, eclipses, ground_track_deg
from zorka.outputs.report_housekeeping import Housekeeping, wheel_parameters
from zorka.outputs.report_map import MapLayers, maps
from zorka.outputs.report_outcomes import OUTCOME_COLOURS, Outcome, failure_reasons, request_outcomes
from zorka.outputs.report_quicklooks import quicklooks
from zorka.outputs.report_serial import serial_links
from zorka.outputs.report_summary_table import summary_table
from zorka.outputs.report_timeline import (
    CaptureMark,
    StoredProductMark,
    adcs_modes,
    attitude_error,
    imaging_and_downlink,
    power,
    wheel_speeds,
)
from zorka.run.mission import Mission

__all__ = ["MAX_POINTS", "REPORT_NAME", "wheel_parameters", "write_report"]

REPORT_NAME = "report.html"
ACQUISITION_HOLD_S = 60.0
"""The initial acquisition is the first time the pointing error stays under the threshold this long."""
STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; color: #222;
  padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { border-bottom: 2px solid #ccd; padding-bottom: 2px; margin-top: 1.6em; }
nav { padding: 4px 0; border-bottom: 1px solid #ddd; }
nav a { margin-right: 0.9em; font-size: 90%; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 90%; }
td, th { padding: 2px 8px; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
td.value { text-align: right; font-variant-numeric: tabular-nums; } td.unit { color: #555; }
td.key code { color: #888; font-size: 85%; } caption { text-align: left; font-weight: bold; padding: 4px 0; }
div.summary { display: flex; flex-wrap: wrap; gap: 0 2em; }
ul.notes { font-size: 85%; color: #444; max-width: 500px; }
tr.total th, tr.total td { border-top: 2px solid #999; font-weight: bold; }
img, svg.plot { max-width: 100%; height: auto; } svg.plot { display: block; margin: 0.4em 0; }
.quicklooks { display: flex; flex-wrap: wrap; gap: 10px; }
figure.quicklook { margin: 0; font-size: 80%; max-width: 250px; } figure.quicklook img { display: block; }
figure.quicklook a.frame { position: relative; display: inline-block; max-width: 100%; }
figure.quicklook svg.overlay { position: absolute; left: 0; top: 0; width: 100%; height: 100%;
  pointer-events: none; }
.outcome { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%; margin-right: 4px; }
.verdict { font-size: 105%; background: #f4f6fa; padding: 0.6em 1em; border-left: 4px solid #889; }
.no-data { color: #666; }
"""


def write_report(
    mission: Mission,
    summary: dict,
    out_dir: Path,
    archive: Path | None,
    dictionary: dict[str, Any],
) -> Path:
    """Write report.html into `out_dir` from the mission, its summary and the telemetry archive at
    `archive` (None: the run wrote no telemetry); its path."""
    epoch_unix_s = unix_s_from_julian_date(mission.epoch_jd_utc)
    epoch = datetime.fromtimestamp(epoch_unix_s, UTC)

    def utc(t_s: float) -> str:
        return (epoch + timedelta(seconds=float(t_s))).strftime("%Y-%m-%d %H:%M:%S")

    spacecraft = mission.scenario.spacecraft
    housekeeping = Housekeeping(archive, epoch_unix_s, dictionary, wheel_parameters(spacecraft.wheels.n))
    end_s = max(float(summary.get("sim_s", 0.0)), 1.0)
    rows = mission.truth()  # what the report reads of the run's recorded series: these two, once each
    errors = mission.attitude_errors()
    shadows = eclipses(rows, mission.epoch_jd_utc) if len(rows) else []
    radio = mission.radio_link
    contact_rows = contacts(
        mission.passes if mission.stations else [],
        end_s,
        None if radio is None else dict(radio.received_bytes_by_s),
        [] if radio is None else radio.deliveries,
        [] if radio is None else radio.radio.outages_s,
        0.0 if radio is None else radio.radio.delay_s,
    )
    outcomes = request_outcomes(mission, failure_reasons(housekeeping.events), utc, end_s)
    captures = _captures(mission)
    windows = [(c.start_s, c.end_s) for c in captures] + [(c.aos_s, c.los_s) for c in contact_rows]
    track_rows = _track_rows(rows, windows)
    track = None
    altitude_m = 500e3  # without a track, the visibility circles of a nominal 500 km orbit
    if len(track_rows) >= 2:
        lat, lon = ground_track_deg(track_rows, mission.epoch_jd_utc)
        track = (track_rows[:, 0], lat, lon)
        altitude_m = float(np.mean(np.linalg.norm(track_rows[:, 1:4], axis=1))) - EARTH_RADIUS_M
    products = _stored_products(mission, out_dir / "products", [] if radio is None else radio.deliveries)
    stations = [(s.name, s.lat_deg, s.lon_deg, s.min_elevation_deg) for s in mission.scenario.ground_stations]
    sections = [
        ("summary", "Summary", _verdict(summary, outcomes, contact_rows, shadows, end_s, utc)
         + _run_files(out_dir)
         + '<div class="summary">'
         + summary_table(summary, _derived_rows(mission, summary, errors), frozenset({"attitude.settle_s"}))
         + "</div>"),
        ("map", "Map: ground track, stations and targets",
         maps("map", MapLayers(track, [(c.aos_s, c.los_s) for c in contact_rows if not c.lost],
                                _capture_targets(captures, outcomes), stations, altitude_m, outcomes,
                                _footprints(mission)))),
        ("requests", "Imaging requests and outcomes", _outcome_table(outcomes)),
        ("contacts", "Ground contacts",
         contact_table(contact_rows, utc, radio is not None)
         or no_data("the run had no ground station" + (" pass" if mission.stations else ""))),
        ("timeline", "Imaging and downlink timeline",
         imaging_and_downlink("timeline", epoch_unix_s, end_s, shadows, contact_rows, captures, products)
         + _eclipse_table(shadows, utc)),
        ("attitude", "Attitude error (truth against the ADCS reference)",
         attitude_error("attitude", epoch_unix_s, errors, mission.scenario.report.settle_threshold_deg,
                        captures, end_s, summary.get("attitude", {}))),
        ("wheels", "Reaction wheel speeds (housekeeping)",
         wheel_speeds("wheels", epoch_unix_s, housekeeping, spacecraft.wheels.speed_max_rad_s, end_s)),
        ("power", "Battery and power balance (housekeeping)",
         power("power", epoch_unix_s, housekeeping, shadows, end_s)),
        ("adcs-mode", "ADCS mode (housekeeping)", adcs_modes("adcs-mode", epoch_unix_s, housekeeping, end_s)),
        ("quicklooks", "Quicklooks (products on the ground, in capture order)",
         quicklooks(out_dir / "products", utc)),
    ]  # fmt: skip
    if "serial" in summary:
        sections.insert(1, ("serial-links", "Serial links (boards in the loop)", serial_links(summary)))
    nav = " ".join(
        f'<a href="#{key}">{html.escape(title.split(" (")[0].split(":")[0])}</a>'
        for key, title, _ in sections
    )
    body = "\n".join(
        f'<section id="{key}">\n<h2>{html.escape(title)}</h2>\n{content}\n</section>'
        for key, title, content in sections
    )
    title = f"Zorka run, seed {summary.get('seed')}: {utc(0.0)} UTC + {_duration(end_s)}"
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
        f'<nav aria-label="sections">{nav}</nav>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
    path = out_dir / REPORT_NAME
    path.write_text(page, encoding="utf-8")
    return path


RUN_FILES = (
    ("summary.json", "the figures below"),
    ("passes.json", "station passes"),
    ("truth.oem", "truth orbit (CCSDS OEM)"),
    ("truth.aem", "truth attitude (CCSDS AEM)"),
    ("telemetry.msgpack", "decoded telemetry"),
    ("tm.bin", "raw TM packets"),
    ("tm_frames.bin", "TM frames received on the ground"),
)


def _run_files(out_dir: Path) -> str:
    """Links to the run folder's data files beside the page (those this run wrote)."""
    links = [
        f'<a href="{name}">{name}</a> ({what})' for name, what in RUN_FILES if (out_dir / name).is_file()
    ]
    return f'<p class="files">Files of this run: {" · ".join(links)}</p>' if links else ""


def _duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def _captures(mission: Mission) -> list[CaptureMark]:
    """Every capture made: the products' intervals and quality (mission.products, stored or not)."""
    return [
        CaptureMark(
            m["request_id"], m["t_start_s"], m.get("t_end_s") or m["t_start_s"], bool(m.get("quality_ok"))
        )
        for m in mission.products
        if m.get("t_start_s") is not None
    ]


def _footprints(mission: Mission) -> list[np.ndarray]:
    """The true footprint corners of each product made, (4, 2) lon/lat deg."""
    found = []
    for m in mission.products:
        corners = (m.get("true_footprint") or {}).get("corners")
        if corners and len(corners) == 4:
            found.append(np.array([[c[1], c[0]] for c in corners], dtype=float))
    return found


def _track_rows(rows: np.ndarray, windows: list[tuple[float, float]]) -> np.ndarray:
    """The truth rows the map draws: at most MAX_POINTS over the run, and every row inside the capture
    and pass `windows` (a capture lasts seconds: a thinned track would step over it)."""
    if len(rows) == 0:
        return rows
    keep = np.zeros(len(rows), dtype=bool)
    keep[:: stride(len(rows))] = True
    keep[-1] = True
    for start_s, end_s in windows:
        keep[(rows[:, 0] >= start_s - 1.0) & (rows[:, 0] <= end_s + 1.0)] = True
    return rows[keep]


def _capture_targets(
    captures: list[CaptureMark], outcomes: list[Outcome]
) -> list[tuple[float, float, float, float]]:
    """(start_s, end_s, target lat, target lon) of each capture of a request the book knows."""
    where = {o.request_id: (o.lat_deg, o.lon_deg) for o in outcomes}
    return [(c.start_s, c.end_s, *where[c.request_id]) for c in captures if c.request_id in where]


def _stored_products(
    mission: Mission, products: Path, deliveries: list[tuple[float, str]]
) -> list[StoredProductMark]:
    """The products made on board, named as the payload names them (request-attempt), their sizes from
    the ground's copy or the mass memory, and when the ground received them."""
    delivered = {pid: t_s for t_s, pid in deliveries}
    payload = mission.flight.payload
    attempts: dict[str, int] = {}
    marks = []
    for m in mission.products:
        if m.get("t_end_s") is None:
            continue
        rid = m["request_id"]
        attempts[rid] = attempts.get(rid, 0) + 1
        pid = f"{rid}-{attempts[rid]}"
        on_ground = products / f"{pid}.png"
        stored = None if payload is None else payload.memory.product(pid)
        if on_ground.exists():
            size = on_ground.stat().st_size
        elif stored is not None:
            size = stored.size_bytes
        else:
            continue  # lost, or refused by a full memory: nothing in the backlog
        marks.append(StoredProductMark(pid, float(m["t_end_s"]), size, delivered.get(pid)))
    return marks


def _first_settled_s(
    t_s: np.ndarray, err_deg: np.ndarray, threshold_deg: float, frame_s: float
) -> float | None:
    """The first time the pointing error went under the threshold and stayed there ACQUISITION_HOLD_S."""
    below = err_deg < threshold_deg
    hold = max(1, round(ACQUISITION_HOLD_S / frame_s))
    if len(below) < hold:
        return None
    counts = np.concatenate(([0], np.cumsum(below)))
    first = np.flatnonzero(counts[hold:] - counts[:-hold] == hold)  # windows of `hold` frames all below
    return None if len(first) == 0 else float(t_s[first[0]])


def _derived_rows(
    mission: Mission, summary: dict, errors: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> dict[str, list[tuple[str, str, str, str]]]:
    """Figures the report adds to the summary's groups: what `attitude.settle_s` means beside the initial
    acquisition."""
    attitude = summary.get("attitude", {})
    threshold = attitude.get("settle_threshold_deg", mission.scenario.report.settle_threshold_deg)
    t_s, err_deg, _ = errors
    first = _first_settled_s(t_s, err_deg, threshold, mission.frame_s * mission.errors.envelope.span)
    last = attitude.get("settle_s")
    return {
        "attitude": [
            (f"initial acquisition (error < {threshold:g}° for {ACQUISITION_HOLD_S:.0f} s)",
             "never" if first is None else f"{first:,.1f}", "" if first is None else "s",
             "first time the error went under the threshold and stayed there (from truth)"),
            (f"last return under {threshold:g}°",
             "never" if last is None else f"{last:,.1f}", "" if last is None else "s",
             "attitude.settle_s: after each slew (imaging) the error rises again; "
             "this is the last time it settled"),
        ]
    }  # fmt: skip


def _verdict(
    summary: dict,
    outcomes: list[Outcome],
    contact_rows: list[Contact],
    shadows: list[Eclipse],
    end_s: float,
    utc: Callable[[float], str],
) -> str:
    """One paragraph of what happened: requests by outcome, passes and bytes, eclipses, the figures an
    analyst looks at first."""
    parts = [f"{_duration(end_s)} simulated from {utc(0.0)} UTC"]
    if outcomes:
        counts = {k: sum(o.outcome == k for o in outcomes) for k in OUTCOME_COLOURS}
        parts.append(
            f"{len(outcomes)} imaging request(s): " + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        )
    if contact_rows:
        down = sum(c.bytes_down or 0 for c in contact_rows)
        delivered = sum(len(c.products) for c in contact_rows)
        parts.append(
            f"{len(contact_rows)} station pass(es), {down / 1e6:.2f} MB down, "
            f"{delivered} product(s) delivered"
        )
    parts.append(
        f"{len(shadows)} eclipse(s), {sum(e.end_s - e.start_s for e in shadows) / 60:.1f} min in shadow"
    )
    error = summary.get("attitude", {}).get("error_deg", {})
    if error.get("p99") is not None:
        parts.append(f"pointing error p99 {error['p99']:.3g}°")
    low = summary.get("power", {}).get("min_soc")
    if low is not None:
        parts.append(f"lowest battery charge {low * 100:.1f}%")
    return f'<p class="verdict">{html.escape("; ".join(parts))}.</p>'


def _eclipse_table(shadows: list[Eclipse], utc: Callable[[float], str]) -> str:
    """The eclipses: entry and exit of the Earth's shadow (any part of the sun's disk hidden: penumbra
    included), their length and the part in umbra."""
    if not shadows:
        return '<p id="eclipses">No eclipse during the run (the sun\'s disk was whole all along).</p>'
    rows = "\n".join(
        f"<tr><td>{utc(e.start_s)}{' (run start)' if e.start_cut else ''}</td>"
        f"<td>{utc(e.end_s)}{' (run end)' if e.end_cut else ''}</td>"
        f'<td class="value">{(e.end_s - e.start_s) / 60:.1f} min</td>'
        f'<td class="value">{e.umbra_s / 60:.1f} min</td></tr>'
        for e in shadows
    )
    return (
        '<table id="eclipses" class="eclipses">\n'
        "<caption>Eclipses (the simulator's shadow model, on the truth "
        "orbit: penumbra included)</caption>\n<tr><th>shadow entry (UTC)</th><th>shadow exit (UTC)</th>"
        f"<th>length</th><th>of which umbra</th></tr>\n{rows}\n</table>"
    )


def _outcome_table(outcomes: list[Outcome]) -> str:
    """Every request with its outcome and reason, in capture time order then by priority."""
    if not outcomes:
        return no_data("the run had no imaging requests")
    order = sorted(
        outcomes, key=lambda o: (o.capture_t_s is None, o.capture_t_s or 0.0, -o.priority, o.request_id)
    )
    rows = "\n".join(
        f'<tr><td>{html.escape(o.request_id)}</td><td class="value">{o.priority}</td>'
        f'<td class="value">{o.lat_deg:.3f}°</td><td class="value">{o.lon_deg:.3f}°</td>'
        f'<td><span class="outcome" style="background:{OUTCOME_COLOURS[o.outcome]}"></span>'
        f"{html.escape(o.outcome)}</td><td>{html.escape(o.reason)}</td></tr>"
        for o in order
    )
    return (
        '<table class="outcomes">\n'
        "<caption>Every request of the onboard book at the end of the run</caption>\n"
        '<tr><th scope="col">request</th><th scope="col">priority</th><th scope="col">latitude</th>'
        '<th scope="col">longitude</th><th scope="col">outcome</th><th scope="col">reason</th></tr>\n'
        f"{rows}\n</table>"
    )
