"""hal.serial_link over real pseudo-terminals, against sim.board_server and against scripted misbehaving
boards: replies, error replies, timeouts, stale replies, line garbage, an absent port, reconnection."""

import math
import os
import select
import signal
import subprocess
import sys
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.board_frame import FrameDecoder, encode_frame
from hal.serial_link import SerialLink
from sim.board_server import DEVICES, IDENTITY, PROTOCOL_VERSION, BoardServer
from sim.spacecraft import DEFAULT_SPACECRAFT

REPO = Path(__file__).resolve().parents[2]
GYRO_SIGMA_RAD_S = DEFAULT_SPACECRAFT.gyro.noise_rad_s(0.1)
GYRO_BIAS_MAX_RAD_S = max(abs(b) for b in DEFAULT_SPACECRAFT.gyro.bias_rad_s)
N_WHEELS = DEFAULT_SPACECRAFT.wheels.n
STILL = [0] * N_WHEELS


class ServedBoard:
    """A BoardServer on a pty of its own, served from a thread."""

    def __init__(self, seed: int = 3):
        self.server = BoardServer(port="pty", seed=seed)
        self.path = self.server.path
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.stop()
        self._thread.join(timeout=5.0)
        self.server.close()


class ScriptedBoard:
    """A misbehaving board on a raw pty: answers each request with the bytes `script(request)` returns."""

    def __init__(self, script: Callable[[dict], bytes]):
        self.script = script
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.requests: list[dict] = []
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        decoder = FrameDecoder()
        while True:
            readable, _, _ = select.select([self.master, self._wake_r], [], [])
            if self._wake_r in readable:
                return
            for request in decoder.feed(os.read(self.master, 4096)):
                self.requests.append(request)
                os.write(self.master, self.script(request))

    def close(self) -> None:
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5.0)
        for fd in (self.master, self.slave, self._wake_r, self._wake_w):
            os.close(fd)


def reply_to(request: dict, **fields) -> bytes:
    ok = {"dev": request["dev"], "msg": f"{request['msg']}.ok", "seq": request["seq"]}
    return encode_frame({**ok, **fields})


@pytest.fixture
def board():
    served = ServedBoard()
    yield served
    served.close()


@pytest.fixture
def link(board):
    link = SerialLink(board.path, timeout_s=1.0)
    yield link
    link.close()


def test_ping_truth_and_readings(link, board):
    assert link.request("board", "ping") == {
        "dev": "board",
        "msg": "ping.ok",
        "seq": 1,
        "identity": "zorka-sim-board",
        "board_id": f"sim-{os.getpid()}",
        "devices": [
            "gyro",
            "star_tracker",
            "magnetometer",
            "sun_sensor",
            "gnss",
            "wheels",
            "magnetorquers",
            "eps",
            "imager",
        ],
        "protocol": 2,
    }
    speeds = [100.0, -200.0, 0.0, 300.5]
    truth = link.request("sim", "truth", t_s=12.5, w_b=[0.01, -0.02, 0.03], wheel_speed_rad_s=speeds)
    assert truth == {"dev": "sim", "msg": "truth.ok", "seq": 2}
    assert board.server.t_s == 12.5
    w_b = link.request("gyro", "read")["w_b"]
    assert np.allclose(w_b, [0.01, -0.02, 0.03], rtol=0, atol=GYRO_BIAS_MAX_RAD_S + 6 * GYRO_SIGMA_RAD_S)
    assert link.request("wheels", "read")["speed_rad_s"] == speeds
    assert link.counters.replies == link.counters.requests == 4
    assert link.counters.errors == link.counters.timeouts == link.frame_counters.rejected == 0


@pytest.mark.parametrize(
    ("dev", "msg", "fields", "code", "words"),
    [
        ("pump", "read", {}, "unknown_device", ["pump", "gyro", "wheels"]),
        ("wheels", "spin", {}, "unknown_message", ["spin", "read", "torque", "applied"]),
        ("gyro", "read", {"rate": 1.0}, "unknown_field", ["rate"]),
        ("wheels", "torque", {}, "missing_field", ["torque_nm"]),
        ("wheels", "torque", {"torque_nm": [0.1, 0.1]}, "bad_field", ["torque_nm", f"{N_WHEELS} finite"]),
        ("wheels", "torque", {"torque_nm": "fast"}, "bad_field", ["torque_nm", "list"]),
        ("wheels", "torque", {"torque_nm": [0.1, math.nan, 0.1, 0.1]}, "bad_field", ["torque_nm", "nan"]),
        ("wheels", "torque", {"torque_nm": [True, 0.1, 0.1, 0.1]}, "bad_field", ["torque_nm", "True"]),
        ("sim", "truth", {"t_s": "now", "w_b": [0, 0, 0], "wheel_speed_rad_s": STILL}, "bad_field", ["t_s"]),
        ("sim", "truth", {"t_s": 1.0, "w_b": [0, 0], "wheel_speed_rad_s": STILL}, "bad_field", ["w_b", "3"]),
    ],
)
def test_error_replies_name_what_is_wrong_and_what_is_allowed(link, dev, msg, fields, code, words):
    reply = link.request(dev, msg, **fields)
    assert reply["msg"] == "error"
    assert reply["dev"] == dev
    assert reply["seq"] == 1
    assert reply["code"] == code
    assert all(word in reply["text"] for word in words), reply["text"]
    assert link.counters.errors == 1
    assert link.request("board", "ping")["msg"] == "ping.ok"


anything = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)
names = st.sampled_from(["board", "gyro", "wheels", "sim", "read", "ping", "torque", "applied", "truth"])
requests = st.dictionaries(
    st.sampled_from(["dev", "msg", "seq", "t_s", "w_b", "torque_nm", "wheel_speed_rad_s", "x"]),
    names | anything,
    max_size=6,
)


@given(requests)
@settings(derandomize=True, max_examples=300, deadline=None)
def test_any_request_gets_one_reply_that_fits_in_a_frame(request):
    with BoardServer(port="pty", seed=4) as server:
        reply = server.handle(request)
    assert reply["msg"] == "error" or reply["msg"] == f"{request['msg']}.ok"
    assert reply["seq"] is None or reply["seq"] == request["seq"]
    assert FrameDecoder().feed(encode_frame(reply)) == [reply]


def read_replies(fd: int, count: int, timeout_s: float = 2.0) -> list[dict]:
    decoder, replies = FrameDecoder(), []
    deadline = time.monotonic() + timeout_s
    while len(replies) < count and select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
        replies += decoder.feed(os.read(fd, 4096))
    return replies


def test_garbage_and_bad_headers_from_the_host_are_answered_or_counted_and_survived(board):
    fd = os.open(board.path, os.O_RDWR | os.O_NOCTTY)
    try:
        rng = np.random.default_rng(5)
        os.write(fd, rng.integers(0, 256, 3000, dtype=np.uint8).tobytes() + b"\x55" * 5000 + b"\x00")
        os.write(fd, encode_frame({"dev": "gyro", "msg": "read"}))
        os.write(fd, encode_frame({"dev": ["gyro"], "msg": "read", "seq": 4}))
        os.write(fd, encode_frame({"dev": "gyro", "msg": "read", "seq": -1}))
        os.write(fd, encode_frame({"dev": "board", "msg": "ping", "seq": 9}))
        replies = read_replies(fd, 4)
    finally:
        os.close(fd)
    assert [(r["dev"], r["seq"], r.get("code")) for r in replies] == [
        ("gyro", None, "bad_field"),
        (None, 4, "bad_field"),
        ("gyro", None, "bad_field"),
        ("board", 9, None),
    ]
    assert "seq" in replies[0]["text"]
    counters = board.server.frame_counters
    assert counters.too_long == 1
    assert counters.rejected > 1


def test_garbage_and_stale_replies_toward_the_host_are_counted_and_survived():
    rng = np.random.default_rng(6)
    noise = bytes(rng.integers(1, 256, 200, dtype=np.uint8))

    def script(request: dict) -> bytes:
        stale = {**request, "seq": request["seq"] + 1000, "msg": "read.ok"}
        return noise + b"\x00" + encode_frame(stale) + noise[:50] + reply_to(request, w_b=[0.0, 0.0, 0.0])

    scripted = ScriptedBoard(script)
    link = SerialLink(scripted.path, timeout_s=1.0)
    try:
        for _ in range(3):
            assert link.request("gyro", "read")["w_b"] == [0.0, 0.0, 0.0]
    finally:
        link.close()
        scripted.close()
    assert link.counters.stale == 3
    assert link.frame_counters.rejected >= 6
    assert link.counters.replies == 3


def test_silence_times_out_and_a_late_reply_is_dropped_as_stale():
    def script(request: dict) -> bytes:
        if request["msg"] == "slow":
            time.sleep(0.1)
            return reply_to(request)
        return b"" if request["msg"] == "read" else reply_to(request)

    scripted = ScriptedBoard(script)
    link = SerialLink(scripted.path)
    try:
        start = time.monotonic()
        assert link.request("gyro", "read", timeout_s=0.05) is None
        assert 0.05 <= time.monotonic() - start < 0.5
        assert link.request("gyro", "slow", timeout_s=0.02) is None
        assert link.request("board", "ping", timeout_s=1.0)["seq"] == 3
    finally:
        link.close()
        scripted.close()
    assert link.counters.timeouts == 2
    assert link.counters.stale == 1
    assert link.counters.replies == 1


def test_an_absent_port_gives_none_and_counts_without_raising(tmp_path):
    link = SerialLink(str(tmp_path / "ttyUSB-unplugged"))
    assert link.request("gyro", "read") is None
    assert link.request("gyro", "read") is None
    assert link.counters.open_failures == 2
    assert link.counters.requests == 2
    assert not link.is_open


def test_reconnects_after_the_port_disappears_and_comes_back(tmp_path):
    by_id = tmp_path / "usb-zorka-board"
    first = ServedBoard()
    by_id.symlink_to(first.path)
    link = SerialLink(str(by_id), timeout_s=1.0)
    try:
        assert link.request("board", "ping")["msg"] == "ping.ok"
        first.close()
        by_id.unlink()
        assert link.request("board", "ping") is None
        assert link.counters.port_errors == 1
        assert not link.is_open
        assert link.request("board", "ping") is None
        assert link.counters.open_failures >= 1, "reopening tried within the request's second"
        second = ServedBoard()
        by_id.symlink_to(second.path)
        try:
            assert link.request("board", "ping")["msg"] == "ping.ok"
        finally:
            second.close()
    finally:
        link.close()
    assert link.counters.reconnects == 1


def test_server_on_a_serial_port_path():
    master, slave = os.openpty()
    tty.setraw(slave)
    server = BoardServer(port=os.ttyname(slave), seed=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        os.write(master, encode_frame({"dev": "board", "msg": "ping", "seq": 77}))
        assert read_replies(master, 1) == [
            {
                "dev": "board",
                "msg": "ping.ok",
                "seq": 77,
                "identity": IDENTITY,
                "board_id": f"sim-{os.getpid()}",
                "devices": list(DEVICES),
                "protocol": 2,
            }
        ]
    finally:
        server.stop()
        thread.join(timeout=5.0)
        server.close()
        os.close(master)
        os.close(slave)


def test_server_on_a_path_reopens_it_when_it_comes_back(tmp_path):
    """pyserial flushes the input when it opens a port, so the host repeats its request until answered."""
    by_id = tmp_path / "usb-serial-adapter"
    first_master, first_slave = os.openpty()
    tty.setraw(first_slave)
    by_id.symlink_to(os.ttyname(first_slave))
    server = BoardServer(port=str(by_id), seed=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    master, slave = os.openpty()
    try:
        tty.setraw(slave)
        # the new device's stable name is in place before the old one goes (udev does it atomically)
        fresh = tmp_path / "usb-serial-adapter.new"
        fresh.symlink_to(os.ttyname(slave))
        os.replace(fresh, by_id)
        os.close(first_master)
        os.close(first_slave)
        replies = []
        for _ in range(100):  # up to 10 s: the server retries every 0.5 s, slower on a loaded machine
            os.write(master, encode_frame({"dev": "board", "msg": "ping", "seq": 5}))
            replies = read_replies(master, 1, timeout_s=0.1)
            if replies:
                break
        assert replies[0]["seq"] == 5
        assert server.counters.port_errors >= 1
    finally:
        server.stop()
        thread.join(timeout=5.0)
        server.close()
        os.close(master)
        os.close(slave)


def test_run_prints_the_port_serves_and_exits_0_on_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from sim.board_server import run; sys.exit(run('pty', 2))"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith(f"board-server: serving {', '.join(DEVICES)} as sim-")
        link = SerialLink(line.split(" on ")[1].strip(), timeout_s=2.0)
        assert link.request("board", "ping")["protocol"] == PROTOCOL_VERSION
        link.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5.0) == 0
    finally:
        process.kill()
        process.stdout.close()


def test_run_returns_1_when_the_port_cannot_be_opened(tmp_path, capsys):
    from sim.board_server import run

    assert run(str(tmp_path / "no-such-port"), 1) == 1
    assert "cannot open" in capsys.readouterr().err


def test_a_port_held_by_one_link_cannot_be_opened_by_another(board):
    """Exclusive open: a second program on the board's port (another test, a terminal) is refused while
    the first holds it, and gets it once the first lets go."""
    first, second = SerialLink(board.path, timeout_s=1.0), SerialLink(board.path, timeout_s=1.0)
    try:
        assert first.open() and not second.open()
        assert second.counters.open_failures == 1 and second.open_error == "another program holds it open"
        first.close()
        assert second.open() and second.request("board", "ping")["msg"] == "ping.ok"
    finally:
        first.close()
        second.close()


def test_a_reopened_port_that_leads_to_another_board_is_not_taken(tmp_path):
    """The link knows its board by the id it said; an alias re-pointed at another board (a recycled pty)
    is closed again after one ping, counted as wrong_board, and the right board is taken when it is back."""
    mine, stranger = BoardServer(port="pty", seed=1, board_id="mine"), ServedBoard()
    serving = threading.Thread(target=mine.serve_forever, daemon=True)
    serving.start()
    alias = tmp_path / "board"
    alias.symlink_to(mine.path)
    link = SerialLink(str(alias), timeout_s=1.0)
    try:
        assert link.request("board", "ping")["board_id"] == "mine" and link.board_id == "mine"
        link.close()
        alias.unlink()
        alias.symlink_to(stranger.path)
        assert not link.open()
        assert link.counters.wrong_board == 1 and link.counters.reconnects == 0
        assert stranger.server.counters.requests == 1, "one ping, nothing else"
        alias.unlink()
        alias.symlink_to(mine.path)
        assert link.open() and link.counters.reconnects == 1
    finally:
        link.close()
        stranger.close()
        mine.stop()
        serving.join(timeout=5.0)
        mine.close()
