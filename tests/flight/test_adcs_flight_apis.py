"""The ADCS as telecommands reach it: plain flight APIs on the attitude loop, each with its refusals
and the events it raises, and housekeeping showing the mode and the estimate."""

import math

import pytest

from flight.adcs.modes import Mode
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario, StartSpec

DEG = math.pi / 180.0


@pytest.fixture
def nominal():
    mission = Mission(Scenario(seed=6), 1200.0)
    mission.run_frames(1200)
    return mission


def test_imaging_is_refused_outside_pointing_modes_and_granted_in_nominal(nominal):
    attitude = nominal.flight.attitude
    t_s = nominal.flight.executive.t_s
    assert attitude.request_mode(t_s, Mode.SUN_SAFE)
    nominal.run_frames(10)
    assert not attitude.image(nominal.flight.executive.t_s, 0.9, 0.4)
    assert nominal.flight.events.named("imaging_refused")
    assert attitude.request_mode(nominal.flight.executive.t_s, Mode.NOMINAL)
    nominal.run_frames(10)
    assert attitude.image(nominal.flight.executive.t_s, 0.9, 0.4)
    assert attitude.mode == Mode.IMAGING


def test_mode_requests_off_the_ladder_are_refused(nominal):
    attitude = nominal.flight.attitude
    assert attitude.request_mode(nominal.flight.executive.t_s, Mode.SUN_SAFE)
    assert not attitude.request_mode(nominal.flight.executive.t_s, Mode.IMAGING)
    assert "IMAGING cannot follow SUN_SAFE" in nominal.flight.events.named("mode_request_refused")[0].text


def test_pointing_gains_are_tunable_within_their_range(nominal):
    attitude = nominal.flight.attitude
    t_s = nominal.flight.executive.t_s
    assert not attitude.set_pointing_gains(t_s, 5.0, 0.8)
    assert nominal.flight.events.named("setting_refused")
    assert attitude.set_pointing_gains(t_s, 0.2, 0.9)
    nominal.run_frames(3000)  # to 420 s: the statistics cover 300 s on
    assert nominal.summary()["attitude"]["error_deg"]["max"] < 0.1


def test_housekeeping_shows_the_mode_and_the_estimate(nominal):
    hk = nominal.flight.housekeeping.as_dict()
    assert hk["adcs_mode"] == Mode.NOMINAL
    assert 0.0 < hk["estimate_sigma_arcsec"] < 20.0


def test_a_run_can_start_in_sun_safe_and_goes_nominal_on_its_own():
    mission = Mission(Scenario(seed=6, start=StartSpec(mode="SUN_SAFE")), 400.0)
    mission.run()
    changes = [e.text for e in mission.flight.events.named("mode_change")]
    assert any(text.startswith("SUN_SAFE -> NOMINAL") for text in changes)
