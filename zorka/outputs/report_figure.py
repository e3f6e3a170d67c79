"""The report's plot sizes and decimation: series cut to what a 990-pixel-wide SVG plot can show (a 24 h
run has 864,000 frames and 86,400 housekeeping reports): the M4 envelope for housekeeping curves, the
peak per stretch for errors.
"""

import html

import numpy as np

MAX_POINTS = 2000
"""Per plotted series of peaks (`peaks`) and per ground track."""
PLOT_WIDTH_PX = 990.0
"""The width of the time plots and the world map (CSS px; they scale down with the page)."""
PLOT_COLUMNS = 1000
"""Runs `envelope` keeps 4 samples of: at least the pixel columns of the widest plot's axes (895 px
between the margins of a PLOT_WIDTH_PX plot)."""


def no_data(why: str) -> str:
    """A section's paragraph saying why it has nothing to show."""
    return f'<p class="no-data"><em>{html.escape(why)}</em></p>'


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
