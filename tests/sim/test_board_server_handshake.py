"""A simulated board configured, reset and kept safe: the configuration handshake and its echo, refusals
of what the board's hardware cannot be, reset to the power-on state, and the watchdog."""

import dataclasses
import itertools
import threading
import time

import numpy as np
import pytest

from hal.board_frame import encode_frame
from hal.serial_link import SerialLink
from sim.board_config import device_specs
from sim.board_server import IDENTITY, PROTOCOL_VERSION, BoardServer
from sim.board_stimulus import STATUS_PERIOD_FRAMES, BoardStimulus
from sim.spacecraft import DEFAULT_SPACECRAFT, GyroSpec, WheelSpec, pyramid_axes
from zorka.run.assembly import build_world
from zorka.scenario.model import Scenario

WHEELS = DEFAULT_SPACECRAFT.wheels
TORQUE_NM = [0.05, -0.05, 0.1, -0.1]


def configuration(spacecraft=DEFAULT_SPACECRAFT, seed=3, watchdog_s=0.2, devices=("gyro", "wheels")) -> dict:
    return {
        "seed": seed,
        "frame_s": 0.1,
        "t_s": 0.0,
        "watchdog_s": watchdog_s,
        "devices": list(devices),
        "specs": device_specs(spacecraft, list(devices)),
    }


class FakeClock:
    def __init__(self):
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


SEQ = itertools.count(1)


def request(server: BoardServer, dev: str, msg: str, **fields) -> dict:
    """One request with a seq of its own (a repeated seq would be a retransmission)."""
    return server.handle({"dev": dev, "msg": msg, "seq": next(SEQ), **fields})


def test_the_board_takes_the_configuration_and_echoes_it():
    spacecraft = dataclasses.replace(DEFAULT_SPACECRAFT, gyro=GyroSpec(angle_random_walk_rad_sqrt_s=1e-4))
    config = configuration(spacecraft, seed=42)
    server = BoardServer(port="pty", seed=1)
    try:
        reply = request(server, "board", "configure", **config)
        assert reply["msg"] == "configure.ok"
        assert reply["identity"] == IDENTITY and reply["protocol"] == PROTOCOL_VERSION
        assert reply["config"] == config
        assert server.spacecraft.gyro == spacecraft.gyro and server.seed == 42
    finally:
        server.close()


def test_a_configuration_the_hardware_cannot_be_is_refused_and_changes_nothing():
    three = dataclasses.replace(
        DEFAULT_SPACECRAFT, wheels=WheelSpec(axis_b=pyramid_axes(np.arcsin(1.0 / np.sqrt(3.0)), n=3))
    )
    server = BoardServer(port="pty", seed=1)
    try:
        models = server.models
        reply = request(server, "board", "configure", **configuration(three))
        assert reply["msg"] == "error" and reply["code"] == "config_mismatch"
        assert reply["text"] == "this board drives 4 wheels; the configuration asks for 3"
        assert server.models is models and not server.configured
        bad = configuration()
        bad["specs"]["gyro"]["noise"] = 1.0
        assert request(server, "board", "configure", **bad)["code"] == "bad_field"
        refused_by_its_model = configuration(devices=["gnss"])
        refused_by_its_model["specs"]["gnss"]["fix_hz"] = 0.0
        assert request(server, "board", "configure", **refused_by_its_model)["code"] == "bad_field"
        radio = {**configuration(), "devices": ["gyro", "radio"]}
        assert request(server, "board", "configure", **radio)["code"] == "config_mismatch"
    finally:
        server.close()


def test_reset_returns_the_board_to_its_power_on_state():
    server = BoardServer(port="pty", seed=9)
    try:
        request(server, "sim", "truth", t_s=0.0, w_b=[0.01, 0.0, 0.0])
        first = [request(server, "gyro", "read")["w_b"] for _ in range(5)]
        request(server, "board", "configure", **configuration(seed=4))
        request(server, "wheels", "torque", torque_nm=TORQUE_NM)
        reply = request(server, "board", "reset")
        assert reply["msg"] == "reset.ok" and reply["identity"] == IDENTITY
        assert not server.configured and server.seed == 9
        assert server.wheels.torque_applied_nm.tolist() == [0.0] * 4
        request(server, "sim", "truth", t_s=0.0, w_b=[0.01, 0.0, 0.0])
        again = [request(server, "gyro", "read")["w_b"] for _ in range(5)]
        assert again == first, "noise generators re-seeded: the same readings again"
    finally:
        server.close()


def test_the_watchdog_trips_after_its_timeout_without_a_command_and_is_seen_in_status():
    clock = FakeClock()
    server = BoardServer(port="pty", seed=1, clock=clock)
    try:
        request(server, "board", "configure", **configuration(watchdog_s=0.5))
        request(server, "magnetorquers", "dipole", dipole_am2=[5.0, 5.0, 5.0])
        clock.now_s += 0.4
        request(server, "wheels", "torque", torque_nm=TORQUE_NM)
        clock.now_s += 0.45
        assert not server.check_watchdog(), "fed by the torque command 0.45 s ago"
        assert request(server, "wheels", "applied")["torque_nm"] == TORQUE_NM
        clock.now_s += 0.1
        assert request(server, "board", "status")["watchdog_tripped"] is True, "read-backs do not feed it"
        assert request(server, "wheels", "applied")["torque_nm"] == [0.0] * 4
        assert request(server, "magnetorquers", "applied")["dipole_am2"] == [0.0] * 3
        status = request(server, "board", "status")
        assert status == {**status, "watchdog_trips": 1, "watchdog_s": 0.5, "configured": True}
        clock.now_s += 10.0
        assert not server.check_watchdog(), "tripped once per silence"
        request(server, "wheels", "torque", torque_nm=TORQUE_NM)
        assert request(server, "wheels", "applied")["torque_nm"] == TORQUE_NM, "commands act again"
        assert request(server, "board", "status")["watchdog_tripped"] is True, "latched until reset"
    finally:
        server.close()


@pytest.mark.parametrize("watchdog_s", [0.1, 0.3])
def test_the_watchdog_zeroes_wheel_torque_within_its_timeout_after_the_host_goes_silent(watchdog_s):
    server = BoardServer(port="pty", seed=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    link = SerialLink(server.path, timeout_s=1.0)
    try:
        assert (
            link.request("board", "configure", **configuration(watchdog_s=watchdog_s))["msg"]
            == "configure.ok"
        )
        for _ in range(5):
            assert link.request("wheels", "torque", torque_nm=TORQUE_NM)["msg"] == "torque.ok"
        silent_from = time.monotonic()
        while server.wheels.torque_applied_nm.any() and time.monotonic() - silent_from < 5.0:
            time.sleep(0.002)
        zeroed_after_s = time.monotonic() - silent_from
        assert watchdog_s - 0.01 <= zeroed_after_s <= watchdog_s + 0.05
        assert link.request("wheels", "applied")["torque_nm"] == [0.0] * 4
        assert link.request("board", "status")["watchdog_tripped"] is True
    finally:
        link.close()
        server.stop()
        thread.join(timeout=5.0)
        server.close()


def test_the_rig_sees_a_watchdog_trip_in_the_board_status():
    server = BoardServer(port="pty", seed=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    link = SerialLink(server.path, timeout_s=1.0)
    world = build_world(Scenario())
    stimulus = BoardStimulus(link, world, ["gyro", "wheels"])
    try:
        stimulus.connect(seed=3, frame_s=0.1, watchdog_s=0.05)
        link.request("wheels", "torque", torque_nm=TORQUE_NM)
        time.sleep(0.1)
        for _ in range(STATUS_PERIOD_FRAMES):
            stimulus.send_truth()
        assert stimulus.counters.status_read == 1 and stimulus.counters.watchdog_trips == 1
        assert server.wheels.torque_applied_nm.tolist() == [0.0] * 4
    finally:
        link.close()
        server.stop()
        thread.join(timeout=5.0)
        server.close()


def test_a_configuration_whose_echo_would_not_fit_a_frame_is_refused_and_changes_nothing():
    server = BoardServer(port="pty", seed=1)
    try:
        models = server.models

        def configure_with_load_named(length: int) -> dict:
            specs = {"eps": {"loads": [{"name": "x" * length, "power_w": 5.0}]}}
            config = {**configuration(devices=["eps"]), "specs": specs}
            assert len(encode_frame({"dev": "board", "msg": "configure", "seq": 1, **config})) <= 4096
            return request(server, "board", "configure", **config)

        reply = configure_with_load_named(3200)  # the echo holds the whole EPS spec: ~1 KB more
        assert reply["code"] == "bad_field" and reply["text"].startswith("specs: the echo would take")
        assert server.models is models and not server.configured
        assert len(encode_frame(configure_with_load_named(2800))) <= 4096
        assert server.configured
    finally:
        server.close()
