"""A fixed log-binned histogram of positive values: recording allocates nothing and its memory does not
grow with the count; a percentile is the geometric middle of its bin, within half a bin's ratio of the
true value, the largest value kept exactly. Round trips (`hal.link_health`) and a run's per-frame
attitude errors (`zorka.run.attitude_error_stats`) are counted in one."""

import math

import numpy as np


class LogHistogram:
    """Values counted in bins spanning `bin_ratio` each from `low` to `high` (values at or below `low` in
    the first bin, above `high` in the last); the count and the largest value kept exactly."""

    def __init__(self, low: float, high: float, bin_ratio: float):
        self.low = low
        self.bin_ratio = bin_ratio
        self._log_ratio = math.log(bin_ratio)
        self.counts = np.zeros(math.ceil(math.log(high / low) / self._log_ratio) + 1, dtype=np.int64)
        self.count = 0
        self.max = 0.0

    def record(self, value: float) -> None:
        """One value."""
        last = len(self.counts) - 1
        index = 0 if value <= self.low else min(int(math.log(value / self.low) / self._log_ratio), last)
        self.counts[index] += 1
        self.count += 1
        if value > self.max:
            self.max = value

    def record_many(self, values: np.ndarray) -> None:
        """Many values at once (NaN left out)."""
        values = values[~np.isnan(values)]
        if len(values) == 0:
            return
        scaled = np.log(np.maximum(values, self.low) / self.low) / self._log_ratio
        index = np.minimum(scaled, len(self.counts) - 1).astype(np.int64)
        self.counts += np.bincount(index, minlength=len(self.counts))
        self.count += len(values)
        self.max = max(self.max, float(values.max()))

    def percentile(self, percent: float) -> float | None:
        """The value below which `percent` % of the values fall (nearest rank: the geometric middle of its
        bin, capped by the largest seen; the largest itself for the last rank or the overflow bin); None
        before any."""
        if self.count == 0:
            return None
        rank = max(1, math.ceil(self.count * percent / 100.0))
        index = int(np.searchsorted(np.cumsum(self.counts), rank))
        if rank == self.count or index == len(self.counts) - 1:  # the largest, or beyond the last bin's
            return self.max
        return min(self.low * self.bin_ratio ** (index + 0.5), self.max)

    def state(self) -> dict:
        """What a checkpoint keeps of it: the bins that counted (sparse), the count and the largest."""
        used = np.flatnonzero(self.counts)
        return {
            "bins": used.tobytes(),
            "counts": self.counts[used].tobytes(),
            "count": self.count,
            "max": self.max,
        }

    def restore(self, state: dict) -> None:
        """Back to a `state`."""
        self.counts[:] = 0
        self.counts[np.frombuffer(state["bins"], dtype=np.int64)] = np.frombuffer(
            state["counts"], dtype=np.int64
        )
        self.count = state["count"]
        self.max = state["max"]
