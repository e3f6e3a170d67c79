"""`zorka plan`: the imaging planner alone, from a plan input file to a plan file."""

import argparse
import math
import sys
import time
from collections.abc import Callable

from flight.payload.access import EphemerisTable
from flight.payload.planner import Planner
from zorka.scenario.plan_input import PlanFileError, plan_document, read_plan_input, write_json

PLAN_ITERATIONS = 300
PLAN_WORK_BUDGET = 1e7
"""The improvement search's bound, in solver work (flight/payload/planner.py): deterministic, where the
one-second wall-clock budget it replaces was not; on the public instances it reaches the plans that
budget did (123, 147, 174, 1116)."""


def command_planner(table: EphemerisTable, slew_s: Callable[[float], float]) -> Planner:
    """The planner of `zorka plan`: its search bounded by iterations and solver work, never the clock."""
    return Planner(table, slew_s, iterations=PLAN_ITERATIONS, budget_s=math.inf, work_budget=PLAN_WORK_BUDGET)


def plan_command(args: argparse.Namespace) -> int:
    """0 with the plan written and one line of figures, 2 for an unreadable or bad input."""
    try:
        with args.input.open("rb") as source:
            plan_input = read_plan_input(source)
        started = time.perf_counter()
        captures = command_planner(plan_input.table(), plan_input.slew_s).plan(plan_input.requests)
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
