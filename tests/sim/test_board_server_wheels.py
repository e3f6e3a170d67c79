"""Wheel speed commands and motor currents: a board's speed loop brings a wheel to its set speed, the
torque held to ±torque_max on the way, against a wheel integrated here (inertia, Coulomb and viscous
friction of the spec); currents are |applied torque| / motor constant + no-load current, re-derived here;
a torque command ends the speed loop; hal's serial wheels command speeds and read currents over a pty."""

import itertools
import math
import threading

import numpy as np
import pytest

from hal.serial_devices import SerialReactionWheels
from hal.serial_link import SerialLink
from sim.board_config import device_specs
from sim.board_server import BoardServer
from sim.spacecraft import DEFAULT_SPACECRAFT
from zorka.run.assembly import build_world, simulated_devices
from zorka.scenario.model import Scenario

FRAME_S = 0.1
WHEELS = DEFAULT_SPACECRAFT.wheels
SEQ = itertools.count(1)


def request(server: BoardServer, dev: str, msg: str, **fields) -> dict:
    return server.handle({"dev": dev, "msg": msg, "seq": next(SEQ), **fields})


@pytest.fixture
def server():
    server = BoardServer(port="pty", seed=1)
    devices = ["wheels"]
    config = {"seed": 3, "frame_s": FRAME_S, "t_s": 0.0, "watchdog_s": 0.0, "devices": devices}
    reply = request(server, "board", "configure", **config, specs=device_specs(DEFAULT_SPACECRAFT, devices))
    assert reply["msg"] == "configure.ok"
    yield server
    server.close()


def friction_nm(speed_rad_s: np.ndarray) -> np.ndarray:
    return WHEELS.friction_coulomb_nm * np.sign(speed_rad_s) + WHEELS.friction_viscous_nm_s * speed_rad_s


def expected_current_a(torque_nm) -> np.ndarray:
    return np.abs(np.asarray(torque_nm)) / WHEELS.motor_constant_nm_a + WHEELS.no_load_current_a


def test_a_speed_command_brings_the_wheels_to_their_set_speeds_with_the_torque_limited(server):
    set_rad_s = np.array([300.0, -150.0, 20.0, 0.0])
    speed = np.array([0.0, 0.0, 0.0, 50.0])
    assert request(server, "sim", "truth", t_s=0.0, wheel_speed_rad_s=speed.tolist())["msg"] == "truth.ok"
    assert request(server, "wheels", "speed", speed_rad_s=set_rad_s.tolist())["msg"] == "speed.ok"
    applied_history = []
    for k in range(1, 301):  # 30 s; the wheel's own dynamics integrated here, as the world would
        applied = np.array(request(server, "wheels", "applied")["torque_nm"])
        applied_history.append(applied)
        speed = speed + (applied - friction_nm(speed)) / WHEELS.inertia_kg_m2 * FRAME_S
        request(server, "sim", "truth", t_s=k * FRAME_S, wheel_speed_rad_s=speed.tolist())
    applied_history = np.array(applied_history)
    assert np.all(np.abs(applied_history) <= WHEELS.torque_max_nm)
    # far from the set speed the loop asks for more than the motor gives: held at the limit
    assert applied_history[0].tolist()[:2] == [WHEELS.torque_max_nm, -WHEELS.torque_max_nm]
    assert np.all(np.abs(speed - set_rad_s) < 0.01)
    read = request(server, "wheels", "read")
    assert np.allclose(read["speed_rad_s"], speed, rtol=0.0, atol=0.0)
    assert np.allclose(read["current_a"], expected_current_a(applied_history[-1]), rtol=1e-12)
    # at a set speed the motor holds the bearing friction (the wheel stopped, near zero, is left out:
    # its Coulomb friction changes sign with the speed's last bit)
    assert np.allclose(applied_history[-1][:3], friction_nm(set_rad_s)[:3], atol=1e-4)


def test_a_torque_command_ends_the_speed_loop(server):
    request(server, "sim", "truth", t_s=0.0, wheel_speed_rad_s=[0.0] * 4)
    request(server, "wheels", "speed", speed_rad_s=[100.0] * 4)
    torque_nm = [0.01, -0.02, 0.03, 0.0]
    request(server, "wheels", "torque", torque_nm=torque_nm)
    request(server, "sim", "truth", t_s=0.1, wheel_speed_rad_s=[5.0] * 4)
    assert request(server, "wheels", "applied")["torque_nm"] == torque_nm
    current = request(server, "wheels", "read")["current_a"]
    assert current == pytest.approx(expected_current_a(torque_nm).tolist(), rel=1e-12)


def test_a_set_speed_beyond_the_limit_is_refused_naming_the_field(server):
    too_fast = [WHEELS.speed_max_rad_s * 1.01, 0.0, 0.0, 0.0]
    reply = request(server, "wheels", "speed", speed_rad_s=too_fast)
    assert reply["code"] == "bad_field" and reply["text"].startswith("speed_rad_s must be within")
    assert request(server, "wheels", "speed", speed_rad_s=[1.0] * 3)["code"] == "bad_field"
    assert request(server, "wheels", "applied")["torque_nm"] == [0.0] * 4


def test_the_watchdog_ends_a_speed_command(server):
    request(server, "sim", "truth", t_s=0.0, wheel_speed_rad_s=[0.0] * 4)
    request(server, "wheels", "speed", speed_rad_s=[100.0] * 4)
    server.models.safe()
    request(server, "sim", "truth", t_s=0.1, wheel_speed_rad_s=[1.0] * 4)
    assert request(server, "wheels", "applied")["torque_nm"] == [0.0] * 4


def test_simulated_wheels_in_a_mission_read_their_motor_currents():
    world = build_world(Scenario(seed=2))
    wheels = simulated_devices(world, Scenario(seed=2)).wheels
    wheels.torque_cmd_nm[:] = [0.05, -0.1, 0.5, 0.0]
    wheels.apply()
    assert wheels.sample()
    assert wheels.current_a == pytest.approx(expected_current_a(wheels.torque_applied_nm), rel=1e-12)
    assert wheels.current_a[2] == pytest.approx(WHEELS.torque_max_nm / 0.05 + 0.05, rel=1e-12), "4.05 A"


def test_serial_wheels_command_speeds_and_read_currents_over_a_pty():
    server = BoardServer(port="pty", seed=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    link = SerialLink(server.path, timeout_s=1.0)
    try:
        wheels = SerialReactionWheels(
            link, WHEELS.axis_b, WHEELS.inertia_kg_m2, WHEELS.torque_max_nm, WHEELS.speed_max_rad_s
        )
        link.request("sim", "truth", t_s=0.0, wheel_speed_rad_s=[0.0] * 4)
        wheels.speed_cmd_rad_s[:] = [math.nan, math.inf, -math.inf, 10.0]
        wheels.command_speed()
        assert wheels.command_counters.ok == 1
        assert server.wheels.speed_cmd_rad_s.tolist() == [
            0.0,
            WHEELS.speed_max_rad_s,
            -WHEELS.speed_max_rad_s,
            10.0,
        ]
        applied = link.request("wheels", "applied")["torque_nm"]
        assert applied[1:3] == [WHEELS.torque_max_nm, -WHEELS.torque_max_nm]
        assert wheels.sample()
        assert wheels.current_a.tolist() == pytest.approx(expected_current_a(applied).tolist(), rel=1e-12)
    finally:
        link.close()
        server.stop()
        thread.join(timeout=5.0)
        server.close()
