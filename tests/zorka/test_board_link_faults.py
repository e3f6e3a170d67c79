"""Board links under real faults, with real ptys and real `zorka board-server` processes (or a BoardServer
in this process where the test must see what the board sent), fixed seeds, generous bounded waits:

- a board frozen (SIGSTOP) for 5 s in lockstep is waited for: the run stays bit-identical to the
  all-simulated one and nothing is counted as failed;
- a board that never answers again is declared failed at the board-failure timeout, and the run ends
  with the summary saying so;
- a board killed and restarted on another pty behind a stable alias is found again, reset and configured,
  the flight software raises board_lost and board_back (counted again here from tm.bin by spacepackets),
  and control recovers;
- through `zorka wire` at 115,200 baud with 1e-4 byte corruption and 50 ms dropouts, control goes on,
  bad frames are counted by reason, and every reply the host decoded is one the board sent.
"""

import dataclasses
import json
import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import ClassVar

import msgpack
import numpy as np
import pytest
from spacepackets.ecss import PusTm

from flight.board_links.application import BoardLinks
from flight.board_links.declarations import BOARD_BACK, BOARD_LINKS_SID, BOARD_LOST, board_link_parameters
from flight.events import EventLog
from hal.board_frame import FrameDecoder
from hal.serial_link import SerialLink
from sim.board_server import BoardServer
from sim.spacecraft import DEFAULT_SPACECRAFT, WheelSpec, pyramid_axes
from tests.sim.test_board_server_handshake import configuration
from tests.zorka.test_devices_in_the_loop import SCENARIO, WALL_CLOCK_KEYS, start_board_server
from zorka.run.mission import Mission

CDS_SHORT_BYTES = 7
FREEZE_S = 5.0


def stop_board(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
    process.wait(timeout=10)


def at_frame(mission: Mission, frame: int, action) -> None:
    """Run `action` once, between frames, when the flight software has run `frame` frames."""
    done = []

    def hook() -> None:
        if not done and mission.flight.executive.frame >= frame:
            done.append(True)
            action()

    mission.frame_hooks.append(hook)


def finish(mission: Mission) -> tuple[dict, np.ndarray, bytes, dict]:
    """Run to the end: summary without wall-clock and serial figures, truth, TM stream, serial figures."""
    tm: list[bytes] = []
    mission.tm_listeners.append(tm.append)
    try:
        summary = mission.run()
        truth = mission.truth().copy()
    finally:
        mission.close()
    for key in WALL_CLOCK_KEYS:
        summary.pop(key)
    return summary, truth, b"".join(tm), summary.pop("serial", {})


def tm_packets(stream: bytes) -> list[PusTm]:
    """A raw concatenated space-packet stream split by its length fields, each decoded by spacepackets."""
    found, i = [], 0
    while i < len(stream):
        length = int.from_bytes(stream[i + 4 : i + 6], "big") + 7
        found.append(PusTm.unpack(stream[i : i + length], timestamp_len=CDS_SHORT_BYTES))
        i += length
    assert i == len(stream)
    return found


def event_ids(stream: bytes) -> list[int]:
    """The event ids of the service-5 reports in a TM stream."""
    return [int.from_bytes(p.source_data[0:2], "big") for p in tm_packets(stream) if p.service == 5]


def test_a_board_frozen_for_five_seconds_in_lockstep_is_waited_for_and_the_run_stays_bit_identical(
    monkeypatch,
):
    # The board's clock runs on while it is stopped: with the run's 2 s watchdog it would wake tripped
    # (actuators safe), which is the watchdog doing its job, not the lockstep wait under test. The
    # request in flight is resent during the freeze; the board answers the copies from its cache
    # (hal/board_protocol.md, retransmissions), so nothing is done twice.
    monkeypatch.setattr("zorka.run.mission.BOARD_WATCHDOG_S", 60.0)
    process, path = start_board_server(7)
    try:
        simulated = finish(Mission(SCENARIO, 30.0))
        mission = Mission(SCENARIO, 30.0, serial={"all": path})

        def freeze() -> None:
            os.kill(process.pid, signal.SIGSTOP)
            threading.Timer(FREEZE_S, os.kill, (process.pid, signal.SIGCONT)).start()

        at_frame(mission, 101, freeze)  # the next request is a gyro read (noise)
        over_pty = finish(mission)
    finally:
        stop_board(process)
    assert over_pty[0] == simulated[0]
    assert np.array_equal(over_pty[1], simulated[1])
    assert over_pty[2] == simulated[2]
    figures = over_pty[3][path]
    assert figures["timeouts"] == figures["truth_failures"] == figures["applied_failures"] == 0
    assert figures["declared_failed"] is False and figures["reconnects"] == 0
    assert figures["retries"] >= 1, "the request in flight was sent again during the freeze"
    assert figures["rtt_max_ms"] >= FREEZE_S * 1e3 * 0.9
    assert figures["onboard_events"] == dict.fromkeys(figures["onboard_events"], 0)


def test_a_board_that_never_answers_again_is_declared_failed_at_the_timeout(monkeypatch, tmp_path):
    monkeypatch.setattr("zorka.run.mission.BOARD_FAILURE_TIMEOUT_S", 1.5)
    process, path = start_board_server(7)
    try:
        mission = Mission(SCENARIO, 30.0, serial={"all": path}, out_dir=tmp_path)
        at_frame(mission, 50, lambda: os.kill(process.pid, signal.SIGSTOP))
        start_s = time.monotonic()
        summary = mission.run()
        waited_s = time.monotonic() - start_s
        mission.close()
    finally:
        stop_board(process)
    assert mission.board_failure == (
        f"the board on {path} did not answer for 1.5 s (at t = 5.0 s): declared failed, run ended"
    )
    assert summary["sim_s"] == pytest.approx(5.0, abs=0.11), "the world did not step without the board"
    figures = summary["serial"][path]
    assert figures["failure"] == mission.board_failure and figures["board_failure_timeout_s"] == 1.5
    assert figures["declared_failed"] is True and figures["timeouts"] == 1
    assert 1.5 <= waited_s < 30.0


def test_a_board_restarted_on_another_pty_behind_its_alias_is_found_again_and_control_recovers(tmp_path):
    """The alias first leads to a stranger (another board, as a recycled pty would): it is pinged, found
    to be another board, and left alone; then to the board restarted with its own id."""
    alias = tmp_path / "serial" / "by-id" / "board0"
    alias.parent.mkdir(parents=True)
    first, first_path = start_board_server(7, board_id="board0")
    alias.symlink_to(first_path)
    stranger, stranger_path = start_board_server(9)
    boards = [first, stranger]
    out = tmp_path / "run"
    out.mkdir()
    try:
        mission = Mission(SCENARIO, 90.0, serial={"all": str(alias)}, out_dir=out)

        def restart() -> None:
            second, second_path = start_board_server(8, board_id="board0")  # while the first lives
            boards.append(second)
            first.kill()
            first.wait(timeout=10)

            def repoint(path: str) -> None:
                alias.unlink()
                alias.symlink_to(path)

            threading.Timer(0.5, repoint, (stranger_path,)).start()  # the world waits meanwhile
            threading.Timer(1.5, repoint, (second_path,)).start()

        at_frame(mission, 400, restart)
        summary = mission.run()
        t_s, err_deg, _ = mission.attitude_errors()
        mission.close()
        link = SerialLink(stranger_path, timeout_s=3.0)
        stranger_status = link.read_status()
        link.close()
    finally:
        for board in boards:
            stop_board(board)
    assert stranger_status is not None and not stranger_status.configured, "the stranger was left alone"
    figures = summary["serial"][str(alias)]
    assert figures["wrong_board"] >= 1
    assert figures["reconnects"] == 1 and figures["reconfigured"] == 1
    assert figures["reconfigure_failures"] == figures["timeouts"] == figures["applied_failures"] == 0
    assert figures["opened_path"] != first_path
    assert figures["onboard_events"][BOARD_LOST.name] == figures["onboard_events"][BOARD_BACK.name] == 1
    ids = event_ids((out / "tm.bin").read_bytes())
    assert ids.count(BOARD_LOST.id) == ids.count(BOARD_BACK.id) == 1, "tm.bin says what the summary says"
    after = t_s > 60.0
    assert np.nanmax(err_deg[after]) < 0.05, "pointing back under 0.05 degrees after the restart"


class LoggedDecoder(FrameDecoder):
    """The host's frame decoder, keeping every message it decoded."""

    decoded: ClassVar[list[dict]] = []

    def feed(self, data: bytes) -> list[dict]:
        messages = super().feed(data)
        LoggedDecoder.decoded.extend(messages)
        return messages


class LoggedBoard(BoardServer):
    """A simulated board that keeps every reply it sends, as msgpack bytes (as the host decodes them)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sent: set[bytes] = set()

    def handle(self, request: dict) -> dict:
        reply = super().handle(request)
        self.sent.add(msgpack.packb(msgpack.unpackb(msgpack.packb(reply))))
        return reply


@pytest.mark.parametrize(
    "duration_s", [pytest.param(30.0, id="30s"), pytest.param(600.0, id="10min", marks=pytest.mark.slow)]
)
def test_through_a_faulty_paced_wire_control_goes_on_and_no_bad_frame_goes_undetected(
    duration_s, monkeypatch
):
    monkeypatch.setattr("hal.serial_link.FrameDecoder", LoggedDecoder)
    monkeypatch.setattr(LoggedDecoder, "decoded", [])
    board = LoggedBoard(port="pty", seed=7)
    serving = threading.Thread(target=board.serve_forever, daemon=True)
    serving.start()
    wire = subprocess.Popen(
        [
            *(sys.executable, "-m", "zorka", "wire", board.path, "pty", "--baud", "115200"),
            *("--corrupt", "1e-4", "--drop-ms", "50:0.01", "--seed", "5"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [wire.stdout.readline().strip() for _ in range(2)]
        assert lines[1].startswith("wire: B on "), wire.stderr.read()
        port = lines[1].rsplit(" ", 1)[-1]
        # the attitude loop's sensor and actuators: 115,200 baud carries their traffic at 10 Hz
        serial = dict.fromkeys(("gyro", "wheels", "magnetorquers"), port)
        mission = Mission(SCENARIO, duration_s, serial=serial)
        summary = mission.run()
        t_s, err_deg, _ = mission.attitude_errors()
        mission.close()
    finally:
        wire.terminate()
        wire.wait(timeout=10)
        board.stop()
        serving.join(timeout=10)
        board.close()
    figures = summary["serial"][port]
    reasons = figures["bad_frames_by_reason"]
    assert figures["bad_frames"] > 0 and sum(reasons.values()) == figures["bad_frames"]
    assert figures["retries"] > 0 and figures["declared_failed"] is False
    decoded = LoggedDecoder.decoded
    undetected = [m for m in decoded if msgpack.packb(m) not in board.sent]
    print(
        f"\n{duration_s:g} s through zorka wire: {figures['requests']} requests, "
        f"{figures['retries']} retries, "
        f"{figures['timeouts']} timeouts, bad frames {reasons}, {len(undetected)} undetected of "
        f"{len(decoded)} decoded; pointing error max after 20 s {np.nanmax(err_deg[t_s > 20.0]):.4f} deg"
    )
    assert len(decoded) >= figures["replies"] and undetected == []
    settled = t_s > 20.0
    assert np.nanmax(err_deg[settled]) < 0.05, "control went on"


def test_zorka_run_ends_on_a_failed_board_with_one_line_and_a_run_folder_that_says_so(tmp_path):
    process, path = start_board_server(7)
    out = tmp_path / "run"
    try:
        run = subprocess.Popen(
            [
                *(sys.executable, "-m", "zorka", "run", "--serial", f"all={path}"),
                *("--duration", "1h", "--out", str(out), "--quiet"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120.0
        while not (out / "tm.bin").exists() or (out / "tm.bin").stat().st_size < 2000:
            assert time.monotonic() < deadline and run.poll() is None, run.stderr.read()
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGSTOP)  # the run is under way: the board stops answering for good
        _, stderr = run.communicate(timeout=120)
    finally:
        stop_board(process)
    assert run.returncode == 1
    assert re.fullmatch(
        rf"zorka run: error: the board on {path} did not answer for 10 s \(at t = [0-9.]+ s\): "
        r"declared failed, run ended\n",
        stderr,
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["serial"][path]["failure"] == stderr.removeprefix("zorka run: error: ").strip()
    assert summary["serial"][path]["declared_failed"] is True and summary["sim_s"] < 3600.0
    report = (out / "report.html").read_text()
    assert '<section id="serial-links">' in report and "declared failed" in report


def test_the_board_link_housekeeping_reports_the_devices_link_counters():
    process, path = start_board_server(7)
    devices = ("gyro", "wheels", "power")
    try:
        mission = Mission(SCENARIO, 20.0, serial=dict.fromkeys(devices, path))
        mission.flight.pus.housekeeping.structures[BOARD_LINKS_SID].enabled = True  # as the ground would
        _, _, stream, serial_figures = finish(mission)
    finally:
        stop_board(process)
    parameters = board_link_parameters(devices)
    layout = ">H" + "".join("f" if p.type.kind == "float" else "I" for p in parameters)
    reports = [
        dict(zip((p.name for p in parameters), struct.unpack(layout, p_tm.source_data)[1:], strict=True))
        for p_tm in tm_packets(stream)
        if p_tm.service == 3
        and p_tm.message_subtype == 25
        and p_tm.source_data[:2] == BOARD_LINKS_SID.to_bytes(2, "big")
    ]
    assert len(reports) == 2, "every 10 s"
    last, devices_figures = reports[-1], serial_figures[path]["devices"]
    assert (
        0 < last["gyro_board_requests"] == last["gyro_board_replies"] <= devices_figures["gyro"]["requests"]
    )
    assert last["power_board_requests"] > 0 and last["power_board_timeouts"] == 0
    assert 0.0 < last["wheels_board_rtt_p99_ms"] < 1000.0
    assert reports[0]["wheels_board_requests"] < last["wheels_board_requests"]


def test_a_configuration_the_board_refuses_is_a_pus_event_onboard():
    """A real board on a pty refuses a 3-wheel configuration (it drives 4); the onboard board-links
    application reads `board.status` through hal and raises board_configuration_mismatch."""
    three = dataclasses.replace(
        DEFAULT_SPACECRAFT, wheels=WheelSpec(axis_b=pyramid_axes(np.arcsin(1.0 / np.sqrt(3.0)), n=3))
    )
    board = BoardServer(port="pty", seed=1)
    serving = threading.Thread(target=board.serve_forever, daemon=True)
    serving.start()
    link = SerialLink(board.path, timeout_s=2.0)
    try:
        log = EventLog()
        app = BoardLinks({"wheels": link}, log)
        app.tick(0.0)
        refused = link.request("board", "configure", **configuration(three))
        assert refused["code"] == "config_mismatch"
        app.tick(1.0)
        assert [e.name for e in log] == ["board_configuration_mismatch"]
    finally:
        link.close()
        board.stop()
        serving.join(timeout=10)
        board.close()
