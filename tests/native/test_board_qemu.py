"""The reference firmware of native/board on an emulated Cortex-M3 (native/board/firmware/lm3s6965 on
QEMU's lm3s6965evb, UART0 on a pty): SerialLink's handshake, replies by the protocol's rules, the
watchdog on the firmware's SysTick, malformed frames dropped, and missions flying with its gyro and
wheels. Boot time, round trips and pointing are printed (-s); `make test-firmware` runs this file."""

import os
import re
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import replace

import msgpack
import pytest

from hal.board_frame import FrameDecoder, encode_frame
from hal.serial_link import SerialLink
from native import ffi, lib
from tests.native.board_c import REPLY_TIMEOUT_S, build_qemu_firmware, configuration, exchange
from tests.native.test_board_c_host import conformance_requests
from tests.zorka.test_board_check import board_check
from tests.zorka.test_devices_in_the_loop_realtime import SCENARIO, assert_within_twice
from zorka.run.mission import Mission
from zorka.scenario.model import ReportSpec, Scenario

MISSING = [tool for tool in ("qemu-system-arm", "arm-none-eabi-gcc") if shutil.which(tool) is None]
pytestmark = [
    pytest.mark.firmware,  # run alone by `make test-firmware`: its real-time run needs the machine to itself
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"needs {' and '.join(MISSING)} (apt-get install --no-install-recommends qemu-system-arm "
        "gcc-arm-none-eabi libnewlib-arm-none-eabi)",
    ),
]
START_TIMEOUT_S = 10.0
PTY_LINE = re.compile(r"char device redirected to (/dev/pts/\d+) \(label serial0\)")


@contextmanager
def booted(*qemu_options: str):
    """The firmware booted on QEMU; its pty path, once it answers a ping (boot time printed)."""
    image = build_qemu_firmware()
    started = time.monotonic()
    process = subprocess.Popen(
        ["qemu-system-arm", "-M", "lm3s6965evb", "-nographic", "-serial", "pty", *qemu_options,
         "-kernel", str(image)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        found = PTY_LINE.search(process.stdout.readline())
        assert found, "QEMU printed no pty path"
        path = found.group(1)
        # QEMU's pty back end, once it has seen the pty closed, notices a new opener only on a 1 s timer:
        # a handle held for QEMU's life keeps it connected across the tests' links.
        held = os.open(path, os.O_RDWR | os.O_NOCTTY)
        link = SerialLink(path, timeout_s=0.05)
        while link.request("board", "ping") is None:
            assert time.monotonic() - started < START_TIMEOUT_S, "the firmware did not answer"
        link.close()
        boot_ms = 1e3 * (time.monotonic() - started)
        print(f"\nQEMU lm3s6965evb: the firmware answers {boot_ms:.0f} ms after start")
        yield path
        os.close(held)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def qemu_board():
    with booted("-monitor", "none") as path:
        yield path


def test_the_handshake_and_the_devices_replies(qemu_board):
    link = SerialLink(qemu_board, timeout_s=REPLY_TIMEOUT_S)
    try:
        ping = link.request("board", "ping")
        assert ping["identity"] == "zorka-c-board" and ping["board_id"] == "qemu-lm3s6965"
        assert ping["protocol"] == 2 and ping["devices"] == ["gyro", "wheels"]
        assert link.request("board", "reset")["msg"] == "reset.ok"
        sent = configuration()
        reply = link.request("board", "configure", **sent)
        assert reply["msg"] == "configure.ok" and reply["config"] == msgpack.unpackb(msgpack.packb(sent))
        status = link.request("board", "status")
        assert status["configured"] is True and status["watchdog_tripped"] is False
        assert link.request("sim", "truth", t_s=13.0, w_b=[0.01, 0.0, -0.02], wheel_speed_rad_s=[1, 2, 3, 4])
        w_b = link.request("gyro", "read")["w_b"]
        assert abs(w_b[0] - 0.01) < 1e-4 and abs(w_b[2] + 0.02) < 1e-4
        assert link.request("wheels", "read")["speed_rad_s"] == [1.0, 2.0, 3.0, 4.0]
        assert link.request("wheels", "torque", torque_nm=[0.5, -0.01, 0.0, 0.0])["msg"] == "torque.ok"
        assert link.request("wheels", "applied")["torque_nm"] == [0.2, -0.01, 0.0, 0.0]
        assert link.request("wheels", "torque", torque_nm=[0.1] * 3)["code"] == "bad_field"
        assert link.counters.timeouts == 0 and link.counters.wrong_board == 0
    finally:
        link.close()


def test_round_trips(qemu_board):
    link = SerialLink(qemu_board, timeout_s=REPLY_TIMEOUT_S)
    try:
        link.request("board", "configure", **configuration())
        times_ms = []
        for _ in range(500):
            start = time.perf_counter()
            assert link.request("gyro", "read")["msg"] == "read.ok"
            times_ms.append(1e3 * (time.perf_counter() - start))
    finally:
        link.close()
    times_ms.sort()
    p50, p99 = times_ms[len(times_ms) // 2], times_ms[int(0.99 * len(times_ms))]
    print(f"\nQEMU gyro.read round trip: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {times_ms[-1]:.2f} ms")
    assert p50 < 20.0


def test_the_watchdog_trips_on_the_firmwares_clock(qemu_board):
    link = SerialLink(qemu_board, timeout_s=REPLY_TIMEOUT_S)
    try:
        link.request("board", "configure", **configuration(watchdog_s=0.3))
        link.request("wheels", "torque", torque_nm=[0.01, 0.0, 0.0, 0.0])
        time.sleep(0.1)
        assert link.request("wheels", "applied")["torque_nm"][0] == 0.01, "not before its time"
        time.sleep(0.8)
        status = link.request("board", "status")
        assert status["watchdog_tripped"] is True and status["watchdog_trips"] == 1
        assert link.request("wheels", "applied")["torque_nm"] == [0.0] * 4
    finally:
        link.close()


def framed(body: bytes) -> bytes:
    """body with a good CRC in a COBS frame: what passes the framing whatever the body holds."""
    raw = body + lib.zk_crc16_ccitt(body, len(body), 0xFFFF).to_bytes(2, "big")
    out = ffi.new("uint8_t[]", len(raw) + len(raw) // 254 + 3)
    return ffi.buffer(out, lib.zk_cobs_encode(raw, len(raw), out + 1) + 2)[:]


def test_malformed_frames_are_dropped_and_the_next_good_one_answered(qemu_board):
    good = encode_frame({"dev": "board", "msg": "ping", "seq": 9})
    bad_crc = good[:-3] + bytes([good[-3] ^ 0x55]) + good[-2:]
    malformed = [
        bad_crc,
        b"\0\x05ab\0",  # a COBS code past the frame's end
        b"\0" + b"\x01" * 5000 + b"\0",  # longer than any frame
        framed(b"\xc1\x80"),  # not msgpack
        framed(msgpack.packb([1, 2])),  # not a map
    ]
    fd = os.open(qemu_board, os.O_RDWR | os.O_NOCTTY)
    try:
        for frame in malformed:
            os.write(fd, frame)
        _, reply = exchange(fd, FrameDecoder(), good)
        assert reply["msg"] == "ping.ok" and reply["seq"] == 9, "only the good frame is answered"
    finally:
        os.close(fd)


def symbol(image, name: str) -> int:
    nm = subprocess.run(["arm-none-eabi-nm", str(image)], check=True, capture_output=True, text=True).stdout
    return int(re.search(rf"^([0-9a-f]+) \w {name}$", nm, re.MULTILINE).group(1), 16)


def monitor_words(path, address: int, count: int) -> list[int]:
    """count 32-bit words of RAM from address, read through QEMU's monitor on the unix socket at path;
    then QEMU quits."""
    with socket.socket(socket.AF_UNIX) as monitor:
        monitor.connect(str(path))
        monitor.settimeout(REPLY_TIMEOUT_S)
        monitor.sendall(f"xp /{count}wx {address:#x}\nquit\n".encode())
        text = b""
        while chunk := monitor.recv(65536):
            text += chunk
    rows = re.findall(rb"^[0-9a-f]+:((?: 0x[0-9a-f]{8})+)", text, re.MULTILINE)
    return [int(word, 16) for row in rows for word in row.split()]


def test_the_stack_fits_its_reservation(tmp_path):
    """After the deepest requests (configurations, every refusal, sim.truth), the stack painted at reset
    (STACK_PAINT in startup.c) is untouched below half the 8 KiB the linker script reserves."""
    image = build_qemu_firmware()
    bottom, top = symbol(image, "_ebss"), symbol(image, "_estack")
    monitor = tmp_path / "monitor"
    with booted("-monitor", f"unix:{monitor},server=on,wait=off") as path:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        try:
            for request in conformance_requests():
                exchange(fd, FrameDecoder(), encode_frame(request))
        finally:
            os.close(fd)
        words = monitor_words(monitor, bottom, (top - bottom) // 4)
    untouched = next(k for k, word in enumerate(words) if word != 0x5A5A5A5A)
    used = top - (bottom + 4 * untouched)
    print(f"\nstack high-water mark: {used} B of the 8192 B reserved")
    assert len(words) == (top - bottom) // 4 and used < 4096


def test_a_lockstep_mission_points_with_the_qemu_boards_gyro_and_wheels(qemu_board):
    """Two minutes (settled after one), kept short: each frame's exchanges cost ~10 ms on QEMU."""
    scenario = Scenario(seed=11, report=ReportSpec(stats_from_s=60.0))
    mission = Mission(scenario, 120.0, serial={"gyro": qemu_board, "wheels": qemu_board})
    try:
        summary = mission.run()
        link = mission.links[qemu_board]
    finally:
        mission.close()
    assert link.counters.timeouts == 0 and link.counters.errors == 0
    assert summary["attitude"]["error_deg"]["p99"] < 0.1
    p99 = summary["attitude"]["error_deg"]["p99"]
    print(f"\nQEMU board in the loop (lockstep): pointing error p99 {p99:.4f} deg")


def test_two_minutes_in_real_time_with_the_qemu_boards_gyro_and_wheels(qemu_board):
    """Nadir, then the slew to and the tracking of a capture (the target ~10 degrees of orbit sooner than in
    SCENARIO), paced by the wall clock: within twice the all-simulated figures, no deadline missed (no frame
    late nor skipped)."""
    orbit = replace(SCENARIO.orbit, true_anomaly_deg=150.0)
    scenario = replace(SCENARIO, orbit=orbit, report=ReportSpec(stats_from_s=30.0))
    serial = {"gyro": qemu_board, "wheels": qemu_board}
    runs = []
    for options in ({}, {"serial": serial, "realtime": True}):
        mission = Mission(scenario, 120.0, **options)
        try:
            runs.append(mission.run())
        finally:
            mission.close()
    simulated, on_board = runs
    assert simulated["imaging"]["captured_ok"] == on_board["imaging"]["captured_ok"] == 1
    assert_within_twice(simulated, on_board)
    assert on_board["realtime"]["frames_late"] == on_board["realtime"]["frames_skipped"] == 0


def test_zorka_board_check_passes_the_qemu_board(qemu_board):
    """The conformance checker against the firmware on the emulated Cortex-M3: every row passes."""
    status, rows, out = board_check(qemu_board)
    assert status == 0, out
    assert set(rows.values()) == {"pass"} and "timing" in rows, out
    assert "21 passed, 0 failed, 0 skipped" in out
