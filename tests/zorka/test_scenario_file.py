"""Scenario files: the default round-trips; every kind of bad input is one line naming the field."""

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zorka.scenario.model import DEFAULT_SCENARIO, Scenario
from zorka.scenario.toml_file import ScenarioError, default_scenario_text, load_scenario, scenario_from_toml


def test_the_default_file_reads_back_as_the_default_scenario():
    scenario = scenario_from_toml(default_scenario_text())
    assert scenario.orbit == DEFAULT_SCENARIO.orbit
    assert scenario.start == DEFAULT_SCENARIO.start
    assert scenario.report == DEFAULT_SCENARIO.report
    assert scenario.seed == DEFAULT_SCENARIO.seed and scenario.epoch_utc == DEFAULT_SCENARIO.epoch_utc
    np.testing.assert_array_equal(
        scenario.spacecraft.inertia_kg_m2, DEFAULT_SCENARIO.spacecraft.inertia_kg_m2
    )
    np.testing.assert_array_equal(
        scenario.spacecraft.wheels.axis_b, DEFAULT_SCENARIO.spacecraft.wheels.axis_b
    )
    assert scenario.spacecraft.power == DEFAULT_SCENARIO.spacecraft.power  # numbers exact, not to 12 digits
    assert scenario.duration_s == DEFAULT_SCENARIO.duration_s == 1500.0
    assert scenario.ground_stations == DEFAULT_SCENARIO.ground_stations
    assert scenario.link == DEFAULT_SCENARIO.link is not None
    assert scenario.requests == DEFAULT_SCENARIO.requests and len(scenario.requests) == 5


def test_the_default_file_gives_every_field_its_whole_help_and_unit():
    text = default_scenario_text()
    assert "altitude_km = 500.0  # altitude of the semi-major axis [km] in [150, 40000]" in text
    assert "mass_kg = 130.0  # [kg] in [0.1, 10000]" in text
    assert "`speed_loop_time_s` over a feed-forward of the bearing friction." in text  # a docstring, whole
    assert (
        "true_anomaly_deg = 75.0  # true anomaly at the epoch [deg] in [0, 360] (left out of a file: 0.0)\n"
        in text
    )


def test_an_empty_file_is_one_orbit_of_nadir_pointing():
    assert scenario_from_toml("") == Scenario()


def test_files_speak_human_units_and_the_scenario_holds_si():
    text = """
    duration = "1.5h"
    [spacecraft.star_tracker]
    noise_cross_arcsec = 10.0
    [spacecraft.wheels]
    speed_max_rpm = 3000.0
    [spacecraft.gyro]
    angle_random_walk_deg_sqrt_h = 0.02
    """
    scenario = scenario_from_toml(text)
    assert scenario.duration_s == 5400.0
    assert scenario.spacecraft.star_tracker.noise_cross_rad == pytest.approx(math.radians(10.0 / 3600.0))
    assert scenario.spacecraft.wheels.speed_max_rad_s == pytest.approx(3000.0 * 2.0 * math.pi / 60.0)
    assert scenario.spacecraft.gyro.angle_random_walk_rad_sqrt_s == pytest.approx(math.radians(0.02) / 60.0)


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("seed = 'one'", "seed", "whole number"),
        ("seed = -4", "seed", "must be in"),
        ("seed = 1.5", "seed", "whole number"),
        ("[orbit]\naltitude_km = 'high'", "orbit.altitude_km", "number"),
        ("[orbit]\naltitude_km = 50.0", "orbit.altitude_km", "must be in"),
        ("[orbit]\neccentricity = 1.5", "orbit.eccentricity", "must be in"),
        ("[orbit]\ninclination_deg = 200", "orbit.inclination_deg", "must be in"),
        ("[environment]\natmospheric_drag = 1", "environment.atmospheric_drag", "true or false"),
        ("[orbit]\naltitude_km = nan", "orbit.altitude_km", "finite"),
        ("[orbit]\nflavour = 'x'", "orbit.flavour", "unknown key"),
        ("colour = 'blue'", "colour", "unknown key"),
        ("orbit = 3", "orbit", "must be a table"),
        ("[start]\noffset_axis_b = [1, 2]", "start.offset_axis_b", "array of 3"),
        ("[start]\nrate_deg_s = [1, 'x', 3]", "start.rate_deg_s[1]", "number"),
        ("[spacecraft]\nmass_kg = 0", "spacecraft.mass_kg", "must be in [0.1"),
        ("[spacecraft]\ninertia_kg_m2 = [[1, 0], [0, 1]]", "spacecraft.inertia_kg_m2", "array of"),
        (
            "[spacecraft]\ninertia_kg_m2 = [[1, 2, 0], [0, 1, 0], [0, 0, 1]]",
            "spacecraft.inertia_kg_m2",
            "symmetric",
        ),
        ("[spacecraft.wheels]\ntorque_max_nm = -0.1", "spacecraft.wheels.torque_max_nm", "must be in"),
        (
            "[spacecraft.wheels]\naxis_b = [[1, 0, 0], [2, 0, 0], [0, 1, 0]]",
            "spacecraft.wheels.axis_b",
            "span",
        ),
        ("[spacecraft.gyro]\nbias_rad_s = [0, 0, 0]", "spacecraft.gyro.bias_rad_s", "unknown key"),
        ("duration = '5x'", "duration", "duration"),
        ("duration = -1", "duration", "duration"),
        ("epoch_utc = 'tomorrow'", "epoch_utc", "ISO-8601"),
        ("[report]\ntruth_rate_hz = 0", "report.truth_rate_hz", "must be in [0.0001, 10] (Hz)"),
        ("seed = ", "", "not valid TOML"),
        ('[orbit]\ntle = ["1 25544U", "2 25544"]', "orbit.tle", "tle line 1"),
        ("[orbit]\ntle = 'one line'", "orbit.tle", "array of 2"),
        ("[orbit]\npropagator = 'sgp4'", "orbit.propagator", "needs orbit.tle"),
        ("[orbit]\npropagator = 'kepler'", "orbit.propagator", "one of numerical, sgp4"),
        ("[[faults]]\ndevice = 'camera'", "faults[0]", "Fault.device"),
        ("[[faults]]\nkind = 'noisy'", "faults[0]", "factor"),
        ("[[ground_stations]]\nlat_deg = 95", "ground_stations[0].lat_deg", "must be in"),
    ],
)
def test_each_kind_of_bad_input_is_one_line_naming_the_field(text, field, says):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_toml(text, "mission.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("mission.toml: ")
    assert f"{field} = " in message or not field
    assert says in message


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=300))
def test_arbitrary_text_is_a_scenario_or_a_scenario_error(text):
    try:
        scenario_from_toml(text)
    except ScenarioError as problem:
        assert "\n" not in str(problem)


toml_scalars = st.one_of(
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.lists(st.floats(-1e3, 1e3), max_size=4),
)
keys = st.sampled_from(["seed", "epoch_utc", "orbit", "start", "spacecraft", "report", "duration", "other"])
inner_keys = st.sampled_from(
    [
        "altitude_km",
        "eccentricity",
        "drag",
        "offset_deg",
        "rate_deg_s",
        "mass_kg",
        "wheels",
        "gyro",
        "tle",
        "propagator",
        "noise_cross_arcsec",
        "x",
    ]
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.dictionaries(
        keys, st.one_of(toml_scalars, st.dictionaries(inner_keys, toml_scalars, max_size=4)), max_size=4
    )
)
def test_arbitrary_tables_are_a_scenario_or_a_scenario_error(table):
    from zorka.scenario.toml_file import override

    try:
        override(DEFAULT_SCENARIO, table, "")
    except ScenarioError as problem:
        assert "\n" not in str(problem)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(ScenarioError, match="cannot be read"):
        load_scenario(tmp_path / "absent.toml")


def test_the_cli_prints_the_default_and_checks_files(tmp_path):
    zorka = [sys.executable, "-m", "zorka"]
    default = subprocess.run([*zorka, "scenario", "--default"], capture_output=True, text=True, check=True)
    good = tmp_path / "good.toml"
    good.write_text(default.stdout)
    bad = tmp_path / "bad.toml"
    bad.write_text("[orbit]\naltitude_km = -3\n")
    checked = subprocess.run(
        [*zorka, "scenario", "--check", str(good), str(bad)], capture_output=True, text=True
    )
    assert checked.returncode == 2
    assert f"{good}: ok" in checked.stdout
    assert checked.stderr.count("\n") == 1 and "orbit.altitude_km = -3" in checked.stderr
    run = subprocess.run(
        [*zorka, "run", str(bad), "--out", str(tmp_path / "out")], capture_output=True, text=True
    )
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_on_disk_are_a_scenario_or_a_scenario_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "scenario.toml"
    path.write_bytes(data)
    try:
        load_scenario(path)
    except ScenarioError as problem:
        assert "\n" not in str(problem) and str(path) in str(problem)


def test_check_reports_every_problem_of_a_file_one_line_each(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'seed = -1\nduration = "2x"\nbogus = 3\n[orbit]\naltitude_km = -3\n[link]\nframe_loss = 0.9\n'
        '[[requests]]\nid = "A"\nlat_deg = 100\n[[requests]]\nid = "A"\n'
    )
    checked = subprocess.run(
        [sys.executable, "-m", "zorka", "scenario", "--check", str(bad)], capture_output=True, text=True
    )
    lines = checked.stderr.splitlines()
    assert checked.returncode == 2 and all(
        line.startswith(f"zorka scenario: error: {bad}: ") for line in lines
    )
    said = [line.split(f"{bad}: ", 1)[1] for line in lines]
    assert [s.split(" = ")[0].split(":")[0] for s in said] == [
        "seed",
        "duration",
        "bogus",
        "orbit.altitude_km",
        "link.frame_loss",
        "requests[0].lat_deg",
        "link",
        "requests[1].id",
    ], said


def test_check_goes_on_past_a_bad_item_of_an_array_of_tables(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = -1\n[[spacecraft.surfaces.surfaces]]\narea_m2 = 0.0\n")
    checked = subprocess.run(
        [sys.executable, "-m", "zorka", "scenario", "--check", str(bad)], capture_output=True, text=True
    )
    lines = checked.stderr.splitlines()
    assert checked.returncode == 2 and len(lines) == 2 and "Traceback" not in checked.stderr
    assert "seed = -1" in lines[0] and "spacecraft.surfaces.surfaces[0]" in lines[1]
