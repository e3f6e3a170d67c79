"""`zorka run --seeds`: a Monte Carlo campaign on a local process pool, checked against the run folders it
writes, against single runs of the same seeds, and its statistics against numpy on hand-made summaries."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from zorka.outputs.campaign_report import worst_seeds
from zorka.run.campaign import FIGURES, PHASES, SeedOutcome, campaign_document, figure_statistics
from zorka.run.progress import campaign_tables

ZORKA = [sys.executable, "-m", "zorka"]
SEEDS = (2, 3, 4)
TIMING = ("wall_s", "real_time_factor")


def zorka(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ZORKA, *args], capture_output=True, text=True, timeout=120)


def value(summary: dict, figure: str):
    for key in figure.split("."):
        summary = summary[key]
    return summary


def without_timing(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in TIMING}


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("campaign")
    seeds = f"{SEEDS[0]}-{SEEDS[1]},{SEEDS[2]}"
    return out, zorka(
        "run", "--seeds", seeds, "--jobs", "2", "--duration", "5m", "--out", str(out), "--quiet"
    )


def test_a_campaign_writes_a_run_folder_per_seed_and_its_statistics(campaign):
    out, result = campaign
    assert result.returncode == 0, result.stderr
    assert "Zorka campaign — 3 seeds" in result.stdout and "attitude.error_deg.p99" in result.stdout
    phases = r", ".join(rf"{name} (\d+\.\d) s" for name in (*PHASES, "campaign files"))
    timeline = re.search(rf"3 run reports; (\d+\.\d) s wall: {phases}\n", result.stdout)
    assert timeline, result.stdout  # every seed is among the worst 6: each completed
    total_s, *phase_s = (float(part) for part in timeline.groups())
    assert sum(phase_s) == pytest.approx(total_s, abs=0.3) and min(phase_s) >= 0.0
    document = json.loads((out / "campaign.json").read_text())
    assert document["seeds"] == list(SEEDS) and document["failed"] == []
    assert [run["seed"] for run in document["runs"]] == list(SEEDS)
    summaries = []
    for run in document["runs"]:
        assert run["error"] is None and run["summary"] == f"seed-{run['seed']}/summary.json"
        folder = out / f"seed-{run['seed']}"
        assert (folder / "report.html").exists() and (folder / "truth.oem").exists()
        summaries.append(json.loads((out / run["summary"]).read_text()))
    assert [s["seed"] for s in summaries] == list(SEEDS)
    assert set(document["figures"]) == set(FIGURES)  # the built-in mission images: every figure
    for figure, stats in document["figures"].items():
        values = np.array([value(s, figure) for s in summaries], dtype=float)
        assert stats == {
            "values": 3,
            "none": 0,
            "min": np.min(values),
            "median": np.median(values),
            "p95": np.percentile(values, 95),
            "max": np.max(values),
        }, figure


@pytest.mark.parametrize("seed", SEEDS)
def test_a_seed_gives_the_same_summary_in_a_campaign_as_alone(campaign, tmp_path, seed):
    out, _ = campaign
    alone = zorka("run", "--seed", str(seed), "--duration", "5m", "--out", str(tmp_path), "--quiet")
    assert alone.returncode == 0, alone.stderr
    single = json.loads((tmp_path / "summary.json").read_text())
    in_campaign = json.loads((out / f"seed-{seed}" / "summary.json").read_text())
    assert without_timing(in_campaign) == without_timing(single)


def test_worst_sets_how_many_seeds_get_run_reports(tmp_path):
    result = zorka(
        *("run", "--seeds", "1,2", "--jobs", "2", "--duration", "30s", "--worst", "1"),
        *("--out", str(tmp_path), "--quiet"),
    )
    assert result.returncode == 0, result.stderr
    assert "; 1 run reports;" in result.stdout
    summaries = {s: json.loads((tmp_path / f"seed-{s}" / "summary.json").read_text()) for s in (1, 2)}
    (linked,) = worst_seeds(summaries, count=1)
    assert [p.parent.name for p in tmp_path.glob("seed-*/report.html")] == [f"seed-{linked}"]
    assert f'href="seed-{linked}/report.html"' in (tmp_path / "campaign.html").read_text()


def test_a_failed_seed_is_reported_and_the_others_complete(tmp_path):
    (tmp_path / "seed-2").write_text("a file where the run folder of seed 2 would go")
    result = zorka(
        "run", "--seeds", "1,2", "--jobs", "2", "--duration", "1m", "--out", str(tmp_path), "--quiet"
    )
    assert result.returncode == 1, result.stderr
    assert "Failed seeds" in result.stdout and "FileExistsError" in result.stdout
    assert (tmp_path / "seed-2").read_text() == "a file where the run folder of seed 2 would go"
    document = json.loads((tmp_path / "campaign.json").read_text())
    assert document["failed"] == [2]
    assert document["runs"][0] == {"seed": 1, "summary": "seed-1/summary.json", "error": None}
    assert document["runs"][1]["summary"] is None and "FileExistsError" in document["runs"][1]["error"]
    assert document["figures"]["attitude.error_deg.p99"]["values"] == 1
    assert (tmp_path / "seed-1" / "summary.json").exists()


def test_ctrl_c_keeps_the_running_seeds_so_far_and_starts_no_other(tmp_path):
    """As a terminal's Ctrl-C does, SIGINT reaches the campaign and its workers (one process group)."""
    run = subprocess.Popen(
        [
            *ZORKA,
            "run",
            "--seeds",
            "1-4",
            "--jobs",
            "2",
            "--duration",
            "1d",
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 30

    def flying(n: int) -> bool:  # its telemetry grows: the seed's mission is built and stepping
        return any(p.stat().st_size > 4096 for p in tmp_path.glob(f".seed-{n}.*/tm.bin"))

    while not (flying(1) and flying(2)):
        assert time.monotonic() < deadline and run.poll() is None
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 1, stderr
    assert "Traceback" not in stderr
    document = json.loads((tmp_path / "campaign.json").read_text())
    assert document["failed"] == [3, 4]
    assert document["runs"][2]["error"] == "NotStartedError: interrupted before it started"
    for n in (1, 2):
        assert 0 < json.loads((tmp_path / f"seed-{n}" / "summary.json").read_text())["sim_s"] < 86400


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--seeds", "5-1"], ["--seeds", "5-1"]),
        (["--seeds", "x"], ["--seeds", "'x'"]),
        (["--seeds", ""], ["--seeds", "''"]),
        (["--seeds", "1-3,2"], ["--seeds", "twice"]),
        (["--seeds", "1-3", "--jobs", "0"], ["--jobs"]),
        (["--seeds", "1-3", "--seed", "4"], ["--seed"]),
        (["--jobs", "2"], ["--jobs", "--seeds"]),
        (["--worst", "2"], ["--worst", "--seeds"]),
        (["--seeds", "1-3", "--worst", "0"], ["--worst"]),
        (["--seeds", "1-3", "--worst", "2", "--no-report"], ["--worst", "--no-report"]),
        (["--seeds", "1-3", "--serial", "gyro=/dev/null"], ["--serial", "--seeds"]),
    ],
)
def test_bad_campaign_arguments_get_one_line_and_exit_2(args, names, tmp_path):
    result = zorka("run", *args, "--duration", "10s", "--out", str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for name in names:
        assert name in lines[0]
    assert not (tmp_path / "campaign.json").exists()


def summary(seed: int, settle_s: float | None, p99: float, captured_ok: int | None = None) -> dict:
    made = {
        "seed": seed,
        "attitude": {
            "settle_s": settle_s,
            "error_deg": {"mean": p99 / 4, "p99": p99, "max": 2 * p99},
            "rate_error_deg_s": {"p99": 0.01, "max": None},
        },
        "wheels": {"peak_speed_rpm": 1000.0 + seed, "peak_momentum_fraction": 0.1 * seed},
        "control": {"overruns": seed % 2},
        "power": {"min_soc": 0.9 - 0.01 * seed},
    }
    if captured_ok is not None:
        made["imaging"] = {"captured_ok": captured_ok, "failed": None}
    return made


def test_statistics_skip_and_count_none_values_and_leave_out_failed_seeds():
    out = Path("campaign")
    outcomes = [
        SeedOutcome(1, summary(1, 12.0, 0.2, captured_ok=3), out / "seed-1" / "summary.json"),
        SeedOutcome(2, error="ValueError: the wheels saturated"),
        SeedOutcome(3, summary(3, None, 0.4, captured_ok=5), out / "seed-3" / "summary.json"),
        SeedOutcome(4, summary(4, 20.0, 0.3, captured_ok=4), out / "seed-4" / "summary.json"),
    ]
    document = campaign_document(outcomes, out)
    assert document["seeds"] == [1, 2, 3, 4] and document["failed"] == [2]
    assert document["runs"][1] == {"seed": 2, "summary": None, "error": "ValueError: the wheels saturated"}
    assert document["runs"][2] == {"seed": 3, "summary": "seed-3/summary.json", "error": None}
    figures = document["figures"]
    assert set(figures) == set(FIGURES)
    assert figures["attitude.settle_s"] == {
        "values": 2,
        "none": 1,
        "min": 12.0,
        "median": 16.0,
        "p95": pytest.approx(19.6),
        "max": 20.0,
    }
    assert figures["attitude.error_deg.p99"]["median"] == 0.3
    assert figures["attitude.rate_error_deg_s.max"] == {
        "values": 0,
        "none": 3,
        "min": None,
        "median": None,
        "p95": None,
        "max": None,
    }
    assert figures["control.overruns"] == {"values": 3, "none": 0, "min": 0, "median": 1, "p95": 1, "max": 1}
    assert figures["imaging.captured_ok"]["p95"] == pytest.approx(4.9)
    assert figures["imaging.failed"]["none"] == 3

    console = Console(width=120, record=True)
    console.print(*campaign_tables(document, out / "campaign.json"))
    text = console.export_text()
    assert "3 seeds" not in text and "4 seeds, 1 failed" in text
    assert "ValueError: the wheels saturated" in text and "2 (+1 none)" in text


def test_statistics_leave_out_sections_no_run_has():
    assert not any(f.startswith("imaging.") for f in figure_statistics([summary(1, 1.0, 0.1)]))
    assert figure_statistics([]) == {}
