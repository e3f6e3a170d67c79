"""The flight software is loaded with the nominal spacecraft, not the truth: a scenario's [flight] table
sets what flight is told while the simulator flies the spacecraft description, so a dispersed truth is a
real test of the ADCS."""

from dataclasses import replace

import numpy as np
import pytest

from zorka.run.assembly import adcs_config, nominal_spacecraft
from zorka.run.mission import Mission
from zorka.scenario.model import FlightSpec, Scenario
from zorka.scenario.toml_file import ScenarioError, scenario_from_toml

NADIR = Scenario()  # one orbit of nadir pointing, no station or radio (the base a scenario file overrides)

NOMINAL_INERTIA = ((14.2, 0.12, -0.08), (0.12, 16.5, 0.05), (-0.08, 0.05, 9.8))


def test_without_a_flight_table_flight_loads_the_description():
    config = adcs_config(NADIR, 2461212.5)
    assert np.array_equal(config.inertia_kg_m2, NADIR.spacecraft.inertia_kg_m2)


def test_a_dispersed_truth_is_flown_while_flight_keeps_its_nominal_figures():
    truth = NADIR.spacecraft.inertia_kg_m2 * np.array([1.10, 0.92, 1.06])[:, None]
    truth = 0.5 * (truth + truth.T)
    scenario = replace(
        NADIR,
        spacecraft=replace(NADIR.spacecraft, inertia_kg_m2=truth),
        flight=FlightSpec(inertia_kg_m2=NOMINAL_INERTIA),
    )
    config = adcs_config(scenario, 2461212.5)
    assert np.array_equal(config.inertia_kg_m2, np.array(NOMINAL_INERTIA))
    mission = Mission(scenario, 600.0)
    assert np.array_equal(mission.world.spacecraft.inertia_kg_m2, truth)
    summary = mission.run()
    mission.close()
    assert summary["attitude"]["settle_s"] < 120.0
    assert summary["attitude"]["error_deg"]["p99"] < 0.05


def test_a_misaligned_tracker_as_calibrated_moves_only_the_flight_side():
    scenario = scenario_from_toml("[flight]\nstar_tracker_boresight_tilt_deg = 0.5\n")
    nominal = nominal_spacecraft(scenario, 2461212.5)
    described = nominal_spacecraft(NADIR, 2461212.5)
    angle_rad = 2.0 * np.arccos(min(1.0, abs(np.dot(nominal.star_tracker_q_bs, described.star_tracker_q_bs))))
    described_tilt_deg = np.degrees(NADIR.spacecraft.star_tracker.boresight_tilt_rad)
    assert np.degrees(angle_rad) == pytest.approx(abs(described_tilt_deg - 0.5), abs=1e-9)


@pytest.mark.parametrize(
    "table",
    [
        "inertia_kg_m2 = [[1, 0, 0], [0, 1, 0]]",
        "inertia_kg_m2 = [[1, 2, 0], [0, 1, 0], [0, 0, 1]]",
        "inertia_kg_m2 = [[-1, 0, 0], [0, 1, 0], [0, 0, 1]]",
    ],
)
def test_a_flight_inertia_that_is_no_inertia_is_one_line(table):
    with pytest.raises(ScenarioError, match=r"flight\.inertia_kg_m2.*symmetric positive-definite 3 x 3"):
        scenario_from_toml(f"[flight]\n{table}\n")
