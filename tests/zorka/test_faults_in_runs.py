"""Faults from the scenario strike at their time and only then: a run with a fault is bit-identical to
the same run without it up to the fault's frame, and differs after."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from native import lib, ptr
from zorka.run.mission import Mission
from zorka.scenario.model import FaultSpec, Scenario

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


def test_a_dead_star_tracker_sends_the_spacecraft_to_sun_safe_and_holds_the_wings_on_the_sun():
    """Acceptance: star tracker dead -> SUN_SAFE entered (an event) and held, the wings' normal within 5 deg
    of the sun (truth attitude from the run against the sun direction computed here)."""
    duration_s = 900.0
    mission = Mission(
        Scenario(seed=3, faults=(FaultSpec(device="star_tracker", kind="dead", t_s=FAULT_T_S),)), duration_s
    )
    mission.run()
    changes = [e for e in mission.flight.events.named("mode_change") if "SUN_SAFE" in e.text]
    assert changes and FAULT_T_S < changes[0].t_s <= FAULT_T_S + 15.0
    assert "star tracker" in changes[0].text
    assert mission.flight.attitude.mode.name == "SUN_SAFE"
    rows = mission.truth()
    jd = mission.world.c.jd_epoch_utc
    axis_b = np.asarray(mission.flight.attitude.config.sun_axis_b)
    errors_deg = []
    for row in rows[rows[:, 0] >= duration_s - 300.0]:
        r_sun = np.zeros(3)
        lib.zk_sun_eci(jd + (row[0] + 69.184) / 86400.0, ptr(r_sun))
        to_sun = r_sun - row[1:4]
        axis_i = Rotation.from_quat(row[7:11]).apply(axis_b)
        cos = axis_i @ to_sun / np.linalg.norm(to_sun) / np.linalg.norm(axis_i)
        errors_deg.append(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
    print(f"sun-pointing error over the last 300 s: max {max(errors_deg):.2f} deg")
    assert max(errors_deg) <= 5.0
