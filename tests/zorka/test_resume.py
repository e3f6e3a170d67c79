"""`zorka run --resume` after a real SIGKILL of a real `zorka run` process: the world goes on from the last
checkpoint exactly as it was, the flight software reboots on its own stores and the restart is counted;
an uninterrupted run is the run it always was and leaves no checkpoint behind."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from flight.boot_count import BOOT_SID
from ground.archive import read_archive
from zorka.run.checkpoint import CHECKPOINT_NAME, read_checkpoint

ROOT = Path(__file__).resolve().parents[2]
DURATION = "40m"
DURATION_S = 2400.0


def zorka_run(out: Path, *more: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "zorka", "run", "--duration", DURATION, "--seed", "4", "--out", str(out)]
    return subprocess.run([*command, "--quiet", *more], cwd=ROOT, capture_output=True, text=True)


def truth_rows(path: Path) -> np.ndarray:
    """The data lines of an OEM or AEM file (time, then the state) as text rows."""
    lines = path.read_text().splitlines()
    start = len(lines) - 1 - lines[::-1].index("META_STOP") + 1
    rows = [line.split() for line in lines[start:] if line and not line.startswith(("COMMENT", "DATA_"))]
    return np.array(rows)


def killed_after_first_checkpoint(out: Path) -> float:
    """Start `zorka run`, SIGKILL it once it has written a checkpoint; the checkpoint's onboard time."""
    command = [sys.executable, "-m", "zorka", "run", "--duration", DURATION, "--seed", "4", "--out", str(out)]
    process = subprocess.Popen([*command, "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60.0
    while not (out / CHECKPOINT_NAME).exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    return read_checkpoint(out)["frame"] * 0.1


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    whole = tmp_path_factory.mktemp("whole")
    assert zorka_run(whole).returncode == 0
    resumed = tmp_path_factory.mktemp("resumed")
    checkpoint_s = killed_after_first_checkpoint(resumed)
    done = zorka_run(resumed, "--resume")
    assert done.returncode == 0, done.stderr
    return whole, resumed, checkpoint_s


def test_an_uninterrupted_run_leaves_no_checkpoint_and_counts_no_restart(runs):
    whole, _, _ = runs
    assert not (whole / CHECKPOINT_NAME).exists() and not (whole / "recorder").exists()
    assert "restarts" not in (summary := json.loads((whole / "summary.json").read_text()))
    assert summary["sim_s"] == DURATION_S


def test_the_resumed_truth_is_the_uninterrupted_truth_up_to_the_checkpoint(runs):
    whole, resumed, checkpoint_s = runs
    assert 0.0 < checkpoint_s < DURATION_S
    upto = int(checkpoint_s) + 1  # 1 Hz rows from t = 0 through the checkpoint
    for name in ("truth.oem", "truth.aem"):
        a, b = truth_rows(whole / name), truth_rows(resumed / name)
        assert len(a) == len(b) == DURATION_S + 1
        assert (a[:upto] == b[:upto]).all()
    assert not (a[upto:] == b[upto:]).all()  # the attitude: the flight software rebooted there


def test_the_restart_is_counted_and_fdir_brings_the_spacecraft_back_to_nominal(runs):
    _, resumed, checkpoint_s = runs
    summary = json.loads((resumed / "summary.json").read_text())
    assert summary["restarts"] == {"count": 1, "at_s": [checkpoint_s], "boot_count": 2}
    assert summary["sim_s"] == DURATION_S
    hk = [r for r in read_archive(resumed / "telemetry.msgpack") if r["kind"] == "housekeeping"]
    t_s = np.array([r["values"]["t_s"] for r in hk if r["sid"] == 1])
    modes = np.array([r["values"]["adcs_mode"] for r in hk if r["sid"] == 1])
    boots = [(r["values"]["t_s"], r["values"]["boot_count"]) for r in hk if r["sid"] == BOOT_SID]
    assert np.all(np.diff(t_s) > 0)  # tm.bin was cut at the checkpoint, not left with a lost timeline
    assert checkpoint_s < boots[0][0] <= checkpoint_s + 10.0  # every 10 s from the restart on
    assert {b for _, b in boots} == {2}
    after = modes[t_s >= checkpoint_s]
    assert after[0] == 1  # rebooted in SUN_SAFE ...
    assert after[-1] == 2  # ... and FDIR took it back to NOMINAL
    assert not (resumed / CHECKPOINT_NAME).exists()


def test_resume_without_a_checkpoint_is_one_line(tmp_path):
    done = zorka_run(tmp_path, "--resume")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "no checkpoint to resume from" in done.stderr


def test_resume_with_another_seed_or_duration_is_refused_in_one_line(tmp_path):
    killed_after_first_checkpoint(tmp_path)
    for option, value, refusal in (
        ("--seed", "5", "is of another scenario or seed"),
        ("--duration", "41m", "lasts 2400 s, not 2460 s"),
    ):
        command = [sys.executable, "-m", "zorka", "run", "--duration", DURATION, "--seed", "4"]
        command += ["--out", str(tmp_path), "--quiet", "--resume", option, value]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 1 and done.stderr.count("\n") == 1 and refusal in done.stderr


def test_resume_of_a_scenario_with_a_radio_is_refused(tmp_path):
    scenario = tmp_path / "radio.toml"
    scenario.write_text('[[ground_stations]]\nname = "Svalbard"\nlat_deg = 78.23\nlon_deg = 15.39\n[link]\n')
    done = subprocess.run(
        [sys.executable, "-m", "zorka", "run", str(scenario), "--out", str(tmp_path / "out"), "--resume"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "[link] radio is not checkpointed yet" in done.stderr
