"""`zorka plan`: the imaging planner alone, from a plan input file to a plan file."""

import argparse
import sys
import time

from flight.payload.planner import Planner
from zorka.scenario.plan_input import PlanFileError, parse_plan_input, plan_document, write_json


def plan_command(args: argparse.Namespace) -> int:
    """0 with the plan written and one line of figures, 2 for an unreadable or bad input."""
    try:
        text = args.input.read_bytes()
        plan_input = parse_plan_input(text)
        started = time.perf_counter()
        captures = Planner(plan_input.table(), plan_input.slew_s).plan(plan_input.requests)
        elapsed = time.perf_counter() - started
        document = plan_document(plan_input, captures)
        write_json(args.out, document)
    except OSError as failure:
        print(f"zorka plan: error: {failure.filename}: {failure.strerror or failure}", file=sys.stderr)
        return 2
    except PlanFileError as problem:
        print(f"zorka plan: error: {args.input}: {problem}", file=sys.stderr)
        return 2
    print(
        f"zorka plan: {len(captures)} captures of {len(plan_input.requests)} targets, objective "
        f"{document['objective']}, planned in {elapsed:.2f} s -> {args.out}"
    )
    return 0
