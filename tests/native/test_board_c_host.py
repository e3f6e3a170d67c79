"""The host build of the C board firmware (build/zorka-c-board, native/board/host/) on a real pty against
the project's own host side: SerialLink's handshake, replies by the protocol's rules, the retransmission
cache, the watchdog in real time, and a lockstep mission flying with its gyro and wheels."""

import os
import select
import subprocess
import time

import msgpack
import pytest

from hal.board_frame import FrameDecoder, encode_frame
from hal.serial_link import SerialLink
from sim.board_config import device_specs
from sim.board_server import BoardServer
from sim.spacecraft import DEFAULT_SPACECRAFT
from tests.native.board_c import REPLY_TIMEOUT_S, build_firmware, configuration, exchange, needs_gcc
from tests.zorka.test_board_check import board_check
from zorka.run.mission import Mission
from zorka.scenario.model import ReportSpec, Scenario

pytestmark = needs_gcc
START_TIMEOUT_S = 10.0


@pytest.fixture
def c_board():
    """The firmware serving its own pty as board C-7 (seed 7); its pty path."""
    process = subprocess.Popen(
        [str(build_firmware()), "--board-id", "C-7", "--seed", "7"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_S)
    line = process.stdout.readline().strip() if ready else ""
    assert line.startswith("zorka-c-board: serving gyro, wheels as C-7 on /dev/pts/"), line
    yield line.rsplit(" ", 1)[-1]
    process.terminate()
    assert process.wait(timeout=10) == 0


def test_the_handshake_of_a_host_link(c_board):
    link = SerialLink(c_board, timeout_s=REPLY_TIMEOUT_S)
    try:
        ping = link.request("board", "ping")
        assert ping["identity"] == "zorka-c-board" and ping["board_id"] == "C-7"
        assert ping["protocol"] == 2 and ping["devices"] == ["gyro", "wheels"]
        assert link.request("board", "reset")["msg"] == "reset.ok"
        sent = configuration()
        reply = link.request("board", "configure", **sent)
        assert reply["msg"] == "configure.ok"
        assert reply["config"] == msgpack.unpackb(msgpack.packb(sent))
        status = link.request("board", "status")
        assert status["configured"] is True and status["watchdog_s"] == 2.0
        assert (status["watchdog_tripped"], status["watchdog_trips"], status["config_mismatches"]) == (
            False,
            0,
            0,
        )
        three = device_specs(DEFAULT_SPACECRAFT, ["wheels"])["wheels"]
        three["axis_b"] = three["axis_b"][:3]
        refused = link.request("board", "configure", **{**sent, "specs": {"wheels": three}})
        assert refused["code"] == "config_mismatch"
        assert refused["text"] == "this board drives 4 wheels; the configuration asks for 3"
        assert (
            link.request("board", "configure", **{**sent, "devices": ["imager"]})["code"] == "config_mismatch"
        )
        assert link.request("board", "status")["config_mismatches"] == 2
        assert link.counters.wrong_board == 0 and link.counters.timeouts == 0
    finally:
        link.close()


def test_requests_are_answered_by_the_protocols_rules(c_board):
    link = SerialLink(c_board, timeout_s=REPLY_TIMEOUT_S)
    try:
        link.request("board", "configure", **configuration())
        assert link.request("sim", "truth", t_s=13.0, w_b=[0.01, 0.0, -0.02], wheel_speed_rad_s=[1, 2, 3, 4])
        w_b = link.request("gyro", "read")["w_b"]
        assert abs(w_b[0] - 0.01) < 1e-4 and abs(w_b[2] + 0.02) < 1e-4
        wheels = link.request("wheels", "read")
        assert wheels["speed_rad_s"] == [1.0, 2.0, 3.0, 4.0] and wheels["current_a"] == [0.05] * 4
        assert link.request("wheels", "torque", torque_nm=[0.5, -0.01, 0.0, 0.0])["msg"] == "torque.ok"
        assert link.request("wheels", "applied")["torque_nm"] == [0.2, -0.01, 0.0, 0.0]
        refusals = [
            ("star_tracker", "read", {}, "unknown_device"),
            ("wheels", "spin", {}, "unknown_message"),
            ("wheels", "torque", {"torque_nm": [0.1] * 4, "x": 1}, "unknown_field"),
            ("wheels", "torque", {}, "missing_field"),
            ("wheels", "torque", {"torque_nm": [0.1, True, 0, 0]}, "bad_field"),
            ("wheels", "speed", {"speed_rad_s": [1e9, 0, 0, 0]}, "bad_field"),
            ("sim", "truth", {"t_s": 1.0, "w_b": [1, 2]}, "bad_field"),
        ]
        for dev, msg, fields, code in refusals:
            reply = link.request(dev, msg, **fields)
            assert (reply["msg"], reply["code"]) == ("error", code), reply
        assert link.request("wheels", "applied")["torque_nm"] == [0.2, -0.01, 0.0, 0.0], (
            "refusals change nothing"
        )
    finally:
        link.close()


def test_a_retransmission_gets_the_same_bytes_and_nothing_is_done_twice(c_board):
    fd = os.open(c_board, os.O_RDWR | os.O_NOCTTY)
    decoder = FrameDecoder()
    try:
        read = encode_frame({"dev": "gyro", "msg": "read", "seq": 41})
        first, reply = exchange(fd, decoder, read)
        again, _ = exchange(fd, FrameDecoder(), read)
        assert reply["msg"] == "read.ok" and again == first
        _, later = exchange(fd, FrameDecoder(), encode_frame({"dev": "gyro", "msg": "read", "seq": 42}))
        assert later["w_b"] != reply["w_b"], "a new seq draws new noise"
        bad = encode_frame({"dev": "gyro", "msg": "read", "seq": 43, "x": 1})
        first, reply = exchange(fd, FrameDecoder(), bad)
        assert reply["code"] == "unknown_field" and exchange(fd, FrameDecoder(), bad)[0] == first
    finally:
        os.close(fd)


def test_the_watchdog_trips_in_real_time_and_latches(c_board):
    link = SerialLink(c_board, timeout_s=REPLY_TIMEOUT_S)
    try:
        link.request("board", "configure", **configuration(watchdog_s=0.2))
        link.request("wheels", "torque", torque_nm=[0.01, 0.0, 0.0, 0.0])
        assert link.request("wheels", "applied")["torque_nm"][0] == 0.01
        time.sleep(0.5)
        status = link.request("board", "status")
        assert status["watchdog_tripped"] is True and status["watchdog_trips"] == 1
        assert link.request("wheels", "applied")["torque_nm"] == [0.0] * 4
        link.request("wheels", "torque", torque_nm=[0.01, 0.0, 0.0, 0.0])
        assert link.request("wheels", "applied")["torque_nm"][0] == 0.01, "a command after a trip acts again"
        assert link.request("board", "reset") and link.request("board", "status")["watchdog_trips"] == 0
    finally:
        link.close()


def test_a_lockstep_mission_points_with_the_c_boards_gyro_and_wheels(c_board):
    scenario = Scenario(seed=11, report=ReportSpec(stats_from_s=300.0))
    mission = Mission(scenario, 420.0, serial={"gyro": c_board, "wheels": c_board})
    try:
        summary = mission.run()
        link = mission.links[c_board]
    finally:
        mission.close()
    assert link.counters.timeouts == 0 and link.counters.errors == 0
    assert summary["attitude"]["error_deg"]["p99"] < 0.1
    print(f"\nC board in the loop: pointing error p99 {summary['attitude']['error_deg']['p99']:.4f} deg")


def conformance_requests() -> list[dict]:
    """Requests to the devices both boards serve, valid and not, each with its own seq."""
    good = configuration()
    three = device_specs(DEFAULT_SPACECRAFT, ["wheels"])
    three["wheels"]["axis_b"] = three["wheels"]["axis_b"][:3]
    bodies = [
        {"dev": "board", "msg": "ping"},
        {"dev": "board", "msg": "status"},
        {"dev": "board", "msg": "configure", **good},
        {"dev": "board", "msg": "configure", **{**good, "specs": three}},
        {"dev": "board", "msg": "configure", **{**good, "frame_s": 0.0}},
        {"dev": "board", "msg": "configure", **{**good, "seed": -1}},
        {"dev": "board", "msg": "configure", **{k: v for k, v in good.items() if k != "seed"}},
        {"dev": "board", "msg": "configure", **{**good, "specs": {"gyro": {"nonsense_s": 1.0}}}},
        {"dev": "board", "msg": "configure", **{**good, "specs": {"gyro": {"bias_rad_s": [0.0, 0.0]}}}},
        {"dev": "board", "msg": "configure", **{**good, "devices": "gyro"}},
        {"dev": "board", "msg": "status", "verbose": True},
        {"dev": "gyro", "msg": "read"},
        {"dev": "gyro", "msg": "read", "rate": 1},
        {"dev": "gyro", "msg": "write"},
        {"dev": "wheels", "msg": "read"},
        {"dev": "wheels", "msg": "torque", "torque_nm": [0.01, 0.0, -0.01, 0.0]},
        {"dev": "wheels", "msg": "torque", "torque_nm": [0.01, 0.0, -0.01]},
        {"dev": "wheels", "msg": "torque", "torque_nm": [0.01, 0.0, "x", 0.0]},
        {"dev": "wheels", "msg": "torque", "torque_nm": [float("nan"), 0.0, 0.0, 0.0]},
        {"dev": "wheels", "msg": "torque", "torque_nm": 0.01},
        {"dev": "wheels", "msg": "speed", "speed_rad_s": [10.0, 0.0, 0.0, -10.0]},
        {"dev": "wheels", "msg": "speed", "speed_rad_s": [1e4, 0.0, 0.0, 0.0]},
        {"dev": "wheels", "msg": "applied"},
        {"dev": "sim", "msg": "truth", "t_s": 1.0, "w_b": [0.1, 0.0, 0.0], "wheel_speed_rad_s": [1, 2, 3, 4]},
        {"dev": "sim", "msg": "truth", "w_b": [0.1, 0.0, 0.0]},
        {"dev": "sim", "msg": "truth", "t_s": 1.0, "q_ib": [0.0, 0.0, 1.0]},
        {"dev": "sim", "msg": "truth", "t_s": True},
        {"dev": "sim", "msg": "truth", "t_s": 1.0, "wind": 3.0},
        {"dev": "nowhere", "msg": "read"},
        {"dev": 5, "msg": "read"},
        {"dev": "gyro", "msg": 7},
        {"dev": "board", "msg": "reset"},
        {"dev": "board", "msg": "status"},
    ]
    requests = [{**body, "seq": seq} for seq, body in enumerate(bodies, start=100)]
    return [*requests, {"dev": "board", "msg": "ping"}, {"dev": "board", "msg": "ping", "seq": -3}]


def test_the_c_board_answers_as_the_python_reference_board(c_board):
    """Reply by reply the same outcome (message and error code, nil where the header was bad) and the
    same reply fields as sim.board_server, for the devices both serve."""
    reference = BoardServer(port="pty", seed=7, board_id="py-7")
    fd = os.open(c_board, os.O_RDWR | os.O_NOCTTY)
    try:
        for request in conformance_requests():
            _, got = exchange(fd, FrameDecoder(), encode_frame(request))
            expected = reference.handle(request)
            assert (got["msg"], got.get("code")) == (expected["msg"], expected.get("code")), request
            assert (got["dev"], got["seq"]) == (expected["dev"], expected["seq"]), request
            if expected["msg"] != "error":
                assert set(got) == set(expected), request
    finally:
        os.close(fd)
        reference.close()


def test_zorka_board_check_passes_the_c_board(c_board):
    """The conformance checker a hardware team would run, against the reference firmware built for the
    host: every row passes (gyro and wheels are all it claims)."""
    status, rows, out = board_check(c_board)
    assert status == 0, out
    assert set(rows.values()) == {"pass"} and "device wheels" in rows and "watchdog" in rows, out
    assert "21 passed, 0 failed, 0 skipped" in out
