"""flight/executive.py and flight/clock.py: rate groups, onboard time, and the two clocks.

References are the definitions themselves, written independently here: a group of rate f in a
frame of frame_s runs in every frame k with k mod (1 / (f frame_s)) = 0; onboard time of frame k is
k * frame_s computed in one multiplication; a wall clock sleeps until start + (k + 1) frame_s. The
wall clock runs on an injected fake time source, so no test sleeps.
"""

import math

import pytest

from flight.clock import SimClock, WallClock
from flight.executive import Executive

FRAME_S = 0.1
TIME_TOL_S = 1e-9  # round-off of sums of ~1000 s of fake monotonic time


def recorder(log: list, label: str):
    """A task that logs (label, onboard time) each time it runs."""
    return lambda t_s: log.append((label, t_s))


def test_rate_groups_run_at_their_rates_in_registration_order():
    log: list[tuple[str, float]] = []
    ex = Executive(SimClock(), FRAME_S)
    fast = ex.add_group("attitude", 10.0, [recorder(log, "a1"), recorder(log, "a2")])
    slow = ex.add_group("housekeeping", 1.0, [recorder(log, "hk")])
    mid = ex.add_group("payload", 2.0, [recorder(log, "pl")])
    ex.run_frames(20)

    assert (fast.every_frames, slow.every_frames, mid.every_frames) == (1, 10, 5)
    assert (fast.runs, slow.runs, mid.runs) == (20, 2, 4)
    expected = []
    for k in range(20):
        labels = ["a1", "a2"] + (["hk"] if k % 10 == 0 else []) + (["pl"] if k % 5 == 0 else [])
        expected += [(label, k * FRAME_S) for label in labels]
    assert log == expected


@pytest.mark.parametrize("rate_hz, every_frames", [(10.0, 1), (5.0, 2), (1.0, 10), (0.5, 20), (0.1, 100)])
def test_rates_dividing_the_frame_rate_are_accepted(rate_hz, every_frames):
    assert Executive(SimClock(), FRAME_S).add_group("g", rate_hz, []).every_frames == every_frames


@pytest.mark.parametrize("rate_hz", [3.0, 4.0, 7.0, 0.3, 20.0, 15.0, 0.0, -1.0, math.nan, math.inf])
def test_rate_not_dividing_the_frame_rate_is_rejected_with_value_error(rate_hz):
    ex = Executive(SimClock(), FRAME_S)
    with pytest.raises(ValueError, match="rate group 'odd'"):
        ex.add_group("odd", rate_hz, [])
    assert ex.groups == []


@pytest.mark.parametrize("frame_s", [0.0, -0.1, math.nan, math.inf])
def test_invalid_frame_length_is_rejected(frame_s):
    with pytest.raises(ValueError, match="frame_s"):
        Executive(SimClock(), frame_s)


def test_onboard_time_is_frame_times_frame_s_without_accumulation():
    """After 10^6 frames of 0.1 s onboard time is exactly 1e5 s; summing 0.1 s would be off by ~1e-6 s."""
    n_frames = 10**6
    mismatches = []
    ends: list[float] = []
    ex = Executive(SimClock(ends.append), FRAME_S)

    def check(t_s: float) -> None:
        if t_s != ex.frame * FRAME_S:
            mismatches.append((ex.frame, t_s))

    ex.add_group("attitude", 10.0, [check])
    ex.run_frames(n_frames)

    assert mismatches == []
    assert ex.t_s == 1e5
    assert ends[-1] == 1e5
    accumulated_s = 0.0
    for _ in range(n_frames):
        accumulated_s += FRAME_S
    assert accumulated_s != 1e5  # the drift a computed time avoids


def test_sim_clock_advances_to_each_frame_end_after_the_frame_work():
    log: list[tuple[str, float]] = []
    clock = SimClock(lambda t_s: log.append(("advance", t_s)))
    ex = Executive(clock, FRAME_S)
    ex.add_group("attitude", 10.0, [recorder(log, "task")])
    ex.run_frames(4)
    expected = [event for k in range(4) for event in (("task", k * FRAME_S), ("advance", (k + 1) * FRAME_S))]
    assert log == expected
    assert clock.t_s == 4 * FRAME_S
    assert ex.overruns == 0


class FakeTime:
    """Injected monotonic clock and sleep: sleeping (or working) moves time on, instantly."""

    def __init__(self, start_s: float = 1000.0):
        self.now_s = start_s
        self.sleeps_s: list[float] = []

    def monotonic(self) -> float:
        return self.now_s

    def sleep(self, duration_s: float) -> None:
        self.sleeps_s.append(duration_s)
        self.now_s += duration_s


def test_wall_clock_sleeps_remaining_time_and_counts_late_frames_as_overruns():
    """Deadlines are start + (k + 1) frame_s. Work per frame (s) and the expected outcome:

    frame 0: 0.03 -> sleep 0.07; 1: 0 -> sleep 0.1; 2: 0.25 -> 0.15 s late (overrun);
    3: 0 -> still 0.05 s late (overrun, catching up, no sleep); 4: 0 -> sleep 0.05;
    5: 0.103 -> 3 ms late, within late_s = 5 ms: not an overrun, no sleep; 6: 0 -> sleep 0.097.
    """
    work_s = [0.03, 0.0, 0.25, 0.0, 0.0, 0.103, 0.0]
    fake = FakeTime()
    advanced: list[tuple[float, float]] = []
    clock = WallClock(
        lambda t_s: advanced.append((t_s, fake.now_s)),
        late_s=0.005,
        monotonic=fake.monotonic,
        sleep=fake.sleep,
    )
    ex = Executive(clock, FRAME_S)

    def work(t_s: float) -> None:
        fake.now_s += work_s[round(t_s / FRAME_S)]

    ex.add_group("attitude", 10.0, [work])
    ex.run_frames(len(work_s))

    assert fake.sleeps_s == pytest.approx([0.07, 0.1, 0.05, 0.097], abs=TIME_TOL_S)
    assert ex.overruns == 2
    assert ex.skipped == 1, "frame 2 ended 0.15 s past its deadline: frame 3's period had gone"
    # advance runs first, with each frame's end time, before any sleep of that frame
    assert [t for t, _ in advanced] == [(k + 1) * FRAME_S for k in range(len(work_s))]
    assert advanced[0][1] == pytest.approx(1000.03, abs=TIME_TOL_S)
    assert fake.now_s == pytest.approx(1000.0 + len(work_s) * FRAME_S, abs=TIME_TOL_S)


def test_wall_clock_on_time_frames_sleep_to_absolute_deadlines():
    """With constant work the sleeps are frame_s - work every frame: the deadlines do not drift."""
    fake = FakeTime(start_s=12345.678)
    clock = WallClock(monotonic=fake.monotonic, sleep=fake.sleep)
    ex = Executive(clock, FRAME_S)
    ex.add_group("attitude", 10.0, [lambda t_s: setattr(fake, "now_s", fake.now_s + 0.01)])
    ex.run_frames(1000)
    assert ex.overruns == 0
    assert fake.sleeps_s == pytest.approx([0.09] * 1000, abs=TIME_TOL_S)
    assert fake.now_s == pytest.approx(12345.678 + 100.0, abs=TIME_TOL_S)


@pytest.mark.parametrize(
    "targets_s, frames",
    [((0.26,), 3), ((0.24,), 2), ((1.0,), 10), ((1.0, 1.04), 10), ((1.0, 1.06), 11), ((1.0, 0.5), 10)],
)
def test_run_until_rounds_to_whole_frames(targets_s, frames):
    """run_until goes to the nearest whole frame and never runs backwards."""
    ends: list[float] = []
    ex = Executive(SimClock(ends.append), FRAME_S)
    for target_s in targets_s:
        ex.run_until(target_s)
    assert ex.frame == frames
    assert ex.t_s == frames * FRAME_S
    assert len(ends) == frames


def test_a_stall_skips_the_frames_whose_period_has_gone_and_never_runs_them_in_a_burst():
    """A 0.35 s stall in frame 5 (0.5 s) ends at 0.85 s: frames 6 and 7 have had their whole period
    pass, so they are skipped (their work not run, the clock still advanced for each); frame 8 starts
    0.05 s late, inside its own period, and frame 9 on time. No frame's work starts before its time."""
    fake = FakeTime()
    advanced: list[float] = []
    clock = WallClock(advanced.append, monotonic=fake.monotonic, sleep=fake.sleep)
    ex = Executive(clock, FRAME_S)
    started: list[tuple[int, float]] = []

    def work(t_s: float) -> None:
        k = round(t_s / FRAME_S)
        started.append((k, fake.now_s))
        if k == 5:
            fake.now_s += 0.35

    ex.add_group("attitude", 10.0, [work])
    ex.run_frames(20)
    assert [k for k, _ in started] == [*range(6), *range(8, 20)]
    assert ex.skipped == 2 and ex.overruns == 3  # frame 5, and the two skipped ones' deadlines
    assert advanced == pytest.approx([(k + 1) * FRAME_S for k in range(20)], abs=TIME_TOL_S)
    assert all(t >= 1000.0 + k * FRAME_S - TIME_TOL_S for k, t in started), "nothing runs ahead of time"
    assert dict(started)[8] == pytest.approx(1000.85, abs=TIME_TOL_S)
    assert dict(started)[9] == pytest.approx(1000.9, abs=TIME_TOL_S)


def test_frame_lateness_is_measured_after_each_sleep():
    """A sleep that overshoots by 2 ms makes that frame 2 ms late; the figures say so in ms."""
    fake = FakeTime()
    overshoot_s = [0.0, 0.002, 0.0, 0.0004]

    def sleep(duration_s: float) -> None:
        fake.sleep(duration_s + overshoot_s[len(fake.sleeps_s)])

    clock = WallClock(monotonic=fake.monotonic, sleep=sleep)
    ex = Executive(clock, FRAME_S)
    ex.add_group("attitude", 10.0, [lambda t_s: None])
    ex.run_frames(4)
    figures = clock.lateness.figures_ms()
    assert figures["frames"] == 4 and figures["max_ms"] == pytest.approx(2.0, abs=1e-6)
    assert figures["p50_ms"] <= 0.41 and figures["p99_ms"] == pytest.approx(2.0, abs=1e-6)
    assert SimClock().late_by_s == 0.0
