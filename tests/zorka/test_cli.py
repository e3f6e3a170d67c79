"""The `zorka` command as a person meets it: help, bad arguments, a short run."""

import json
import subprocess
import sys

import pytest

ZORKA = [sys.executable, "-m", "zorka"]


def zorka(*args: str, timeout_s: float = 120.0) -> subprocess.CompletedProcess:
    return subprocess.run([*ZORKA, *args], capture_output=True, text=True, timeout=timeout_s)


def test_run_help_documents_every_option():
    result = zorka("run", "--help")
    assert result.returncode == 0
    for option in ("--duration", "--seed", "--out", "--serial", "--realtime", "--quiet"):
        assert option in result.stdout
    assert "one orbit" in result.stdout


@pytest.mark.parametrize(
    "command", ["run", "board-server", "board-check", "bench", "scenario", "dict", "soak"]
)
def test_every_subcommand_has_help(command):
    result = zorka(command, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["run", "--duration", "5x"], ["--duration", "5x"]),
        (["run", "--duration", "0"], ["--duration"]),
        (["run", "--duration", "-5m"], ["--duration"]),
        (["run", "--seed", "-1"], ["--seed", "-1"]),
        (["run", "--seed", "abc"], ["--seed"]),
        (["run", "--serial", "star=/dev/null"], ["--serial"]),
        (["run", "--serial", "gyro"], ["--serial"]),
        (["run", "--bogus"], ["--bogus"]),
        (["board-server"], ["--port"]),
        (["fly"], ["fly"]),
    ],
)
def test_bad_arguments_get_one_line_and_a_nonzero_exit(args, names):
    result = zorka(*args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for name in names:
        assert name in lines[0]


def test_unwritable_out_gets_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = zorka("run", "--duration", "10s", "--out", str(blocker / "sub"))
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "--out" in result.stderr
    assert "Traceback" not in result.stderr


def test_absent_serial_port_gets_one_line(tmp_path):
    result = zorka(
        "run", "--duration", "10s", "--out", str(tmp_path), "--serial", "gyro=/dev/zorka-no-such-port"
    )
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "/dev/zorka-no-such-port" in result.stderr


def test_short_run_prints_the_table_and_writes_the_summary(tmp_path):
    result = zorka("run", "--duration", "2m", "--seed", "3", "--out", str(tmp_path / "out"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "pointing error p99" in result.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["sim_s"] == 120.0


def test_a_run_starts_from_a_clean_spacecraft_in_a_previous_runs_folder(tmp_path):
    """What an earlier run left on board (parameters, schedule, requests, mass memory) is cleared: a
    simulated mission starts fresh; only `zorka serve` keeps it, as a restart would."""
    assert zorka("run", "--duration", "5s", "--out", str(tmp_path), "--quiet").returncode == 0
    (tmp_path / "parameters.json").write_text("{not json")
    (tmp_path / "mass_memory").mkdir(exist_ok=True)
    (tmp_path / "mass_memory" / "old-1.bin").write_bytes(b"old")
    (tmp_path / "requests.json").write_text("{}")
    done = zorka("run", "--duration", "20s", "--out", str(tmp_path), "--quiet")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "parameters.json").exists()
    assert not (tmp_path / "requests.json").exists() or (tmp_path / "requests.json").read_text() != "{}"
    assert not (tmp_path / "mass_memory" / "old-1.bin").exists()


def test_a_kill_mid_atomic_write_leaves_a_folder_the_next_run_still_takes(tmp_path):
    """The temporary file of an atomic write of one of the run's own files, left by a kill, is the run's;
    a file named like that of no run file is still someone else's."""
    assert zorka("run", "--duration", "5s", "--out", str(tmp_path), "--quiet").returncode == 0
    (tmp_path / "summary.json.tmp").write_text("{cut")
    done = zorka("run", "--duration", "5s", "--out", str(tmp_path), "--quiet")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "summary.json.tmp").exists()
    (tmp_path / "notes.txt.tmp").write_text("mine")
    refused = zorka("run", "--duration", "5s", "--out", str(tmp_path), "--quiet")
    assert refused.returncode == 2 and "notes.txt.tmp" in refused.stderr


def test_a_run_refuses_a_folder_holding_files_no_run_wrote_and_force_keeps_them(tmp_path):
    """A `zorka serve` folder (its link state, products received) is not a run's to clear."""
    (tmp_path / "link_state.json").write_text('{"kept": 1}')
    (tmp_path / "products").mkdir()
    (tmp_path / "products" / "mine.png").write_bytes(b"not a run's")
    refused = zorka("run", "--duration", "5s", "--out", str(tmp_path), "--quiet")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.count("\n") == 1 and "link_state.json, products" in refused.stderr
    assert "--force" in refused.stderr and not (tmp_path / "summary.json").exists()
    forced = zorka("run", "--duration", "5s", "--out", str(tmp_path), "--quiet", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "summary.json").exists()
    again = zorka("run", "--duration", "5s", "--out", str(tmp_path), "--quiet", "--force")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "link_state.json").read_text() == '{"kept": 1}'
    assert (tmp_path / "products" / "mine.png").read_bytes() == b"not a run's"
    manifest = json.loads((tmp_path / "run-files.json").read_text())
    assert {"link_state.json", "products"} <= set(manifest["foreign"])
    assert "summary.json" in manifest["own"] and "products" not in manifest["own"]
