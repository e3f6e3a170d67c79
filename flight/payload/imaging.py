"""The imaging payload application: requests → plan → timeline → captures → mass memory.

At 1 Hz (`tick`): when the plan is missing or stale and the onboard orbit is known, the orbit estimate is
propagated over the horizon (J2–J4, 1 s samples) and every open request planned; a new request re-plans
incrementally. New requests are queued by the command and taken into the book at the next tick, in one
write; up to INCREMENTAL_ADDS of them (into a book of fewer than BACKGROUND_PLAN_REQUESTS) re-plan
incrementally there, more (a burst) re-plan from scratch. A plan of BACKGROUND_PLAN_REQUESTS open requests
or more is made on a worker thread, outside the 10 Hz frames' budget, from what the payload knew at the
tick that started it, and taken BURST_PLAN_DELAY_S later, at a tick fixed in onboard time (waiting for it
there if it is not ready): a run stays deterministic for its seed.

The timeline runs the next capture: `lead_s` before its start (or as soon as the previous capture ends)
the ADCS is told to track the target, which slews onto it; at the start the payload power is switched on
and the imager opens for the capture's duration; its product goes into mass memory with its metadata, and
the request is captured — or, if the imager's verdict fails quality or the capture could not run (wrong
mode, missed start, the battery below `reserve_soc`, mass memory without room for a product), it waits
for the next plan. With no capture due within `lead_s`, the ADCS returns to nadir.

Slew-and-settle time is the ADCS's own rest-to-rest bang-coast-bang time at its slew limits plus a
settling margin, so the plan never asks the ADCS for a faster slew than it will fly.
"""

import dataclasses
import math
import sys
import threading
from collections.abc import Callable

import numpy as np

from flight.adcs.attitude_loop import AttitudeLoop
from flight.adcs.estimator import AttitudeEstimator
from flight.adcs.modes import Mode
from flight.events import EventLog
from flight.payload.access import EphemerisTable
from flight.payload.attitude_smoothing import CaptureAttitude
from flight.payload.budgets import Budgets, within_budgets
from flight.payload.downlink_windows import OnboardStation, downlink_windows
from flight.payload.events import CAPTURE_DONE, CAPTURE_FAILED
from flight.payload.footprint import FootprintSamples
from flight.payload.mass_memory import MassMemory, MassMemoryFullError
from flight.payload.planner import Capture, Planner
from flight.payload.request_book import BookEntry, RequestBook, RequestState
from flight.payload.requests import EARTH_RADIUS_M, ImagingRequest
from flight.payload.tracker_exclusion import TrackerExclusion
from hal.devices import Imager, PowerSystem
from native import ffi, lib, ptr
from native.earth_model import MU_EARTH_M3_S2, force_model
from native.time_scales import SECONDS_PER_DAY

PAYLOAD_LOAD = "payload"
PAYLOAD_POWER_W = 80.0
PRODUCT_BYTES_MAX = 4 << 20
"""Room a capture needs in mass memory (a quicklook product is ~0.1 MB; margin for the full product)."""
HALF_SWATH_RAD = 0.5 * 20000 * 1e-6
"""The detector's half field across: 20,000 pixels of 1 urad (5.5 um pixels, 5.5 m focal length)."""
POINTING_MODES = (Mode.NOMINAL, Mode.IMAGING)  # the ADCS modes from which it can track a target
PLAN_STEP_S = 1.0
SETTLE_S = 30.0
INCREMENTAL_ADDS = 1
"""New requests of one tick re-planned incrementally; more re-plan from scratch (1,000 incremental re-plans,
each also writing the whole book, froze the 10 Hz loop for 25 s)."""
BACKGROUND_PLAN_REQUESTS = 64
"""Open requests from which a plan is made on the worker thread (an incremental re-plan with 1,000
planned takes ~30 ms, a plan from scratch seconds)."""
BURST_PLAN_DELAY_S = 30.0
"""From the tick that starts a plan on the worker thread to the tick that takes it: a day's plan of 1,000
requests takes ~2 s of a loaded core, the 10 Hz loop sharing it."""
PLAN_SWITCH_INTERVAL_S = 0.0005
"""The interpreter's thread switch interval while the worker plans (default 5 ms: the flight thread, woken
for its frame, would wait up to that for the interpreter, as late as an overrun counts)."""
"""Settling after a slew before a capture may start: the pointing loop (0.15 rad/s, damping 0.8) needs
~4/(zeta omega) = 33 s to bring the rate error of a slew's end under the 0.5 px smear of a capture."""


ONBOARD_WORK_BUDGET = 3e7
"""Solver work an onboard plan's improvement may spend (flight/payload/planner.py): a plan of the 30 eastern
European requests of the example spends ~1e7 within its 60 iterations; 1,000 clustered requests would
spend minutes without it."""


def onboard_planner(
    table: EphemerisTable,
    slew_s: Callable[[float], float],
    seed: int,
    exclusion: TrackerExclusion | None = None,
) -> Planner:
    """The planner as flown: its search bounded by iterations, never by the wall clock, so a loaded
    machine flies the same plan as an idle one (a run is reproducible for its seed); captures that would
    blind the star tracker (`exclusion`) re-timed or left out."""
    return Planner(
        table, slew_s, budget_s=math.inf, replan_budget_s=math.inf, iterations=60, seed=seed,
        work_budget=ONBOARD_WORK_BUDGET, exclusion=exclusion,
    )  # fmt: skip


def relative_request(
    request: ImagingRequest, t0_s: float, altitude_m: float, earliest_s: float | None = None
) -> ImagingRequest:
    """The request with its window in the time of the plan made at t0_s (seconds since its first sample),
    starting no earlier than onboard time `earliest_s` when given. A strip is planned at its middle, its
    off-nadir limit narrowed by the angle its half-length can subtend from `altitude_m`, so that its ends
    keep within the limit too."""
    start_s = request.window_start_s
    if earliest_s is not None:
        start_s = earliest_s if start_s is None else max(start_s, earliest_s)
    lat_rad, lon_rad = request.centre()
    margin_rad = math.atan2(request.half_length_m(), max(altitude_m, 1.0))
    return dataclasses.replace(
        request,
        lat_rad=lat_rad,
        lon_rad=lon_rad,
        max_off_nadir_rad=max(0.0, request.max_off_nadir_rad - margin_rad),
        window_start_s=None if start_s is None else start_s - t0_s,
        window_end_s=None if request.window_end_s is None else request.window_end_s - t0_s,
    )


@dataclasses.dataclass
class _PlanJob:
    """A plan from scratch: what it starts from (made on the flight thread) and what `compute` makes of it
    (the ephemeris table, downlink windows, planner and captures; on the worker thread for a burst)."""

    t0_s: float
    orbit: object  # zk_orbit *, a copy of the estimate at t0_s
    v_m_s: float
    requests: list[ImagingRequest]  # as in the book: `compute` puts them in the plan's time
    earliest_s: float
    altitude_m: float
    r0_eci_m: np.ndarray | None = None
    planner: Planner | None = None
    windows: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    captures: list[Capture] = dataclasses.field(default_factory=list)
    error: BaseException | None = None

    def compute(self, payload: "ImagingPayload") -> None:
        """Uses only the payload's fixed configuration (horizon, epoch, slew model, forces, stations)."""
        try:
            n = int(payload.horizon_s / PLAN_STEP_S) + 1
            r_eci_m = np.empty((n, 3))
            lib.zk_orbit_table(self.orbit, payload._forces, PLAN_STEP_S, n, ptr(r_eci_m))
            table = EphemerisTable(payload.epoch_jd_utc + self.t0_s / SECONDS_PER_DAY, PLAN_STEP_S, r_eci_m)
            self.r0_eci_m = r_eci_m[0].copy()
            self.planner = onboard_planner(table, payload.slew_s, payload.seed, payload.tracker_exclusion)
            self.windows = downlink_windows(table, payload.stations)
            requests = [
                relative_request(r, self.t0_s, self.altitude_m, self.earliest_s) for r in self.requests
            ]
            self.captures = self.planner.plan(requests)
        except Exception as failure:  # raised again on the flight thread when taken
            self.error = failure


@dataclasses.dataclass
class _BurstPlan:
    due_s: float
    job: _PlanJob
    worker: threading.Thread
    switch_interval_s: float


@dataclasses.dataclass
class _Georeferencing:
    """A collected product waiting for the star tracker's readings after its capture: its data and
    metadata, its attitude record, the onboard orbit at its ticks, mid-capture time and target height."""

    capture: Capture
    data: bytes
    metadata: dict
    record: CaptureAttitude | None
    r_eci: list[tuple[float, np.ndarray]]
    t_mid_s: float
    height_m: float


@dataclasses.dataclass
class TimelineCounts:
    plans: int = 0
    captures_started: int = 0
    captures_good: int = 0
    captures_failed: int = 0
    captures_missed: int = 0
    captures_deferred: int = 0
    products_lost: int = 0


class ImagingPayload:
    """`book` and `memory` live on the flight software's storage; `epoch_jd_utc` ties onboard time to UTC."""

    def __init__(
        self,
        attitude: AttitudeLoop,
        imager: Imager,
        power: PowerSystem,
        events: EventLog,
        book: RequestBook,
        memory: MassMemory,
        epoch_jd_utc: float,
        horizon_s: float = SECONDS_PER_DAY,
        replan_every_s: float = 3.0 * 3600.0,
        lead_s: float = 120.0,
        reserve_soc: float = 0.35,
        stations: tuple[OnboardStation, ...] = (),
        downlink_bytes_s: float = 250e3,
        energy_per_orbit_j: float = 20.0 * 3600.0,
        seed: int = 0,
    ) -> None:
        self.attitude = attitude
        self.imager = imager
        self.power = power
        self.reserve_soc = reserve_soc
        self.stations = list(stations)
        self.downlink_bytes_s = downlink_bytes_s
        self.energy_per_orbit_j = energy_per_orbit_j
        self.windows: list[tuple[float, float]] = []  # predicted downlink windows, onboard time
        self._plan_windows: list[tuple[float, float]] = []  # the same in the plan's time
        self._orbit_s = 5700.0  # the orbit's period, from the estimate at each plan
        self.events = events
        self.book = book
        self.memory = memory
        self.epoch_jd_utc = epoch_jd_utc
        self.horizon_s = horizon_s
        self.replan_every_s = replan_every_s
        self.lead_s = lead_s
        self.seed = seed
        join = attitude.join  # its limits are the ADCS's tunable slew limits: plan with what it flies
        self.slew_s: Callable[[float], float] = lambda angle: (
            SETTLE_S + lib.zk_slew_time(angle, join.rate_max_rad_s, join.accel_max_rad_s2)
        )
        self.product_bytes_max = PRODUCT_BYTES_MAX
        self.counts = TimelineCounts()
        self.planner: Planner | None = None
        self.plan_t0_s = 0.0
        self.planned_at_s = -math.inf
        self.timeline: list[Capture] = []
        self._tracking: Capture | None = None
        self._capturing: Capture | None = None
        self._pointing = False  # the ADCS tracks a target because this application asked it to
        self._footprint: FootprintSamples | None = None  # the onboard state at each tick of the capture
        self._record: CaptureAttitude | None = None  # the capture's attitude record, for smoothing
        self._capture_r_eci: list[tuple[float, np.ndarray]] = []  # the onboard orbit at its ticks
        self._georeferencing: list[_Georeferencing] = []  # collected, waiting for star-tracker readings
        config = attitude.config
        self.tracker_exclusion = TrackerExclusion.from_mount(
            config.star_tracker_q_bs,
            config.star_tracker_sun_exclusion_rad,
            config.star_tracker_earth_exclusion_rad,
        )
        self._backward = AttitudeEstimator(
            config.gyro,
            config.star_tracker_q_bs,
            config.star_tracker_cross_rad,
            config.star_tracker_about_rad,
            restart_after=0,
        )
        self.product_hooks: list[Callable[[dict], None]] = []
        """Called with each product's metadata before it is stored (a mission runner annotates it)."""
        self._orbit = ffi.new("zk_orbit *")
        self._forces = force_model(zonal_degree=4)
        self._lost_seen = 0  # of memory.lost: found on opening the memory, or later on a read
        self._queued: dict[str, ImagingRequest] = {}  # accepted, into the book at the next tick
        self._burst: _BurstPlan | None = None
        self._take_lost(0.0)

    # ---- flight APIs (the payload-request service is bound to these) ----

    def add_request(self, t_s: float, request: ImagingRequest) -> bool:
        """Queue a request for the book (False when the book is full): the next tick takes it in."""
        known = request.id in self.book.entries or request.id in self._queued
        if not known and len(self.book) + len(self._queued) >= self.book.capacity:
            return False
        self._queued[request.id] = request
        return True

    def book_entries(self) -> list[BookEntry]:
        """The book as the ground sees it: its entries, and the requests accepted since the last tick
        (queued, not yet in it) as waiting — a report right after an add lists the request."""
        listed = dict(self.book.entries)
        for request_id, request in self._queued.items():
            listed[request_id] = BookEntry(request)
        return list(listed.values())

    def delete_request(self, t_s: float, request_id: str) -> bool:
        if self._queued.pop(request_id, None) is not None and request_id not in self.book.entries:
            return True
        if not self.book.delete(request_id):
            return False
        self.timeline = [c for c in self.timeline if c.request_id != request_id]
        return True

    def replan(self, t_s: float) -> None:
        self.planned_at_s = -math.inf

    def activities(self) -> list[tuple[str, float, str]]:
        """The timeline as time-tagged activities (kind, onboard time, request): `point` (the ADCS
        told to slew onto the target, then settle), `capture_on`, `capture_off`, and the predicted
        `downlink_on` / `downlink_off` of the stations' passes (no request), in time order."""
        out: list[tuple[str, float, str]] = []
        previous_end_s = -math.inf
        for capture in self.timeline:
            point_s = max(previous_end_s, capture.start_s - self.lead_s)
            end_s = capture.start_s + capture.duration_s
            out += [
                ("point", point_s, capture.request_id),
                ("capture_on", capture.start_s, capture.request_id),
                ("capture_off", end_s, capture.request_id),
            ]
            previous_end_s = end_s
        for start_s, end_s in self.windows:
            out += [("downlink_on", start_s, ""), ("downlink_off", end_s, "")]
        return sorted(out, key=lambda a: a[1])

    # ---- 1 Hz ----

    def tick(self, t_s: float) -> None:
        if self._queued:
            self._take_queued(t_s)
        if self._burst is not None and t_s >= self._burst.due_s:
            self._take_burst_plan()
        if len(self.memory.lost) > self._lost_seen:
            self._take_lost(t_s)
        if self._capturing is not None:
            self._sample_footprint(t_s)
            self._collect(t_s)
        if self._georeferencing:
            self._store_georeferenced(t_s)
        if not self.book.entries and not self.timeline and not self._pointing:
            return  # nothing asked for, nothing under way: a second of a spacecraft without requests
        stale = t_s - self.planned_at_s >= self.replan_every_s
        # Not while the ADCS is out of its pointing modes (SUN_SAFE, DETUMBLE): no capture can be flown
        # then, and a plan made there would only be missed capture by capture, each re-planning at once.
        pointing = self.attitude.mode in POINTING_MODES
        if (
            stale
            and self._burst is None
            and pointing
            and self._capturing is None
            and not self._georeferencing
            and self.attitude.orbit.valid
            and self.book.open_requests()
        ):
            self._plan(t_s)
        self._run_timeline(t_s)

    # ---- inside ----

    def _plan(self, t_s: float) -> None:
        """Propagate the onboard orbit over the horizon and plan every open request from scratch: here, or
        for BACKGROUND_PLAN_REQUESTS or more, on the worker thread (`_start_burst_plan`)."""
        if len(self.book.open_requests()) >= BACKGROUND_PLAN_REQUESTS:
            self._start_burst_plan(t_s)
            return
        # The planner knows nothing of where the ADCS points now, so a new plan's first capture must
        # leave it the longest slew-and-settle; without this, a re-plan after a failed capture put the
        # next capture a second or two ahead, which then failed quality (shot mid-slew) or was missed,
        # and re-planned again, capture after capture. The capture being tracked (the ADCS is already
        # on its way to it) is kept, and the new plan starts after it.
        job = self._plan_job(t_s, t_s)
        job.compute(self)
        self._take_plan(job)

    def _plan_job(self, t_s: float, from_s: float) -> "_PlanJob":
        """A plan from scratch made at t_s from the orbit estimate there, its captures starting no sooner
        than the longest slew-and-settle after `from_s` and after the capture being tracked."""
        estimate = self.attitude.orbit
        estimate.propagate_to(t_s)
        self._orbit.r_eci[0:3] = estimate.r_eci_c[0:3]
        self._orbit.v_eci[0:3] = estimate.v_eci_c[0:3]
        kept = [c for c in self.timeline if c is self._tracking]
        earliest_s = max([from_s] + [c.start_s + c.duration_s for c in kept]) + self.slew_s(math.pi)
        taken = {c.request_id for c in kept}
        return _PlanJob(
            t_s,
            ffi.new("zk_orbit *", self._orbit[0]),
            float(np.linalg.norm(estimate.v_eci)),
            [r for r in self.book.open_requests() if r.id not in taken],
            earliest_s,
            float(np.linalg.norm(estimate.r_eci)) - EARTH_RADIUS_M,
        )

    def _take_plan(self, job: "_PlanJob") -> None:
        """Adopt a computed job: its planner, downlink windows, orbit period and captures."""
        t_s = job.t0_s
        kept = [c for c in self.timeline if c is self._tracking]
        self.planner = job.planner
        self._plan_windows = job.windows
        self.windows = [(a_s + t_s, b_s + t_s) for a_s, b_s in self._plan_windows]
        r_m, v_m_s = np.linalg.norm(job.r0_eci_m), job.v_m_s
        self._orbit_s = (
            2.0 * math.pi * math.sqrt((1.0 / (2.0 / r_m - v_m_s**2 / MU_EARTH_M3_S2)) ** 3 / MU_EARTH_M3_S2)
        )
        self.plan_t0_s = t_s
        self.planned_at_s = t_s
        planned = job.captures
        if kept:  # a burst's plan, taken later than made: after the capture tracked now, of open requests
            after_s = kept[0].start_s + kept[0].duration_s + self.slew_s(math.pi) - t_s
            planned = [c for c in planned if c.start_s >= after_s and c.request_id != kept[0].request_id]
        open_ids = {r.id for r in self.book.open_requests()}
        planned = [c for c in planned if c.request_id in open_ids]
        self._adopt([dataclasses.replace(c, start_s=c.start_s - t_s) for c in kept] + planned)
        self.counts.plans += 1

    def _take_queued(self, t_s: float) -> None:
        """The queued requests into the book, in one write, and into the plan: incrementally when few,
        else by a plan from scratch."""
        queued = list(self._queued.values())
        self._queued.clear()
        with self.book.one_write():
            for request in queued:
                self.book.add(request)
        planned = set() if self.planner is None else {r.id for r in self.planner.requests}
        if (
            self._burst is None
            and self.planner is not None
            and len(queued) <= INCREMENTAL_ADDS
            and len(self.book) < BACKGROUND_PLAN_REQUESTS
            and not planned.intersection(r.id for r in queued)
        ):
            for request in queued:  # no sooner than the longest slew-and-settle from now (see `_plan`)
                earliest_s = t_s + self.slew_s(math.pi)
                self._adopt(self.planner.add_request(self._relative(request, earliest_s)))
        else:
            self.planned_at_s = -math.inf

    def _start_burst_plan(self, t_s: float) -> None:
        """Plan every open request on the worker thread, to be taken at a fixed later tick."""
        due_s = t_s + BURST_PLAN_DELAY_S
        job = self._plan_job(t_s, due_s)
        worker = threading.Thread(target=job.compute, args=(self,), name="imaging-plan", daemon=True)
        self._burst = _BurstPlan(due_s, job, worker, sys.getswitchinterval())
        self.planned_at_s = t_s
        sys.setswitchinterval(PLAN_SWITCH_INTERVAL_S)
        worker.start()

    def _take_burst_plan(self) -> None:
        burst, self._burst = self._burst, None
        burst.worker.join()
        sys.setswitchinterval(burst.switch_interval_s)
        if burst.job.error is not None:
            raise burst.job.error
        stale = self.planned_at_s == -math.inf  # requests came, or a capture failed, while it planned
        self._take_plan(burst.job)
        if stale:
            self.planned_at_s = -math.inf

    def _relative(self, request: ImagingRequest, earliest_s: float | None = None) -> ImagingRequest:
        """The request in the current plan's time (see `relative_request`), from the orbit estimate now."""
        altitude_m = float(np.linalg.norm(self.attitude.orbit.r_eci)) - EARTH_RADIUS_M
        return relative_request(request, self.plan_t0_s, altitude_m, earliest_s)

    def _adopt(self, captures: list[Capture]) -> None:
        """Take the planner's captures, held to the memory and energy budgets (those deferred wait for a
        later plan), as the timeline (onboard times). A capture being tracked stays tracked if the plan
        kept it; otherwise the ADCS is re-pointed for whatever comes first."""
        t0 = self.plan_t0_s
        budgets = Budgets(
            free_bytes=self.memory.free_bytes,
            product_bytes=self.product_bytes_max,
            downlink_bytes_s=self.downlink_bytes_s,
            payload_power_w=PAYLOAD_POWER_W,
            energy_per_orbit_j=self.energy_per_orbit_j,
            orbit_s=self._orbit_s,
            lead_s=SETTLE_S,
        )
        kept, deferred = within_budgets(
            sorted(captures, key=lambda c: c.start_s), self._plan_windows, budgets
        )
        self.counts.captures_deferred += len(deferred)
        self.timeline = [dataclasses.replace(c, start_s=c.start_s + t0) for c in kept]
        tracked = self._tracking
        self._tracking = next(
            (
                c
                for c in self.timeline
                if tracked and (c.request_id, c.start_s) == (tracked.request_id, tracked.start_s)
            ),
            None,
        )
        with self.book.one_write():
            for capture in self.timeline:
                if self.book.entries[capture.request_id].state == RequestState.WAITING:
                    self.book.set_state(capture.request_id, RequestState.PLANNED)

    def _run_timeline(self, t_s: float) -> None:
        if self._capturing is not None:
            return
        while self.timeline and self.timeline[0].start_s < t_s:
            missed = self.timeline.pop(0)
            if missed is self._tracking:
                self._tracking = None
            self.counts.captures_missed += 1
            self._fail(t_s, missed.request_id, "start missed")
        if not self.timeline:
            self._idle(t_s)
            return
        capture = self.timeline[0]
        # (asked only in a pointing mode: elsewhere the ADCS refuses, and would log it every second)
        pointing = self.attitude.mode in POINTING_MODES
        if self._tracking is not capture and capture.start_s - t_s <= self.lead_s and pointing:
            request = self.book.entries[capture.request_id].request
            if self._point_at(t_s, request, capture):
                self._tracking = capture
                self._pointing = True
        if capture.start_s <= t_s and self._tracking is capture:
            request = self.book.entries[capture.request_id].request
            self.timeline.pop(0)
            refusal = self._budget_refusal()
            if refusal:
                self._fail(t_s, request.id, refusal)
            elif self.imager.start(
                request.id,
                capture.duration_s,
                request.lat_rad,
                request.lon_rad,
                request.alt_m,
                (request.end_lat_rad, request.end_lon_rad) if request.is_strip else None,
            ):
                self.power.switch(PAYLOAD_LOAD, True)
                self._capturing = capture
                self._footprint = FootprintSamples(self.epoch_jd_utc, HALF_SWATH_RAD, request.alt_m)
                self._record = CaptureAttitude(capture.start_s + capture.duration_s)
                self._ancillary(t_s)
                self.attitude.ancillary = self._ancillary
                self.counts.captures_started += 1
            else:
                self._fail(t_s, request.id, "imager refused")
        elif not self.timeline or self.timeline[0].start_s - t_s > self.lead_s:
            self._idle(t_s)

    def _point_at(self, t_s: float, request: ImagingRequest, capture: Capture) -> bool:
        """Tell the ADCS to track the target, or to scan the strip over the capture's interval."""
        if not request.is_strip:
            return self.attitude.image(t_s, request.lat_rad, request.lon_rad, request.alt_m)
        end_s = capture.start_s + capture.duration_s
        return self.attitude.image_strip(
            t_s, request.lat_rad, request.lon_rad, request.end_lat_rad, request.end_lon_rad, request.alt_m,
            capture.start_s, end_s,
        )  # fmt: skip

    def _budget_refusal(self) -> str:
        """Why a capture may not start now (energy or memory), or ""."""
        if self.power.sample() and self.power.battery_soc < self.reserve_soc:
            return f"battery at {self.power.battery_soc:.2f}, below the {self.reserve_soc:.2f} reserve"
        if self.memory.free_bytes < self.product_bytes_max:
            return "mass memory full"
        return ""

    def _idle(self, t_s: float) -> None:
        """No capture due soon: back to nadir — if the imaging was this application's, not the ground's."""
        self._tracking = None
        if self._pointing and self.attitude.mode == Mode.IMAGING:
            self.attitude.request_mode(t_s, Mode.NOMINAL)
        self._pointing = False

    def _ancillary(self, t_s: float) -> None:
        """Each ADCS tick while a capture is open or a product waits for its smoothing: the footprint
        samples and the attitude records."""
        self._sample_footprint(t_s)
        attitude = self.attitude
        estimator = attitude.estimator
        if not estimator.initialised:
            return
        reading = attitude.star_tracker.q_ib if attitude.star_reading_taken else None
        records = [g.record for g in self._georeferencing]
        if self._record is not None:
            records.append(self._record)
        for record in records:
            if not record.t_s or record.t_s[-1] < t_s:
                record.add(t_s, attitude.w_step_b, reading, estimator.q_ib, estimator.covariance)

    def _sample_footprint(self, t_s: float) -> None:
        """The onboard orbit and attitude estimates now, while the capture's lines are being taken."""
        capture, samples = self._capturing, self._footprint
        if samples is None or t_s > capture.start_s + capture.duration_s or samples.t_s[-1:] == [t_s]:
            return
        orbit, estimator = self.attitude.orbit, self.attitude.estimator
        if orbit.valid and estimator.initialised:
            orbit.propagate_to(t_s)
            samples.add(t_s, orbit.r_eci, estimator.q_ib)
            self._capture_r_eci.append((t_s, np.array(orbit.r_eci)))

    def _collect(self, t_s: float) -> None:
        """Take a finished product into mass memory and judge its request."""
        if self._capturing is None:
            return
        self.imager.sample()
        product = self.imager.collect()
        if product is None:
            return
        capture, self._capturing = self._capturing, None
        self._tracking = None
        self.power.switch(PAYLOAD_LOAD, False)
        metadata = {**product.metadata, "request_id": capture.request_id, "planned_start_s": capture.start_s}
        t_mid_s = 0.5 * (product.metadata["t_start_s"] + product.metadata["t_end_s"])
        realtime = self._footprint.footprint(t_mid_s) if self._footprint else None
        metadata["onboard_footprint_realtime"] = realtime
        metadata["onboard_footprint"] = realtime
        height_m = self._footprint.height_m if self._footprint else 0.0
        waiting = _Georeferencing(
            capture, product.data, metadata, self._record, self._capture_r_eci, t_mid_s, height_m
        )
        self._footprint, self._record, self._capture_r_eci = None, None, []
        self._georeferencing.append(waiting)
        self._store_georeferenced(t_s)

    def _store_georeferenced(self, t_s: float) -> None:
        """Store the products whose attitude can be smoothed now (their onboard footprint from it), and
        judge their requests."""
        done = [g for g in self._georeferencing if g.record is None or g.record.ready(t_s)]
        if not done:
            return
        self._georeferencing = [g for g in self._georeferencing if g not in done]
        if not self._georeferencing and self._capturing is None:
            self.attitude.ancillary = None
        for waiting in done:
            self._smooth(waiting)
            self._store(t_s, waiting.capture, waiting.data, waiting.metadata)

    def _smooth(self, waiting: "_Georeferencing") -> None:
        """The product's onboard footprint from the smoothed attitude (`attitude_smoothing`)."""
        record = waiting.record
        if record is None or not record.q_f or waiting.metadata["onboard_footprint"] is None:
            return
        q_smooth = record.smoothed(self._backward, self.attitude.estimator.bias_b)
        samples = FootprintSamples(self.epoch_jd_utc, HALF_SWATH_RAD, waiting.height_m)
        by_time = dict(waiting.r_eci)
        for t_s, q_ib in zip(record.t_s, q_smooth, strict=False):
            if t_s in by_time:
                samples.add(t_s, by_time[t_s], q_ib)
        footprint = samples.footprint(waiting.t_mid_s)
        if footprint is not None:
            waiting.metadata["onboard_footprint"] = footprint

    def _store(self, t_s: float, capture: Capture, data: bytes, metadata: dict) -> None:
        """Into mass memory, and the request judged by the product's quality."""
        entry = self.book.entries.get(capture.request_id)
        attempt = 1 if entry is None else entry.attempts + 1
        for hook in self.product_hooks:
            hook(metadata)
        try:
            self.memory.store(f"{capture.request_id}-{attempt}", data, metadata)
        except (MassMemoryFullError, OSError) as problem:
            self._fail(t_s, capture.request_id, f"not stored: {problem}")
            return
        if entry is None:
            return
        if metadata.get("quality_ok", False):
            self.book.set_state(capture.request_id, RequestState.CAPTURED, attempted=True)
            self.counts.captures_good += 1
            CAPTURE_DONE.raise_(self.events, t_s, request_id=capture.request_id)
        else:
            self.book.set_state(capture.request_id, RequestState.WAITING, attempted=True)
            self.counts.captures_failed += 1
            CAPTURE_FAILED.raise_(self.events, t_s, request_id=capture.request_id, why="quality")
            self._requeue(capture.request_id)

    def _fail(self, t_s: float, request_id: str, why: str) -> None:
        if request_id in self.book.entries:
            self.book.set_state(request_id, RequestState.WAITING)
        CAPTURE_FAILED.raise_(self.events, t_s, request_id=request_id, why=why)
        self._requeue(request_id)

    def _take_lost(self, t_s: float) -> None:
        """Products the mass memory lost (damaged on opening, or on a read for the downlink): their
        requests are captured again. A request marked captured goes back to waiting unless another good
        product of it is still on board — before, only a re-plan was asked for, and a captured request
        whose product was lost stayed captured, out of every plan, its image gone for good. (A lost
        product may be a failed attempt whose good one was downlinked already; capturing again is the
        safe side.)"""
        memory = self.memory
        for product_id in memory.lost[self._lost_seen :]:
            self.counts.products_lost += 1
            request_id = product_id.rsplit("-", 1)[0]
            entry = self.book.entries.get(request_id)
            if entry is None:
                continue
            kept = [memory.product(p) for p in memory.pending() if p.rsplit("-", 1)[0] == request_id]
            if entry.state == RequestState.CAPTURED and not any(
                p.metadata.get("quality_ok", False) for p in kept if p is not None
            ):
                self.book.set_state(request_id, RequestState.WAITING)
            CAPTURE_FAILED.raise_(self.events, t_s, request_id=request_id, why=f"product {product_id} lost")
            self._requeue(request_id)
        self._lost_seen = len(memory.lost)

    def _requeue(self, request_id: str) -> None:
        """A request to capture again: the next plan (made at once) takes it."""
        if request_id in self.book.entries:
            self.planned_at_s = -math.inf
