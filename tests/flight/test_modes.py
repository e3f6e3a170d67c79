"""The ADCS mode rules: what a request may do, and when the manager falls back on its own."""

import math

import pytest

from flight.adcs.modes import Health, Mode, ModeLimits, ModeManager
from flight.events import EventLog, Severity

DEG = math.pi / 180.0
GOOD = Health(rate_rad_s=0.06 * DEG, estimate_sigma_rad=0.001 * DEG, star_tracker_ok=True, wheels_usable=4)


def manager(mode: Mode = Mode.DETUMBLE, **limits) -> ModeManager:
    return ModeManager(EventLog(), ModeLimits(**limits), mode)


@pytest.mark.parametrize(
    ("start", "asked", "granted"),
    [
        (Mode.DETUMBLE, Mode.SUN_SAFE, True),
        (Mode.DETUMBLE, Mode.NOMINAL, False),
        (Mode.DETUMBLE, Mode.IMAGING, False),
        (Mode.SUN_SAFE, Mode.NOMINAL, True),
        (Mode.SUN_SAFE, Mode.IMAGING, False),
        (Mode.NOMINAL, Mode.IMAGING, True),
        (Mode.IMAGING, Mode.NOMINAL, True),
        (Mode.IMAGING, Mode.SUN_SAFE, True),
    ],
)
def test_requests_follow_the_mode_ladder(start, asked, granted):
    m = manager(start)
    assert m.request(10.0, asked) is granted
    assert m.mode == (asked if granted else start)
    (event,) = list(m.events)
    assert event.name == ("mode_change" if granted else "mode_request_refused")
    assert asked.name in event.text


def test_detumble_hands_over_to_sun_safe_only_after_calm_for_the_hold():
    m = manager(detumble_exit_hold_s=60.0)
    calm = Health(rate_rad_s=0.1 * DEG)
    for t_s in range(0, 60):
        assert m.evaluate(float(t_s), calm) == Mode.DETUMBLE
    assert m.evaluate(60.0, calm) == Mode.SUN_SAFE
    assert m.events.named("mode_change")[0].text.startswith("DETUMBLE -> SUN_SAFE")


def test_a_gust_restarts_the_calm_hold():
    m = manager(detumble_exit_hold_s=10.0)
    for t_s in range(0, 9):
        m.evaluate(float(t_s), Health(rate_rad_s=0.1 * DEG))
    m.evaluate(9.0, Health(rate_rad_s=0.5 * DEG))
    for t_s in range(10, 20):
        assert m.evaluate(float(t_s), Health(rate_rad_s=0.1 * DEG)) == Mode.DETUMBLE
    assert m.evaluate(20.0, Health(rate_rad_s=0.1 * DEG)) == Mode.SUN_SAFE


@pytest.mark.parametrize(
    ("health", "why"),
    [
        (
            Health(rate_rad_s=0.06 * DEG, estimate_sigma_rad=1e-5, star_tracker_ok=False, wheels_usable=4),
            "star tracker",
        ),
        (
            Health(
                rate_rad_s=0.06 * DEG, estimate_sigma_rad=0.2 * DEG, star_tracker_ok=True, wheels_usable=4
            ),
            "diverged",
        ),
        (
            Health(rate_rad_s=0.06 * DEG, estimate_sigma_rad=1e-5, star_tracker_ok=True, wheels_usable=2),
            "2 wheels",
        ),
        (
            Health(
                rate_rad_s=2.5 * DEG,
                rate_error_rad_s=2.5 * DEG,
                estimate_sigma_rad=1e-5,
                star_tracker_ok=True,
            ),
            "rate error",
        ),
    ],
)
@pytest.mark.parametrize("pointing", [Mode.NOMINAL, Mode.IMAGING])
def test_pointing_modes_fall_back_to_sun_safe(pointing, health, why):
    m = manager(pointing, detumble_entry_rad_s=3.0 * DEG, pointing_rate_limit_rad_s=2.0 * DEG)
    assert m.evaluate(100.0, health) == Mode.SUN_SAFE
    (event,) = m.events.named("mode_change")
    assert event.severity == Severity.HIGH and why in event.text


def test_three_wheels_are_enough_to_keep_pointing():
    m = manager(Mode.NOMINAL)
    three = Health(
        GOOD.rate_rad_s, GOOD.rate_error_rad_s, GOOD.estimate_sigma_rad, star_tracker_ok=True, wheels_usable=3
    )
    assert m.evaluate(1.0, three) == Mode.NOMINAL and m.transitions == 0


@pytest.mark.parametrize("mode", [Mode.SUN_SAFE, Mode.NOMINAL, Mode.IMAGING])
def test_any_mode_spinning_too_fast_goes_to_detumble(mode):
    m = manager(mode)
    assert m.evaluate(5.0, Health(rate_rad_s=8.5 * DEG, star_tracker_ok=True)) == Mode.DETUMBLE


def test_sun_safe_goes_nominal_on_its_own_after_a_good_hold_unless_told_not_to():
    m = manager(Mode.SUN_SAFE, auto_nominal_hold_s=120.0)
    for t_s in range(0, 120):
        assert m.evaluate(float(t_s), GOOD) == Mode.SUN_SAFE
    assert m.evaluate(120.0, GOOD) == Mode.NOMINAL
    held = manager(Mode.SUN_SAFE, auto_nominal=False)
    assert all(held.evaluate(float(t), GOOD) == Mode.SUN_SAFE for t in range(0, 500))


def test_the_event_log_is_bounded_and_counts_everything():
    log = EventLog(capacity=3)
    for k in range(5):
        log.raise_event(float(k), Severity.INFO, "tick", str(k))
    assert len(log) == 3 and log.raised == 5
    assert [e.text for e in log] == ["2", "3", "4"]
