"""What `zorka run` and `zorka serve` start from: a writable run folder and the scenario to run, each
problem one line on stderr naming the option or the field."""

import os
import sys
from dataclasses import replace
from pathlib import Path

from zorka.scenario.campaign_table import check_campaign
from zorka.scenario.flight_fit import check_flight_fit
from zorka.scenario.model import DEFAULT_SCENARIO, Scenario
from zorka.scenario.toml_file import ScenarioError, load_scenario


def writable_dir(path: Path) -> str | None:
    """None if `path` is (or can be made) a writable folder, else the reason."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as failure:
        return failure.strerror or str(failure)
    if not os.access(path, os.W_OK | os.X_OK):
        return "permission denied"
    return None


def scenario_for(command: str, scenario_path: Path | None, out: Path) -> Scenario | None:
    """The scenario of `scenario_path` once `out` is known writable; None after a one-line error naming
    what is wrong. Without a file, the built-in mission: whole for `zorka run`; for the live commands
    (serve, flight, sim-server) without its simulated radio, since they carry the link to real ground
    tools (a scenario's [link] is refused there)."""
    problem = writable_dir(out)
    if problem is not None:
        print(
            f"zorka {command}: error: argument --out: cannot write to {str(out)!r} ({problem}); "
            "choose a writable folder",
            file=sys.stderr,
        )
        return None
    if scenario_path is None:
        return DEFAULT_SCENARIO if command == "run" else replace(DEFAULT_SCENARIO, link=None)
    try:
        scenario = load_scenario(scenario_path)
        check_flight_fit(scenario, str(scenario_path))
        check_campaign(scenario, str(scenario_path))
        return scenario
    except ScenarioError as problem:
        print(f"zorka {command}: error: {problem}", file=sys.stderr)
        return None
