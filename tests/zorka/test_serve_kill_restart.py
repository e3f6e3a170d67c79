"""Nothing lost when `zorka serve` is killed: SIGKILL a session, restart it into the same folder. The
killed session's telemetry is still there, byte for byte (now tm-0001.bin), a summary it wrote while
running exists, and the restarted session's archive holds both sessions' packets in order."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ground.archive import read_archive

SERVE = [sys.executable, "-m", "zorka", "serve", "--packet-port", "0", "--insecure", "--duration", "120s"]


def _start(out: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [*SERVE, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().startswith("zorka serve:"), process.stderr.read()
    return process


def _wait_for(condition, what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_killed_serve_session_keeps_its_telemetry_and_a_summary_and_a_restart_appends(tmp_path):
    first = _start(tmp_path)
    try:
        _wait_for(lambda: (tmp_path / "summary.json").exists(), "the first interim summary")
        _wait_for(lambda: (tmp_path / "tm.bin").stat().st_size > 1500, "some telemetry")
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=15)
    assert first.returncode == -signal.SIGKILL
    killed_tm = (tmp_path / "tm.bin").read_bytes()
    interim = json.loads((tmp_path / "summary.json").read_text())
    assert interim["interim"] is True and "telemetry" in interim

    second = _start(tmp_path)
    try:
        _wait_for(
            lambda: (tmp_path / "tm.bin").exists() and (tmp_path / "tm.bin").stat().st_size > 0, "new TM"
        )
    finally:
        second.send_signal(signal.SIGTERM)
        status = second.wait(timeout=60)
    assert status == 0, second.stderr.read()
    assert (tmp_path / "tm-0001.bin").read_bytes() == killed_tm
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "interim" not in summary and summary["telemetry"]["packets"] > 0
    records = list(read_archive(tmp_path / "telemetry.msgpack"))
    assert len(records) > summary["telemetry"]["packets"]  # this session's packets and the killed one's
    times = [r["time_unix_s"] for r in records if r["time_unix_s"] is not None]
    assert times[0] == min(times)  # the killed session's packets come first
