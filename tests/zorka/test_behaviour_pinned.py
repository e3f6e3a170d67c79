"""Restructuring changes no behaviour: one orbit of nadir pointing (issue 12's default run), the built-in
mission of issue 16, the 12 h imaging example and a run commanding over the simulated radio give, for their
seeds, the summary, truth files and telemetry pinned (`tests/zorka/behaviour_pin.py` says what a pin holds
and how it was recorded)."""

import pytest

from tests.zorka import behaviour_pin


@pytest.fixture(scope="module")
def current_dictionary() -> dict:
    return behaviour_pin.dictionary()


@pytest.mark.parametrize("name", list(behaviour_pin.RUNS))
def test_a_pinned_run_gives_what_it_gave(name, tmp_path, current_dictionary):
    pinned = behaviour_pin.load(name)
    behaviour_pin.run(name, tmp_path)
    now = behaviour_pin.digest(tmp_path, current_dictionary, behaviour_pin.pinned_names())
    assert now["summary"] == pinned["summary"]
    assert now["truth"] == pinned["truth"], "truth.oem / truth.aem differ beyond their CREATION_DATE"
    assert len(now["packets"]) == len(pinned["packets"])
    differ = [i for i, (a, b) in enumerate(zip(now["packets"], pinned["packets"], strict=True)) if a != b]
    assert not differ, (
        f"{len(differ)} TM packets differ from the pin, the first at index {differ[0]}: "
        f"{now['packets'][differ[0]][:3]} (apid, service, subtype)"
    )
