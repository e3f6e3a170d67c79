"""report.html of a run folder: one self-contained page a person reads after a run.

The figures of the summary as a table, then plots inlined as base64 PNG (no file or network beside the
page): the ground track of the truth orbit, the true pointing and rate errors, and from the telemetry
archive (the ground's view) the wheel speeds, the battery state of charge, the ADCS mode, the imaging
timeline; last the thumbnails of the image products on the ground. A plot whose data the run does not
have (no housekeeping, no imaging, an interrupted run) says so instead. matplotlib is imported here
only, so the rest of `zorka` does not pay for it.
"""

import base64
import html
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from native import ffi, lib, ptr
from native.time_scales import SECONDS_PER_DAY, unix_s_from_julian_date
from zorka.run.mission import Mission

REPORT_NAME = "report.html"
MAX_POINTS = 2000  # per plotted series: a 24 h run has 864,000 frames
MAX_THUMBNAILS = 48


def wheel_parameters(n_wheels: int) -> tuple[str, ...]:
    """The housekeeping names of the speeds of a spacecraft's `n_wheels` wheels."""
    return tuple(f"wheel{i}_speed_rad_s" for i in range(n_wheels))


CAPTURE_EVENTS = {"capture_done": "tab:green", "capture_failed": "tab:red"}
STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; border-bottom: 1px solid #ddd; }
td.value { text-align: right; font-family: monospace; }
figure { display: inline-block; margin: 4px; font-size: 80%; }
figure img { width: 160px; image-rendering: pixelated; }
nav a { margin-right: 1em; }
"""


class _Housekeeping:
    """The housekeeping series the report plots, from the archive's records: t_s since the epoch."""

    def __init__(
        self,
        records: Iterable[dict[str, Any]],
        epoch_unix_s: float,
        dictionary: dict[str, Any],
        wheel_names: tuple[str, ...],
    ):
        self.wheel_names = wheel_names
        rows: dict[str, list[float]] = {name: [] for name in ("t_s", *wheel_names, "soc", "mode")}
        self.events: list[tuple[float, str, str]] = []  # t_s, event name, request id
        for record in records:
            if record["kind"] == "event" and record.get("name") in CAPTURE_EVENTS:
                request_id = str(record.get("text", "")).removeprefix("request ").split(":")[0]
                self.events.append((record["time_unix_s"] - epoch_unix_s, record["name"], request_id))
            if record["kind"] != "housekeeping":
                continue
            values = record.get("values", {})
            rows["t_s"].append(record["time_unix_s"] - epoch_unix_s)
            for name in wheel_names:
                rows[name].append(values.get(name, np.nan))
            rows["soc"].append(values.get("eps_battery_soc", np.nan))
            rows["mode"].append(values.get("adcs_mode", np.nan))
        self.series = {name: np.asarray(column, dtype=float) for name, column in rows.items()}
        mode_parameter = next((p for p in dictionary["parameters"] if p["name"] == "adcs_mode"), {})
        self.mode_names = {code: name for name, code in (mode_parameter.get("values") or {}).items()}


def write_report(
    mission: Mission,
    summary: dict,
    out_dir: Path,
    records: Iterable[dict[str, Any]],
    dictionary: dict[str, Any],
) -> Path:
    """Write report.html into `out_dir` from the mission, its summary and the telemetry archive's
    `records`; its path."""
    from matplotlib.figure import Figure  # the Agg canvas, without pyplot's global state

    epoch_unix_s = unix_s_from_julian_date(mission.epoch_jd_utc)
    wheel_names = wheel_parameters(mission.scenario.spacecraft.wheels.n)
    housekeeping = _Housekeeping(records, epoch_unix_s, dictionary, wheel_names)
    duration_s = max(float(summary.get("sim_s", 0.0)), 1.0)
    hours = duration_s > 3 * 3600.0
    scale, time_label = (
        (1 / 3600.0, "time since epoch [h]") if hours else (1 / 60.0, "time since epoch [min]")
    )
    wheels = housekeeping.series
    sections = [
        ("summary", "Summary", _summary_table(summary)),
        ("ground-track", "Ground track", _ground_track(Figure, mission)),
        (
            "attitude-error",
            "Pointing and rate error (truth against the ADCS reference)",
            _attitude_errors(Figure, mission, scale, time_label),
        ),
        (
            "wheel-speeds",
            "Wheel speeds (housekeeping)",
            _lines(Figure, wheels["t_s"] * scale, {n: wheels[n] for n in wheel_names}, time_label, "rad/s"),
        ),
        (
            "battery",
            "Battery state of charge (housekeeping)",
            _lines(Figure, wheels["t_s"] * scale, {"eps_battery_soc": wheels["soc"]}, time_label, "fraction"),
        ),
        ("adcs-mode", "ADCS mode (housekeeping)", _modes(Figure, housekeeping, scale, time_label)),
        ("imaging", "Imaging timeline", _imaging(Figure, mission, housekeeping, scale, time_label)),
        ("thumbnails", "Image products", _thumbnails(out_dir / "products")),
    ]
    if "serial" in summary:
        sections.insert(1, ("serial-links", "Serial links (boards in the loop)", _serial_links(summary)))
    nav = " ".join(f'<a href="#{key}">{html.escape(title)}</a>' for key, title, _ in sections)
    body = "\n".join(
        f'<section id="{key}">\n<h2>{html.escape(title)}</h2>\n{content}\n</section>'
        for key, title, content in sections
    )
    title = f"Zorka run, seed {summary.get('seed')}, {duration_s:.0f} s simulated"
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n<nav>{nav}</nav>\n{body}\n"
        "</body>\n</html>\n"
    )
    path = out_dir / REPORT_NAME
    path.write_text(page, encoding="utf-8")
    return path


def _summary_table(summary: dict) -> str:
    rows = "\n".join(
        f'<tr><th>{html.escape(key)}</th><td class="value">{html.escape(value)}</td></tr>'
        for key, value in _flatten(summary, "")
    )
    return f"<table>\n{rows}\n</table>"


SERIAL_COLUMNS = (
    ("requests", "requests"),
    ("replies", "replies"),
    ("retries", "retries"),
    ("timeouts", "timeouts"),
    ("bad_frames", "bad frames"),
    ("reconnects", "reconnects"),
    ("rtt_p50_ms", "RTT p50 [ms]"),
    ("rtt_p99_ms", "RTT p99 [ms]"),
    ("rtt_max_ms", "RTT max [ms]"),
)
"""The serial-links table's columns: summary.json's `serial` figures, the same per port and per device."""


def _serial_links(summary: dict) -> str:
    """One row per port, then one per device on it: what crossed the link and what went wrong; RTT is
    from a request's first transmission to its reply, retries included; a board declared failed is named."""
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in SERIAL_COLUMNS)
    rows = []
    for port, figures in summary["serial"].items():
        for name, row in (
            (port, figures),
            *((f"· {dev}", f) for dev, f in figures.get("devices", {}).items()),
        ):
            cells = "".join(
                f'<td class="value">{html.escape("–" if row.get(key) is None else str(row[key]))}</td>'
                for key, _ in SERIAL_COLUMNS
            )
            rows.append(f"<tr><th>{html.escape(name)}</th>{cells}</tr>")
    first = next(iter(summary["serial"].values()), {})
    note = (
        f"<p>{html.escape(str(first.get('mode', '')))}: a request waits up to "
        f"{first.get('request_timeout_s')} s. RTT: from a request's first transmission to its reply, "
        "retries included. Bad frames by reason, watchdog trips and reconfigurations are in the summary "
        "above.</p>"
    )
    for figures in summary["serial"].values():
        if figures.get("failure"):
            note += f"<p><strong>{html.escape(figures['failure'])}</strong></p>"
    return f"{note}<table>\n<tr><th>port / device</th>{head}</tr>\n" + "\n".join(rows) + "\n</table>"


def _flatten(tree: Any, prefix: str) -> list[tuple[str, str]]:
    """Dotted keys to the leaves of nested dicts (as summary.json's keys are named); lists as JSON."""
    if not isinstance(tree, dict):
        return [(prefix, tree if isinstance(tree, str) else json.dumps(tree))]
    return [
        row for key, value in tree.items() for row in _flatten(value, f"{prefix}.{key}" if prefix else key)
    ]


def _no_data(why: str) -> str:
    return f"<p><em>{html.escape(why)}</em></p>"


def _png(figure: Any) -> str:
    """The figure as an inline <img>."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _stride(n: int) -> int:
    return max(1, -(-n // MAX_POINTS))


def _ground_track(Figure: type, mission: Mission) -> str:
    """Geodetic latitude and longitude under the truth orbit (ECEF = R_z(GMST) · TEME, as the
    simulator turns them), with the imaging targets and ground stations."""
    rows = mission.truth()
    if len(rows) < 2:
        return _no_data("the run recorded no orbit")
    rows = rows[:: _stride(len(rows))]
    jd_epoch = mission.epoch_jd_utc
    r_eci = np.ascontiguousarray(rows[:, 1:4])
    r_ecef = np.zeros(3)
    geodetic = np.zeros((len(rows), 3))
    for i, t_s in enumerate(rows[:, 0]):
        lib.zk_eci_to_ecef(
            lib.zk_gmst(jd_epoch + t_s / SECONDS_PER_DAY), ptr(r_eci[i]), ffi.NULL, ptr(r_ecef), ffi.NULL
        )
        lib.zk_ecef_to_geodetic(ptr(r_ecef), ptr(geodetic[i]))
    lat_deg, lon_deg = np.degrees(geodetic[:, 0]), np.degrees(geodetic[:, 1])
    lon_deg = (lon_deg + 180.0) % 360.0 - 180.0
    wraps = np.flatnonzero(np.abs(np.diff(lon_deg)) > 180.0) + 1
    figure = Figure(figsize=(10, 5), layout="constrained")
    axes = figure.add_subplot()
    axes.plot(
        np.insert(lon_deg, wraps, np.nan), np.insert(lat_deg, wraps, np.nan), lw=1, label="ground track"
    )
    axes.plot(lon_deg[:1], lat_deg[:1], "k>", label="start")
    requests = mission.scenario.requests
    if requests:
        lon = np.degrees([r.lon_rad for r in requests])
        axes.plot(
            (lon + 180.0) % 360.0 - 180.0, np.degrees([r.lat_rad for r in requests]), "r+", label="targets"
        )
    stations = mission.scenario.ground_stations
    if stations:
        axes.plot([s.lon_deg for s in stations], [s.lat_deg for s in stations], "g^", label="stations")
    axes.set(xlim=(-180, 180), ylim=(-90, 90), xlabel="longitude [deg]", ylabel="geodetic latitude [deg]")
    axes.set_xticks(range(-180, 181, 30))
    axes.set_yticks(range(-90, 91, 30))
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left", fontsize="small")
    return _png(figure)


def _attitude_errors(Figure: type, mission: Mission, scale: float, time_label: str) -> str:
    """The summary's pointing and rate errors per frame (the truth against the reference the ADCS
    tracked), each point the largest of its stretch so spikes stay visible; frames without a control
    step are gaps."""
    t_s, err_deg, rate_err_deg_s = mission.attitude_errors()
    if len(t_s) == 0:
        return _no_data("the run simulated no frame")
    step = _stride(len(t_s))
    cut = len(t_s) // step * step
    figure = Figure(figsize=(10, 5), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    for axes, values, label in (
        (top, err_deg, "pointing error [deg]"),
        (bottom, rate_err_deg_s, "rate error [deg/s]"),
    ):
        if cut:
            axes.semilogy(
                t_s[step - 1 : cut : step] * scale, values[:cut].reshape(-1, step).max(axis=1), lw=1
            )
        axes.semilogy(t_s[cut:] * scale, values[cut:], lw=1, color="tab:blue")
        axes.set_ylabel(label)
        axes.grid(alpha=0.3, which="both")
    bottom.set_xlabel(time_label)
    return _png(figure)


def _lines(Figure: type, t: np.ndarray, series: dict[str, np.ndarray], time_label: str, unit: str) -> str:
    """Housekeeping series against time, or why there are none."""
    plotted = {name: y for name, y in series.items() if len(y) and not np.all(np.isnan(y))}
    if not plotted:
        return _no_data("no such housekeeping in the downlinked telemetry")
    step = _stride(len(t))
    figure = Figure(figsize=(10, 3.2), layout="constrained")
    axes = figure.add_subplot()
    for name, y in plotted.items():
        axes.plot(t[::step], y[::step], lw=1, label=name)
    axes.set(xlabel=time_label, ylabel=unit)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    return _png(figure)


def _modes(Figure: type, housekeeping: _Housekeeping, scale: float, time_label: str) -> str:
    """The ADCS mode as a step plot, the modes named by the dictionary."""
    t_s, mode = housekeeping.series["t_s"], housekeeping.series["mode"]
    known = ~np.isnan(mode)
    if not known.any():
        return _no_data("no ADCS mode in the downlinked telemetry")
    t_s, mode = t_s[known], mode[known]
    changes = np.flatnonzero(np.diff(mode)) + 1
    keep = np.unique(np.concatenate([[0], changes - 1, changes, [len(mode) - 1]]))
    codes = sorted(set(housekeeping.mode_names) | {int(m) for m in np.unique(mode)})
    figure = Figure(figsize=(10, 2.5), layout="constrained")
    axes = figure.add_subplot()
    axes.step(t_s[keep] * scale, mode[keep], where="post", lw=1.5)
    axes.set_yticks(codes, [housekeeping.mode_names.get(c, str(c)) for c in codes])
    axes.set_xlabel(time_label)
    axes.grid(alpha=0.3)
    return _png(figure)


def _imaging(
    Figure: type, mission: Mission, housekeeping: _Housekeeping, scale: float, time_label: str
) -> str:
    """Capture outcomes (events in the telemetry) per request against time, over the ground passes."""
    if not mission.scenario.requests:
        return _no_data("the run had no imaging requests")
    if not housekeeping.events:
        return _no_data("no capture events in the downlinked telemetry")
    request_ids = sorted({request_id for _, _, request_id in housekeeping.events})
    row = {request_id: i for i, request_id in enumerate(request_ids)}
    figure = Figure(figsize=(10, max(2.5, 0.22 * len(request_ids) + 1.0)), layout="constrained")
    axes = figure.add_subplot()
    end_s = float(mission.sim_s)
    for index, p in enumerate(q for q in mission.passes if q.aos_s < end_s):
        label = "ground pass" if index == 0 else None
        axes.axvspan(p.aos_s * scale, min(p.los_s, end_s) * scale, color="tab:blue", alpha=0.12, label=label)
    for name, color in CAPTURE_EVENTS.items():
        hits = [(t_s, row[request_id]) for t_s, event, request_id in housekeeping.events if event == name]
        if hits:
            t_s, y = zip(*hits, strict=True)
            axes.plot(np.asarray(t_s) * scale, y, "o", color=color, label=name)
    axes.set_yticks(range(len(request_ids)), request_ids, fontsize="small")
    axes.set(xlabel=time_label, xlim=(0.0, end_s * scale))
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize="small")
    return _png(figure)


def _thumbnails(products: Path) -> str:
    """Each PNG product on the ground, inline, captioned from its metadata json."""
    images = sorted(products.glob("*.png")) if products.is_dir() else []
    if not images:
        return _no_data("no image product reached the ground")
    figures = [_thumbnail(path) for path in images[:MAX_THUMBNAILS]]
    more = len(images) - MAX_THUMBNAILS
    if more > 0:
        figures.append(_no_data(f"and {more} more in products/"))
    return "\n".join(figures)


def _thumbnail(path: Path) -> str:
    caption = html.escape(path.stem)
    metadata_path = path.with_suffix(".json")
    if metadata_path.exists():
        try:
            metadata = json.loads(metadata_path.read_text()).get("metadata", {})
        except (ValueError, AttributeError):
            metadata = {}
        if "t_start_s" in metadata:
            caption += f"<br>t = {metadata['t_start_s']:.0f} s"
        if "gsd_cross_m" in metadata:
            caption += f", GSD {metadata['gsd_cross_m']:.2f} m"
        if "quality_ok" in metadata:
            caption += ", quality ok" if metadata["quality_ok"] else ", quality NOT ok"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )
