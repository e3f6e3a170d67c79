"""The radio channel between the spacecraft and the ground: open, at its data rates, losing frames.

The channel is open while some ground station sees the satellite above its minimum elevation (the
predicted passes, as (aos_s, los_s) windows since the epoch). The downlink is a continuous bit stream of
fixed-length frames at `downlink_bps`: `downlink_budget` says how many whole frames fit in a control
frame, the fraction of a frame carrying over to the next (slots not used carry idle frames, which are
not modelled). Uplink frames are sent back to back at `uplink_bps`; a frame arrives when its last bit
has crossed plus the one-way `delay_s`. Each direction loses each frame with probability `frame_loss`,
drawn from its own generator (seeded from the run's seed and the direction's name), so the same seed
loses the same frames and the uplink's draws never shift the downlink's.

Outages: each predicted pass is lost whole with probability `pass_loss` (a station down, rain fade, a
missed booking), drawn once per pass in time order from a generator of its own, so a seed loses the same
passes in every run of it, a resumed one included. `state` and `restore` carry what a run has drawn and
counted across a checkpoint (zorka/run/checkpoint.py).
"""

import bisect
import json
import math
from collections import deque
from collections.abc import Sequence

import numpy as np

from sim.randomness import model_seed

BITS_PER_BYTE = 8
DOWN = "downlink"
UP = "uplink"


def merged_windows(windows_s: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Time windows sorted, overlapping ones (two stations seeing the satellite at once) merged."""
    merged: list[tuple[float, float]] = []
    for start_s, end_s in sorted(windows_s):
        if merged and start_s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end_s))
        else:
            merged.append((start_s, end_s))
    return merged


class Radio:
    """The link of one run: open inside `windows_s`, downlink frames of `frame_bytes` octets."""

    def __init__(
        self,
        windows_s: Sequence[tuple[float, float]],
        seed: int,
        downlink_bps: float = 2e6,
        uplink_bps: float = 64e3,
        frame_loss: float = 0.0,
        delay_s: float = 0.0,
        frame_bytes: int = 1115,
        pass_loss: float = 0.0,
    ) -> None:
        if downlink_bps <= 0.0 or uplink_bps <= 0.0:
            raise ValueError(f"data rates must be positive, not {downlink_bps} and {uplink_bps} bit/s")
        if not 0.0 <= frame_loss < 1.0:
            raise ValueError(f"frame loss {frame_loss} is not in [0, 1)")
        if delay_s < 0.0:
            raise ValueError(f"one-way delay {delay_s} s is negative")
        if not 0.0 <= pass_loss < 1.0:
            raise ValueError(f"pass loss {pass_loss} is not in [0, 1)")
        passes = sorted(windows_s)
        draws = np.random.default_rng(model_seed(seed, "radio.outages")).random(len(passes))
        lost = draws < pass_loss
        self.outages_s = [window for window, out in zip(passes, lost, strict=True) if out]
        """The (AOS, LOS) of every pass lost whole to an outage."""
        windows = merged_windows([window for window, out in zip(passes, lost, strict=True) if not out])
        self._starts_s = [start for start, _ in windows]
        self._ends_s = [end for _, end in windows]
        self.downlink_bps = downlink_bps
        self.uplink_bps = uplink_bps
        self.frame_loss = frame_loss
        self.delay_s = delay_s
        self.frame_bits = frame_bytes * BITS_PER_BYTE
        self._generators = {d: np.random.default_rng(model_seed(seed, f"radio.{d}")) for d in (DOWN, UP)}
        self._downlink_bits = 0.0
        self._uplink_free_s = 0.0
        self._in_flight: dict[str, deque[tuple[float, bytes]]] = {DOWN: deque(), UP: deque()}
        self.sent = {DOWN: 0, UP: 0}
        self.lost_frames = {DOWN: 0, UP: 0}

    def open(self, t_s: float) -> bool:
        """True while some station sees the satellite at `t_s`."""
        i = bisect.bisect_right(self._starts_s, t_s) - 1
        return i >= 0 and t_s <= self._ends_s[i]

    def next_open_s(self, t_s: float) -> float:
        """When the radio next opens after `t_s` (infinity if it never does)."""
        i = bisect.bisect_right(self._starts_s, t_s)
        return self._starts_s[i] if i < len(self._starts_s) else math.inf

    def open_until_s(self, t_s: float) -> float:
        """The end of the window open at `t_s`: the radio stays open up to it (-infinity if closed now)."""
        i = bisect.bisect_right(self._starts_s, t_s) - 1
        return self._ends_s[i] if i >= 0 and t_s <= self._ends_s[i] else -math.inf

    def next_arrival_s(self, direction: str) -> float:
        """When the next frame in flight in `direction` (DOWN or UP) arrives (infinity if none is)."""
        flight = self._in_flight[direction]
        return flight[0][0] if flight else math.inf

    @property
    def idle(self) -> bool:
        """True when no frame is on its way in either direction."""
        return not (self._in_flight[DOWN] or self._in_flight[UP])

    def downlink_budget(self, frame_s: float) -> int:
        """Whole downlink frames the rate allows over the next `frame_s` seconds."""
        self._downlink_bits += self.downlink_bps * frame_s
        frames = int(self._downlink_bits // self.frame_bits)
        self._downlink_bits -= frames * self.frame_bits
        return frames

    def lost(self, direction: str) -> bool:
        """Whether the next frame in `direction` (DOWN or UP) is lost: one draw of its generator."""
        return self.frame_loss > 0.0 and self._generators[direction].random() < self.frame_loss

    def transmit(self, direction: str, t_s: float, raw: bytes) -> None:
        """Put one frame on the air at `t_s`; unless lost, it arrives after its transmission (uplink
        frames queue behind each other; the downlink's rate is kept by `downlink_budget`) and the delay."""
        self.sent[direction] += 1
        if direction == UP:
            start_s = max(t_s, self._uplink_free_s)
            self._uplink_free_s = start_s + len(raw) * BITS_PER_BYTE / self.uplink_bps
            arrival_s = self._uplink_free_s + self.delay_s
        else:
            arrival_s = t_s + self.delay_s
        if self.lost(direction):
            self.lost_frames[direction] += 1
            return
        self._in_flight[direction].append((arrival_s, raw))

    def state(self) -> dict:
        """What the radio has drawn and counted (generator states as JSON: their 128-bit integers do not
        fit msgpack), not the frames in flight (see `restore`)."""
        return {
            "generators": {d: json.dumps(g.bit_generator.state) for d, g in self._generators.items()},
            "downlink_bits": self._downlink_bits,
            "uplink_free_s": self._uplink_free_s,
            "sent": dict(self.sent),
            "lost_frames": dict(self.lost_frames),
        }

    def restore(self, state: dict) -> None:
        """The radio as `state` describes it, with nothing in flight: frames on the air at a checkpoint
        arrived in the timeline that went on from it, before the run was killed."""
        for direction, generator in self._generators.items():
            generator.bit_generator.state = json.loads(state["generators"][direction])
        self._downlink_bits = state["downlink_bits"]
        self._uplink_free_s = state["uplink_free_s"]
        self.sent = dict(state["sent"])
        self.lost_frames = dict(state["lost_frames"])
        for queue in self._in_flight.values():
            queue.clear()

    def arrived(self, direction: str, t_s: float) -> list[bytes]:
        """The frames in `direction` that have arrived by `t_s`, in order."""
        flight = self._in_flight[direction]
        frames = []
        while flight and flight[0][0] <= t_s:
            frames.append(flight.popleft()[1])
        return frames
