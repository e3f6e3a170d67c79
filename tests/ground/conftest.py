"""The flight software's own dictionary, live and as the JSON a ground station reads."""

import json

import pytest

from zorka.outputs.dictionary_json import dictionary_json
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO


@pytest.fixture(scope="session")
def flight_dictionary():
    mission = Mission(DEFAULT_SCENARIO, 1.0)
    mission.close()
    return mission.flight.dictionary


@pytest.fixture(scope="session")
def dictionary(flight_dictionary) -> dict:
    return json.loads(dictionary_json(flight_dictionary))
