"""`zorka dict` exports the declarations of the onboard applications without building a world: no `sim`
module is imported, and what it prints is what the flight software of a mission declares."""

import json
import subprocess
import sys

from flight.onboard_dictionary import SpacecraftShape
from sim.spacecraft import DEFAULT_SPACECRAFT
from zorka.outputs.dictionary_json import dictionary_json
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO

NO_SIM = """
import contextlib, io, sys
from zorka.cli import main
for argv in (["dict"], ["dict", "--xtce"]):
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0
print(sorted(m for m in sys.modules if m == "sim" or m.startswith("sim.")))
"""


def test_zorka_dict_imports_no_sim_module():
    done = subprocess.run([sys.executable, "-c", NO_SIM], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_zorka_dict_prints_what_the_flight_software_of_a_mission_declares(capsys):
    """All but the tunables' defaults, which are the values the flight software is configured with at
    start (a mission's wiring has them; the declarations alone do not)."""
    from zorka.cli import main

    assert main(["dict"]) == 0
    printed = json.loads(capsys.readouterr().out)
    mission = Mission(DEFAULT_SCENARIO, 1.0)
    try:
        wired = json.loads(dictionary_json(mission.flight.dictionary))
    finally:
        mission.close()
    assert len(printed["tunables"]) >= 20
    assert all(t["default"] is None for t in printed["tunables"]), "configured at start: no world, no value"
    assert all(t["default"] is not None for t in wired["tunables"])
    for tunable in wired["tunables"]:
        tunable["default"] = None
    assert printed == wired


def test_the_default_shape_is_the_default_spacecraft():
    shape = SpacecraftShape()
    assert (shape.wheels, shape.imager) == (
        DEFAULT_SPACECRAFT.wheels.n,
        DEFAULT_SPACECRAFT.imager is not None,
    )
