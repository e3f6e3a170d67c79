"""`zorka dict`: the command/telemetry dictionary as JSON (what a ground segment reads) or as XTCE, built
from the onboard applications' declarations for the default spacecraft shape, without building a world."""

import argparse
import sys

from flight.onboard_dictionary import SpacecraftShape, housekeeping_structures, onboard_dictionary
from zorka.outputs.dictionary_json import dictionary_json
from zorka.outputs.xtce import xtce


def dict_command(args: argparse.Namespace) -> int:
    """`zorka dict`: the dictionary as JSON, or as XTCE with `--xtce` (`--flat`: its flat profile), on
    stdout."""
    if args.flat and not args.xtce:
        print("zorka dict: error: --flat is a profile of the XTCE export: add --xtce", file=sys.stderr)
        return 2
    shape = SpacecraftShape()
    dictionary = onboard_dictionary(shape)
    if args.xtce:
        structures = {
            sid: [dictionary.parameters[name] for name in names]
            for sid, names in housekeeping_structures(shape).items()
        }
        sys.stdout.write(xtce(dictionary, structures, flat=args.flat))
    else:
        sys.stdout.write(dictionary_json(dictionary))
    return 0
