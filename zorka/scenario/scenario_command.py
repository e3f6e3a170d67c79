"""`zorka scenario`: print the built-in default scenario as a commented file, or check scenario files."""

import argparse
import sys

from zorka.scenario.scenario_problems import scenario_problems
from zorka.scenario.toml_file import default_scenario_text


def scenario_command(args: argparse.Namespace) -> int:
    """0 when every file checks (or the default was printed), 2 after a line for each problem of each file."""
    if args.default:
        sys.stdout.write(default_scenario_text())
        return 0
    status = 0
    for path in args.check:
        problems = scenario_problems(path)
        for problem in problems:
            print(f"zorka scenario: error: {problem}", file=sys.stderr)
        if problems:
            status = 2
        else:
            print(f"{path}: ok")
    return status
