"""The report's plots against time (UTC): attitude error, wheel speeds, battery and power, and the
imaging and downlink timeline with the mass-memory backlog. Eclipses are shaded grey and captures
green wherever they help read a curve."""

from dataclasses import dataclass

import numpy as np

from zorka.outputs.report_contacts import Contact
from zorka.outputs.report_figure import UtcAxis, envelope, fixed_margins, label_margin_in, no_data, peaks, png
from zorka.outputs.report_geometry import Eclipse
from zorka.outputs.report_housekeeping import Housekeeping
from zorka.outputs.report_outcomes import OUTCOME_COLOURS

RPM_PER_RAD_S = 60.0 / (2.0 * np.pi)
ECLIPSE_SHADE = {"color": "0.55", "alpha": 0.25, "lw": 0}
CAPTURE_SHADE = {"color": "tab:green", "alpha": 0.25, "lw": 0}
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


def _shade(axes, axis: UtcAxis, windows: list[tuple[float, float]], style: dict, label: str | None) -> None:
    for i, (start_s, end_s) in enumerate(windows):
        axes.axvspan(axis.x(start_s), axis.x(end_s), **style, label=label if i == 0 else None)


def attitude_error(
    Figure: type,
    axis: UtcAxis,
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
    from matplotlib.ticker import NullLocator

    t_s, err_deg, rate_deg_s = errors
    if len(t_s) == 0:
        return no_data("the run simulated no frame")
    figure = Figure(figsize=(11, 5))
    fixed_margins(figure)
    top, bottom = figure.subplots(2, 1, sharex=True)
    for axes, values, label in (
        (top, err_deg, "pointing error [deg]"),
        (bottom, rate_deg_s, "rate error [deg/s]"),
    ):
        t, y = peaks(t_s, values)
        axes.semilogy(axis.x(t), y, lw=0.9, color="tab:blue", label=label.split(" [")[0])
        _shade(axes, axis, [(c.start_s, c.end_s) for c in captures], CAPTURE_SHADE, "capture")
        axes.set_ylabel(label)
        axes.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost more than the curve
        axes.grid(alpha=0.3)
        axes.set_xlim(axis.x(0.0), axis.x(end_s))
    top.axhline(threshold_deg, color="tab:red", ls="--", lw=1, label=f"requirement {threshold_deg:g}°")
    top.legend(loc="upper right", fontsize="small")
    axis.label(bottom)
    p99_deg, from_s = attitude.get("error_deg", {}).get("p99"), attitude.get("stats_from_s", 0.0)
    p99 = "" if p99_deg is None else f"; pointing error p99 {p99_deg:.3g}° over every frame from {from_s:g} s"
    alt = (
        f"Pointing error (log scale) and rate error against UTC over the run, each point the largest "
        f"error of its stretch of frames, with the {threshold_deg:g}° requirement line and "
        f"{len(captures)} capture window(s) shaded{p99}."
    )
    return png(figure, alt)


def wheel_speeds(
    Figure: type, axis: UtcAxis, housekeeping: Housekeeping, speed_max_rad_s: float, end_s: float
) -> str:
    """Each wheel's speed in rpm from housekeeping (each curve the M4 envelope of its reports: every spike
    drawn), with the wheels' saturation speed."""
    names = [n for n in housekeeping.wheel_names if housekeeping.has(n)]
    if not names:
        return no_data("no wheel speeds in the downlinked housekeeping")
    t_s = housekeeping.series["t_s"]
    saturation_rpm = speed_max_rad_s * RPM_PER_RAD_S
    figure = Figure(figsize=(11, 3.6))
    fixed_margins(figure)
    axes = figure.add_subplot()
    for i, name in enumerate(names):
        t, y = envelope(t_s, housekeeping.series[name] * RPM_PER_RAD_S)
        axes.plot(axis.x(t), y, lw=1.1, ls=WHEEL_STYLES[i % 4], label=f"wheel {i + 1}")
    for sign in (1, -1):
        axes.axhline(sign * saturation_rpm, color="tab:red", ls="--", lw=1,
                     label=f"saturation ±{saturation_rpm:.0f} rpm" if sign > 0 else None)  # fmt: skip
    axes.set(ylabel="wheel speed [rpm]", xlim=(axis.x(0.0), axis.x(end_s)))
    axes.set_ylim(-1.1 * saturation_rpm, 1.1 * saturation_rpm)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize="small", ncol=len(names) + 1)
    axis.label(axes)
    peak = max(np.nanmax(np.abs(housekeeping.series[n])) for n in names) * RPM_PER_RAD_S
    alt = (
        f"Speeds of {len(names)} reaction wheels in rpm against UTC, with the ±{saturation_rpm:.0f} rpm "
        f"saturation lines; the largest reported speed is {peak:.0f} rpm."
    )
    return png(figure, alt)


def power(
    Figure: type, axis: UtcAxis, housekeeping: Housekeeping, eclipses: list[Eclipse], end_s: float
) -> str:
    """Battery state of charge, and solar, load and battery power from housekeeping (M4 envelopes),
    eclipses shaded."""
    if not housekeeping.has("eps_battery_soc"):
        return no_data("no power housekeeping in the downlinked telemetry")
    t_s = housekeeping.series["t_s"]
    windows = [(e.start_s, e.end_s) for e in eclipses]
    figure = Figure(figsize=(11, 5))
    fixed_margins(figure)
    top, bottom = figure.subplots(2, 1, sharex=True)
    t, soc = envelope(t_s, housekeeping.series["eps_battery_soc"] * 100.0)
    top.plot(axis.x(t), soc, color="tab:green", lw=1.2, label="battery charge")
    top.set_ylabel("state of charge [%]")
    for name, label, colour in (
        ("eps_solar_power_w", "solar array", "tab:orange"),
        ("eps_load_power_w", "load", "tab:blue"),
        ("eps_battery_power_w", "battery (+ charging)", "tab:green"),
    ):
        if housekeeping.has(name):
            t, y = envelope(t_s, housekeeping.series[name])
            bottom.plot(axis.x(t), y, lw=1.1, color=colour, label=label)
    bottom.axhline(0.0, color="k", lw=0.5)
    bottom.set_ylabel("power [W]")
    for axes in (top, bottom):
        _shade(axes, axis, windows, ECLIPSE_SHADE, "eclipse")
        axes.grid(alpha=0.3)
        axes.set_xlim(axis.x(0.0), axis.x(end_s))
        axes.legend(loc="upper right", fontsize="small", ncol=4)
    axis.label(bottom)
    low = np.nanmin(housekeeping.series["eps_battery_soc"]) * 100.0
    alt = (
        f"Battery state of charge (lowest {low:.1f}%) and solar, load and battery power in watts against "
        f"UTC, with {len(eclipses)} eclipse(s) shaded."
    )
    return png(figure, alt)


def imaging_and_downlink(
    Figure: type,
    axis: UtcAxis,
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
    row = {name: len(lanes) - 1 - i for i, name in enumerate(lanes)}
    figure = Figure(figsize=(11, 2.6 + 0.35 * len(lanes)))
    fixed_margins(figure, left_in=label_margin_in(lanes))
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(len(lanes) * 0.6, 1.6))
    x = axis.x

    def bars(lane: str, windows: list[tuple[float, float]], colour: str) -> None:
        spans = [(x(a), x(b) - x(a)) for a, b in windows]
        if spans:
            top.broken_barh(spans, (row[lane] - 0.35, 0.7), color=colour)

    bars("eclipse", [(e.start_s, e.end_s) for e in eclipses], "0.45")
    for s in stations:
        bars(
            f"pass {s}", [(c.aos_s, c.los_s) for c in contacts if c.station == s and not c.lost], "tab:purple"
        )
        bars(f"pass {s}", [(c.aos_s, c.los_s) for c in contacts if c.station == s and c.lost], "0.8")
    for good, colour in ((True, OUTCOME_COLOURS["captured"]), (False, OUTCOME_COLOURS["failed"])):
        bars(
            "captures",
            [(c.start_s, max(c.end_s, c.start_s + 1.0)) for c in captures if c.good is good],
            colour,
        )
        marks = [c for c in captures if c.good is good]
        if marks:
            top.plot(x([c.start_s for c in marks]), [row["captures"]] * len(marks), "|", color=colour, ms=14,
                     mew=2, label="capture good" if good else "capture failed")  # fmt: skip
    delivered = [p for p in products if p.delivered_s is not None]
    if delivered:
        top.plot(x([p.delivered_s for p in delivered]), [row["deliveries"]] * len(delivered), "v",
                 color="tab:blue", ms=7, label="product on the ground")  # fmt: skip
    starts = sorted(c.start_s for c in captures)
    if len(captures) <= 20 and (len(starts) < 2 or np.diff(starts).min() > 0.015 * end_s):
        for c in captures:
            top.annotate(c.request_id, (x(c.start_s), row["captures"] + 0.3), fontsize=7, rotation=30)
    top.set_yticks(list(row.values()), list(row))
    top.set_ylim(-0.7, len(lanes) - 0.3)
    top.grid(alpha=0.3, axis="x")
    if captures or delivered:
        top.legend(loc="upper right", fontsize="small", ncol=3)
    steps = sorted(
        [(p.stored_s, p.size_bytes) for p in products] + [(p.delivered_s, -p.size_bytes) for p in delivered]
    )
    t_backlog = np.array([0.0, *[t for t, _ in steps], end_s])
    backlog = np.cumsum([0, *[b for _, b in steps]]) / 1e6
    bottom.step(x(t_backlog), np.r_[backlog, backlog[-1]], where="post", color="tab:brown", lw=1.3)
    bottom.fill_between(x(t_backlog), np.r_[backlog, backlog[-1]], step="post", color="tab:brown", alpha=0.2)
    bottom.set_ylabel("backlog [MB]")
    bottom.grid(alpha=0.3)
    bottom.set_xlim(x(0.0), x(end_s))
    axis.label(bottom)
    alt = (
        f"Imaging and downlink timeline in UTC: {len(eclipses)} eclipse(s), "
        f"{sum(not c.lost for c in contacts)} station pass(es), {sum(c.good for c in captures)} good and "
        f"{sum(not c.good for c in captures)} failed capture(s), {len(delivered)} product(s) delivered; "
        "below, "
        f"the mass-memory backlog of products not yet on the ground (peak {backlog.max():.2f} MB, "
        f"{backlog[-1]:.2f} MB at the end)."
    )
    return png(figure, alt)


def adcs_modes(Figure: type, axis: UtcAxis, housekeeping: Housekeeping, end_s: float) -> str:
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
    figure = Figure(figsize=(11, 2.4))
    fixed_margins(figure, left_in=label_margin_in(labels))
    axes = figure.add_subplot()
    axes.step(axis.x(t_s[keep]), mode[keep], where="post", lw=1.5)
    axes.set_yticks(codes, labels)
    axes.set_ylim(min(codes) - 0.4, max(codes) + 0.4)  # the end labels inside the figure
    axes.set_xlim(axis.x(0.0), axis.x(end_s))
    axes.grid(alpha=0.3)
    axis.label(axes)
    names = [housekeeping.mode_names.get(int(m), str(int(m))) for m in mode[np.r_[0, changes]]]
    alt = f"ADCS mode against UTC: {' → '.join(names[:12])}{' …' if len(names) > 12 else ''}."
    return png(figure, alt)
