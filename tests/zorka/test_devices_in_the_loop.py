"""Every device kind on boards over ptys (`zorka board-server` in its own process), in lockstep: the run
is bit-identical to the all-simulated run of the same seed — summary, truth trajectory, every TM
byte, and the imager's products — because each board runs the simulator's own models with the
mission's seeds, configured by the mission at connect, and every value crosses the wire as float64. A
board that cannot be what the scenario asks is a one-line error before the run."""

import dataclasses
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from zorka.run.board_devices import SERIAL_DEVICES
from zorka.run.mission import Mission
from zorka.scenario.model import ReportSpec, RequestSpec, Scenario

SCENARIO = Scenario(seed=11, report=ReportSpec(stats_from_s=30.0))
UNDER_THE_TRACK = RequestSpec(  # the sub-satellite point at 80 s: planned for 75 s, after the first slew
    id="HIL1",
    lat_rad=math.radians(5.0722),
    lon_rad=math.radians(-23.0650),
    alt_m=0.0,
    duration_s=4.0,
    min_sun_elevation_rad=math.radians(-90.0),
)
IMAGING = dataclasses.replace(SCENARIO, requests=(UNDER_THE_TRACK,))
WALL_CLOCK_KEYS = ("wall_s", "real_time_factor")


def start_board_server(seed: int, board_id: str | None = None) -> tuple[subprocess.Popen, str]:
    named = [] if board_id is None else ["--board-id", board_id]
    process = subprocess.Popen(
        [sys.executable, "-m", "zorka", "board-server", "--port", "pty", "--seed", str(seed), *named],
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


def run(
    duration_s: float, serial: dict[str, str] | None = None, scenario: Scenario = SCENARIO
) -> tuple[dict, np.ndarray, bytes, dict, dict, object]:
    """Summary without wall-clock figures, truth rows, the TM stream, the serial figures, the image
    products in mass memory (id -> bytes and metadata), and the imager's transfer counters (None for a
    simulated imager)."""
    mission = Mission(scenario, duration_s, serial=serial)
    tm: list[bytes] = []
    mission.tm_listeners.append(tm.append)
    try:
        summary = mission.run()
        truth = mission.truth().copy()
        memory = mission.flight.payload.memory
        products = {p: (memory.read(p), memory.product(p).metadata) for p in memory.pending()}
        transfers = getattr(mission.devices.imager, "transfer_counters", None)
    finally:
        mission.close()
    for key in WALL_CLOCK_KEYS:
        summary.pop(key)
    return summary, truth, b"".join(tm), summary.pop("serial", {}), products, transfers


def assert_identical(simulated, over_ptys) -> None:
    assert over_ptys[0] == simulated[0]
    assert np.array_equal(over_ptys[1], simulated[1])
    assert over_ptys[2] == simulated[2] and len(simulated[2]) > 0
    assert over_ptys[4] == simulated[4]


def test_every_device_over_one_pty_is_bit_identical_to_the_simulated_run_twice(board_servers):
    simulated = run(90.0, scenario=IMAGING)
    imaging = simulated[0]["imaging"]
    assert imaging["captures_started"] == imaging["captured_ok"] == 1, "the capture crosses the wire"
    ((data, metadata),) = simulated[4].values()
    assert data.startswith(b"\x89PNG") and len(data) > 4 * 2048 and metadata["request_id"] == "HIL1"
    port = board_servers[0]
    first = run(90.0, {"all": port}, IMAGING)
    assert_identical(simulated, first)
    figures = first[3][port]
    assert figures["timeouts"] == figures["errors"] == figures["bad_frames"] == 0
    chunks = math.ceil(len(data) / 2048)
    assert first[5].products == 1 and first[5].chunks == chunks and first[5].crc_failures == 0
    assert figures["truth_sent"] == 901 and figures["applied_read"] == 3 * 900
    assert figures["status_read"] == 90 and figures["watchdog_trips"] == 0
    assert figures["replies"] >= 901 + 3 * 900 + 900 * 4 + chunks, (
        "truth, 3 read-backs, status, flight's own traffic, and the product's chunks"
    )
    assert_identical(simulated, run(90.0, {"all": port}, IMAGING))  # the same board again: reset at connect


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


def test_the_imager_alone_on_a_board_images_as_the_simulated_one(board_servers):
    on_board = run(90.0, {"imager": board_servers[1]}, IMAGING)
    assert_identical(run(90.0, scenario=IMAGING), on_board)
    assert on_board[0]["imaging"]["captured_ok"] == 1 and on_board[5].products == 1


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


def test_serial_devices_are_every_device_the_imager_included():
    assert set(SERIAL_DEVICES) == {
        "gyro",
        "star_tracker",
        "magnetometer",
        "sun_sensor",
        "gnss",
        "wheels",
        "magnetorquers",
        "power",
        "imager",
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
