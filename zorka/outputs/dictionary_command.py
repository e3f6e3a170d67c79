"""`zorka dict`: the command/telemetry dictionary as JSON (what a ground segment reads) or as XTCE."""

import argparse
import sys

from flight.xtce import xtce
from zorka.outputs.dictionary_json import dictionary_json
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO


def dict_command(args: argparse.Namespace) -> int:
    """`zorka dict`: the dictionary as JSON, or as XTCE with `--xtce`, on stdout."""
    mission = Mission(DEFAULT_SCENARIO, 1.0)
    dictionary = mission.flight.dictionary
    if args.xtce:
        structures = {sid: s.parameters for sid, s in mission.flight.pus.housekeeping.structures.items()}
        sys.stdout.write(xtce(dictionary, structures))
    else:
        sys.stdout.write(dictionary_json(dictionary))
    mission.close()
    return 0
