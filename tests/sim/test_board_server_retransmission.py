"""Retransmissions are safe: a request with the seq, dev and msg of the board's previous request gets the
previous reply again and is not acted on (no second capture start, no second truth row recorded, no
fresh noise drawn, the watchdog not fed); over a pty the same frame sent twice gets two equal replies.
And `zorka board-server --watchdog-s S` powers the board on with that timeout."""

import subprocess
import sys
import threading
import time

import pytest

from hal.board_frame import FrameDecoder, encode_frame
from hal.serial_link import SerialLink
from sim.board_server import BoardServer

TARGET = {"lat_rad": 0.1, "lon_rad": 0.2, "alt_m": 0.0}
R_ECI_M = [6_878_137.0, 0.0, 0.0]


@pytest.fixture
def server():
    """A board given a position (an imager captures only where the truth puts it)."""
    server = BoardServer(port="pty", seed=1)
    assert server.handle({"dev": "sim", "msg": "truth", "seq": 0, "t_s": 0.0, "r_eci": R_ECI_M})["msg"] == (
        "truth.ok"
    )
    yield server
    server.close()


def test_a_retransmitted_command_gets_the_cached_reply_and_is_not_acted_on_again(server):
    start = {"dev": "imager", "msg": "start", "seq": 7, "request_id": "A", "duration_s": 5.0, **TARGET}
    first = server.handle(start)
    assert first["msg"] == "start.ok"
    assert server.handle(dict(start)) == first, "a second start would be refused: the imager is capturing"
    assert server.handle({**start, "seq": 8})["code"] == "wrong_state", "a new seq is a new request"
    assert server.counters.retransmissions == 1


def test_a_retransmitted_truth_records_no_second_row_and_a_read_draws_no_fresh_noise(server):
    server.handle({"dev": "imager", "msg": "start", "seq": 1, "request_id": "A", "duration_s": 5.0, **TARGET})
    truth = {"dev": "sim", "msg": "truth", "seq": 2, "t_s": 0.1}
    server.handle(truth)
    server.handle(truth)
    assert server.handle({"dev": "imager", "msg": "read", "seq": 3})["frames"] == 2, "start and one truth"
    read = {"dev": "gyro", "msg": "read", "seq": 4}
    first = server.handle(read)
    assert server.handle(read) == first
    assert server.handle({**read, "seq": 5})["w_b"] != first["w_b"], "a new read has new noise"


def test_only_the_previous_request_is_remembered_and_errors_are_cached_too(server):
    bad = {"dev": "wheels", "msg": "torque", "seq": 1, "torque_nm": [1.0]}
    refusal = server.handle(bad)
    assert refusal["code"] == "bad_field" and server.handle(bad) is refusal
    server.handle({"dev": "board", "msg": "status", "seq": 1})  # same seq, another message: acted on
    assert server.counters.retransmissions == 1
    assert server.handle({"dev": "wheels", "msg": "read", "seq": 2})["msg"] == "read.ok"
    assert server.handle(bad) is not refusal, "no longer the previous request"


def test_a_request_with_a_bad_seq_is_the_previous_request_and_makes_nothing_a_retransmission(server):
    """As native/board does, and hal/board_protocol.md says: the request answered last is the previous one,
    whatever its seq; a bad seq matches nothing, so the request before it is forgotten."""
    read = {"dev": "gyro", "msg": "read", "seq": 4}
    first = server.handle(read)
    assert server.handle({"dev": "gyro", "msg": "read", "seq": -1})["code"] == "bad_field"
    assert server.handle(read)["w_b"] != first["w_b"], "acted on again: not a retransmission"
    assert server.counters.retransmissions == 0


def test_a_retransmission_does_not_feed_the_watchdog():
    now_s = [100.0]
    server = BoardServer(port="pty", seed=1, watchdog_s=1.0, clock=lambda: now_s[0])
    try:
        torque = {"dev": "wheels", "msg": "torque", "seq": 1, "torque_nm": [0.01] * 4}
        server.handle(torque)
        now_s[0] += 0.9
        server.handle(torque)
        now_s[0] += 0.2
        assert server.check_watchdog(), "fed 1.1 s ago by the first transmission only"
    finally:
        server.close()


def test_the_same_frame_twice_over_a_pty_gets_two_equal_replies():
    server = BoardServer(port="pty", seed=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    link = SerialLink(server.path, timeout_s=1.0)
    try:
        assert link.open()
        frame = encode_frame({"dev": "gyro", "msg": "read", "seq": 41})
        link._serial.write(frame + frame)
        decoder, replies = FrameDecoder(), []
        deadline = time.monotonic() + 2.0
        while len(replies) < 2 and time.monotonic() < deadline:
            replies += decoder.feed(link._serial.read(4096))
        assert len(replies) == 2 and replies[0] == replies[1] and replies[0]["seq"] == 41
        assert server.counters.retransmissions == 1
    finally:
        link.close()
        server.stop()
        thread.join(timeout=5.0)
        server.close()


def test_board_server_takes_its_power_on_watchdog_timeout_from_the_command_line():
    process = subprocess.Popen(
        [sys.executable, "-m", "zorka", "board-server", "--port", "pty", "--watchdog-s", "0.25"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("board-server: serving") and "imager" in line, process.stderr.read()
        link = SerialLink(line.rsplit(" ", 1)[-1], timeout_s=1.0)
        assert link.request("board", "status")["watchdog_s"] == 0.25
        assert link.request("wheels", "torque", torque_nm=[0.01] * 4)["msg"] == "torque.ok"
        commanded_s = time.monotonic()
        while not link.request("board", "status")["watchdog_tripped"] and time.monotonic() - commanded_s < 5:
            time.sleep(0.01)
        assert 0.25 <= time.monotonic() - commanded_s <= 0.25 + 0.2  # the poll lags on a busy host
        assert link.request("wheels", "applied")["torque_nm"] == [0.0] * 4
        link.close()
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_a_negative_watchdog_timeout_is_a_one_line_usage_error():
    done = subprocess.run(
        [sys.executable, "-m", "zorka", "board-server", "--port", "pty", "--watchdog-s", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "zorka board-server: error: argument --watchdog-s: '-1' is not a timeout: use seconds >= 0 (0: off)\n"
    )
