"""`zorka run --resume` after a real SIGKILL of a real `zorka run` process: the world goes on from the last
checkpoint exactly as it was, the flight software reboots on its own stores and the restart is counted;
an uninterrupted run is the run it always was and leaves no checkpoint behind."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgpack
import numpy as np
import pytest
from spacepackets.ecss import PusTc

from flight.boot_count import BOOT_SID
from flight.checked_file import read_checked
from flight.onboard_dictionary import APID
from ground.archive import read_archive
from tests.zorka import behaviour_pin
from tests.zorka.test_ephemeris_files import read_kvn
from zorka.run.checkpoint import CHECKPOINT_NAME, read_checkpoint
from zorka.run.soak_link import CDS_EPOCH
from zorka.scenario.model import DEFAULT_EPOCH_UTC

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
    command += ["--quiet", "--checkpoint-wall-s", "0"]  # a checkpoint every 10 simulated minutes
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
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


def test_the_resumed_truth_files_are_each_one_whole_ccsds_message(runs):
    """Written as the run went, cut at the checkpoint and appended to: one header (no keyword twice),
    START_TIME and STOP_TIME the first and last rows' epochs, one DATA_STOP at the AEM's end."""
    _, resumed, _ = runs
    for name in ("truth.oem", "truth.aem"):
        keys, rows = read_kvn(resumed / name)
        assert len(rows) == DURATION_S + 1
        assert keys["START_TIME"] == rows[0][0].isoformat(timespec="milliseconds")
        assert keys["STOP_TIME"] == rows[-1][0].isoformat(timespec="milliseconds")
    aem = (resumed / "truth.aem").read_text()
    assert aem.count("DATA_STOP") == 1 and aem.endswith("DATA_STOP\n")


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


RADIO_SCENARIO = """seed = 7
[[ground_stations]]
name = "Svalbard"
lat_deg = 78.23
lon_deg = 15.39
[link]
delay_s = 0.3
"""
RADIO_DURATION_S = 1800.0  # the first pass is ~1,127-1,421 s
# No frame loss, so that every report comes down; a one-way delay of 0.3 s, so that the kill can fall
# between a command's delivery on board and the CLCW that acknowledges it on the ground.
CHECKPOINT_AT_S = 1140.0  # in the pass, before the commands are due
INSERTS = 8  # far-future schedule inserts, queued together in the pass: some go up before the kill


def insert_command(t_s: float, k: int) -> str:
    """A schedule insert of a ping (sequence count 500 + k) released 10 + k days after the epoch."""
    days = (dt.datetime.fromisoformat(DEFAULT_EPOCH_UTC.replace("Z", "+00:00")) - CDS_EPOCH).days + 10 + k
    ping = PusTc(apid=APID, service=17, message_subtype=1, seq_count=500 + k).pack().hex()
    args = f'time_code = "CDS_SHORT", days = {days}, ms_of_day = 0, tc = "{ping}"'
    return f'[[link.commands]]\nt_s = {t_s}\nname = "schedule_insert"\nargs = {{ {args} }}\n'


KILL_MID_PASS = """
import os, signal, sys
from dataclasses import replace
from pathlib import Path
from flight.link.uplink import DELIVERED
from zorka.outputs.run_folder import claim_run_folder
from zorka.run.checkpoint import Checkpointer
from zorka.run.mission import Mission
from zorka.scenario.run_input import scenario_for
path, out = Path(sys.argv[1]), Path(sys.argv[2])
scenario = scenario_for("run", path, out)
claim_run_folder(out)
mission = Mission(scenario, float(sys.argv[3]), out_dir=out)
checkpointer = Checkpointer(mission, out)
mission.run_frames(round(float(sys.argv[4]) / mission.frame_s))
checkpointer.write()
link = mission.radio_link
delivered = link.uplink.counts[DELIVERED]
for _ in range(3000):
    if link.uplink.counts[DELIVERED] >= delivered + 3 and link.ground.fop.sent:
        os.kill(os.getpid(), signal.SIGKILL)
    mission.run_frames(1)
sys.exit("no moment with commands delivered and more in flight")
"""


def killed_mid_pass(scenario: Path, out: Path) -> None:
    """A real process runs the radio scenario, checkpoints at CHECKPOINT_AT_S, goes on in the pass until
    three commands are delivered on board while FOP-1 still waits for an acknowledgement (the third's,
    on its way down), and SIGKILLs itself."""
    args = [str(scenario), str(out), str(RADIO_DURATION_S), str(CHECKPOINT_AT_S)]
    done = subprocess.run([sys.executable, "-c", KILL_MID_PASS, *args], cwd=ROOT, capture_output=True)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()


@pytest.fixture(scope="module")
def radio_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("radio")
    commands = [insert_command(1150.0 + k, k) for k in range(INSERTS)]
    commands.append(
        '[[link.commands]]\nt_s = 1160.0\nname = "parameters_set"\n'
        "args = { parameter_id = 200, value = 0.3 }\n"
    )
    scenario = folder / "radio.toml"
    scenario.write_text(RADIO_SCENARIO + "\n".join(commands))
    whole, resumed = folder / "whole", folder / "resumed"
    assert zorka_run_scenario(scenario, whole).returncode == 0
    resumed.mkdir()
    killed_mid_pass(scenario, resumed)
    at_kill = msgpack.unpackb((resumed / "checkpoint.msgpack").read_bytes())["link"]
    done = zorka_run_scenario(scenario, resumed, "--resume")
    assert done.returncode == 0, done.stderr
    return whole, resumed, at_kill


def zorka_run_scenario(scenario: Path, out: Path, *more: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "zorka", "run", str(scenario), "--duration", f"{RADIO_DURATION_S:.0f}s"]
    command += ["--out", str(out), "--quiet", *more]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


def test_commands_in_flight_at_a_kill_are_executed_once_each(radio_runs):
    whole, resumed, _ = radio_runs
    for run in (whole, resumed):
        activities = read_checked(run / "schedule.json")["activities"]
        assert len(activities) == INSERTS and len({tc for _, tc in activities}) == INSERTS
        assert read_checked(run / "parameters.json")["values"]["battery_reserve_soc"] == 0.3
    outcomes = msgpack.unpackb((whole / "ground_link.msgpack").read_bytes())["outcomes"]
    assert sorted(outcomes.values()) == ["completed"] * (INSERTS + 1)
    outcomes = msgpack.unpackb((resumed / "ground_link.msgpack").read_bytes())["outcomes"]
    assert "failed" not in outcomes.values()
    summary = json.loads((resumed / "summary.json").read_text())
    assert summary["restarts"]["count"] == 1
    link = summary["link"]
    assert link["commands"]["sent"] == INSERTS + 1
    rejected = link["uplink"]["rejected"]  # counted on board since the restart
    assert rejected.get("discarded_negative_window", 0) >= 1  # the delivered, unacknowledged one, again
    assert rejected.get("arsn_outside_window", 0) == 0  # the ground's ARSN kept ahead of the onboard one
    assert link["fop"]["alerts"] == {}


def test_the_radio_counts_go_on_from_the_checkpoint(radio_runs):
    _, resumed, at_kill = radio_runs
    link = json.loads((resumed / "summary.json").read_text())["link"]
    assert link["downlink"]["frames_received"] > at_kill["frames_received"]
    assert link["downlink"]["frames_sent"] > at_kill["radio"]["sent"]["downlink"]
    assert link["uplink"]["frames_sent"] >= at_kill["radio"]["sent"]["uplink"]
    assert (resumed / "tm_frames.bin").stat().st_size == 1115 * link["downlink"]["frames_received"]
    packets = (resumed / "tm_ground.bin").read_bytes()
    assert len(behaviour_pin.packets(packets)) == link["downlink"]["packets_on_ground"]
