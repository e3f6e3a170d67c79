"""The imaging planner: which requests to capture, when, in what order, for an agile satellite.

Candidate captures start on the ephemeris table's grid inside each visibility window. Windows that a
slew can link form a pass; a pass is solved by dynamic programming in C (native/flight/access.c) over its
candidates in time order, and a target seen in several passes goes to one of them by iterated
improvement: each pass re-solved with the targets of the others excluded, then perturbations (targets
of one pass forbidden there, their other passes re-solved) kept when they raise the total, an adaptive
large neighbourhood search in miniature. A new request re-solves only the passes it touches.

Slew-and-settle time is a callable of the angle between lines of sight, non-decreasing in the angle
(the ADCS slew model onboard); it is tabulated at 0.1 deg and read upward, so the plan is never tighter
than the callable allows.
"""

import bisect
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from flight.payload.access import EphemerisTable, visibility_windows
from flight.payload.requests import ImagingRequest
from flight.payload.tracker_exclusion import TrackerExclusion
from native import ffi, lib, ptr
from native.geodesy import geodetic_to_ecef_m

SLEW_TABLE_POINTS = 1801  # 0.1 deg
PASS_TRACKS_MIN = 300
PASS_TRACKS_PER_S = 1.0
PASS_WORK_MAX = 1_000_000  # the public instances' largest pass is 0.93e6
PLAN_WORK_MAX = 4_000_000  # a plan of few passes may give each more, up to this shared among them


@dataclass(frozen=True)
class Capture:
    """A planned capture: request, start (s since the table's epoch), duration, the largest off-nadir
    angle over the capture, and the priority it earns."""

    request_id: str
    start_s: float
    duration_s: float
    off_nadir_rad: float
    priority: float


class _Pass:
    """Candidate captures of windows that slews can link, sorted by start, as the C solver takes them."""

    def __init__(self, tracks: list["_Track"]) -> None:
        self.tracks = tracks
        self.t0_s = min(t.start_s[0] for t in tracks)
        self.t1_s = max(t.end_s[-1] for t in tracks)
        self.targets = {t.request for t in tracks}
        start = np.concatenate([t.start_s for t in tracks])
        track = np.concatenate([np.full(len(t.start_s), j, dtype=np.int32) for j, t in enumerate(tracks)])
        order = np.lexsort((track, start))
        self.start_s = np.ascontiguousarray(start[order])
        self.end_s = np.ascontiguousarray(np.concatenate([t.end_s for t in tracks])[order])
        self.value = np.ascontiguousarray(
            np.concatenate([np.full(len(t.start_s), t.priority) for t in tracks])[order]
        )
        self.target = np.ascontiguousarray(
            np.concatenate([np.full(len(t.start_s), t.request, dtype=np.int32) for t in tracks])[order]
        )
        self.track = np.ascontiguousarray(track[order])
        self.los_start = np.ascontiguousarray(np.concatenate([t.los_start for t in tracks])[order])
        self.los_end = np.ascontiguousarray(np.concatenate([t.los_end for t in tracks])[order])
        self.track_node = np.ascontiguousarray(np.argsort(self.track, kind="stable").astype(np.int32))
        counts = np.bincount(self.track, minlength=len(tracks))
        self.track_offset = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
        self.node_sample = np.concatenate([t.samples for t in tracks])[order]
        self._path = np.empty(len(self.start_s), dtype=np.int32)
        self.unique_targets = np.unique(self.target)
        self.work = 0.0  # its candidates times the tracks each can follow (see Planner._thin)
        self.solved_for = b""  # the banned flags of its targets at the last plain solve, and its result
        self.solved_nodes: list[int] = []

    def solve(self, banned: np.ndarray, slew_table: np.ndarray, value: np.ndarray | None = None) -> list[int]:
        """Node indices of the best captures of this pass with the banned targets left out, by the
        node values given (default: the priorities)."""
        length, path_value = ffi.new("int *"), ffi.new("double *")
        value = self.value if value is None else value
        status = lib.zk_plan_pass(
            len(self.start_s), ptr(self.start_s), ptr(self.end_s), ptr(value),
            ffi.from_buffer("int[]", self.target), ffi.from_buffer("int[]", self.track),
            ptr(self.los_start), ptr(self.los_end), len(self.tracks),
            ffi.from_buffer("int[]", self.track_offset), ffi.from_buffer("int[]", self.track_node),
            ffi.from_buffer("unsigned char[]", banned), ptr(slew_table), len(slew_table),
            ffi.from_buffer("int[]", self._path), length, path_value,
        )  # fmt: skip
        if status == lib.ZK_ACCESS_NO_MEMORY:
            raise MemoryError(f"zk_plan_pass: no memory for scratch arrays of {len(self.start_s)} captures")
        return self._path[: length[0]].tolist()


@dataclass
class _Track:
    """The candidate start samples of one request in one visibility window; a pass fills in the lines of
    sight at its starts and ends when it is built (only the kept tracks of a thinned pass get them)."""

    request: int
    priority: float
    samples: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray
    los_start: np.ndarray | None = None
    los_end: np.ndarray | None = None


class Planner:
    """Plans captures of requests over an ephemeris table; `add_request` re-plans incrementally.

    `iterations` bounds the perturbations tried without a gain, `work_budget` the solver work the
    improvement search may spend (passes' candidates times the tracks each can follow, summed over its
    solves: deterministic, as the wall clock is not), `budget_s` its time (`replan_budget_s` after a new
    request); `seed` makes the search reproducible (when the wall-clock budget does not cut it short).
    Captures start on every `start_grid_steps`-th sample of the table (a coarser grid, as some reference
    solvers use). Crowded passes are thinned (`_thin`) so a solve stays bounded. With `exclusion`, a
    candidate start whose capture (or the settle before it) puts the star tracker's boresight in the sun's
    or the Earth's exclusion is left out: the capture is re-timed within its window, or left to another
    pass."""

    def __init__(
        self,
        table: EphemerisTable,
        slew_s: Callable[[float], float],
        *,
        iterations: int = 300,
        budget_s: float = 1.0,
        replan_budget_s: float = 0.03,
        seed: int = 0,
        start_grid_steps: int = 1,
        work_budget: float = math.inf,
        exclusion: TrackerExclusion | None = None,
    ) -> None:
        self.table = table
        self.exclusion = exclusion
        self.start_grid_steps = start_grid_steps
        self.slew_s = slew_s
        angles = np.linspace(0.0, math.pi, SLEW_TABLE_POINTS)
        self.slew_table = np.maximum.accumulate(np.array([float(slew_s(a)) for a in angles]))
        self.slew_max_s = float(self.slew_table[-1])
        self.iterations = iterations
        self.budget_s = budget_s
        self.replan_budget_s = replan_budget_s
        self.work_budget = work_budget
        self.work_spent = 0.0
        self.random = random.Random(seed)
        self.noise = np.random.default_rng(seed)
        self.requests: list[ImagingRequest] = []
        self.ecef_m = np.empty((0, 3))
        self.passes: list[_Pass] = []
        self.choice: list[list[int]] = []  # per pass, its chosen nodes
        self.taken_by = np.empty(0, dtype=np.int64)  # per request, the pass that captures it, or -1

    def plan(self, requests: Sequence[ImagingRequest]) -> list[Capture]:
        """Plan all requests from scratch."""
        self.requests = list(requests)
        ids = [r.id for r in self.requests]
        if len(set(ids)) != len(ids):
            raise ValueError("request ids must be unique")
        self.ecef_m = self._ecef(self.requests)
        tracks = self._tracks(range(len(self.requests)), visibility_windows(self.table, self.requests))
        self.passes = self._group(tracks)
        self.choice = [[] for _ in self.passes]
        self.taken_by = np.full(len(self.requests), -1, dtype=np.int64)
        for p in range(len(self.passes)):
            self._resolve(p)
        self._improve(range(len(self.passes)), self.budget_s)
        return self.captures()

    def add_request(self, request: ImagingRequest) -> list[Capture]:
        """Add one request and re-plan only the passes it can join; the rest of the plan stays."""
        if any(r.id == request.id for r in self.requests):
            raise ValueError(f"request id {request.id!r} is already planned")
        index = len(self.requests)
        self.requests.append(request)
        self.ecef_m = np.vstack((self.ecef_m, self._ecef([request])))
        self.taken_by = np.append(self.taken_by, -1)
        new = self._tracks([index], visibility_windows(self.table, [request]))
        if not new:
            return self.captures()
        lo = min(t.start_s[0] for t in new) - self.slew_max_s
        hi = max(t.end_s[-1] for t in new) + self.slew_max_s
        touched = [p for p, x in enumerate(self.passes) if x.t0_s <= hi and x.t1_s >= lo]
        tracks = new + [t for p in touched for t in self.passes[p].tracks]
        kept = [p for p in range(len(self.passes)) if p not in touched]
        planned = np.concatenate(
            [np.empty(0, dtype=np.int64)]
            + [self._key(self.passes[p], np.array(self.choice[p], dtype=int)) for p in touched]
        )
        regrouped = self._group(tracks)
        old_taken = self.taken_by
        self.passes = [self.passes[p] for p in kept] + regrouped
        self.choice = [self.choice[p] for p in kept] + [[] for _ in regrouped]
        remap = {p: i for i, p in enumerate(kept)}
        self.taken_by = np.array([remap.get(int(p), -1) for p in old_taken], dtype=np.int64)
        changed = range(len(kept), len(self.passes))
        for p in changed:  # the old captures first, so the re-plan can only gain
            x = self.passes[p]
            self._assign(
                p, np.flatnonzero(np.isin(self._key(x, np.arange(len(x.start_s))), planned)).tolist()
            )
            self._resolve(p)
        self._improve(changed, self.replan_budget_s)
        return self.captures()

    def _key(self, x: _Pass, nodes: np.ndarray) -> np.ndarray:
        """One integer per (request, start sample) of the given nodes of a pass."""
        return x.target[nodes].astype(np.int64) * len(self.table) + x.node_sample[nodes]

    def captures(self) -> list[Capture]:
        """The current plan, sorted by start."""
        out = []
        for x, nodes in zip(self.passes, self.choice, strict=True):
            for node in nodes:
                request = self.requests[int(x.target[node])]
                first = int(x.node_sample[node])
                last = first + _steps(request.duration_s, self.table.dt_s)
                off_nadir = self.table.off_nadir_rad(
                    self.ecef_m[int(x.target[node])], np.arange(first, last + 1)
                )
                out.append(
                    Capture(
                        request.id,
                        float(x.start_s[node]),
                        request.duration_s,
                        float(off_nadir.max()),
                        request.priority,
                    )
                )
        return sorted(out, key=lambda c: c.start_s)

    def objective(self) -> float:
        """Sum of the priorities of the planned captures."""
        return float(sum(self.passes[p].value[n] for p, nodes in enumerate(self.choice) for n in nodes))

    # -- the search --

    def _ecef(self, requests: Sequence[ImagingRequest]) -> np.ndarray:
        lat, lon, alt = (np.array([getattr(r, f) for r in requests]) for f in ("lat_rad", "lon_rad", "alt_m"))
        return geodetic_to_ecef_m(lat, lon, alt)

    def _tracks(self, indices: Sequence[int], windows: list[list[tuple[int, int]]]) -> list[_Track]:
        dt, grid = self.table.dt_s, self.start_grid_steps
        tracks = []
        for i, request_windows in zip(indices, windows, strict=True):
            request = self.requests[i]
            steps = _steps(request.duration_s, dt)
            for first, last in request_windows:
                if last - first < steps:
                    continue
                samples = np.arange(-(-first // grid) * grid, last - steps + 1, grid)
                if self.exclusion is not None:
                    samples = self.exclusion.clear_starts(self.table, self.ecef_m[i], samples, steps)
                if not len(samples):
                    continue
                start = samples * dt
                tracks.append(_Track(i, float(request.priority), samples, start, start + request.duration_s))
        return tracks

    def _group(self, tracks: list[_Track]) -> list[_Pass]:
        """Passes: tracks chained in time with gaps shorter than the longest slew, each thinned."""
        groups: list[list[_Track]] = []
        reach = -math.inf
        for track in sorted(tracks, key=lambda t: t.start_s[0]):
            if track.start_s[0] > reach:
                groups.append([])
            groups[-1].append(track)
            reach = max(reach, track.end_s[-1] + self.slew_max_s)
        passes = []
        for group in groups:
            kept = self._thin(group, max(PASS_WORK_MAX, PLAN_WORK_MAX / len(groups)))
            self._fill_los(kept)
            passes.append(_Pass(kept))
            passes[-1].work = _work(kept, self.slew_max_s)
        return passes

    def _thin(self, tracks: list[_Track], work_max: float = PASS_WORK_MAX) -> list[_Track]:
        """A crowded pass cut down to what the per-pass solver can search in bounded time: at most
        PASS_TRACKS_PER_S tracks a second of the pass (PASS_TRACKS_MIN at least), the highest priorities
        kept (ties: the earlier request), then, while its work (candidates times the tracks each can follow)
        exceeds `work_max`, every track's starts taken at a coarser step. A pass of the public instances
        or of a spacecraft's day of requests is far below both, and left as it is."""
        span_s = max(t.end_s[-1] for t in tracks) - min(t.start_s[0] for t in tracks)
        cap = max(PASS_TRACKS_MIN, math.ceil(PASS_TRACKS_PER_S * span_s))
        if len(tracks) > cap:
            best = sorted(range(len(tracks)), key=lambda j: (-tracks[j].priority, tracks[j].request, j))
            tracks = [tracks[j] for j in sorted(best[:cap])]
        work = _work(tracks, self.slew_max_s)
        if work <= work_max:
            return tracks
        step = math.ceil(work / work_max)
        return [
            _Track(t.request, t.priority, t.samples[::step], t.start_s[::step], t.end_s[::step])
            for t in tracks
        ]

    def _fill_los(self, tracks: list[_Track]) -> None:
        """Lines of sight at the starts and ends of the tracks that have none yet, in one vectorised pass."""
        todo = [t for t in tracks if t.los_start is None]
        if not todo:
            return
        sample = np.concatenate([t.samples for t in todo])
        target = np.concatenate([np.full(len(t.samples), t.request) for t in todo])
        duration_s = np.array([self.requests[t.request].duration_s for t in todo])
        end_k = sample + np.repeat(duration_s / self.table.dt_s, [len(t.samples) for t in todo])
        los_start = self.table.los_eci(self.ecef_m[target], sample)
        los_end = self.table.los_eci(self.ecef_m[target], end_k)
        at = 0
        for t in todo:
            n = len(t.samples)
            t.los_start, t.los_end = los_start[at : at + n], los_end[at : at + n]
            at += n

    def _banned(self, p: int, extra: Sequence[int] = ()) -> np.ndarray:
        banned = ((self.taken_by >= 0) & (self.taken_by != p)).astype(np.uint8)
        banned[list(extra)] = 1
        return banned

    def _resolve(self, p: int, extra: Sequence[int] = (), noise: float = 0.0) -> None:
        """Re-solve pass p with the targets of the others (and `extra`) excluded, its priorities perturbed
        by up to +-`noise` (relative) per target; keep the better plan (the new one when excluding)."""
        x = self.passes[p]
        banned = self._banned(p, extra)
        if noise:
            factor = 1.0 + noise * (2.0 * self.noise.random(len(self.requests)) - 1.0)
            nodes = x.solve(banned, self.slew_table, np.ascontiguousarray(x.value * factor[x.target]))
        elif extra:
            nodes = x.solve(banned, self.slew_table)
        else:  # the solver is deterministic: the same exclusions give the same nodes
            key = banned[x.unique_targets].tobytes()
            if key != x.solved_for:
                x.solved_for, x.solved_nodes = key, x.solve(banned, self.slew_table)
                self.work_spent += x.work
            nodes = x.solved_nodes
        if noise or extra:
            self.work_spent += x.work
        if extra or x.value[nodes].sum() > x.value[self.choice[p]].sum() + 1e-9:
            self._assign(p, nodes)

    def _assign(self, p: int, nodes: list[int]) -> None:
        self.taken_by[self.taken_by == p] = -1
        self.choice[p] = nodes
        self.taken_by[self.passes[p].target[nodes]] = p

    def _improve(self, passes: Sequence[int], budget_s: float) -> None:
        """Sweeps until no pass gains, then perturbations around `passes` kept only when the total rises."""
        deadline = time.perf_counter() + budget_s
        self._sweep(passes)
        focus = [p for p in passes if len(self.passes[p].targets) > 1]
        failures = 0
        limit = self.work_spent + self.work_budget
        while (
            focus
            and failures < self.iterations
            and self.work_spent < limit
            and time.perf_counter() < deadline
        ):
            p = self.random.choice(focus)
            chosen = [int(self.passes[p].target[n]) for n in self.choice[p]]
            if not chosen:
                failures += 1
                continue
            saved = (list(self.choice), self.taken_by.copy())
            before = self.objective()
            if self.random.random() < 0.5:
                self._resolve(p, noise=0.2)
            else:
                removed = self.random.sample(chosen, self.random.randint(1, min(3, len(chosen))))
                self._resolve(p, removed)
                neighbours = {
                    q for q, x in enumerate(self.passes) if q != p and x.targets.intersection(removed)
                }
                self._sweep(sorted(neighbours))
            if self.objective() > before + 1e-9:
                failures = 0
            else:
                self.choice, self.taken_by = saved
                failures += 1

    def _sweep(self, passes: Sequence[int]) -> None:
        improved = True
        while improved:
            before = self.objective()
            for p in passes:
                self._resolve(p)
            improved = self.objective() > before + 1e-9


def greedy_plan(
    table: EphemerisTable, requests: Sequence[ImagingRequest], slew_s: Callable[[float], float]
) -> list[Capture]:
    """The priority-greedy baseline: requests by descending priority (ties in the given order), each at
    its earliest start that fits between the captures already placed."""
    planner = Planner(table, slew_s)
    planner.requests = list(requests)
    planner.ecef_m = planner._ecef(planner.requests)
    tracks = planner._tracks(range(len(requests)), visibility_windows(table, planner.requests))
    planner._fill_los(tracks)
    by_request: dict[int, list[_Track]] = {}
    for track in tracks:
        by_request.setdefault(track.request, []).append(track)
    placed: list[tuple[float, float, np.ndarray, np.ndarray, int, int]] = []  # start, end, LOS, track, node

    def slew(a: np.ndarray, b: np.ndarray) -> float:
        return slew_s(math.acos(min(1.0, max(-1.0, float(a @ b)))))

    order = sorted(range(len(requests)), key=lambda i: -requests[i].priority)
    for i in order:
        for track in sorted(by_request.get(i, []), key=lambda t: t.start_s[0]):
            spot = _earliest_fit(track, placed, slew)
            if spot is not None:
                at, k = spot
                entry = (
                    track.start_s[k],
                    track.end_s[k],
                    track.los_start[k],
                    track.los_end[k],
                    i,
                    int(track.samples[k]),
                )
                placed.insert(at, entry)
                break
    captures = []
    for _, _, _, _, i, first in placed:
        request = requests[i]
        samples = np.arange(first, first + _steps(request.duration_s, table.dt_s) + 1)
        off_nadir = float(table.off_nadir_rad(planner.ecef_m[i], samples).max())
        captures.append(
            Capture(request.id, first * table.dt_s, request.duration_s, off_nadir, request.priority)
        )
    return captures


def _earliest_fit(track: _Track, placed: list, slew: Callable) -> tuple[int, int] | None:
    """(position in the timeline, node of the track) of the track's earliest start that fits, or None."""
    starts = [p[0] for p in placed]
    for node, (start, end) in enumerate(zip(track.start_s, track.end_s, strict=True)):
        at = bisect.bisect_left(starts, start)
        if at > 0:
            before = placed[at - 1]
            if start < before[1] + slew(before[3], track.los_start[node]) - 1e-9:
                continue
        if at < len(placed):
            after = placed[at]
            if after[0] < end + slew(track.los_end[node], after[2]) - 1e-9:
                continue
        return at, node
    return None


def _work(tracks: list[_Track], slew_max_s: float) -> float:
    """The per-pass solver's work on these tracks: its candidates times the tracks a candidate can follow
    (those ending within a mean window and the longest slew before it)."""
    span_s = max(t.end_s[-1] for t in tracks) - min(t.start_s[0] for t in tracks)
    reach_s = sum(t.end_s[-1] - t.start_s[0] for t in tracks) / len(tracks) + slew_max_s
    return sum(len(t.samples) for t in tracks) * len(tracks) * min(1.0, reach_s / span_s)


def _steps(duration_s: float, dt_s: float) -> int:
    """Table steps a capture spans: its samples are first .. first + steps (both ends included)."""
    return math.ceil(duration_s / dt_s - 1e-9)
