"""Every device kind on a board over a pty (`zorka board-server` in its own process), paced by the wall
clock as a hardware-in-the-loop bench runs: the pointing figures stay within twice those of the
all-simulated run of the same seed, with nadir pointing and, in the 10-minute run, the target tracking
of a capture. The world is the same; only the path to the devices and the clock differ."""

import math
from dataclasses import replace

import pytest

from sim.orbit_spec import OrbitSpec
from tests.zorka.test_devices_in_the_loop import start_board_server
from zorka.run.mission import Mission
from zorka.scenario.model import ReportSpec, RequestSpec, Scenario

# Descending over the Pacific at ~10:50 local time: a point target under the track ~4 minutes in.
SCENARIO = Scenario(
    seed=3,
    orbit=replace(OrbitSpec(), true_anomaly_deg=140.0),
    requests=(RequestSpec(id="P001", lat_rad=math.radians(23.5), lon_rad=math.radians(160.6), alt_m=0.0),),
)


@pytest.fixture
def board():
    process, path = start_board_server(7)
    yield path
    process.terminate()
    assert process.wait(timeout=10) == 0


def pointing(duration_s: float, stats_from_s: float, serial: dict[str, str] | None = None) -> dict:
    scenario = replace(SCENARIO, report=ReportSpec(stats_from_s=stats_from_s))
    mission = Mission(scenario, duration_s, serial=serial, realtime=serial is not None)
    try:
        return mission.run()
    finally:
        mission.close()


def assert_within_twice(simulated: dict, on_boards: dict) -> None:
    """Pointing and rate error on boards within twice the all-simulated figures (printed with -s)."""
    for name, run in (("simulated", simulated), ("on boards", on_boards)):
        attitude = run["attitude"]
        print(f"\n{name}: error {attitude['error_deg']}, rate error {attitude['rate_error_deg_s']}")
    serial = next(iter(on_boards.get("serial", {}).values()), None)
    if serial is not None:
        realtime = on_boards.get("realtime", {})
        print(
            f"board: RTT p50 {serial['rtt_p50_ms']} p99 {serial['rtt_p99_ms']} "
            f"max {serial['rtt_max_ms']} ms, "
            f"timeouts {serial['timeouts']}, retries {serial['retries']}; frames late "
            f"{realtime.get('frames_late')}, skipped {realtime.get('frames_skipped')}, "
            f"lateness {realtime.get('frame_start_lateness')}"
        )
    for figure in ("mean", "p99", "max"):
        assert on_boards["attitude"]["error_deg"][figure] <= 2.0 * simulated["attitude"]["error_deg"][figure]
    for figure in ("p99", "max"):
        assert (
            on_boards["attitude"]["rate_error_deg_s"][figure]
            <= 2.0 * simulated["attitude"]["rate_error_deg_s"][figure]
        )


def test_twenty_seconds_in_real_time_with_every_device_on_a_board(board):
    on_boards = pointing(20.0, 10.0, {"all": board})
    assert_within_twice(pointing(20.0, 10.0), on_boards)
    figures = on_boards["serial"][board]
    assert figures["port_errors"] == figures["bad_frames"] == 0
    assert figures["truth_sent"] >= 0.95 * 201


@pytest.mark.slow
def test_ten_minutes_of_nadir_and_target_tracking_in_real_time_with_every_device_on_a_board(board):
    simulated = pointing(600.0, 60.0)
    on_boards = pointing(600.0, 60.0, {"all": board})
    assert simulated["imaging"]["captured_ok"] == on_boards["imaging"]["captured_ok"] == 1
    assert_within_twice(simulated, on_boards)
