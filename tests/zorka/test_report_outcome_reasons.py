"""The reason the report gives a request with access but no capture: access windows whose every start
would blind the star tracker are told apart from windows the plan did not take."""

import math

from flight.payload.requests import ImagingRequest
from zorka.outputs.report_outcomes import _unplanned

REQUEST = ImagingRequest(
    id="T", lat_rad=0.5, lon_rad=0.5, priority=3.0, duration_s=8.0, max_off_nadir_rad=math.radians(30.0),
    min_sun_elevation_rad=math.radians(10.0),
)  # fmt: skip


def utc(t_s: float) -> str:
    return f"t={t_s:.0f}"


def test_windows_that_all_blind_the_tracker_say_so():
    outcome, reason = _unplanned(REQUEST, [(100.0, 160.0, False), (6000.0, 6050.0, False)], 86400.0, utc)
    assert outcome == "missed"
    assert reason.startswith("2 access window(s) from t=100, none keeping the star tracker clear")


def test_a_window_with_a_clear_start_is_one_the_plan_did_not_take():
    outcome, reason = _unplanned(REQUEST, [(100.0, 160.0, False), (6000.0, 6050.0, True)], 86400.0, utc)
    assert (outcome, reason) == ("missed", "2 access window(s) from t=100 not planned (priority 3.0)")


def test_blinded_windows_up_to_the_run_end_leave_the_request_open():
    outcome, _ = _unplanned(REQUEST, [(100.0, 160.0, False)], 165.0, utc)
    assert outcome == "open"
