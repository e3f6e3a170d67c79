"""The wall clock paces the same flight software to real time (hardware in the loop, the bench)."""

import time

from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO


def test_a_realtime_run_takes_its_simulated_time_on_the_wall_clock():
    mission = Mission(DEFAULT_SCENARIO, 1.5, realtime=True)
    start = time.monotonic()
    summary = mission.run()
    wall_s = time.monotonic() - start
    assert summary["sim_s"] == 1.5
    assert 1.35 <= wall_s < 3.0
    assert summary["real_time_factor"] < 1.2
