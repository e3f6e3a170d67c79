"""Every device kind on boards over ptys (`zorka board-server` in its own process), in lockstep: the run
is bit-identical to the all-simulated run of the same seed — summary, truth trajectory and every TM
byte — because each board runs the simulator's own models with the mission's seeds, configured by the
mission at connect, and every value crosses the wire as float64. A board that cannot be what the
scenario asks is a one-line error before the run."""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from zorka.run.board_devices import SERIAL_DEVICES
from zorka.run.mission import Mission
from zorka.scenario.model import ReportSpec, Scenario

SCENARIO = Scenario(seed=11, report=ReportSpec(stats_from_s=30.0))
WALL_CLOCK_KEYS = ("wall_s", "real_time_factor")


def start_board_server(seed: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "zorka", "board-server", "--port", "pty", "--seed", str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().strip()
    assert line.startswith("board-server: serving"), process.stderr.read()
    return process, line.rsplit(" ", 1)[-1]


@pytest.fixture
def board_servers():
    """Two board servers, powered on with seeds unlike the scenario's: the configuration sets them."""
    started = [start_board_server(seed) for seed in (7, 8)]
    yield [path for _, path in started]
    for process, _ in started:
        process.terminate()
        assert process.wait(timeout=10) == 0


def run(duration_s: float, serial: dict[str, str] | None = None) -> tuple[dict, np.ndarray, bytes, dict]:
    """Summary without wall-clock figures, truth rows, the TM stream, and the serial figures."""
    mission = Mission(SCENARIO, duration_s, serial=serial)
    tm: list[bytes] = []
    mission.tm_listeners.append(tm.append)
    try:
        summary = mission.run()
        truth = mission.truth().copy()
    finally:
        mission.close()
    for key in WALL_CLOCK_KEYS:
        summary.pop(key)
    summary.pop("serial_timing", None)
    return summary, truth, b"".join(tm), summary.pop("serial", {})


def assert_identical(simulated, over_ptys) -> None:
    assert over_ptys[0] == simulated[0]
    assert np.array_equal(over_ptys[1], simulated[1])
    assert over_ptys[2] == simulated[2] and len(simulated[2]) > 0


def test_every_device_over_one_pty_is_bit_identical_to_the_simulated_run_twice(board_servers):
    simulated = run(60.0)
    port = board_servers[0]
    first = run(60.0, {"all": port})
    assert_identical(simulated, first)
    figures = first[3][port]
    assert figures["timeouts"] == figures["errors"] == figures["bad_frames"] == 0
    assert figures["truth_sent"] == 601 and figures["applied_read"] == 3 * 600
    assert figures["status_read"] == 60 and figures["watchdog_trips"] == 0
    assert figures["replies"] >= 601 + 3 * 600 + 600 * 4, (
        "truth, 3 read-backs, status, and flight's own traffic"
    )
    assert_identical(simulated, run(60.0, {"all": port}))  # the same board again: reset at connect


def test_sensors_and_actuators_on_two_boards_mixed_with_simulated_devices(board_servers):
    sensors, actuators = board_servers
    serial = {
        "gyro": sensors,
        "star_tracker": sensors,
        "magnetometer": sensors,
        "wheels": actuators,
        "magnetorquers": actuators,
        "power": actuators,
    }
    assert_identical(run(30.0), run(30.0, serial))


@pytest.mark.slow
def test_ten_minutes_with_every_device_over_a_pty_is_bit_identical(board_servers):
    assert_identical(run(600.0), run(600.0, {"all": board_servers[0]}))


def test_a_board_with_another_wheel_count_is_a_one_line_error_before_the_run(board_servers, tmp_path: Path):
    scenario = tmp_path / "three_wheels.toml"
    scenario.write_text("[spacecraft.wheels]\naxis_b = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "zorka",
            "run",
            str(scenario),
            "--serial",
            f"all={board_servers[0]}",
            "--duration",
            "10",
            "--out",
            str(tmp_path / "run"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"zorka run: error: the board on {board_servers[0]} refused board.configure: "
        "this board drives 4 wheels; the configuration asks for 3\n"
    )
    assert not (tmp_path / "run" / "summary.json").exists()


def test_serial_devices_are_every_device_but_the_imager():
    assert set(SERIAL_DEVICES) == {
        "gyro",
        "star_tracker",
        "magnetometer",
        "sun_sensor",
        "gnss",
        "wheels",
        "magnetorquers",
        "power",
    }


def test_after_the_run_the_board_zeroes_its_wheel_torque_within_the_watchdog_timeout(
    board_servers, monkeypatch
):
    monkeypatch.setattr("zorka.run.mission.BOARD_WATCHDOG_S", 0.3)
    port = board_servers[0]
    mission = Mission(SCENARIO, 5.0, serial={"wheels": port, "magnetorquers": port})
    try:
        mission.run()
        link = mission.links[port]
        assert any(link.request("wheels", "applied")["torque_nm"]), "the run left torque latched"
        ended_s = time.monotonic()
        while any(link.request("wheels", "applied")["torque_nm"]) and time.monotonic() - ended_s < 5.0:
            time.sleep(0.01)
        assert time.monotonic() - ended_s <= 0.3 + 0.1
        assert link.request("magnetorquers", "applied")["dipole_am2"] == [0.0] * 3
        status = link.request("board", "status")
        assert status["watchdog_tripped"] is True and status["watchdog_trips"] == 1
    finally:
        mission.close()
