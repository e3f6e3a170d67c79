"""The planner at a constellation's scale: a crowded pass thinned to what a bounded solve can search (the
highest priorities kept, checked against a plain sort), a crowded instance planned feasibly (the
independent checker of test_planner.py) from its highest priorities, and `zorka plan`'s search bounded
by solver work, not by the wall clock."""

import itertools
import json
import math

import numpy as np

from flight.payload import planner as planner_module
from flight.payload.planner import PASS_TRACKS_MIN, PASS_WORK_MAX, Planner, _Track, _work
from tests.flight.test_planner import _instance, _plain, check_plan
from zorka.benchmark.plan_instances import clustered
from zorka.run.plan_command import command_planner
from zorka.scenario.plan_input import parse_plan_input


def _track(request: int, priority: float, first: int, count: int) -> _Track:
    samples = np.arange(first, first + count)
    return _Track(request, priority, samples, samples * 1.0, samples * 1.0 + 8.0)


def test_a_crowded_pass_keeps_its_highest_priorities_and_a_bounded_work():
    rng = np.random.default_rng(15)
    tracks = [
        _track(i, float(rng.integers(1, 11)), int(rng.integers(0, 200)), int(rng.integers(60, 120)))
        for i in range(2000)
    ]
    planner = Planner.__new__(Planner)
    planner.slew_max_s = 95.0
    kept = planner._thin(tracks)
    span_s = max(t.end_s[-1] for t in tracks) - min(t.start_s[0] for t in tracks)
    cap = max(PASS_TRACKS_MIN, math.ceil(span_s))
    expected = sorted(tracks, key=lambda t: (-t.priority, t.request))[:cap]
    assert [t.request for t in kept] == sorted(t.request for t in expected)
    assert _work(kept, 95.0) <= PASS_WORK_MAX
    for track in kept:  # the same window, its starts at one coarser step from its first
        original = tracks[track.request]
        step = int(track.samples[1] - track.samples[0])
        assert step > 1 and list(track.samples) == list(original.samples[::step])


def test_a_small_pass_is_left_as_it_is():
    tracks = [_track(i, 5.0, 10 * i, 100) for i in range(20)]
    planner = Planner.__new__(Planner)
    planner.slew_max_s = 95.0
    assert planner._thin(tracks) == tracks


def test_two_thousand_clustered_targets_plan_feasibly_from_their_highest_priorities():
    """Was 40 s (one pass of 1,387 windows, 126,000 candidate starts); the plan is checked independently."""
    document = clustered(2000, seed=3)
    plan_input = parse_plan_input(json.dumps(document))
    captures = command_planner(plan_input.table(), plan_input.slew_s).plan(plan_input.requests)
    objective = check_plan(document, _plain(captures))
    assert len(captures) >= 20  # a pass of ~6 minutes holds ~20-30 captures with their slews
    assert objective >= 9.5 * len(captures)  # nearly all of priority 10: ~200 of the 2,000 are


def test_zorka_plan_plans_the_same_on_a_machine_a_million_times_slower(monkeypatch):
    _, plan_input, _ = _instance("eeurope_n50_s3")
    table = plan_input.table()
    idle = command_planner(table, plan_input.slew_s).plan(plan_input.requests)
    seconds = itertools.count(0.0, 1.0)
    monkeypatch.setattr(planner_module.time, "perf_counter", lambda: next(seconds))
    assert command_planner(table, plan_input.slew_s).plan(plan_input.requests) == idle
    assert sum(c.priority for c in idle) >= 123  # what the 1 s wall-clock budget found before
