"""Cyclic executive: rate groups of tasks run in fixed minor frames on an injected clock.

Each minor frame (0.1 s by default) runs, in registration order, every group whose period divides
the frame number, then waits on the clock for the next frame. `load` registers the groups of a table
of applications (flight/application.py): each group runs the work the applications put in it, in
the table's order. Onboard time is frame * frame_s,
computed, never accumulated, so it cannot drift. A frame whose work overran its deadline is counted
(`overruns`); when the clock finds itself a whole frame or more past a deadline, the frames whose
period has gone are skipped and counted (`skipped`): time and the world move on, their work is not
run, and nothing runs in a burst to catch up (DESIGN.md, rate groups).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flight.application import Application
from flight.clock import Clock

Task = Callable[[float], None]


@dataclass
class RateGroup:
    name: str
    every_frames: int
    tasks: list[Task] = field(default_factory=list)
    runs: int = 0


class Executive:
    def __init__(self, clock: Clock, frame_s: float = 0.1):
        if not (frame_s > 0.0 and math.isfinite(frame_s)):
            raise ValueError(f"frame_s must be a positive finite number of seconds, got {frame_s}")
        self.clock = clock
        self.frame_s = frame_s
        self.frame = 0
        self.overruns = 0
        self.skipped = 0
        self._to_skip = 0
        self.groups: list[RateGroup] = []

    def add_group(self, name: str, rate_hz: float, tasks: list[Task]) -> RateGroup:
        """Add a group running at `rate_hz`, which must divide the frame rate."""
        if not (rate_hz > 0.0 and math.isfinite(rate_hz)):
            raise ValueError(
                f"rate group {name!r}: rate must be a positive finite number of Hz, got {rate_hz}"
            )
        every = round(1.0 / (rate_hz * self.frame_s))
        if every < 1 or abs(every * rate_hz * self.frame_s - 1.0) > 1e-9:
            raise ValueError(
                f"rate group {name!r}: {rate_hz} Hz does not divide the {1 / self.frame_s:g} Hz frame"
            )
        group = RateGroup(name, every, list(tasks))
        self.groups.append(group)
        return group

    def load(self, rate_groups: Sequence[tuple[str, float]], applications: Sequence[Application]) -> None:
        """Add `rate_groups` ((name, rate in Hz), in frame order), each running the work of `applications`
        in that group in table order; a group no application works in is left out."""
        known = {name for name, _ in rate_groups}
        for application in applications:
            for work in application.work:
                if work.group not in known:
                    raise ValueError(f"application {application.name!r}: no rate group {work.group!r}")
        for name, rate_hz in rate_groups:
            tasks = [w.task for a in applications for w in a.work if w.group == name]
            if tasks:
                self.add_group(name, rate_hz, tasks)

    @property
    def t_s(self) -> float:
        """Onboard time of the next frame to run."""
        return self.frame * self.frame_s

    def run_frames(self, count: int) -> None:
        frame_s = self.frame_s
        groups = self.groups
        wait_until = self.clock.wait_until
        for _ in range(count):
            k = self.frame
            t_s = k * frame_s
            if self._to_skip:
                self._to_skip -= 1
                self.skipped += 1
            else:
                for group in groups:
                    if k % group.every_frames == 0:
                        group.runs += 1
                        for task in group.tasks:
                            task(t_s)
            self.frame = k + 1
            if not wait_until((k + 1) * frame_s):
                self.overruns += 1
                self._to_skip = int(self.clock.late_by_s // frame_s)

    def ran_frames(self, count: int) -> None:
        """`count` frames whose work a fused loop did outside (each frame's groups, the clock advanced):
        onboard time and the groups' run counts move on as if `run_frames` had run them."""
        k = self.frame
        for group in self.groups:
            every = group.every_frames
            group.runs += (k + count - 1) // every - (k - 1) // every
        self.frame = k + count

    def run_until(self, t_end_s: float) -> None:
        """Run frames until onboard time reaches `t_end_s` (rounded to whole frames)."""
        self.run_frames(max(0, round(t_end_s / self.frame_s) - self.frame))
