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
    realtime = summary["realtime"]
    assert realtime["frame_start_lateness"]["frames"] == 15
    assert 0.0 <= realtime["frame_start_lateness"]["p50_ms"] <= realtime["frame_start_lateness"]["max_ms"]
    assert realtime["frames_skipped"] <= realtime["frames_late"] <= 15
    assert "realtime" not in Mission(DEFAULT_SCENARIO, 0.2).run(), "simulated time has no lateness"
