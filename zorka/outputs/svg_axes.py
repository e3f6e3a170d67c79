"""Axes on an SVG figure: data to pixels (linear or log), ticks at nice numbers, UTC time ticks, grid,
labels and a legend.

Ticks are the closed forms plotting libraries use: a linear axis steps by the smallest 1, 2 or 5 × 10^k
whose multiples on it number at most `most` (Heckbert, "Nice numbers for graph labels", Graphics Gems 1990);
a log axis ticks its decades (and 2 and 5 × each when it spans less than two); a UTC axis steps by the
smallest of a ladder of calendar-friendly steps (1, 2, 5, 10, 15, 30 s or min, 1, 2, 3, 6, 12 h, days),
aligned on UTC midnight, labelled like matplotlib's concise date formatter (times of day, the date at
midnight, the date of the first tick under the axis).
"""

import math
from datetime import UTC, datetime

import numpy as np

from zorka.outputs.svg_figure import (
    FONT_PX,
    SMALL_PX,
    Figure,
    escape,
    marker_paint,
    marker_path,
    markers_element,
    num,
    path_data,
    polyline,
    stroke,
    text_width_px,
)

NICE_MANTISSAS = (1.0, 2.0, 5.0)
UTC_STEPS_S = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
    86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400,
)  # fmt: skip
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
GRID = "#b0b0b0"
MINUS = "−"


def multiples_inside(low: float, high: float, step: float) -> tuple[int, int]:
    """The first and last k with k × step in [low, high] (a relative 1e-9 of slack for rounding)."""
    return math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)


def linear_ticks(low: float, high: float, most: int = 8) -> tuple[np.ndarray, float]:
    """The multiples inside [low, high] of the smallest 1, 2 or 5 × 10^k that has at most `most` of them
    there, and that step."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        raise ValueError(f"axis range [{low}, {high}]: give finite low < high")
    power = 10.0 ** math.floor(math.log10((high - low) / max(most, 1)))  # no smaller step can fit
    while True:
        for mantissa in NICE_MANTISSAS:
            step = mantissa * power
            first, last = multiples_inside(low, high, step)
            if last - first + 1 <= most:
                return np.arange(first, last + 1) * step, step
        power *= 10.0


def tick_label(value: float, step: float) -> str:
    """`value` with as many decimals as `step` needs, a true minus sign, and no '-0'."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    text = f"{value:.{decimals}f}"
    if float(text) == 0.0:
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """(value, label) of ticks on a log axis over [low, high] (> 0): every decade as 10ⁿ; when that gives
    fewer than three ticks, 2 and 5 × each decade too, as decimals; when even that gives fewer than two
    (a range inside 2-5 or 5-10 × 10ⁿ), the linear ticks of the range."""
    if not (0.0 < low < high) or not math.isfinite(high):
        raise ValueError(f"log axis range [{low}, {high}]: give 0 < low < high")
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    decades = [(10.0**k, "10" + str(k).translate(SUPERSCRIPT)) for k in range(first, last + 1)]
    ticks = [(v, label) for v, label in decades if low * (1 - 1e-9) <= v <= high * (1 + 1e-9)]
    if len(ticks) >= 3:
        return ticks
    ticks = []
    for k in range(first, last + 1):
        for m in (1, 2, 5):
            value = m * 10.0**k
            if low * (1 - 1e-9) <= value <= high * (1 + 1e-9):
                ticks.append((value, f"{value:.{max(0, -k)}f}"))
    return ticks if len(ticks) >= 2 else ticks_for(low, high, most=5)


def utc_ticks(
    epoch_unix_s: float, start_s: float, end_s: float, most: int = 9
) -> tuple[list[tuple[float, str]], str]:
    """(seconds since the epoch, label) of UTC ticks over [start_s, end_s] at the smallest step of
    UTC_STEPS_S giving at most `most` ticks, aligned on UTC midnight; and the date of the first
    tick, to write under the axis. A tick at midnight is labelled with its date ('Dec 08'), others with
    the time of day (HH:MM, or HH:MM:SS for steps under a minute); steps of days with the date."""
    t0, t1 = epoch_unix_s + start_s, epoch_unix_s + end_s
    step = next(
        (s for s in UTC_STEPS_S if math.floor(t1 / s) - math.ceil(t0 / s) + 1 <= most), UTC_STEPS_S[-1]
    )
    ticks = []
    for k in range(math.ceil(t0 / step - 1e-9), math.floor(t1 / step + 1e-9) + 1):
        t = k * step
        when = datetime.fromtimestamp(t, UTC)
        if step >= 86400 or t % 86400 == 0:
            label = when.strftime("%b %d")
        else:
            label = when.strftime("%H:%M:%S" if step < 60 else "%H:%M")
        ticks.append((t - epoch_unix_s, label))
    first = datetime.fromtimestamp(ticks[0][0] + epoch_unix_s if ticks else t0, UTC)
    return ticks, first.strftime("%Y-%m-%d")


class Axes:
    """A rectangle of `figure` (x_px, y_px, w_px, h_px) showing data over x_range and y_range (y up;
    `y_log`: a log axis). Data drawn through it is clipped to the rectangle."""

    def __init__(
        self,
        figure: Figure,
        box_px: tuple[float, float, float, float],
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        y_log: bool = False,
    ):
        self.figure = figure
        self.x0, self.y0, self.w, self.h = box_px
        self.x_range = x_range
        self.y_range = y_range
        self.y_log = y_log
        if y_log and not (0.0 < y_range[0] < y_range[1]):
            raise ValueError(f"log axis range {y_range}: give 0 < low < high")
        self.legend_entries: list[tuple[str, str]] = []
        self.clip = figure.new_id()
        figure.add(
            f'<clipPath id="{self.clip}"><rect x="{num(self.x0)}" y="{num(self.y0)}" width="{num(self.w)}" '
            f'height="{num(self.h)}"/></clipPath>'
        )
        figure.rect(self.x0, self.y0, self.w, self.h, "#fff")

    def px_x(self, x: object) -> np.ndarray:
        low, high = self.x_range
        return self.x0 + (np.asarray(x, dtype=float) - low) * (self.w / (high - low))

    def px_y(self, y: object) -> np.ndarray:
        low, high = self.y_range
        values = np.asarray(y, dtype=float)
        if self.y_log:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.where(values > 0.0, np.log10(np.where(values > 0.0, values, 1.0)), np.nan)
            low, high = math.log10(low), math.log10(high)
        return self.y0 + self.h - (values - low) * (self.h / (high - low))

    def clipped(self, element: str) -> str:
        return f'<g clip-path="url(#{self.clip})">{element}</g>'

    def _legend(self, label: str | None, swatch: str) -> None:
        if label:
            self.legend_entries.append((label, swatch))

    def line(
        self,
        x: object,
        y: object,
        colour: str,
        width_px: float = 1.0,
        style: str = "-",
        label: str | None = None,
        opacity: float = 1.0,
    ) -> None:
        """A line through the data points (a gap at NaN); `label` names it in the legend and its tooltip."""
        data = path_data(self.px_x(x), self.px_y(y))
        if data:
            paint = stroke(colour, width_px, style, opacity, tenths=True) + ' fill="none"'
            self.figure.add(self.clipped(polyline(data, paint, label)))
        self._legend(label, f'<path d="M0,0h22"{stroke(colour, max(width_px, 1.5), style, opacity)}/>')

    def step(
        self, x: object, y: object, colour: str, width_px: float = 1.2, fill_opacity: float = 0.0
    ) -> None:
        """A step line holding each value until the next x ('post'), filled down to zero if `fill_opacity`."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if len(x) == 0:
            return
        sx = np.repeat(x, 2)[1:]
        sy = np.repeat(y, 2)[:-1]
        if fill_opacity:
            fx = np.r_[sx[0], sx, sx[-1]]
            fy = np.r_[0.0, sy, 0.0]
            area = path_data(self.px_x(fx), self.px_y(fy), close=True)
            self.figure.add(self.clipped(polyline(area, f' fill="{colour}" fill-opacity="{fill_opacity:g}"')))
        self.line(sx, sy, colour, width_px)

    def vspans(
        self, windows: list[tuple[float, float]], colour: str, opacity: float, label: str | None = None
    ) -> None:
        """Shaded vertical bands over the x intervals `windows`."""
        if not windows:
            return
        rects = "".join(
            f'<rect x="{num(a)}" y="{num(self.y0)}" width="{num(max(b - a, 0.3))}" height="{num(self.h)}"/>'
            for a, b in ((float(self.px_x(s)), float(self.px_x(e))) for s, e in windows)
        )
        self.figure.add(self.clipped(f'<g fill="{colour}" fill-opacity="{opacity:g}">{rects}</g>'))
        self._legend(
            label, f'<rect x="0" y="-5" width="22" height="10" fill="{colour}" fill-opacity="{opacity:g}"/>'
        )

    def hline(
        self, y: float, colour: str, width_px: float = 1.0, style: str = "-", label: str | None = None
    ) -> None:
        """A horizontal line across the axes at data y."""
        self.line(self.x_range, (y, y), colour, width_px, style, label)

    def bars(
        self,
        y: float,
        spans: list[tuple[float, float]],
        half_height: float,
        colour: str,
        titles: list[str] | None = None,
    ) -> None:
        """Horizontal bars over the x intervals `spans` at data y, `half_height` (data units) up and down,
        each with its tooltip from `titles` if given."""
        if spans:
            top, bottom = float(self.px_y(y + half_height)), float(self.px_y(y - half_height))
            tips = (
                [f"<title>{escape(t)}</title>" for t in titles] if titles is not None else [""] * len(spans)
            )
            rects = "".join(
                f'<rect x="{num(a)}" y="{num(top)}" width="{num(max(b - a, 0.8))}" '
                f'height="{num(bottom - top)}"' + (f">{tip}</rect>" if tip else "/>")
                for (a, b), tip in zip(
                    ((float(self.px_x(s)), float(self.px_x(e))) for s, e in spans), tips, strict=True
                )
            )
            self.figure.add(self.clipped(f'<g fill="{colour}">{rects}</g>'))

    def markers(
        self,
        shape: str,
        x: object,
        y: object,
        colour: str,
        size_px: float = 7.0,
        edge: str | None = None,
        label: str | None = None,
        width_px: float = 1.0,
        opacity: float = 1.0,
        titles: list[str] | None = None,
    ) -> None:
        """A marker at each data point (see svg_figure.marker_path), `opacity` for crowded scatters,
        `titles` their tooltips."""
        element = markers_element(shape, self.px_x(x), self.px_y(y), colour, size_px, edge, width_px, titles)
        if element:
            self.figure.add(
                self.clipped(element if opacity == 1.0 else f'<g opacity="{opacity:g}">{element}</g>')
            )
        swatch = marker_path(shape, 11.0, 0.0, size_px)
        self._legend(label, f'<path d="{swatch}"{marker_paint(shape, colour, edge, width_px)}/>')

    def columns(self, edges: np.ndarray, heights: np.ndarray, colour: str, opacity: float = 1.0) -> None:
        """Histogram bars: heights[i] over [edges[i], edges[i + 1]]."""
        x, base = self.px_x(edges), float(self.px_y(0.0))
        top = self.px_y(heights)
        rects = "".join(
            f'<rect x="{num(a)}" y="{num(t)}" width="{num(b - a)}" height="{num(base - t)}"/>'
            for a, b, t in zip(x[:-1].tolist(), x[1:].tolist(), top.tolist(), strict=True)
        )
        self.figure.add(self.clipped(f'<g fill="{colour}" fill-opacity="{opacity:g}">{rects}</g>'))

    def annotate(
        self,
        x: float,
        y: float,
        text: str,
        dx_px: float = 0.0,
        dy_px: float = 0.0,
        size_px: float = SMALL_PX,
        colour: str = "#222",
        rotate_deg: float = 0.0,
    ) -> None:
        """`text` at data (x, y) moved by (dx_px, dy_px) (y down), turned `rotate_deg` anticlockwise."""
        self.figure.text(
            float(self.px_x(x)) + dx_px, float(self.px_y(y)) + dy_px, text, size_px, colour=colour,
            rotate_deg=-rotate_deg,
        )  # fmt: skip

    def frame(
        self,
        x_ticks: list[tuple[float, str]],
        y_ticks: list[tuple[float, str]],
        x_label: str = "",
        y_label: str = "",
        grid: str = "xy",
    ) -> None:
        """Grid lines at the ticks (`grid`: which axes), the frame, tick marks and labels ('' labels: marks
        only, for an axis shared with the plot below), and the axis labels."""
        f = self.figure
        x_px = [(float(self.px_x(v)), label) for v, label in x_ticks]
        y_px = [(float(self.px_y(v)), label) for v, label in y_ticks]
        x_px = [(x, label) for x, label in x_px if self.x0 - 0.5 <= x <= self.x0 + self.w + 0.5]
        y_px = [(y, label) for y, label in y_px if self.y0 - 0.5 <= y <= self.y0 + self.h + 0.5]
        bottom, right = self.y0 + self.h, self.x0 + self.w
        lines = []
        if "x" in grid:
            lines += [f"M{num(x)},{num(self.y0)}V{num(bottom)}" for x, _ in x_px]
        if "y" in grid:
            lines += [f"M{num(self.x0)},{num(y)}H{num(right)}" for y, _ in y_px]
        if lines:
            f.add(f'<path d="{"".join(lines)}" stroke="{GRID}" stroke-width="0.8" stroke-opacity="0.5"/>')
        marks = [f"M{num(x)},{num(bottom)}v4" for x, _ in x_px] + [
            f"M{num(self.x0)},{num(y)}h-4" for y, _ in y_px
        ]
        f.add(
            f'<path d="M{num(self.x0)},{num(self.y0)}H{num(right)}V{num(bottom)}H{num(self.x0)}Z'
            f'{"".join(marks)}" '
            'stroke="#222" stroke-width="0.8" fill="none"/>'
        )
        labels = [
            f'<text x="{num(x)}" y="{num(bottom + 7)}" dominant-baseline="hanging">{escape(label)}</text>'
            for x, label in x_px
            if label
        ]
        if labels:
            f.add(f'<g text-anchor="middle">{"".join(labels)}</g>')
        labels = [
            f'<text x="{num(self.x0 - 7)}" y="{num(y)}">{escape(label)}</text>' for y, label in y_px if label
        ]
        if labels:
            f.add(f'<g text-anchor="end" dominant-baseline="middle">{"".join(labels)}</g>')
        if x_label:
            f.text(self.x0 + self.w / 2, bottom + 24 + FONT_PX, x_label, anchor="middle")
        if y_label:
            widest = max((text_width_px(label) for _, label in y_px), default=0.0)
            x = self.x0 - 12 - widest - 4
            f.text(x, self.y0 + self.h / 2, y_label, anchor="middle", rotate_deg=-90.0)

    def utc_axis(self, epoch_unix_s: float, labelled: bool = True) -> list[tuple[float, str]]:
        """UTC ticks for this axes' x range (seconds since the epoch); with `labelled`, the date of the first
        tick and 'UTC' under the axis."""
        ticks, date = utc_ticks(epoch_unix_s, *self.x_range)
        if labelled:
            bottom = self.y0 + self.h
            self.figure.text(self.x0 + self.w, bottom + 24 + FONT_PX, date, anchor="end")
            self.figure.text(self.x0 + self.w / 2, bottom + 24 + FONT_PX, "UTC", anchor="middle")
        return ticks if labelled else [(t, "") for t, _ in ticks]

    def legend(self, where: str = "upper right", columns: int = 1) -> None:
        """The labelled lines, bands and markers in a box at `where` (upper right, upper left, lower
        left, outside right), `columns` entries a row."""
        if not self.legend_entries:
            return
        columns = max(1, min(columns, len(self.legend_entries)))
        rows = -(-len(self.legend_entries) // columns)
        widths = [28 + text_width_px(label, SMALL_PX) + 12 for label, _ in self.legend_entries]
        column_px = [max(widths[c::columns]) for c in range(columns)]
        width, height = sum(column_px) + 10, rows * 16 + 6
        if where == "upper left":
            x, y = self.x0 + 6, self.y0 + 6
        elif where == "lower left":
            x, y = self.x0 + 6, self.y0 + self.h - height - 6
        elif where == "outside right":
            x, y = self.x0 + self.w + 10, self.y0
        else:
            x, y = self.x0 + self.w - width - 6, self.y0 + 6
        items = []
        for i, (label, swatch) in enumerate(self.legend_entries):
            col, row = i % columns, i // columns
            ex, ey = x + 6 + sum(column_px[:col]), y + 11 + row * 16
            items.append(
                f'<g transform="translate({num(ex)} {num(ey)})">{swatch}'
                f'<text x="28" y="0" dominant-baseline="middle">{escape(label)}</text></g>'
            )
        self.figure.add(
            f'<g class="legend" font-size="{SMALL_PX:g}"><rect x="{num(x)}" y="{num(y)}" '
            f'width="{num(width)}" height="{num(height)}" fill="#fff" fill-opacity="0.9" stroke="#ccc" '
            'rx="3"/>'
            f"{''.join(items)}</g>"
        )

    def legend_width_px(self) -> float:
        """How wide the legend box is drawn with one column."""
        return 10 + max(
            (28 + text_width_px(label, SMALL_PX) for label, _ in self.legend_entries), default=0.0
        )


def stacked_boxes(
    width_px: float,
    height_px: float,
    ratios: tuple[float, ...],
    left_px: float = 81.0,
    right_px: float = 14.0,
    top_px: float = 11.0,
    bottom_px: float = 63.0,
    gap_px: float = 12.0,
) -> list[tuple[float, float, float, float]]:
    """(x, y, w, h) of axes stacked top to bottom inside the margins, heights in `ratios`, `gap_px`
    apart: panels sharing one time axis."""
    w = width_px - left_px - right_px
    free = height_px - top_px - bottom_px - gap_px * (len(ratios) - 1)
    boxes, y = [], top_px
    for ratio in ratios:
        h = free * ratio / sum(ratios)
        boxes.append((left_px, y, w, h))
        y += h + gap_px
    return boxes


def data_range(*series: object, pad: float = 0.05, include: tuple[float, ...] = ()) -> tuple[float, float]:
    """(low, high) around the finite values of `series` and `include`, widened by `pad` of the span on each
    side (a constant series by ±1, or ±|value|/10)."""
    values = [np.asarray(s, dtype=float).ravel() for s in series] + [np.asarray(include, dtype=float)]
    finite = np.concatenate(values)
    finite = finite[np.isfinite(finite)]
    if len(finite) == 0:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if high == low:
        half = abs(low) / 10.0 or 1.0
        return low - half, high + half
    span = high - low
    return low - pad * span, high + pad * span


def log_range(*series: object, pad: float = 0.05, include: tuple[float, ...] = ()) -> tuple[float, float]:
    """(low, high) around the positive finite values of `series` and `include` on a log axis, widened by
    `pad` of the decades spanned (at least a tenth of a decade) on each side."""
    values = np.concatenate(
        [np.asarray(s, dtype=float).ravel() for s in series] + [np.asarray(include, dtype=float)]
    )
    positive = values[np.isfinite(values) & (values > 0.0)]
    if len(positive) == 0:
        return 0.1, 1.0
    low, high = math.log10(float(positive.min())), math.log10(float(positive.max()))
    margin = max(pad * (high - low), 0.1)
    return 10.0 ** (low - margin), 10.0 ** (high + margin)


def ticks_for(low: float, high: float, most: int = 8) -> list[tuple[float, str]]:
    """(value, label) of the linear ticks over [low, high]."""
    values, step = linear_ticks(low, high, most)
    return [(float(v), tick_label(float(v), step)) for v in values]
