"""A figure as hand-written inline SVG: the canvas the report's plots draw on, in CSS pixels.

Vector output, so a plot stays sharp when the reader zooms; the page's HTML parser reads it inline
(text escaped as HTML, no external fonts or images). Coordinates are rounded to 0.1 px and a line is
simplified to a quarter pixel (Ramer-Douglas-Peucker), so a day's series costs what its pixels need.
The figure is an accessible image: `role="img"` with its alt text as `aria-label` and `<title>` (a
tooltip too).
"""

import html
import itertools

import numpy as np

FONT_PX = 12.0
"""Tick and axis labels (matplotlib's 10 pt at 90 dpi was 12.5 px)."""
SMALL_PX = 10.5
"""Legends and annotations."""
CHAR_EM = 0.6
"""A sans-serif character's advance as a fraction of its size, for room around labels (an estimate:
digits are 0.55 em in DejaVu Sans and Liberation Sans, capitals up to 0.75)."""
TENTHS = 10
"""Path data units per pixel."""
TOLERANCE_PX = 0.25
"""How far a simplified line may stray from the exact one: a quarter pixel, under what antialiasing
shows at 1x (at 4x zoom, one pixel)."""
TAB = {
    "blue": "#1f77b4", "orange": "#ff7f0e", "green": "#2ca02c", "red": "#d62728", "purple": "#9467bd",
    "brown": "#8c564b", "pink": "#e377c2", "gray": "#7f7f7f", "olive": "#bcbd22", "cyan": "#17becf",
}  # fmt: skip
"""The Tableau 10 colours (matplotlib's default cycle), for continuity with the earlier plots."""
CYCLE = tuple(TAB.values())
DASHES = {"-": None, "--": "6 3", ":": "1.5 2.5", "-.": "6 2.5 1.5 2.5"}


def escape(text: object) -> str:
    """`text` safe inside an SVG element or a quoted attribute of an HTML page."""
    return html.escape(str(text), quote=True)


def text_width_px(text: str, size_px: float = FONT_PX) -> float:
    """An estimate of how wide `text` is drawn at `size_px`."""
    return len(text) * CHAR_EM * size_px


def num(value: float) -> str:
    """A coordinate rounded to 0.1 px, without a trailing '.0'."""
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def simplified(x_px: np.ndarray, y_px: np.ndarray, tolerance_px: float = TOLERANCE_PX) -> np.ndarray:
    """Which points of the polyline to keep so that it moves by at most `tolerance_px` (Ramer-Douglas-
    Peucker, every stretch between NaN gaps at once, level by level): a stretch's ends stay, and a
    segment whose farthest inner point lies farther than the tolerance from its chord (the segment, not
    its line: a point beyond an end counts its distance to that end) is split there.
    A spike stays; a smooth curve keeps a point every few pixels."""
    valid = np.isfinite(x_px) & np.isfinite(y_px)
    keep = np.zeros(len(x_px), dtype=bool)
    edges = np.diff(np.concatenate(([0], valid.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    keep[starts] = keep[ends] = True
    while len(starts):
        inner = ends - starts - 1
        some = inner > 0
        starts, ends, inner = starts[some], ends[some], inner[some]
        if not len(starts):
            break
        offsets = np.cumsum(inner) - inner
        segment = np.repeat(np.arange(len(starts)), inner)
        index = np.arange(len(segment)) + np.repeat(starts + 1 - offsets, inner)
        ax, ay = np.repeat(x_px[starts], inner), np.repeat(y_px[starts], inner)
        dx, dy = np.repeat(x_px[ends], inner) - ax, np.repeat(y_px[ends], inner) - ay
        px, py = x_px[index] - ax, y_px[index] - ay
        length2 = dx * dx + dy * dy
        along = np.clip((px * dx + py * dy) / np.where(length2 > 0.0, length2, 1.0), 0.0, 1.0)
        distance = np.hypot(px - along * dx, py - along * dy)  # to the chord's nearest point
        farthest = np.maximum.reduceat(distance, offsets)
        split = farthest > tolerance_px
        if not split.any():
            break
        hits = np.flatnonzero(distance == farthest[segment])
        first = np.concatenate(([True], segment[hits][1:] != segment[hits][:-1]))
        cut = index[hits[first]][split]  # each splitting segment's first farthest point
        keep[cut] = True
        starts, ends = np.concatenate((starts[split], cut)), np.concatenate((cut, ends[split]))
    return keep


def path_data(x_px: np.ndarray, y_px: np.ndarray, close: bool = False) -> str:
    """SVG path data, in TENTHS of a pixel (draw it with `polyline`), of the polyline through (x_px, y_px),
    broken where either is NaN (a gap), each stretch its own subpath ('z'-closed when `close`),
    `simplified` to TOLERANCE_PX: an absolute moveto, then relative lineto steps between the rounded
    points (no drift, a third shorter than absolute ones), all integers (written by C `str`, not
    formatted one by one)."""
    x_px = np.asarray(x_px, dtype=float)
    y_px = np.asarray(y_px, dtype=float)
    if len(x_px) == 0:
        return ""
    keep = simplified(x_px, y_px)
    valid = np.isfinite(x_px) & np.isfinite(y_px)
    new = (valid & ~np.r_[False, valid[:-1]])[keep]
    x10 = np.round(x_px[keep] * TENTHS).astype(np.int64)
    y10 = np.round(y_px[keep] * TENTHS).astype(np.int64)
    steps = np.column_stack((np.diff(x10, prepend=0), np.diff(y10, prepend=0)))
    starts = [*np.flatnonzero(new).tolist(), len(x10)]
    end = "z" if close else ""
    parts = []
    for first, stop in itertools.pairwise(starts):
        lines = " ".join(map(str, steps[first + 1 : stop].ravel().tolist()))
        parts.append(f"M{x10[first]} {y10[first]}" + (f"l{lines}" if lines else "") + end)
    return "".join(parts).replace(" -", "-")


def polyline(data: str, paint: str, title: str | None = None) -> str:
    """A <path> of `path_data` (tenths of a pixel, scaled to pixels) with `paint` attributes (`stroke`
    with tenths=True: widths and dashes in the same tenths) and a `title` (its tooltip) if given."""
    if not data:
        return ""
    if title:
        return f'<path transform="scale(.1)" d="{data}"{paint}><title>{escape(title)}</title></path>'
    return f'<path transform="scale(.1)" d="{data}"{paint}/>'


def marker_path(shape: str, x_px: float, y_px: float, size_px: float) -> str:
    """Path data of one marker centred on (x_px, y_px), `size_px` across: o circle, s square, D diamond,
    X cross, ^ triangle up, v triangle down, | vertical bar."""
    r = size_px / 2.0
    x, y = x_px, y_px
    if shape == "o":
        arc = f"a{num(r)},{num(r)} 0 1,0"
        return f"M{num(x - r)},{num(y)}{arc} {num(2 * r)},0{arc} {num(-2 * r)},0Z"
    if shape == "s":
        return f"M{num(x - r)},{num(y - r)}h{num(2 * r)}v{num(2 * r)}h{num(-2 * r)}Z"
    if shape == "D":
        tall = r * 1.2
        return (
            f"M{num(x)},{num(y - tall)}L{num(x + r)},{num(y)} {num(x)},{num(y + tall)} {num(x - r)},{num(y)}Z"
        )
    if shape == "^":
        return f"M{num(x)},{num(y - r)}L{num(x + r)},{num(y + r * 0.8)} {num(x - r)},{num(y + r * 0.8)}Z"
    if shape == "v":
        return f"M{num(x)},{num(y + r)}L{num(x + r)},{num(y - r * 0.8)} {num(x - r)},{num(y - r * 0.8)}Z"
    if shape == "X":
        a, b = r, r * 0.35
        points = [(-a, -a + b), (-a + b, -a), (0, -b), (a - b, -a), (a, -a + b), (b, 0),
                  (a, a - b), (a - b, a), (0, b), (-a + b, a), (-a, a - b), (-b, 0)]  # fmt: skip
        return "M" + " ".join(f"{num(x + dx)},{num(y + dy)}" for dx, dy in points) + "Z"
    if shape == "|":
        return f"M{num(x)},{num(y - r)}V{num(y + r)}"
    raise ValueError(f"marker shape {shape!r}: use one of o s D X ^ v |")


class Figure:
    """An SVG canvas `width_px` x `height_px` whose elements are appended as text; `name` makes the ids
    of its clip paths unique in the page (the section's key); `alt` says what it shows."""

    def __init__(self, width_px: float, height_px: float, name: str, alt: str):
        self.width_px = width_px
        self.height_px = height_px
        self.name = name
        self.alt = alt
        self.parts: list[str] = []
        self._ids = 0

    def new_id(self) -> str:
        """An id unique in the page."""
        self._ids += 1
        return f"{self.name}-{self._ids}"

    def add(self, element: str) -> None:
        self.parts.append(element)

    def rect(
        self,
        x_px: float,
        y_px: float,
        w_px: float,
        h_px: float,
        fill: str,
    ) -> None:
        """A rectangle filled with `fill`."""
        self.add(
            f'<rect x="{num(x_px)}" y="{num(y_px)}" width="{num(max(w_px, 0.0))}" '
            f'height="{num(max(h_px, 0.0))}" fill="{fill}"/>'
        )

    def text(
        self,
        x_px: float,
        y_px: float,
        text: str,
        size_px: float = FONT_PX,
        anchor: str = "start",
        colour: str = "#222",
        rotate_deg: float = 0.0,
    ) -> None:
        """`text` (escaped) at (x_px, y_px), its baseline there: `anchor` start, middle or end; turned
        `rotate_deg` clockwise about its anchor."""
        attrs = f'x="{num(x_px)}" y="{num(y_px)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if size_px != FONT_PX:
            attrs += f' font-size="{size_px:g}"'
        if colour != "#222":
            attrs += f' fill="{colour}"'
        if rotate_deg:
            attrs += f' transform="rotate({rotate_deg:g} {num(x_px)} {num(y_px)})"'
        self.add(f"<text {attrs}>{escape(text)}</text>")

    def svg(self) -> str:
        """The figure as an inline <svg> element that scales to its container's width (no xmlns: the
        HTML parser puts it in the SVG namespace, and the page names no URL)."""
        body = "\n".join(self.parts)
        return (
            '<svg class="plot" role="img" '
            f'aria-label="{escape(self.alt)}" '
            f'viewBox="0 0 {num(self.width_px)} {num(self.height_px)}" width="{num(self.width_px)}" '
            f'height="{num(self.height_px)}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" '
            f'font-size="{FONT_PX:g}">\n<title>{escape(self.alt)}</title>\n'
            f'<rect width="100%" height="100%" fill="#fff"/>\n{body}\n</svg>'
        )


def stroke(
    colour: str,
    width_px: float,
    style: str = "-",
    opacity: float = 1.0,
    tenths: bool = False,
) -> str:
    """The stroke attributes of a line: colour, width, dash `style` (- -- : -.) and opacity; in tenths of
    a pixel (for a `polyline`) when `tenths`."""
    scale = TENTHS if tenths else 1
    attrs = f' stroke="{colour}" stroke-width="{width_px * scale:g}"'
    dash = DASHES[style]
    if dash is not None:
        attrs += f' stroke-dasharray="{" ".join(f"{float(d) * scale:g}" for d in dash.split())}"'
    if opacity != 1.0:
        attrs += f' stroke-opacity="{opacity:g}"'
    return attrs


def markers_element(
    shape: str,
    x_px: np.ndarray,
    y_px: np.ndarray,
    colour: str,
    size_px: float = 7.0,
    edge: str | None = None,
    width_px: float = 1.0,
    titles: list[str] | None = None,
) -> str:
    """A marker at each point as one path: filled with a thin `edge`, or stroked for `|`; '' for none.
    With `titles`, one path a marker, each with its title (the tooltip a reader sees on hovering it)."""
    xs, ys = np.atleast_1d(x_px).tolist(), np.atleast_1d(y_px).tolist()
    paint = marker_paint(shape, colour, edge, width_px)
    if titles is not None:
        return "".join(
            f'<path d="{marker_path(shape, x, y, size_px)}"{paint}><title>{escape(title)}</title></path>'
            for x, y, title in zip(xs, ys, titles, strict=True)
        )
    data = "".join(marker_path(shape, x, y, size_px) for x, y in zip(xs, ys, strict=True))
    return f'<path d="{data}"{paint}/>' if data else ""


def marker_paint(shape: str, colour: str, edge: str | None = None, width_px: float = 1.0) -> str:
    """The fill and stroke attributes of a marker `shape`."""
    if shape == "|":
        return f'{stroke(colour, width_px)} fill="none"'
    return f' fill="{colour}"' + ("" if edge is None else stroke(edge, 0.6))
