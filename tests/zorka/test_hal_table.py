"""A scenario's [hal] table puts devices on serial ports as `--serial` and `--gnss` do, and the command
line wins device by device: checked against a real `zorka board-server` on a pty, in lockstep, where a
run with boards is bit-identical to the all-simulated one."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.zorka.test_devices_in_the_loop import start_board_server
from zorka.run.board_devices import routed_lines
from zorka.run.mission import Mission
from zorka.scenario.device_routes import DeviceRoute, parse_route, port_and_baud
from zorka.scenario.model import HalSpec, ReportSpec, Scenario
from zorka.scenario.toml_file import ScenarioError, scenario_from_toml

ZORKA_RUN = (sys.executable, "-m", "zorka", "run", "--duration", "2", "--quiet")
SCENARIO = Scenario(seed=11, report=ReportSpec(stats_from_s=5.0))


@pytest.fixture
def board():
    process, path = start_board_server(7)
    yield path
    process.terminate()
    assert process.wait(timeout=10) == 0


def run(scenario: Scenario, serial: dict[str, str] | None = None) -> tuple[dict, np.ndarray]:
    mission = Mission(scenario, 10.0, serial=serial)
    try:
        summary = mission.run()
        truth = mission.truth().copy()
    finally:
        mission.close()
    for key in ("wall_s", "real_time_factor"):
        summary.pop(key)
    return summary, truth


def test_routes_read_as_written():
    assert parse_route("wheels", "sim") == DeviceRoute()
    assert parse_route("wheels", "serial:/dev/ttyUSB0@460800") == DeviceRoute(
        "serial", "/dev/ttyUSB0", 460800
    )
    assert parse_route("gnss", "nmea:/dev/ttyUSB1") == DeviceRoute("nmea", "/dev/ttyUSB1", 115200)
    assert port_and_baud("/dev/serial/by-id/usb-board@9600") == ("/dev/serial/by-id/usb-board", 9600)


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('wheels = "ubx:/dev/ttyUSB0"', "hal.wheels = 'ubx:/dev/ttyUSB0': must be sim or serial:PORT[@BAUD]"),
        ('gnss = "serial"', "hal.gnss = 'serial': must be sim, serial:PORT[@BAUD], ubx:PORT[@BAUD] or nmea"),
        ('gyro = "serial:/dev/ttyUSB0@fast"', "the baud rate after @ must be a whole number > 0"),
        ("gyro = 3", "hal.gyro = 3: must be a string"),
        ('eps = "sim"', "hal.eps = 'sim': unknown key; hal has gyro, star_tracker"),
    ],
)
def test_a_bad_route_is_one_line_naming_the_field(table: str, says: str):
    with pytest.raises(ScenarioError) as raised:
        scenario_from_toml(f"[hal]\n{table}\n", "s.toml")
    message = str(raised.value)
    assert says in message and "\n" not in message and message.startswith("s.toml: ")


@given(st.text(max_size=40))
def test_any_text_is_a_route_or_a_value_error(text: str):
    try:
        route = parse_route("gnss", text)
    except ValueError as problem:
        assert "must be" in str(problem)
    else:
        assert route.kind in ("sim", "serial", "ubx", "nmea") and (route.kind == "sim" or route.port)


def test_the_command_line_wins_device_by_device():
    hal = HalSpec(gyro="serial:/dev/a@460800", wheels="serial:/dev/a@460800", gnss="nmea:/dev/g@9600")
    assert routed_lines(hal, {}, None) == (
        {"gyro": "/dev/a@460800", "wheels": "/dev/a@460800"},
        "nmea:/dev/g@9600",
    )
    assert routed_lines(hal, {"gyro": "/dev/b"}, "ubx:sim") == (
        {"gyro": "/dev/b", "wheels": "/dev/a@460800"},
        "ubx:sim",
    )
    assert routed_lines(hal, {"all": "/dev/c"}, None) == ({"all": "/dev/c"}, None)


def test_devices_routed_by_the_table_run_on_the_board_bit_identically(board):
    routed = replace(SCENARIO, hal=HalSpec(gyro=f"serial:{board}@460800", wheels=f"serial:{board}@460800"))
    simulated = run(SCENARIO)
    summary, truth = run(routed)
    figures = summary.pop("serial")[board]
    assert figures["truth_sent"] == 101 and figures["timeouts"] == 0
    assert summary == simulated[0] and np.array_equal(truth, simulated[1])


def test_a_port_on_the_command_line_replaces_the_tables(board, tmp_path: Path):
    scenario = tmp_path / "hal.toml"
    scenario.write_text(f'[hal]\nwheels = "serial:{tmp_path / "no-such-port"}"\n')
    done = subprocess.run(
        [*ZORKA_RUN, str(scenario), "--out", str(tmp_path / "run"), "--serial", f"wheels={board}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    absent = subprocess.run(
        [*ZORKA_RUN, str(scenario), "--out", str(tmp_path / "run2")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert absent.returncode == 1
    port = tmp_path / "no-such-port"
    assert absent.stderr == f"zorka run: error: cannot open serial port {port}: no such device\n"


def test_a_campaign_refuses_a_table_with_serial_lines(tmp_path: Path):
    scenario = tmp_path / "hal.toml"
    scenario.write_text('[hal]\ngnss = "ubx:/dev/ttyUSB1"\n')
    done = subprocess.run(
        [*ZORKA_RUN, str(scenario), "--out", str(tmp_path / "run"), "--seeds", "1,2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("zorka run: error: argument --seeds: the scenario's [hal] table puts gnss")
