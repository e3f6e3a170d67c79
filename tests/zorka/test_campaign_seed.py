"""What a campaign seed keeps, and its folder completed afterwards: checked against the folder a single
run of the same seed writes (`run_into_folder` with the whole write), the worst seeds against a ranking
done here, and --no-report against the files on disk."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.zorka.test_campaign_dispersions import CAMPAIGN
from zorka.outputs.campaign_report import (
    COMPLETED_SEEDS,
    KEY_FIGURES,
    WORST_SEEDS,
    worst_seeds,
    write_campaign_report,
)
from zorka.outputs.run_folder import claim_run_folder, run_into_folder
from zorka.run.campaign import SeedOutcome, campaign_document, complete_seed, run_seed
from zorka.run.mission import Mission
from zorka.scenario.campaign_table import dispersed_scenario
from zorka.scenario.toml_file import load_scenario, scenario_from_toml

ZORKA = [sys.executable, "-m", "zorka"]
NADIR = str(Path(__file__).parents[2] / "examples" / "nadir_orbit.toml")
SEED = 6
DURATION_S = 60.0
WHOLE = {"truth.oem", "truth.aem", "telemetry.msgpack", "report.html"}


def quiet_no_report(out: Path) -> list[str]:
    """--out DIR, no progress bar, no report."""
    return ["--out", str(out), "--quiet", "--no-report"]


WALL_KEYS = ("wall_s", "real_time_factor", "CREATION_DATE")


def without_wall_clock(path: Path) -> list[str]:
    """A file's lines, those of wall-clock figures and creation dates left out."""
    return [line for line in path.read_text().splitlines() if not any(key in line for key in WALL_KEYS)]


@pytest.fixture(scope="module")
def single_run(tmp_path_factory) -> Path:
    """The seed run alone, its whole folder written as `zorka run --seed` writes it."""
    out = tmp_path_factory.mktemp("single")
    seeded, drawn = dispersed_scenario(scenario_from_toml(CAMPAIGN), SEED)
    claim_run_folder(out)
    run_into_folder(Mission(seeded, DURATION_S, out_dir=out), out, quiet=True, extra={"dispersion": drawn})
    return out


def test_a_seed_keeps_its_summary_and_its_completed_folder_is_a_single_runs(single_run, tmp_path):
    scenario = scenario_from_toml(CAMPAIGN)
    summary, ran = run_seed(scenario, SEED, DURATION_S, tmp_path, False)
    folder = tmp_path / f"seed-{SEED}"
    assert ran and not WHOLE & {p.name for p in folder.iterdir()}
    assert {"summary.json", "dispersion.json", "tm.bin"} <= {p.name for p in folder.iterdir()}
    assert without_wall_clock(folder / "summary.json") == without_wall_clock(single_run / "summary.json")
    assert complete_seed(scenario, SEED, tmp_path) == folder / "report.html"
    for name in ("truth.oem", "truth.aem", "report.html"):
        assert without_wall_clock(folder / name) == without_wall_clock(single_run / name), name
    for name in ("telemetry.msgpack", "tm.bin"):
        assert (folder / name).read_bytes() == (single_run / name).read_bytes(), name
    assert not list(tmp_path.glob(".seed-*"))
    report = (folder / "report.html").stat().st_mtime_ns
    assert complete_seed(scenario, SEED, tmp_path) == folder / "report.html"
    assert (folder / "report.html").stat().st_mtime_ns == report, "a complete folder was written again"
    assert run_seed(scenario, SEED, DURATION_S, tmp_path, False) == (summary, False)


def test_a_seed_finished_by_this_campaigns_attempt_counts_as_run_by_it(tmp_path):
    """A worker killed after it finished a seed but before it reported it: the seed's task runs again,
    finds the folder finished by this campaign and counts it as run, not as finished before."""
    scenario = scenario_from_toml(CAMPAIGN)
    summary, ran = run_seed(scenario, SEED, 10.0, tmp_path, False, "campaign-a")
    assert ran
    assert run_seed(scenario, SEED, 10.0, tmp_path, False, "campaign-a") == (summary, True)
    assert run_seed(scenario, SEED, 10.0, tmp_path, False, "campaign-b") == (summary, False)
    assert run_seed(scenario, SEED, 10.0, tmp_path, False) == (summary, False)
    assert json.loads((tmp_path / f"seed-{SEED}" / "dispersion.json").read_text())["campaign"] == "campaign-a"


def made_summary(seed: int) -> dict:
    """Figures that rank the seeds differently per key figure (seed * a prime mod 23)."""
    return {
        "seed": seed,
        "attitude": {
            "error_deg": {"p99": (seed * 7) % 23 / 100},
            "rate_error_deg_s": {"p99": (seed * 11) % 23 / 1000},
            "settle_s": None if seed == 4 else float((seed * 13) % 23),
        },
        "wheels": {"peak_momentum_fraction": (seed * 17) % 23 / 23},
        "power": {"min_soc": 1.0 - (seed * 19) % 23 / 50},
    }


def rankings(summaries: dict[int, dict]) -> list[list[int]]:
    """Per key figure, the seeds that have it, worst first (ties: the lower seed first)."""
    ranked = []
    for key, _, worse in KEY_FIGURES:
        values = {}
        for seed, summary in summaries.items():
            node = summary
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                values[seed] = node
        ranked.append(sorted(values, key=lambda s: (-values[s] if worse == "high" else values[s], s)))
    return ranked


def test_the_worst_seeds_are_each_figures_worst_then_the_next_worst_up_to_a_count():
    summaries = {seed: made_summary(seed) for seed in range(1, 23)}
    orders = rankings(summaries)
    worst = {order[0] for order in orders if order}
    assert worst_seeds(summaries, count=len(worst)) == sorted(worst)
    first_second = next(order[1] for order in orders if len(order) > 1 and order[1] not in worst)
    assert worst_seeds(summaries, count=len(worst) + 1) == sorted(worst | {first_second})
    every = {seed for order in orders for seed in order[:WORST_SEEDS]}
    assert worst_seeds(summaries, count=100) == sorted(every)
    assert len(worst_seeds(summaries)) == COMPLETED_SEEDS


def test_the_campaign_page_links_only_the_reports_that_exist(tmp_path):
    summaries = {seed: made_summary(seed) for seed in (1, 2, 3)}
    (tmp_path / "seed-2").mkdir()
    (tmp_path / "seed-2" / "report.html").write_text("<html></html>")
    outcomes = [SeedOutcome(s, summaries[s], tmp_path / f"seed-{s}" / "summary.json") for s in summaries]
    (tmp_path / "seed-1").mkdir()
    (tmp_path / "seed-3").mkdir()
    for s, summary in summaries.items():
        (tmp_path / f"seed-{s}" / "summary.json").write_text(json.dumps(summary))
    page = write_campaign_report(campaign_document(outcomes, tmp_path), summaries, tmp_path).read_text()
    assert 'href="seed-2/report.html"' in page
    assert "seed-1/report.html" not in page and "seed-3/report.html" not in page and "seed 1" in page


def test_no_report_writes_the_run_folder_without_report_html(tmp_path):
    claim_run_folder(tmp_path)  # an earlier run, its report written
    run_into_folder(Mission(load_scenario(Path(NADIR)), 10.0, out_dir=tmp_path), tmp_path, quiet=True)
    assert (tmp_path / "report.html").exists()
    result = subprocess.run(
        [*ZORKA, "run", NADIR, "--duration", "10s", "--out", str(tmp_path), "--quiet", "--no-report"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    names = {p.name for p in tmp_path.iterdir()}
    assert {"summary.json", "truth.oem", "truth.aem"} <= names
    assert "report.html" not in names, "the earlier run's report would describe another run"
    assert "plots in" not in result.stdout


def test_a_campaign_without_reports_writes_campaign_json_only(tmp_path):
    result = subprocess.run(
        [
            *ZORKA,
            "run",
            NADIR,
            "--seeds",
            "1,2",
            "--jobs",
            "2",
            "--duration",
            "10s",
            *quiet_no_report(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "2 seeds run, 0 finished before" in result.stdout and "0 run reports" in result.stdout
    assert (tmp_path / "campaign.json").exists() and not (tmp_path / "campaign.html").exists()
    assert not list(tmp_path.glob("seed-*/report.html")) and not list(tmp_path.glob("seed-*/truth.oem"))
