"""The faults of `zorka wire`, each from its own seeded generator: single-bit corruption and dropouts.

Both draw geometric gaps (bytes to the next corrupted byte, 10 ms slots to the next dropout), so the
faults a seed gives do not depend on how the bytes were split into chunks.
"""

import math

import numpy as np

DROPOUT_SLOT_S = 0.010
"""A dropout may start at the beginning of each slot of this length."""


class ByteCorruption:
    """Flips one random bit of each byte with probability `probability`, independently per byte."""

    def __init__(self, probability: float, rng: np.random.Generator):
        self.probability = probability
        self._rng = rng
        self._skip = self._gap() - 1

    def apply(self, data: bytearray) -> int:
        """Corrupt `data` in place (the next bytes of the stream); return how many bytes were flipped."""
        flipped = 0
        i = self._skip
        while i < len(data):
            data[i] ^= 1 << int(self._rng.integers(8))
            flipped += 1
            i += self._gap()
        self._skip = i - len(data)
        return flipped

    def _gap(self) -> float:
        return int(self._rng.geometric(self.probability)) if self.probability > 0.0 else math.inf


class Dropouts:
    """The link is down for `duration_s` from the start of each 10 ms slot with probability `probability`
    (overlapping dropouts merge). Asked with non-decreasing times since the link started."""

    def __init__(self, duration_s: float, probability: float, rng: np.random.Generator):
        self.duration_s = duration_s
        self.probability = probability
        self._rng = rng
        self._slot = -1
        self._start_s = self._end_s = -math.inf
        self._next()

    def is_down(self, t_s: float) -> bool:
        while t_s >= self._end_s:
            self._next()
        return t_s >= self._start_s

    def _next(self) -> None:
        if self.probability <= 0.0 or self.duration_s <= 0.0:
            self._start_s = self._end_s = math.inf
            return
        self._slot += int(self._rng.geometric(self.probability))
        self._start_s = self._slot * DROPOUT_SLOT_S
        self._end_s = self._start_s + self.duration_s
