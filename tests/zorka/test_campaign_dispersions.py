"""The [campaign] table: dispersions checked against the scenario, drawn per seed from generators of the
seed's own (reproducible, in bounds, the stated distribution), applied to the scenario, and written to the
seed's folder and summary."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from zorka.scenario.campaign_table import dispersed_scenario, draw_deviation
from zorka.scenario.model import DEFAULT_SCENARIO
from zorka.scenario.toml_file import scenario_from_toml

CAMPAIGN = """
[[campaign.dispersions]]
key = "start.offset_deg"
sigma = 5.0
bound = 10.0

[[campaign.dispersions]]
key = "start.rate_deg_s"
distribution = "uniform"
bound = 0.05

[[campaign.dispersions]]
key = "spacecraft.inertia_kg_m2"
sigma = 0.03
bound = 0.09
relative = true

[[campaign.dispersions]]
key = "spacecraft.gyro.bias_deg_h"
sigma = 0.1
bound = 0.3

[[campaign.dispersions]]
key = "spacecraft.wheels.friction_coulomb_nm"
distribution = "uniform"
bound = 0.5
relative = true

[[campaign.dispersions]]
key = "orbit.altitude_km"
sigma = 2.0
bound = 6.0

[[campaign.dispersions]]
key = "epoch_utc"
distribution = "uniform"
bound = 3600.0
"""
DRAWS = 4000  # seeds per statistical check: the standard error of a mean is ~1.6 % of sigma


def test_a_seed_draws_the_same_values_every_time_and_other_seeds_differ():
    scenario = scenario_from_toml(CAMPAIGN)
    first, drawn = dispersed_scenario(scenario, 7)
    again, drawn_again = dispersed_scenario(scenario, 7)
    assert drawn == drawn_again and first.start == again.start and first.orbit == again.orbit
    assert np.array_equal(first.spacecraft.inertia_kg_m2, again.spacecraft.inertia_kg_m2)
    assert first.seed == 7 and set(drawn) == {d.key for d in scenario.campaign.dispersions}
    assert dispersed_scenario(scenario, 8)[1] != drawn


def test_drawn_values_are_applied_to_the_scenario_in_its_internal_units():
    scenario, drawn = dispersed_scenario(scenario_from_toml(CAMPAIGN), 3)
    assert scenario.start.offset_deg == drawn["start.offset_deg"]
    assert np.allclose(
        np.degrees(scenario.spacecraft.gyro.bias_rad_s) * 3600.0, drawn["spacecraft.gyro.bias_deg_h"]
    )
    assert scenario.orbit.altitude_km == drawn["orbit.altitude_km"] != DEFAULT_SCENARIO.orbit.altitude_km
    assert scenario.epoch_utc == drawn["epoch_utc"] != DEFAULT_SCENARIO.epoch_utc
    inertia = np.asarray(scenario.spacecraft.inertia_kg_m2)
    assert np.array_equal(inertia, inertia.T) and np.array_equal(inertia, drawn["spacecraft.inertia_kg_m2"])
    ratio = inertia / DEFAULT_SCENARIO.spacecraft.inertia_kg_m2
    assert np.all(np.abs(ratio - 1.0) <= 0.09) and not np.allclose(ratio, 1.0)


def test_adding_a_dispersion_does_not_shift_the_draws_of_the_others():
    full = dispersed_scenario(scenario_from_toml(CAMPAIGN), 11)[1]
    one = dispersed_scenario(scenario_from_toml(CAMPAIGN.split("\n\n")[0]), 11)[1]
    assert one == {"start.offset_deg": full["start.offset_deg"]}


def test_a_cut_normal_has_the_stated_distribution_and_stays_within_its_bound():
    scenario = scenario_from_toml(CAMPAIGN)
    spec = scenario.campaign.dispersions[0]  # sigma 5, cut at +-10
    values = np.array([draw_deviation(spec, (), seed) for seed in range(DRAWS)])
    assert np.all(np.abs(values) <= spec.bound)
    cut = stats.truncnorm(-2.0, 2.0, scale=5.0)
    assert abs(values.mean()) < 4 * cut.std() / np.sqrt(DRAWS)
    assert values.std() == pytest.approx(cut.std(), rel=0.04)
    assert stats.kstest(values, cut.cdf).pvalue > 0.01


def test_a_uniform_has_the_stated_distribution_on_each_axis():
    spec = scenario_from_toml(CAMPAIGN).campaign.dispersions[1]  # +-0.05 on each of 3 axes
    values = np.array([draw_deviation(spec, (3,), seed) for seed in range(DRAWS)])
    assert np.all(np.abs(values) <= 0.05)
    for axis in values.T:
        assert axis.std() == pytest.approx(0.05 / np.sqrt(3.0), rel=0.04)
        assert stats.kstest(axis, stats.uniform(-0.05, 0.1).cdf).pvalue > 0.01
    assert abs(np.corrcoef(values.T)[0, 1]) < 0.05


@pytest.mark.parametrize(
    ("entry", "names"),
    [
        ('key = "start.nothing"\nsigma = 1.0\nbound = 2.0', ["dispersions[0].key", "start.nothing"]),
        ('key = "orbit.inclination_deg"\nsigma = 1.0\nbound = 2.0', ["dispersions[0].key", "inclination"]),
        (
            'key = "start.offset_deg"\ndistribution = "cauchy"\nbound = 2.0',
            ["distribution", "normal, uniform"],
        ),
        ('key = "start.offset_deg"\nsigma = 0.0\nbound = 2.0', ["sigma", "> 0"]),
        ('key = "start.offset_deg"\nsigma = 1.0\nbound = 0.0', ["bound", "(0, inf]"]),
        ('key = "orbit.eccentricity"\nsigma = 0.01\nbound = 0.03', ["dispersions[0].bound", "eccentricity"]),
        ('key = "epoch_utc"\nsigma = 1.0\nbound = 2.0\nrelative = true', ["relative", "seconds"]),
    ],
)
def test_a_bad_dispersion_gets_one_line_naming_it(tmp_path, entry, names):
    path = tmp_path / "bad.toml"
    path.write_text(f"[[campaign.dispersions]]\n{entry}\n")
    result = subprocess.run(
        [sys.executable, "-m", "zorka", "scenario", "--check", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for name in names:
        assert name in lines[0]


def test_a_key_dispersed_twice_is_refused(tmp_path):
    path = tmp_path / "twice.toml"
    entry = '[[campaign.dispersions]]\nkey = "start.offset_deg"\nsigma = 1.0\nbound = 2.0\n'
    path.write_text(entry * 2)
    result = subprocess.run(
        [sys.executable, "-m", "zorka", "scenario", "--check", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2 and "dispersions[1].key" in result.stderr and "already" in result.stderr


def test_the_default_scenario_file_shows_the_campaign_table_and_reads_back():
    text = subprocess.run(
        [sys.executable, "-m", "zorka", "scenario", "--default"], capture_output=True, text=True, check=True
    ).stdout
    assert "[campaign]" in text and "# [[campaign.dispersions]]" in text
    assert scenario_from_toml(text).campaign.dispersions == ()


def test_each_seed_folder_and_summary_hold_the_values_drawn_for_it(tmp_path):
    scenario_file = tmp_path / "campaign.toml"
    scenario_file.write_text(CAMPAIGN)
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "zorka",
            "run",
            str(scenario_file),
            "--seeds",
            "4,5",
            "--jobs",
            "2",
            *("--duration", "30s", "--out", str(out), "--quiet"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    scenario = scenario_from_toml(CAMPAIGN)
    for seed in (4, 5):
        drawn = json.loads(json.dumps(dispersed_scenario(scenario, seed)[1]))
        record = json.loads((out / f"seed-{seed}" / "dispersion.json").read_text())
        assert record == {"seed": seed, "duration_s": 30.0, "values": drawn, "campaign": record["campaign"]}
        assert re.fullmatch("[0-9a-f]{32}", record["campaign"])
        assert json.loads((out / f"seed-{seed}" / "summary.json").read_text())["dispersion"] == drawn
    page = (out / "campaign.html").read_text()
    assert 'href="seed-4/report.html"' in page and "start.offset_deg" in page and "http" not in page
    assert not list(out.glob(".seed-*"))
