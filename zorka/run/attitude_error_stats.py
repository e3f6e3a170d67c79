"""A run's per-frame attitude errors as streaming statistics: what summary.json says of them and what the
report plots, in memory that does not grow with the run's length.

Blocks of frames (`add`) update, per quantity (pointing error deg, rate error deg/s) and for the whole run
and from the statistics' first frame on: the exact count of frames with a reference (not NaN), their mean
(numpy's pairwise sum in a block, the blocks' sums added exactly), their largest value (exact), and a
log-binned histogram (`hal.log_histogram`) of ERROR_BIN_RATIO per bin from which percentiles are taken
(the bin's geometric middle: within ERROR_PERCENTILE_RESOLUTION of the true nearest-rank value). The
settle time is exact (the last frame not below the threshold). For plots, the largest error over spans of
frames: a decimated series of at most ENVELOPE_POINTS spans, each span doubling when it fills, so a peak
is never decimated away.
"""

import math

import numpy as np

from hal.log_histogram import LogHistogram

ERROR_LOW = 1e-7
"""Errors (deg, deg/s) at or below this land in the first bin."""
ERROR_HIGH = 1e3
"""Errors above this land in the last bin (a pointing error is at most 180 deg)."""
ERROR_BIN_RATIO = 1.001
"""Each bin spans 0.1 %: 23,000 bins, 184 kB a histogram."""
ERROR_PERCENTILE_RESOLUTION = math.sqrt(ERROR_BIN_RATIO) - 1.0
"""A percentile is within this fraction (0.05 %) of the true nearest-rank value."""
ENVELOPE_POINTS = 1 << 15
"""The decimated series for plots holds at most this many spans (0.5 MB): one frame each up to 55 min,
32 frames (3.2 s) each over a day."""


class ErrorSpread:
    """One quantity over frames: exact count of frames with a value, their sum, exact max, histogram."""

    def __init__(self):
        self.histogram = LogHistogram(ERROR_LOW, ERROR_HIGH, ERROR_BIN_RATIO)
        self.sum = 0.0

    def add(self, values: np.ndarray) -> None:
        finite = values[np.isfinite(values)]
        if len(finite):
            self.sum = math.fsum((self.sum, float(np.sum(finite))))  # pairwise in a block, exact across
            self.histogram.record_many(finite)

    @property
    def count(self) -> int:
        """Values counted (NaN left out)."""
        return self.histogram.count

    def figure(self, kind: str) -> float | None:
        """ "mean", "max" or a percentile "p50", "p99", "p99_7" (from the histogram); None over no value."""
        h = self.histogram
        if h.count == 0:
            return None
        if kind == "mean":
            return self.sum / h.count
        if kind == "max":
            return h.max
        return h.percentile(float(kind[1:].replace("_", ".")))

    def state(self) -> dict:
        return {"sum": self.sum, "histogram": self.histogram.state()}

    def restore(self, state: dict) -> None:
        self.sum = state["sum"]
        self.histogram.restore(state["histogram"])


class ErrorEnvelope:
    """The largest error (NaN-ignoring) over consecutive spans of `span` frames, the span doubling whenever
    ENVELOPE_POINTS spans are full: a decimated series for plots over the whole run."""

    def __init__(self, frame_s: float):
        self.frame_s = frame_s
        self.span = 1
        self.err_deg = np.full(ENVELOPE_POINTS, np.nan)
        self.rate_err_deg_s = np.full(ENVELOPE_POINTS, np.nan)
        self.frames = 0

    def add(self, err_deg: np.ndarray, rate_err_deg_s: np.ndarray) -> None:
        while len(err_deg):
            if self.frames == ENVELOPE_POINTS * self.span:
                self._halve()
            index, offset = divmod(self.frames, self.span)
            spans = 0 if offset else min(len(err_deg) // self.span, ENVELOPE_POINTS - index)
            if spans:  # whole spans at once
                take = spans * self.span
                self.err_deg[index : index + spans] = _span_max(err_deg[:take], self.span)
                self.rate_err_deg_s[index : index + spans] = _span_max(rate_err_deg_s[:take], self.span)
            else:  # into the span under way
                take = min(len(err_deg), self.span - offset)
                self._fold(index, offset == 0, err_deg[:take], rate_err_deg_s[:take])
            self.frames += take
            err_deg, rate_err_deg_s = err_deg[take:], rate_err_deg_s[take:]

    def _fold(self, index: int, first: bool, err_deg: np.ndarray, rate_err_deg_s: np.ndarray) -> None:
        for series, values in ((self.err_deg, err_deg), (self.rate_err_deg_s, rate_err_deg_s)):
            peak = np.fmax.reduce(values)
            series[index] = peak if first else np.fmax(series[index], peak)

    def _halve(self) -> None:
        for series in (self.err_deg, self.rate_err_deg_s):
            half = np.fmax(series[0::2], series[1::2])
            series[: len(half)] = half
            series[len(half) :] = np.nan
        self.span *= 2

    def series(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """t_s at each span's last frame (record k at (k + 1) frames), its largest pointing error (deg) and
        largest rate error (deg/s); NaN where no frame of the span had a reference."""
        n = -(-self.frames // self.span)
        last_frame = np.minimum(np.arange(1, n + 1) * self.span, self.frames)
        return last_frame * self.frame_s, self.err_deg[:n].copy(), self.rate_err_deg_s[:n].copy()

    def state(self) -> dict:
        n = -(-self.frames // self.span)
        return {
            "span": self.span,
            "frames": self.frames,
            "err_deg": self.err_deg[:n].tobytes(),
            "rate_err_deg_s": self.rate_err_deg_s[:n].tobytes(),
        }

    def restore(self, state: dict) -> None:
        self.span, self.frames = state["span"], state["frames"]
        for series, name in ((self.err_deg, "err_deg"), (self.rate_err_deg_s, "rate_err_deg_s")):
            saved = np.frombuffer(state[name])
            series[:] = np.nan
            series[: len(saved)] = saved


def _span_max(values: np.ndarray, span: int) -> np.ndarray:
    """The NaN-ignoring max of each consecutive `span` values (NaN where all are NaN)."""
    if span == 1:
        return values
    return np.fmax.reduce(values.reshape(-1, span), axis=1)


class AttitudeErrorStats:
    """The statistics of a run's per-frame pointing and rate errors: over the whole run and from
    `stats_from_s` on, the settle time against `settle_threshold_deg`, and the envelope for plots."""

    def __init__(self, frame_s: float, stats_from_s: float, settle_threshold_deg: float):
        self.frame_s = frame_s
        self.first_frame = round(stats_from_s / frame_s)
        self.settle_threshold_deg = settle_threshold_deg
        self.frames = 0
        self.last_unsettled = -1
        """The last frame whose error was not below the threshold (NaN: no reference, not settled)."""
        self.whole = {"err": ErrorSpread(), "rate": ErrorSpread()}
        self.late = {"err": ErrorSpread(), "rate": ErrorSpread()}
        self.envelope = ErrorEnvelope(frame_s)

    def add(self, err_deg: np.ndarray, rate_err_deg_s: np.ndarray) -> None:
        """The next frames' errors, in order."""
        unsettled = np.flatnonzero(~(err_deg < self.settle_threshold_deg))
        if len(unsettled):
            self.last_unsettled = self.frames + int(unsettled[-1])
        self.whole["err"].add(err_deg)
        self.whole["rate"].add(rate_err_deg_s)
        late_from = max(0, self.first_frame - self.frames)
        if late_from < len(err_deg):
            self.late["err"].add(err_deg[late_from:])
            self.late["rate"].add(rate_err_deg_s[late_from:])
        self.envelope.add(err_deg, rate_err_deg_s)
        self.frames += len(err_deg)

    def settle_s(self) -> float | None:
        """Time after which the error stays below the threshold; None if it never settles."""
        if self.last_unsettled < 0:
            return self.frame_s
        if self.last_unsettled == self.frames - 1:
            return None
        return round((self.last_unsettled + 2) * self.frame_s, 6)

    def spreads(self, from_first: bool) -> dict[str, ErrorSpread]:
        """The pointing ("err") and rate ("rate") spreads from the first statistics frame, or whole."""
        return self.late if from_first else self.whole

    def state(self) -> dict:
        """What a checkpoint keeps, to go on from there."""
        return {
            "frames": self.frames,
            "last_unsettled": self.last_unsettled,
            "whole": {k: s.state() for k, s in self.whole.items()},
            "late": {k: s.state() for k, s in self.late.items()},
            "envelope": self.envelope.state(),
        }

    def restore(self, state: dict) -> None:
        self.frames, self.last_unsettled = state["frames"], state["last_unsettled"]
        for group, saved in ((self.whole, state["whole"]), (self.late, state["late"])):
            for k, spread in group.items():
                spread.restore(saved[k])
        self.envelope.restore(state["envelope"])
