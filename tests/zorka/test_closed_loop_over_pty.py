"""Closed-loop attitude control with the gyro and the wheels on the far side of a pseudo-terminal.

`zorka board-server --port pty` runs in its own process and serves simulated boards on a pty it
creates; the mission opens the other end with pyserial. The truth stays in the mission's world:
the board is stimulated with it each frame and its latched wheel torques are read back.
"""

import os
import subprocess
import sys
import tty

import pytest

from zorka.run.mission import Mission
from zorka.scenario.model import ReportSpec, Scenario

DURATION_S = 420.0
SCENARIO = Scenario(seed=11, report=ReportSpec(stats_from_s=300.0))


@pytest.fixture
def board_server():
    process = subprocess.Popen(
        [sys.executable, "-m", "zorka", "board-server", "--port", "pty", "--seed", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().strip()
    assert line.startswith("board-server: serving"), process.stderr.read()
    yield line.rsplit(" ", 1)[-1]
    process.terminate()
    assert process.wait(timeout=10) == 0


def test_pointing_over_the_pty_stays_within_twice_the_all_simulated_run(board_server):
    simulated = Mission(SCENARIO, DURATION_S).run()
    mission = Mission(SCENARIO, DURATION_S, serial={"gyro": board_server, "wheels": board_server})
    try:
        over_pty = mission.run()
        link = mission.links[board_server]
    finally:
        mission.close()

    frames = round(DURATION_S * 10)
    assert link.counters.timeouts == 0 and link.counters.errors == 0
    assert link.counters.replies >= 5 * frames, (
        "gyro, wheel read, wheel command, truth and read-back each frame"
    )
    assert mission.devices.gyro.counters.ok >= frames

    for key in ("mean", "p99", "max"):
        assert over_pty["attitude"]["error_deg"][key] <= 2.0 * simulated["attitude"]["error_deg"][key]
    assert over_pty["attitude"]["error_deg"]["p99"] < 0.1
    assert over_pty["attitude"]["settle_s"] <= 2.0 * simulated["attitude"]["settle_s"]


def test_summary_counts_what_crossed_the_link(board_server):
    mission = Mission(SCENARIO, 5.0, serial={"wheels": board_server})
    try:
        summary = mission.run()
    finally:
        mission.close()
    figures = summary["serial"][board_server]
    assert figures["timeouts"] == 0 and figures["bad_frames"] == 0
    assert figures["truth_sent"] == 51 and figures["applied_read"] == 50


def test_a_port_where_no_board_answers_is_refused_at_once():
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        with pytest.raises(OSError, match="no board answers"):
            Mission(SCENARIO, 5.0, serial={"gyro": os.ttyname(slave)})
    finally:
        os.close(master)
        os.close(slave)
