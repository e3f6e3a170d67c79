"""`zorka scenario`: print the built-in default scenario as a commented file, or check scenario files."""

import argparse
import sys

from zorka.scenario.campaign_table import check_campaign
from zorka.scenario.flight_fit import check_flight_fit
from zorka.scenario.toml_file import ScenarioError, default_scenario_text, load_scenario


def scenario_command(args: argparse.Namespace) -> int:
    """0 when every file checks (or the default was printed), 2 after a line for each bad file."""
    if args.default:
        sys.stdout.write(default_scenario_text())
        return 0
    status = 0
    for path in args.check:
        try:
            scenario = load_scenario(path)
            check_flight_fit(scenario, str(path))
            check_campaign(scenario, str(path))
        except ScenarioError as problem:
            print(f"zorka scenario: error: {problem}", file=sys.stderr)
            status = 2
        else:
            print(f"{path}: ok")
    return status
