"""Every problem of a scenario file in one pass, for `zorka scenario --check`: each field checked on its
own (a bad one does not hide the next), then, without the bad fields, the checks across fields and
whether the flight software can start from it."""

import re
from pathlib import Path

from zorka.scenario.campaign_table import check_campaign
from zorka.scenario.flight_fit import check_flight_fit
from zorka.scenario.toml_file import (
    FILE_BASE,
    SCENARIO_CHECKS,
    ScenarioError,
    check_orbit,
    overridden,
    override,
    parsed_toml,
    scenario_text,
)

FIELD_PARTS = re.compile(r"[^.\[\]]+")


def scenario_problems(path: Path) -> list[ScenarioError]:
    """The problems of the scenario file at `path`, one line each (empty: it runs)."""
    source = str(path)
    try:
        table = parsed_toml(scenario_text(path), source)
    except ScenarioError as problem:
        return [problem]
    found: dict[str, ScenarioError] = {}
    for keys, single in _one_leaf_tables(table, ()):
        try:
            _field_checked(single)
        except ScenarioError as problem:
            if problem.path not in found:
                found[problem.path] = problem.in_file(source)
                _remove(table, keys[: _depth(problem.path, len(keys))])
    problems = list(found.values())
    try:
        scenario = overridden(table, orbit_checked=False)
    except ScenarioError as problem:  # what the bad fields leave (e.g. a vector given as a table)
        return [*problems, problem.in_file(source)]
    try:
        scenario = check_orbit(scenario, "epoch_utc" in table)
    except ScenarioError as problem:
        problems.append(problem.in_file(source))
    for check in SCENARIO_CHECKS:
        try:
            check(scenario)
        except ScenarioError as problem:
            problems.append(problem.in_file(source))
    try:
        check_campaign(scenario, source)
    except ScenarioError as problem:
        problems.append(problem)
    if not problems:
        try:
            check_flight_fit(scenario, source)
        except ScenarioError as problem:
            problems.append(problem)
    return problems


def _field_checked(single: dict) -> None:
    """The one key of `single` checked as a field (cross-field checks wait for the whole file)."""
    if "duration" in single:
        overridden({"duration": single["duration"]})
    else:
        override(FILE_BASE, single, "")


def _one_leaf_tables(node: object, keys: tuple) -> list[tuple[tuple, dict]]:
    """(keys, a table holding only that value) for each value under tables and arrays of tables."""
    if isinstance(node, dict) and not (keys and keys[-1] == "args"):
        return [leaf for key, value in node.items() for leaf in _one_leaf_tables(value, (*keys, key))]
    if keys and isinstance(node, list) and node and all(isinstance(item, dict) for item in node):
        return [leaf for i, item in enumerate(node) for leaf in _one_leaf_tables(item, (*keys, i))]
    return [(keys, _holding(keys, node))]


def _holding(keys: tuple, value: object) -> object:
    """A table with `value` at `keys` alone (an index keeps its place with empty items before it)."""
    if not keys:
        return value
    inner = _holding(keys[1:], value)
    if isinstance(keys[0], int):
        return [{}] * keys[0] + [inner]
    return {keys[0]: inner}


def _depth(path: str, most: int) -> int:
    """How many keys down the field a problem names lies (`start.rate_deg_s` for a table given there)."""
    return min(most, len(FIELD_PARTS.findall(path))) or most


def _remove(table: dict, keys: tuple) -> None:
    """Delete the value at `keys` (the field a problem names, with all under it); an item of an array of
    tables is emptied instead."""
    node = table
    for key in keys[:-1]:
        node = node[key]
    if isinstance(node, list):
        node[keys[-1]] = {}  # an array item keeps its place, with the defaults
    else:
        node.pop(keys[-1], None)
