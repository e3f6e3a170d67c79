"""Faults from the scenario strike at their time and only then: a run with a fault is bit-identical to
the same run without it up to the fault's frame, and differs after."""

import numpy as np
import pytest

from zorka.mission import Mission
from zorka.scenario import FaultSpec, Scenario

FAULT_T_S = 300.0
DURATION_S = 360.0


def truth_with(*faults: FaultSpec) -> tuple[np.ndarray, Mission]:
    mission = Mission(Scenario(seed=3, faults=faults), DURATION_S)
    mission.run()
    return mission.truth(), mission


@pytest.fixture(scope="module")
def nominal():
    return truth_with()[0]


@pytest.mark.parametrize(
    "fault",
    [
        FaultSpec(device="gyro", kind="biased", t_s=FAULT_T_S, bias=(2e-4, 0.0, 0.0)),
        FaultSpec(device="star_tracker", kind="noisy", t_s=FAULT_T_S, factor=50.0),
        FaultSpec(device="wheels", kind="dead", t_s=FAULT_T_S, unit=2),
        FaultSpec(device="gnss", kind="stuck", t_s=FAULT_T_S),
    ],
    ids=lambda f: f"{f.device}-{f.kind}",
)
def test_a_fault_changes_nothing_before_its_time_and_something_after(nominal, fault):
    faulty, mission = truth_with(fault)
    before = faulty[:, 0] <= FAULT_T_S
    np.testing.assert_array_equal(faulty[before], nominal[before])
    assert not np.array_equal(faulty[~before], nominal[~before])
    assert mission.summary()["faults"] == [
        {"device": fault.device, "kind": fault.kind, "t_s": FAULT_T_S, "injected": True}
    ]


def test_a_dead_star_tracker_leaves_the_loop_on_the_gyro():
    """After the tracker dies every tick is a miss; the attitude, propagated on the gyro, stays near nadir."""
    _, mission = truth_with(FaultSpec(device="star_tracker", kind="dead", t_s=FAULT_T_S))
    attitude = mission.flight.attitude
    _, nominal_mission = truth_with()
    extra_misses = attitude.star_tracker_misses - nominal_mission.flight.attitude.star_tracker_misses
    frames_after = round((DURATION_S - FAULT_T_S) * 10)
    assert 0 < extra_misses <= frames_after
    assert mission.summary()["attitude"]["error_deg"]["max"] < 0.1
