"""hal.link_health and the retries, round trips and per-device counts of hal.serial_link, over real ptys
against scripted boards: a lost request resent with its seq, the budget of retries and deadline, bad
frames by reason charged to the device awaited, a port found again behind its alias within a request."""

import threading
import time
from pathlib import Path

import numpy as np

from hal.board_frame import encode_frame
from hal.link_health import RTT_BIN_RATIO, RoundTripHistogram
from hal.serial_link import SerialLink
from tests.hal.test_serial_link import ScriptedBoard, ServedBoard, reply_to


def test_round_trip_percentiles_are_within_one_percent_and_memory_stays_fixed():
    rng = np.random.default_rng(13)
    rtt_s = rng.lognormal(np.log(300e-6), 0.6, 200_000)
    histogram = RoundTripHistogram()
    bins = len(histogram.counts)
    for value in rtt_s:
        histogram.record(float(value))
    assert len(histogram.counts) == bins and histogram.count == len(rtt_s)
    for percent in (50.0, 99.0, 99.9):
        exact = np.percentile(rtt_s, percent, method="inverted_cdf")
        assert abs(histogram.percentile_s(percent) / exact - 1.0) < 0.01
    assert histogram.max_s == rtt_s.max()
    assert histogram.figures_ms()["rtt_max_ms"] == round(rtt_s.max() * 1e3, 3)
    assert RTT_BIN_RATIO**0.5 - 1.0 < 0.01, "a bin's middle is within 1 % of its edges"


def test_an_empty_histogram_says_none():
    assert RoundTripHistogram().figures_ms() == {"rtt_p50_ms": None, "rtt_p99_ms": None, "rtt_max_ms": None}


def test_a_lost_request_is_resent_with_its_seq_and_answered():
    seen: list[int] = []

    def script(request: dict) -> bytes:  # the first transmission of each seq is lost
        seen.append(request["seq"])
        return reply_to(request, w_b=[0.0] * 3) if seen.count(request["seq"]) == 2 else b""

    scripted = ScriptedBoard(script)
    link = SerialLink(scripted.path, timeout_s=2.0, retries=2, retry_after_s=0.1)
    try:
        for _ in range(3):
            assert link.request("gyro", "read")["msg"] == "read.ok"
    finally:
        link.close()
        scripted.close()
    assert seen == [1, 1, 2, 2, 3, 3]
    assert link.counters.retries == 3 and link.counters.timeouts == 0 and link.counters.replies == 3
    gyro = link.devices["gyro"]
    assert (gyro.requests, gyro.replies, gyro.retries) == (3, 3, 3)
    assert 0.1 <= link.rtt.percentile_s(50.0) < 1.0, "the round trip counts from the first transmission"


def test_retries_stop_at_their_count_and_at_the_deadline():
    sent: list[dict] = []
    scripted = ScriptedBoard(lambda request: sent.append(request) or b"")
    try:
        link = SerialLink(scripted.path, timeout_s=0.25, retries=2, retry_after_s=0.05)
        start = time.monotonic()
        assert link.request("gyro", "read") is None
        assert 0.25 <= time.monotonic() - start < 1.0
        time.sleep(0.1)
        assert len(sent) == 3, "one transmission and two retries, then the wait to the deadline"
        link.retries, link.retry_after_s = 10, 0.1
        assert link.request("gyro", "read", timeout_s=0.25) is None
        time.sleep(0.1)
        assert len(sent) == 3 + 3, "retries cut short by the deadline (0, 0.1, 0.2 s)"
        assert link.counters.timeouts == 2 and link.counters.retries == 2 + 2
        assert link.consecutive_misses == 2
        link.close()
    finally:
        scripted.close()


def test_bad_frames_are_counted_by_reason_for_the_device_awaited():
    def script(request: dict) -> bytes:
        frame = bytearray(encode_frame({"dev": request["dev"], "msg": "read.ok", "seq": request["seq"]}))
        frame[5] ^= 0x01  # one bit flipped: a CRC reject
        return bytes(frame) + reply_to(request, w_b=[0.0] * 3)

    scripted = ScriptedBoard(script)
    link = SerialLink(scripted.path, timeout_s=1.0)
    try:
        assert link.request("gyro", "read")["msg"] == "read.ok"
        assert link.request("magnetometer", "read")["msg"] == "read.ok"
        assert link.request("gyro", "read")["msg"] == "read.ok"
    finally:
        link.close()
        scripted.close()
    assert link.frame_counters.crc == 3
    assert link.devices["gyro"].bad_frames.crc == 2 and link.devices["magnetometer"].bad_frames.crc == 1
    assert link.devices["gyro"].figures()["bad_frames_by_reason"]["crc"] == 2


def test_a_request_waits_for_a_board_found_again_behind_its_alias(tmp_path: Path):
    alias = tmp_path / "serial" / "by-id" / "board0"
    alias.parent.mkdir(parents=True)
    first = ServedBoard()
    alias.symlink_to(first.path)
    link = SerialLink(str(alias), timeout_s=5.0)
    reconnected: list[str] = []
    link.on_reconnect = lambda: reconnected.append(link.request("board", "ping")["msg"])
    second = ServedBoard()  # started first, so that it gets another pty than the first board's

    def repoint() -> None:
        time.sleep(0.5)
        alias.symlink_to(second.path)

    try:
        assert link.request("board", "ping")["msg"] == "ping.ok"
        first_path = link.opened_path
        alias.unlink()  # the stable name goes with its device (as udev removes it), not to a recycled pty
        first.close()
        threading.Thread(target=repoint).start()
        assert link.request("gyro", "read")["msg"] == "read.ok", "answered by the restarted board"
        assert link.opened_path == second.path != first_path
    finally:
        link.close()
        second.close()
    assert reconnected == ["ping.ok"], "on_reconnect ran once, before the request went on"
    assert link.counters.reconnects == 1 and link.devices["gyro"].reconnects == 1
    assert link.counters.port_errors == 1 and link.counters.open_failures >= 1
