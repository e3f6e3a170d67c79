"""The report's plots against time (UTC), drawn as inline SVG: attitude error, wheel speeds, battery and
power, the ADCS mode, and the imaging and downlink timeline with the mass-memory backlog. Eclipses are
shaded grey and captures green wherever they help read a curve."""

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from zorka.outputs.report_contacts import Contact
from zorka.outputs.report_figure import PLOT_WIDTH_PX, envelope, no_data, peaks
from zorka.outputs.report_geometry import Eclipse
from zorka.outputs.report_housekeeping import Housekeeping
from zorka.outputs.report_outcomes import OUTCOME_COLOURS
from zorka.outputs.svg_axes import (
    Axes,
    data_range,
    log_range,
    log_ticks,
    stacked_boxes,
    ticks_for,
)
from zorka.outputs.svg_figure import CYCLE, TAB, Figure, text_width_px

RPM_PER_RAD_S = 60.0 / (2.0 * np.pi)
ECLIPSE_SHADE = ("#8c8c8c", 0.25)
CAPTURE_SHADE = (TAB["green"], 0.25)
WHEEL_STYLES = ("-", "--", "-.", ":")


@dataclass(frozen=True)
class CaptureMark:
    """One capture: its interval (s since the epoch), request and outcome (captured good or failed)."""

    request_id: str
    start_s: float
    end_s: float
    good: bool


@dataclass(frozen=True)
class StoredProductMark:
    """A product made on board: when it was stored (end of its capture), its size, and when the ground
    received it complete (None: never during the run)."""

    product_id: str
    stored_s: float
    size_bytes: int
    delivered_s: float | None


def _left_px(labels: list[str]) -> float:
    """A left margin that holds the longest of these tick labels beside the ticks, and at least the
    numeric labels' and axis label's 81 px."""
    return max(81.0, 16.0 + max((text_width_px(label) for label in labels), default=0.0))


def _time_axes(
    figure: Figure, boxes: list, end_s: float, y_ranges: list, y_log: tuple[bool, ...] = ()
) -> list[Axes]:
    """Axes over [0, end_s] s in each box, one y range each (`y_log`: which are log axes)."""
    return [
        Axes(figure, box, (0.0, end_s), y_range, i < len(y_log) and y_log[i])
        for i, (box, y_range) in enumerate(zip(boxes, y_ranges, strict=True))
    ]


def attitude_error(
    name: str,
    epoch_unix_s: float,
    errors: tuple[np.ndarray, np.ndarray, np.ndarray],
    threshold_deg: float,
    captures: list[CaptureMark],
    end_s: float,
    attitude: dict,
) -> str:
    """True pointing and rate error per control frame (the truth against the reference the ADCS
    tracked), each point the largest of its stretch so spikes stay visible, with the settle threshold
    and the capture windows; the alt text quotes the summary's p99 (`attitude`: its attitude section),
    which is over every frame, not over the points drawn."""
    t_s, err_deg, rate_deg_s = errors
    if len(t_s) == 0:
        return no_data("the run simulated no frame")
    p99_deg, from_s = attitude.get("error_deg", {}).get("p99"), attitude.get("stats_from_s", 0.0)
    p99 = "" if p99_deg is None else f"; pointing error p99 {p99_deg:.3g}° over every frame from {from_s:g} s"
    alt = (
        f"Pointing error (log scale) and rate error against UTC over the run, each point the largest "
        f"error of its stretch of frames, with the {threshold_deg:g}° requirement line and "
        f"{len(captures)} capture window(s) shaded{p99}."
    )
    figure = Figure(PLOT_WIDTH_PX, 450, name, alt)
    error_t, error = peaks(t_s, err_deg)
    rate_t, rate = peaks(t_s, rate_deg_s)
    top, bottom = _time_axes(
        figure, stacked_boxes(PLOT_WIDTH_PX, 450, (1, 1)), end_s,
        [log_range(error, include=(threshold_deg,)), log_range(rate)], (True, True),
    )  # fmt: skip
    windows = [(c.start_s, c.end_s) for c in captures]
    for axes, (t, y), label in (
        (top, (error_t, error), "pointing error"),
        (bottom, (rate_t, rate), "rate error"),
    ):
        axes.vspans(windows, *CAPTURE_SHADE, label="capture")
        axes.line(t, y, TAB["blue"], 1.1, label=label)
    top.hline(threshold_deg, TAB["red"], 1.2, "--", label=f"requirement {threshold_deg:g}°")
    top.frame(
        top.utc_axis(epoch_unix_s, labelled=False), log_ticks(*top.y_range), y_label="pointing error [deg]"
    )
    bottom.frame(bottom.utc_axis(epoch_unix_s), log_ticks(*bottom.y_range), y_label="rate error [deg/s]")
    top.legend("upper right")
    return figure.svg()


def wheel_speeds(
    name: str, epoch_unix_s: float, housekeeping: Housekeeping, speed_max_rad_s: float, end_s: float
) -> str:
    """Each wheel's speed in rpm from housekeeping (each curve the M4 envelope of its reports: every spike
    drawn), with the wheels' saturation speed."""
    names = [n for n in housekeeping.wheel_names if housekeeping.has(n)]
    if not names:
        return no_data("no wheel speeds in the downlinked housekeeping")
    t_s = housekeeping.series["t_s"]
    saturation_rpm = speed_max_rad_s * RPM_PER_RAD_S
    peak = max(np.nanmax(np.abs(housekeeping.series[n])) for n in names) * RPM_PER_RAD_S
    alt = (
        f"Speeds of {len(names)} reaction wheels in rpm against UTC, with the ±{saturation_rpm:.0f} rpm "
        f"saturation lines; the largest reported speed is {peak:.0f} rpm."
    )
    figure = Figure(PLOT_WIDTH_PX, 324, name, alt)
    (axes,) = _time_axes(
        figure,
        stacked_boxes(PLOT_WIDTH_PX, 324, (1,)),
        end_s,
        [(-1.1 * saturation_rpm, 1.1 * saturation_rpm)],
    )
    for i, wheel in enumerate(names):
        t, y = envelope(t_s, housekeeping.series[wheel] * RPM_PER_RAD_S)
        axes.line(t, y, CYCLE[i % len(CYCLE)], 1.3, WHEEL_STYLES[i % 4], label=f"wheel {i + 1}")
    axes.hline(saturation_rpm, TAB["red"], 1.2, "--", label=f"saturation ±{saturation_rpm:.0f} rpm")
    axes.hline(-saturation_rpm, TAB["red"], 1.2, "--")
    axes.frame(axes.utc_axis(epoch_unix_s), ticks_for(*axes.y_range), y_label="wheel speed [rpm]")
    axes.legend("upper left", columns=len(names) + 1)
    return figure.svg()


def power(
    name: str, epoch_unix_s: float, housekeeping: Housekeeping, eclipses: list[Eclipse], end_s: float
) -> str:
    """Battery state of charge, and solar, load and battery power from housekeeping (M4 envelopes),
    eclipses shaded."""
    if not housekeeping.has("eps_battery_soc"):
        return no_data("no power housekeeping in the downlinked telemetry")
    t_s = housekeeping.series["t_s"]
    windows = [(e.start_s, e.end_s) for e in eclipses]
    low = np.nanmin(housekeeping.series["eps_battery_soc"]) * 100.0
    alt = (
        f"Battery state of charge (lowest {low:.1f}%) and solar, load and battery power in watts against "
        f"UTC, with {len(eclipses)} eclipse(s) shaded."
    )
    figure = Figure(PLOT_WIDTH_PX, 450, name, alt)
    soc_t, soc = envelope(t_s, housekeeping.series["eps_battery_soc"] * 100.0)
    curves = [
        (label, colour, *envelope(t_s, housekeeping.series[key]))
        for key, label, colour in (
            ("eps_solar_power_w", "solar array", TAB["orange"]),
            ("eps_load_power_w", "load", TAB["blue"]),
            ("eps_battery_power_w", "battery (+ charging)", TAB["green"]),
        )
        if housekeeping.has(key)
    ]
    top, bottom = _time_axes(
        figure, stacked_boxes(PLOT_WIDTH_PX, 450, (1, 1)), end_s,
        [data_range(soc), data_range(*[y for *_, y in curves], include=(0.0,))],
    )  # fmt: skip
    for axes in (top, bottom):
        axes.vspans(windows, *ECLIPSE_SHADE, label="eclipse")
    top.line(soc_t, soc, TAB["green"], 1.4, label="battery charge")
    for label, colour, t, y in curves:
        bottom.line(t, y, colour, 1.3, label=label)
    bottom.hline(0.0, "#000", 0.6)
    top.frame(
        top.utc_axis(epoch_unix_s, labelled=False),
        ticks_for(*top.y_range, most=6),
        y_label="state of charge [%]",
    )
    bottom.frame(bottom.utc_axis(epoch_unix_s), ticks_for(*bottom.y_range, most=6), y_label="power [W]")
    top.legend("upper right", columns=4)
    bottom.legend("upper right", columns=4)
    return figure.svg()


def imaging_and_downlink(
    name: str,
    epoch_unix_s: float,
    end_s: float,
    eclipses: list[Eclipse],
    contacts: list[Contact],
    captures: list[CaptureMark],
    products: list[StoredProductMark],
) -> str:
    """Lanes of eclipses, station passes (per station), captures (by outcome) and product deliveries,
    over the mass-memory backlog: bytes of products stored on board and not yet received on the ground."""
    if not (contacts or captures or products):
        return no_data("the run had no station pass, no capture and no product")
    stations = sorted({c.station for c in contacts})
    lanes = ["eclipse", *[f"pass {s}" for s in stations], "captures", "deliveries"]
    row = {lane: len(lanes) - 1 - i for i, lane in enumerate(lanes)}
    delivered = [p for p in products if p.delivered_s is not None]
    steps = sorted(
        [(p.stored_s, p.size_bytes) for p in products] + [(p.delivered_s, -p.size_bytes) for p in delivered]
    )
    t_backlog = np.array([0.0, *[t for t, _ in steps], end_s])
    backlog = np.cumsum([0, *[b for _, b in steps]]) / 1e6
    alt = (
        f"Imaging and downlink timeline in UTC: {len(eclipses)} eclipse(s), "
        f"{sum(not c.lost for c in contacts)} station pass(es), {sum(c.good for c in captures)} good and "
        f"{sum(not c.good for c in captures)} failed capture(s), {len(delivered)} product(s) delivered; "
        "below, "
        f"the mass-memory backlog of products not yet on the ground (peak {backlog.max():.2f} MB, "
        f"{backlog[-1]:.2f} MB at the end)."
    )
    height = 234 + 31.5 * len(lanes)
    figure = Figure(PLOT_WIDTH_PX, height, name, alt)
    boxes = stacked_boxes(PLOT_WIDTH_PX, height, (len(lanes) * 0.6, 1.6), left_px=_left_px(lanes))
    top, bottom = _time_axes(
        figure, boxes, end_s, [(-0.7, len(lanes) - 0.3), (0.0, 1.05 * max(backlog.max(), 1e-3))]
    )

    def utc(t_s: float) -> str:
        return datetime.fromtimestamp(epoch_unix_s + t_s, UTC).strftime("%H:%M:%S")

    top.bars(row["eclipse"], [(e.start_s, e.end_s) for e in eclipses], 0.35, "#737373",
             [f"eclipse {utc(e.start_s)}–{utc(e.end_s)} UTC" for e in eclipses])  # fmt: skip
    for s in stations:
        for lost, colour in ((False, TAB["purple"]), (True, "#cccccc")):
            passes = [c for c in contacts if c.station == s and c.lost is lost]
            tips = [
                f"{s} pass {utc(c.aos_s)}–{utc(c.los_s)} UTC, max elevation {c.max_elevation_deg:.1f}°"
                + (", lost to an outage" if lost else "")
                for c in passes
            ]
            top.bars(row[f"pass {s}"], [(c.aos_s, c.los_s) for c in passes], 0.35, colour, tips)
    for good, colour in ((True, OUTCOME_COLOURS["captured"]), (False, OUTCOME_COLOURS["failed"])):
        marks = [c for c in captures if c.good is good]
        top.bars(row["captures"], [(c.start_s, max(c.end_s, c.start_s + 1.0)) for c in marks], 0.35, colour)
        if marks:
            tips = [
                f"{c.request_id} {'good' if good else 'failed'}, {utc(c.start_s)}–{utc(c.end_s)} UTC"
                for c in marks
            ]
            lane = [row["captures"]] * len(marks)
            top.markers("|", [c.start_s for c in marks], lane, colour, 16.0, width_px=2.5,
                        label=f"capture {'good' if good else 'failed'}", titles=tips)  # fmt: skip
    if delivered:
        lane = [row["deliveries"]] * len(delivered)
        tips = [
            f"{p.product_id} on the ground at {utc(p.delivered_s)} UTC ({p.size_bytes:,} bytes)"
            for p in delivered
        ]
        top.markers("v", [p.delivered_s for p in delivered], lane, TAB["blue"],
                    9.0, label="product on the ground", titles=tips)  # fmt: skip
    starts = sorted(c.start_s for c in captures)
    if len(captures) <= 20 and (len(starts) < 2 or np.diff(starts).min() > 0.015 * end_s):
        for c in captures:
            top.annotate(c.start_s, row["captures"] + 0.3, c.request_id, rotate_deg=30.0)
    bottom.step(t_backlog, np.r_[backlog, backlog[-1]], TAB["brown"], 1.5, fill_opacity=0.2)
    top.frame(
        top.utc_axis(epoch_unix_s, labelled=False), [(float(v), lane) for lane, v in row.items()], grid="x"
    )
    bottom.frame(bottom.utc_axis(epoch_unix_s), ticks_for(*bottom.y_range, most=4), y_label="backlog [MB]")
    if captures or delivered:
        top.legend("upper right", columns=3)
    return figure.svg()


def adcs_modes(name: str, epoch_unix_s: float, housekeeping: Housekeeping, end_s: float) -> str:
    """The ADCS mode from housekeeping as a step plot, the modes named by the dictionary."""
    t_s, mode = housekeeping.series["t_s"], housekeeping.series["adcs_mode"]
    known = ~np.isnan(mode)
    if not known.any():
        return no_data("no ADCS mode in the downlinked telemetry")
    t_s, mode = t_s[known], mode[known]
    changes = np.flatnonzero(np.diff(mode)) + 1
    keep = np.unique(np.concatenate([[0], changes - 1, changes, [len(mode) - 1]]))
    codes = sorted(set(housekeeping.mode_names) | {int(m) for m in np.unique(mode)})
    labels = [housekeeping.mode_names.get(c, str(c)) for c in codes]
    names = [housekeeping.mode_names.get(int(m), str(int(m))) for m in mode[np.r_[0, changes]]]
    alt = f"ADCS mode against UTC: {' → '.join(names[:12])}{' …' if len(names) > 12 else ''}."
    height = 216.0
    figure = Figure(PLOT_WIDTH_PX, height, name, alt)
    box = stacked_boxes(PLOT_WIDTH_PX, height, (1,), left_px=_left_px(labels))
    (axes,) = _time_axes(figure, box, end_s, [(min(codes) - 0.4, max(codes) + 0.4)])
    axes.step(t_s[keep], mode[keep], TAB["blue"], 1.8)
    axes.frame(
        axes.utc_axis(epoch_unix_s), [(float(c), label) for c, label in zip(codes, labels, strict=True)]
    )
    return figure.svg()
