"""hal.serial_devices through real ptys: readings against the stimulated truth of sim.board_server,
wheel torques latched through the board's limits, and malformed replies that keep the last good reading."""

import math
import os
import select
import threading
import tty

import numpy as np
import pytest

from hal.board_frame import FrameDecoder, encode_frame
from hal.serial_devices import SerialGyro, SerialPowerSystem, SerialReactionWheels, SerialStarTracker
from hal.serial_link import SerialLink
from sim.board_server import BoardServer
from sim.spacecraft import DEFAULT_SPACECRAFT

WHEELS = DEFAULT_SPACECRAFT.wheels
GYRO = DEFAULT_SPACECRAFT.gyro
GYRO_SIGMA_RAD_S = GYRO.noise_rad_s(0.1)
SPEED_MAX_RAD_S = WHEELS.speed_max_rad_s
TORQUE_MAX_NM = WHEELS.torque_max_nm


@pytest.fixture
def board():
    server = BoardServer(port="pty", seed=11)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    link = SerialLink(server.path, timeout_s=1.0)
    yield server, link
    link.close()
    server.stop()
    thread.join(timeout=5.0)
    server.close()


def serial_wheels(link: SerialLink) -> SerialReactionWheels:
    return SerialReactionWheels(
        link, WHEELS.axis_b, WHEELS.inertia_kg_m2, WHEELS.torque_max_nm, WHEELS.speed_max_rad_s
    )


def stimulate(link: SerialLink, w_b, wheel_speed_rad_s) -> None:
    reply = link.request("sim", "truth", t_s=0.0, w_b=list(w_b), wheel_speed_rad_s=list(wheel_speed_rad_s))
    assert reply["msg"] == "truth.ok"


def test_gyro_reads_the_stimulated_rate_within_its_noise_in_place(board):
    _, link = board
    w_b_true = np.array([0.01, -0.02, 0.005])
    stimulate(link, w_b_true, [0.0] * WHEELS.n)
    gyro = SerialGyro(link)
    rate_b = gyro.rate_b
    samples = []
    for _ in range(200):
        assert gyro.sample()
        samples.append(gyro.rate_b.copy())
    assert gyro.rate_b is rate_b
    error = np.array(samples) - w_b_true - np.array(GYRO.bias_rad_s)
    assert np.all(np.abs(error) < 5.0 * GYRO_SIGMA_RAD_S)
    assert np.allclose(error.std(axis=0), GYRO_SIGMA_RAD_S, rtol=0.2)
    assert np.all(np.abs(error.mean(axis=0)) < 5.0 * GYRO_SIGMA_RAD_S / np.sqrt(len(samples)))
    assert gyro.counters.ok == 200


def test_wheel_speeds_read_exactly_and_torques_latched_through_the_limits(board):
    _, link = board
    speeds = [100.0, SPEED_MAX_RAD_S, -SPEED_MAX_RAD_S, -5.0]
    stimulate(link, [0.0, 0.0, 0.0], speeds)
    wheels = serial_wheels(link)
    speed_rad_s = wheels.speed_rad_s
    assert wheels.sample()
    assert wheels.speed_rad_s is speed_rad_s
    assert wheels.speed_rad_s.tolist() == speeds

    wheels.torque_cmd_nm[:] = [0.05, 0.05, 0.05, -3.0]
    wheels.apply()
    applied = link.request("wheels", "applied")["torque_nm"]
    assert applied == [0.05, 0.0, 0.05, -TORQUE_MAX_NM]

    wheels.torque_cmd_nm[:] = [math.nan, math.inf, 0.01, -math.inf]
    wheels.apply()
    applied = link.request("wheels", "applied")["torque_nm"]
    assert applied == [0.0, 0.0, 0.01, -TORQUE_MAX_NM]
    assert wheels.command_counters.ok == 2


class ScriptedBoard:
    """A board that answers each request with the next of the given replies (bytes; b"" for silence)."""

    def __init__(self, replies: list):
        self.replies = list(replies)
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.slave = slave
        self.path = os.ttyname(slave)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        decoder = FrameDecoder()
        while self.replies:
            if not select.select([self.master], [], [], 5.0)[0]:
                return
            for request in decoder.feed(os.read(self.master, 4096)):
                make = self.replies.pop(0)
                os.write(self.master, make(request))

    def close(self) -> None:
        self._thread.join(timeout=5.0)
        os.close(self.master)
        os.close(self.slave)


def gyro_reply(msg: str, **fields):
    return lambda request: encode_frame({"dev": "gyro", "msg": msg, "seq": request["seq"], **fields})


def ok(**fields):
    return gyro_reply("read.ok", **fields)


def test_malformed_replies_are_counted_and_keep_the_last_good_reading():
    good = [0.001, 0.002, 0.003]
    board = ScriptedBoard(
        [
            ok(w_b=good),
            ok(w_b=[0.1, 0.2]),
            ok(w_b=[0.1, math.nan, 0.3]),
            ok(w_b=[0.1, "fast", 0.3]),
            ok(w_b=[True, 0.2, 0.3]),
            ok(),
            gyro_reply("error", code="busy", text="The gyro is starting up."),
            lambda r: b"",
        ]
    )
    link = SerialLink(board.path, timeout_s=0.2)
    gyro = SerialGyro(link)
    try:
        assert gyro.sample()
        for _ in range(7):
            assert not gyro.sample()
            assert gyro.rate_b.tolist() == good
    finally:
        link.close()
        board.close()
    counters = gyro.counters
    assert (counters.ok, counters.malformed, counters.errors, counters.missed) == (1, 5, 1, 1)


def reply(dev: str, msg: str = "read.ok", **fields):
    return lambda request: encode_frame({"dev": dev, "msg": msg, "seq": request["seq"], **fields})


def test_a_star_tracker_reply_that_is_malformed_keeps_the_last_reading_and_flags():
    good = [0.0, 0.0, 0.6, 0.8]
    board = ScriptedBoard(
        [
            reply("star_tracker", q_ib=good, valid=True, blinded=False),
            reply("star_tracker", q_ib=[0.0, 0.0, 1.0], valid=True, blinded=False),
            reply("star_tracker", q_ib=[0.0, 0.0, 1.0, 0.0], valid=1, blinded=False),
            reply("star_tracker", q_ib=[0.0, 0.0, math.inf, 0.0], valid=True, blinded=False),
            reply("star_tracker", q_ib=good, valid=False, blinded=True),
        ]
    )
    link = SerialLink(board.path, timeout_s=0.2)
    tracker = SerialStarTracker(link)
    try:
        assert tracker.sample() and not tracker.blinded
        for _ in range(3):
            assert not tracker.sample()
            assert tracker.q_ib.tolist() == good and not tracker.blinded
        assert not tracker.sample() and tracker.blinded, "well formed: no reading, blinded"
    finally:
        link.close()
        board.close()
    assert (tracker.counters.ok, tracker.counters.malformed) == (2, 3)


def test_an_eps_reply_that_is_malformed_keeps_the_last_readings():
    names = ("obc", "payload")
    readings = [0.8, 30.0, 100.0, 60.0, 40.0]
    board = ScriptedBoard(
        [
            reply("eps", readings=readings, flags=2, load_on=[1, 0], valid=True),
            reply("eps", readings=readings[:4], flags=0, load_on=[1, 1], valid=True),
            reply("eps", readings=readings, flags=True, load_on=[1, 1], valid=True),
            reply("eps", readings=readings, flags=0, load_on=[1], valid=True),
            reply("eps", "error", code="bad_field", text="load must be one of obc, payload"),
        ]
    )
    link = SerialLink(board.path, timeout_s=0.2)
    eps = SerialPowerSystem(link, names)
    try:
        assert eps.sample()
        for _ in range(3):
            assert not eps.sample()
            assert eps.readings.tolist() == readings and eps.flags == 2 and eps.load_on.tolist() == [1, 0]
        assert not eps.switch("kettle", True)
    finally:
        link.close()
        board.close()
    assert (eps.counters.ok, eps.counters.malformed, eps.command_counters.errors) == (1, 3, 1)
