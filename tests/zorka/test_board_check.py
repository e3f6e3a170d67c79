"""`zorka board-check` over real pseudo-terminals, in a process of its own: it passes `zorka board-server`
(another process) and fails boards with one protocol defect each (tests/zorka/broken_board.py), naming the
row of the defect; bad arguments and a port that cannot be opened get one line."""

import os
import subprocess
import sys

import pytest

from tests.zorka.broken_board import (
    CachelessBoard,
    CrcBlindBoard,
    ServedBoard,
    SleeplessWatchdogBoard,
    WrongEchoBoard,
)

ZORKA = [sys.executable, "-m", "zorka"]
CHECK_TIMEOUT_S = 60.0


def board_check(*args: str) -> tuple[int, dict[str, str], str]:
    """Run `zorka board-check`; its exit status, each row's result by check name, and what it printed."""
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [*ZORKA, "board-check", *args], capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, env=env
    )
    rows = {}
    for line in done.stdout.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) == 5 and cells[1]:
            rows[cells[1]] = cells[2]
    return done.returncode, rows, done.stdout + done.stderr


@pytest.fixture
def board_server():
    """`zorka board-server --port pty` in a process of its own: the pty path it prints."""
    process = subprocess.Popen(
        [*ZORKA, "board-server", "--port", "pty"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    line = process.stdout.readline()
    assert line.startswith("board-server: serving "), (line, process.stderr.read())
    yield line.rsplit(" on ", 1)[1].strip()
    process.terminate()
    process.communicate(timeout=10.0)


@pytest.fixture
def served():
    boards: list[ServedBoard] = []

    def serve(board_class: type) -> str:
        boards.append(ServedBoard(board_class))
        return boards[-1].path

    yield serve
    for board in boards:
        board.close()


def test_the_reference_board_passes_every_check(board_server):
    status, rows, out = board_check(board_server)
    assert status == 0, out
    assert set(rows.values()) == {"pass"}, out
    for name in (
        "handshake configure",
        "device imager",
        "malformed bad_crc",
        "refused out_of_range",
        "watchdog",
    ):
        assert rows[name] == "pass", out
    assert "28 passed, 0 failed, 0 skipped" in out


def test_devices_narrow_the_checks_and_skip_what_does_not_apply(board_server):
    status, rows, out = board_check(board_server, "--devices", "gyro", "--baud", "921600")
    assert status == 0, out
    assert "device gyro" in rows and "device wheels" not in rows, out
    assert rows["watchdog"] == "skip" and rows["rig sim.truth"] == "pass", out
    assert "at 921600 baud" in out


@pytest.mark.parametrize(
    ("board_class", "failing_row", "args"),
    [
        (CachelessBoard, "retransmission", ()),
        (CachelessBoard, "retransmission", ("--devices", "magnetorquers")),  # seen by its counters alone
        (SleeplessWatchdogBoard, "watchdog", ()),
        (CrcBlindBoard, "malformed bad_crc", ()),
        (WrongEchoBoard, "handshake configure", ()),
    ],
)
def test_a_defect_fails_its_row(served, board_class, failing_row, args):
    status, rows, out = board_check(served(board_class), *args)
    assert status == 1, out
    assert rows[failing_row] == "FAIL", out
    assert [name for name, result in rows.items() if result == "FAIL"] == [failing_row], out


def test_a_port_that_cannot_be_opened_is_one_line(tmp_path):
    status, rows, out = board_check(str(tmp_path / "no-such-port"))
    assert status == 1
    assert rows == {}
    assert out.strip().count("\n") == 0 and "cannot open" in out, out


def test_bad_arguments_are_usage_errors():
    for args in (["/dev/null", "--devices", "gyro,thermometer"], ["/dev/null", "--baud", "fast"], []):
        status, _, out = board_check(*args)
        assert status == 2, (args, out)
        assert out.count("\n") == 1 and "error" in out, (args, out)
