"""The report's figures as inline images: a matplotlib figure to an <img> with its alt text, time axes in
UTC, and series decimated to what a 1000-pixel-wide plot can show (a 24 h run has 864,000 frames and
86,400 housekeeping reports): the M4 envelope for housekeeping curves, the peak per stretch for errors.

matplotlib is imported by the report's modules only, so the rest of `zorka` does not pay for it.
"""

import base64
import html
import io
from typing import Any

import numpy as np

MAX_POINTS = 2000
"""Per plotted series of peaks (`peaks`) and per ground track."""
PLOT_COLUMNS = 1000
"""Runs `envelope` keeps 4 samples of: at least the pixel columns of the widest plot's axes (11 in at
DPI 90, 895 px between the margins)."""
DPI = 90
PALETTE_COLOURS = 256


def no_data(why: str) -> str:
    """A section's paragraph saying why it has nothing to show."""
    return f'<p class="no-data"><em>{html.escape(why)}</em></p>'


def png(figure: Any, alt: str, tight: bool = False) -> str:
    """The figure as an inline <img> whose alt text says what it shows; `tight`: cropped to what is drawn
    (one more layout pass). A 256-colour palette PNG: plots hold a few thousand colours, nearly all
    antialiasing shades, so it looks the same as the full-colour one at a third of the bytes and no
    more CPU (the drawing is written uncompressed, then quantised and compressed once). The figure is
    cleared afterwards: its artists and their data go now, not at a later garbage collection (7 MiB
    less peak memory for a 24 h run's report)."""
    from PIL import Image

    drawn = io.BytesIO()
    figure.savefig(
        drawn, format="png", dpi=DPI, pil_kwargs={"compress_level": 0},
        **({"bbox_inches": "tight", "pad_inches": 0.1} if tight else {}),
    )  # fmt: skip
    figure.clear()
    drawn.seek(0)
    with Image.open(drawn) as image:
        palette = image.convert("RGB").quantize(
            PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
    buffer = io.BytesIO()
    palette.save(buffer, format="png", compress_level=6)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def fixed_margins(figure: Any, left_in: float = 0.9, bottom_in: float = 0.7) -> None:
    """Margins in inches instead of a layout engine (which costs a third of a plot's drawing): room for
    numeric tick labels and a label on the left, UTC ticks with their date offset below."""
    width_in, height_in = figure.get_size_inches()
    figure.subplots_adjust(
        left=left_in / width_in, right=1.0 - 0.15 / width_in, bottom=bottom_in / height_in,
        top=1.0 - 0.12 / height_in, hspace=0.12,
    )  # fmt: skip


def label_margin_in(labels: list[str]) -> float:
    """A left margin (inches) that holds the longest of these tick labels at the default 10 pt sans
    (at most 0.085 in a character) beside the ticks, and at least the numeric labels' 0.9 in."""
    return max(0.9, 0.25 + 0.085 * max((len(label) for label in labels), default=0))


def stride(n: int, points: int = MAX_POINTS) -> int:
    """Every how many samples to keep so that at most `points` remain."""
    return max(1, -(-n // points))


def envelope(t: np.ndarray, y: np.ndarray, bins: int = PLOT_COLUMNS) -> tuple[np.ndarray, np.ndarray]:
    """M4 decimation (Jugel et al., VLDB 2014): the series cut into `bins` runs of consecutive samples,
    each kept as its first, last, smallest and largest sample, in time order. Drawn as a line no wider
    than `bins` pixels, it covers the same pixels as every sample would: spikes and dips stay, at most
    4 x `bins` points. NaN (no value) counts as neither smallest nor largest; a run of only NaN stays a
    gap."""
    n = len(t)
    if n <= 4 * bins:
        return t, y
    size = -(-n // bins)
    index = np.minimum(np.arange(-(-n // size) * size).reshape(-1, size), n - 1)  # the last run repeats
    values = y[index]
    missing = np.isnan(values)
    rows = np.arange(len(index))
    low = index[rows, np.where(missing, np.inf, values).argmin(axis=1)]
    high = index[rows, np.where(missing, -np.inf, values).argmax(axis=1)]
    keep = np.unique(np.concatenate([index[:, 0], index[:, -1], low, high]))
    return t[keep], y[keep]


def peaks(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The largest of each stretch of samples, at most MAX_POINTS of them, so spikes stay visible;
    NaN (no value) is ignored inside a stretch and a stretch of only NaN stays a gap."""
    step = stride(len(t))
    if step == 1:
        return t, y
    cut = len(t) // step * step
    blocks = y[:cut].reshape(-1, step)
    filled = np.where(np.isnan(blocks), -np.inf, blocks).max(axis=1)
    filled[np.isneginf(filled)] = np.nan
    tail = y[cut:]
    tail_peak = np.array([np.nanmax(tail)]) if len(tail) and not np.all(np.isnan(tail)) else np.array([])
    t_out = np.concatenate([t[step - 1 : cut : step], t[-1:] if len(tail_peak) else []])
    return t_out, np.concatenate([filled, tail_peak])


class UtcAxis:
    """Seconds since the run's epoch to matplotlib dates (days since 1970-01-01 UTC) on an axis labelled
    UTC, with concise date ticks."""

    def __init__(self, epoch_unix_s: float):
        self.epoch_unix_s = epoch_unix_s

    def x(self, t_s: Any) -> Any:
        """Matplotlib date numbers of `t_s` seconds after the epoch."""
        return (self.epoch_unix_s + np.asarray(t_s, dtype=float)) / 86400.0

    def label(self, axes: Any, x_label: bool = True) -> None:
        """UTC ticks (and the 'UTC' label) on `axes`."""
        import matplotlib.dates as mdates

        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=True))
        if x_label:
            axes.set_xlabel("UTC")
