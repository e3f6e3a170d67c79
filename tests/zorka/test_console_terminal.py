"""`zorka console` in a real terminal (tmux, a pty like an operator's) against `zorka serve` on 127.0.0.1:
Up recalls the last command (also after a restart of the console: the history file), Tab completes a
command name and an enum value, a time-tagged command is released onboard at its time, and TM(9,3),
TM(11,13) and TM(200,7) print as named values. Needs tmux (`apt-get install tmux`; .ci/run installs it,
so CI always runs it)."""

import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.zorka.serve_process import zorka_serve

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux: apt-get install tmux")
PROMPT = "zorka> "
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


class Pane:
    """One tmux session running a command in a 200x50 terminal: keys in, the screen out."""

    def __init__(self, name: str, command: list[str]):
        self.name = name
        shell_line = " ".join(f"'{part}'" for part in command)
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", "200", "-y", "50", shell_line], check=True
        )
        subprocess.run(["tmux", "set-option", "-t", name, "history-limit", "5000"], check=True)

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)

    def text(self) -> str:
        """The screen and its scroll-back, wrapped lines joined."""
        shown = subprocess.run(
            ["tmux", "capture-pane", "-p", "-J", "-S", "-5000", "-t", self.name],
            capture_output=True,
            text=True,
            check=True,
        )
        return shown.stdout

    def prompt_line(self) -> str:
        """The last line that starts with the prompt (what the operator is typing)."""
        return next((line for line in reversed(self.text().splitlines()) if line.startswith(PROMPT)), "")

    def wait_for(self, pattern: str, timeout_s: float = 15.0) -> re.Match:
        """The first match of `pattern` on the screen once it appears; fails after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text())
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} not on the screen within {timeout_s} s:\n{self.text()}")

    def wait_prompt(self, expected: str, timeout_s: float = 5.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.prompt_line().rstrip() != PROMPT + expected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.prompt_line().rstrip() == PROMPT + expected, self.text()

    def wait_closed(self, timeout_s: float = 10.0) -> None:
        """Wait for the command to exit (its tmux session then ends)."""
        deadline = time.monotonic() + timeout_s
        while subprocess.run(["tmux", "has-session", "-t", self.name], capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, f"still running after {timeout_s} s:\n{self.text()}"
            time.sleep(0.1)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False)


@pytest.fixture
def served(tmp_path):
    with zorka_serve("--packet-port", "0", "--insecure", "--duration", "120s", "--out", str(tmp_path)) as s:
        yield s.port


def console(port: int, history: Path, name: str) -> Pane:
    command = [
        sys.executable,
        "-m",
        "zorka",
        "console",
        "--packet-port",
        str(port),
        "--history",
        str(history),
    ]
    pane = Pane(name, command)
    pane.wait_for(r"commands; type help\n(.*\n)*zorka>", 30.0)  # the prompt is up: keys reach it
    return pane


def test_history_completion_time_tags_and_named_reports_in_a_real_terminal(served, tmp_path):
    history = tmp_path / "history"
    pane = console(served, history, f"zorka-console-{served}")
    try:
        pane.type("ping")
        pane.keys("Enter")
        pane.wait_for(r"ping \[\w+\]: completed")
        pane.keys("Up")
        pane.wait_prompt("ping")
        pane.keys("Enter")
        pane.wait_for(r"ping \[\w+\]: completed(.|\n)*ping \[\w+\]: completed")

        pane.type("time_report_n")
        pane.keys("Tab")
        pane.wait_prompt("time_report_now")
        pane.keys("Enter")
        found = pane.wait_for(rf"time_report TM\(9,3\): rate_exponent=\d+ onboard_time=({ISO})")
        onboard = datetime.fromisoformat(found.group(1))

        pane.type("set_adcs_mode mode=SUN_S")
        pane.keys("Tab")
        pane.wait_prompt("set_adcs_mode mode=SUN_SAFE")
        pane.keys("Enter")
        pane.wait_for(r"set_adcs_mode \[\w+\]: completed")

        release = (onboard + timedelta(seconds=6)).replace(microsecond=0)
        pane.type(f"at {release:%Y-%m-%dT%H:%M:%S}Z ping")
        pane.keys("Enter")
        scheduled = pane.wait_for(rf"ping \[(\w+)\] scheduled for ({ISO})").group(1)
        pane.wait_for(r"schedule_insert \[\w+\]: completed")
        pane.type("schedule_report_summary")
        pane.keys("Enter")
        summary = pane.wait_for(
            rf"schedule_summary TM\(11,13\)\n  activities: 1\n    1\. release_time=({ISO}) "
        )
        assert datetime.fromisoformat(summary.group(1)) == release
        released = pane.wait_for(rf"ping \[{scheduled}\]: completed at ({ISO})", 20.0)
        completed = datetime.fromisoformat(released.group(1))
        assert release <= completed <= release + timedelta(seconds=1.5)  # the 1 Hz schedule tick

        pane.type("imaging_timeline_report")
        pane.keys("Enter")
        pane.wait_for(
            r"imaging_timeline TM\(200,7\)\n  activities: \d+\n    1\. kind=\w+ request_id=\d+ unix_time="
        )
        pane.type("quit")
        pane.keys("Enter")
        pane.wait_closed()
    finally:
        pane.close()
    again = console(served, history, f"zorka-console-again-{served}")
    try:
        again.keys("Up")
        again.wait_prompt("quit")
        again.keys("Up")
        again.wait_prompt("imaging_timeline_report")
    finally:
        again.close()
