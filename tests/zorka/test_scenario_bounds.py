"""What `zorka scenario --check` accepts also runs: extreme numbers, deep nesting, huge files and long
durations are one line and a non-zero exit, never a traceback; a run too long to hold is refused before
anything is allocated for it."""

import contextlib
import io
import itertools
import math
import tempfile
import tomllib
import tracemalloc
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zorka.cli import main
from zorka.run.mission import Mission
from zorka.scenario.limits import MAX_ARRAY_ITEMS, MAX_NESTING, MAX_TEXT_BYTES, nesting_depth, physical_range
from zorka.scenario.model import CommandSpec, FaultSpec, LinkSpec, RequestSpec, StationSpec
from zorka.scenario.toml_file import (
    FILE_BASE,
    HIDDEN_FIELDS,
    ScenarioError,
    _scaled,
    _toml_value,
    file_unit,
    load_scenario,
    scenario_from_toml,
)

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.toml"))
RUN_S = "2s"
EXTREMES = (
    0,
    -1,
    1,
    0.5,
    -0.5,
    1e-300,
    1e300,
    -1e300,
    math.nan,
    math.inf,
    -math.inf,
    2**63,
    -(2**63),
    2**200,
)
TABLE_ITEMS = {"ground_stations": StationSpec(), "faults": FaultSpec(), "requests": RequestSpec()}
TEMPLATES = {**TABLE_ITEMS, "commands": CommandSpec()}
BASE = {"faults": {"device": "gyro", "kind": "noisy", "factor": 2.0}, "requests": {"id": "A"}}


def numeric_paths(obj, prefix: tuple = ()) -> list[tuple]:
    """Every number a scenario file can set, as a path of keys (0 for an item of an array); its allowed
    range, where the field's metadata gives one, is recorded in RANGES."""
    found = []
    hints = typing.get_type_hints(type(obj))
    for f in fields(obj):
        if not f.init or f.name in HIDDEN_FIELDS:
            continue
        key = (*prefix, file_unit(f.name)[0])
        value = getattr(obj, f.name)
        if f.metadata.get("lo") is not None and f.metadata.get("hi") is not None:
            RANGES[dotted(key)] = (f.metadata["lo"], f.metadata["hi"])
        args = typing.get_args(hints[f.name])
        if is_dataclass(value):
            found += numeric_paths(value, key)
        elif isinstance(value, tuple) and value and is_dataclass(value[0]):
            found += numeric_paths(value[0], (*key, 0))
        elif isinstance(value, np.ndarray):
            found.append((*key, *([0] * value.ndim)))
        elif isinstance(value, tuple) and all(isinstance(v, int | float) for v in value):
            found.append((*key, 0))
        elif isinstance(value, bool) or (value is None and any(is_dataclass(a) for a in args)):
            continue
        elif isinstance(value, int | float) or (value is None and (float in args or int in args)):
            found.append(key)
    return found


RANGES: dict[str, tuple[float, float]] = {}


def dotted(path: tuple) -> str:
    return ".".join(key for key in path if isinstance(key, str))


def allowed(path: tuple) -> tuple[float, float]:
    """The range a file may give the number at `path` (0 to 1000 where neither the model nor the
    limits say)."""
    return physical_range(dotted(path)) or RANGES.get(dotted(path), (0.0, 1e3))


PATHS = (
    numeric_paths(FILE_BASE)
    + [("link", *p) for p in numeric_paths(LinkSpec())]
    + [(name, 0, *p) for name, item in TABLE_ITEMS.items() for p in numeric_paths(item)]
    + [("faults", 0, "bias", 0), ("flight", "inertia_kg_m2", 0, 0), ("link", "commands", 0, "t_s")]
)


def document_with(path: tuple, value: object) -> dict:
    """A scenario table setting only `path` to `value`; an array around it keeps the default's other items."""
    table: dict = {"ground_stations": [{}]} if path[0] == "link" else {}
    node: typing.Any = table
    default: object = FILE_BASE
    previous = None
    for key, after in itertools.pairwise(path):
        if isinstance(key, str):
            default = _field(default, key)
            if key not in node:
                node[key] = _array_of(default, key) if isinstance(after, int) else {}
        else:
            default = default[0] if isinstance(default, tuple) and default else TEMPLATES.get(previous)
        previous = key
        node = node[key]
    node[path[-1]] = value
    return table


def _field(default: object, key: str) -> object:
    """The default value under file key `key`, in file units (None where there is no default)."""
    if not is_dataclass(default):
        return None
    for f in fields(default):
        name, scale = file_unit(f.name)
        if name == key:
            return _scaled(getattr(default, f.name), 1.0 / scale)
    return None


def _array_of(default: object, key: str) -> list:
    """The array a file writes for field `key`: the default's, or one base item where it is empty."""
    if isinstance(default, np.ndarray):
        return default.tolist()
    if isinstance(default, tuple) and key in TEMPLATES:
        return [dict(BASE.get(key, {}))]
    if isinstance(default, tuple) and default and is_dataclass(default[0]):
        return [{} for _ in default]  # each item from the default at its place
    if isinstance(default, tuple) and default:
        return list(default)
    if key == "inertia_kg_m2":
        return [[14.0, 0.0, 0.0], [0.0, 16.0, 0.0], [0.0, 0.0, 10.0]]
    if key == "bias":
        return [0.0, 0.0, 0.0]
    return [dict(BASE.get(key, {}))]


def merged(into: dict, table: dict) -> dict:
    for key, value in table.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merged(into[key], value)
        else:
            into[key] = value
    return into


def toml_text(table: dict) -> str:
    return "".join(f"{key} = {_toml_value(value)}\n" for key, value in table.items())


def cli(*argv: str) -> tuple[int, str]:
    """`zorka ARGV` in this process: its exit status and what it wrote to stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main(list(argv))
        except SystemExit as exit_:
            status = exit_.code
    return status, err.getvalue()


def one_line_each(err: str) -> bool:
    """`--check`'s refusal: at least one problem, each on one line of its own, no traceback."""
    lines = err.splitlines()
    return (
        bool(lines)
        and all(line.startswith("zorka scenario: error: ") for line in lines)
        and err.endswith("\n")
    )


def checked_then_run(text: str) -> None:
    """`--check` refuses with one line, or accepts and a short run of the file exits 0."""
    with tempfile.TemporaryDirectory(prefix="zorka-bounds-") as folder:
        path = Path(folder) / "scenario.toml"
        path.write_text(text, encoding="utf-8")
        status, err = cli("scenario", "--check", str(path))
        if status != 0:
            assert status == 2 and one_line_each(err), err
            return
        status, err = cli("run", str(path), "--duration", RUN_S, "--out", f"{folder}/out", "--quiet")
        assert status == 0, f"--check accepted, the run failed: {err}\n{text}"


def example_leaves(value: object, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in example_leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in example_leaves(item, (*path, i))]
    return [path] if isinstance(value, int | float) and not isinstance(value, bool) else []


def mutated(table: dict, path: tuple, value: object) -> dict:
    copy = tomllib.loads(toml_text(table))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


values = st.one_of(
    st.sampled_from(EXTREMES),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
)


def edges(path: tuple) -> st.SearchStrategy:
    """Values at and inside the edges of what the field allows (what `--check` lets through must run),
    and outside them."""
    lo, hi = allowed(path)
    inside = st.floats(lo, hi) if isinstance(lo, float) or isinstance(hi, float) else st.integers(lo, hi)
    return st.one_of(st.sampled_from([lo, hi]), inside, values)


assignments = st.lists(
    st.sampled_from(PATHS).flatmap(lambda path: st.tuples(st.just(path), edges(path))), min_size=1, max_size=3
)


def check_and_run_assignments(assigned: list) -> None:
    table: dict = {}
    for path, value in assigned:
        merged(table, document_with(path, value))
    checked_then_run(toml_text(table))


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(assignments)
def test_what_check_accepts_runs_or_is_refused_in_one_line(assigned):
    check_and_run_assignments(assigned)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(assignments)
def test_what_check_accepts_runs_or_is_refused_in_one_line_thoroughly(assigned):
    check_and_run_assignments(assigned)


def mutate_example_and_run(example: Path, data: st.DataObject) -> None:
    table = tomllib.loads(example.read_text())
    leaf = data.draw(st.sampled_from(example_leaves(table)))
    checked_then_run(toml_text(mutated(table, leaf, data.draw(values))))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutations_of_the_shipped_examples_run_or_are_refused_in_one_line(example, data):
    mutate_example_and_run(example, data)


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutations_of_the_shipped_examples_run_or_are_refused_in_one_line_thoroughly(example, data):
    mutate_example_and_run(example, data)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 5000), st.sampled_from(["[", "{x = "]))
def test_deep_nesting_is_one_line(depth, opener):
    closer = "]" if opener == "[" else "}"
    status, err = cli_check(f"[start]\nrate_deg_s = {opener * depth}1{closer * depth}\n")
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    if depth > MAX_NESTING:
        assert f"at most {MAX_NESTING}" in err


def cli_check(text: str) -> tuple[int, str]:
    with tempfile.TemporaryDirectory(prefix="zorka-bounds-") as folder:
        path = Path(folder) / "scenario.toml"
        path.write_text(text, encoding="utf-8")
        return cli("scenario", "--check", str(path))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_into_check_are_ok_or_one_line(data):
    with tempfile.TemporaryDirectory(prefix="zorka-bounds-") as folder:
        path = Path(folder) / "scenario.toml"
        path.write_bytes(data)
        status, err = cli("scenario", "--check", str(path))
    assert status == 0 or (status == 2 and one_line_each(err)), err


def test_brackets_in_strings_and_comments_do_not_count_as_nesting():
    text = '[[ground_stations]]\nname = "[[[[[[[[[[[[[[[[[[[[{{{{"  # ]]]]]]]]]]]]]]]]]]]]]]]]\n'
    assert nesting_depth(text) == 2
    assert scenario_from_toml(text).ground_stations[0].name.startswith("[[[[")


def test_an_array_longer_than_the_limit_is_one_line():
    text = "[[ground_stations]]\n" * (MAX_ARRAY_ITEMS + 1)
    with pytest.raises(ScenarioError, match=f"ground_stations = '\\[{MAX_ARRAY_ITEMS + 1} items\\]'"):
        scenario_from_toml(text, "big.toml")


def test_a_file_larger_than_the_limit_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_bytes(b"# " + "é".encode() * (4 * MAX_TEXT_BYTES))  # cut mid-character at the limit
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError, match=f"at most {MAX_TEXT_BYTES} bytes"):
            load_scenario(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_TEXT_BYTES


@pytest.mark.parametrize("path", PATHS, ids=lambda p: ".".join(map(str, p)))
def test_every_number_a_file_can_set_is_bounded(path):
    for value in (1e300, -1e300, math.nan):
        with pytest.raises(ScenarioError):
            scenario_from_toml(toml_text(document_with(path, value)))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('epoch_utc = "1900-01-01T00:00:00Z"', "must be within 1958-01-01T00:00:00Z to 2136-06-05"),
        ('epoch_utc = "2137-01-01T00:00:00Z"', "16-bit days since 1958"),
        ('epoch_utc = "0001-01-01T00:00:00+01:00"', "ISO-8601"),
        ('duration = "31d"', "longer than 30 days"),
        ("duration = 1e300", "longer than 30 days"),
        ('duration = "1h"\n[[faults]]\nt_s = 3600', "before the end of the run"),
        ('[[requests]]\nid = "4294967296"', "32 bits"),
        ("[start]\noffset_axis_b = [0, 0, 0]", "length > 0"),
        (
            "[spacecraft.wheels]\naxis_b = [[1, 0, 0], [0, 1, 0], [0, 0, 1]," + " [1, 1, 1]," * 4 + "]",
            "at most 6",
        ),
    ],
)
def test_epochs_durations_and_counts_out_of_range_are_one_line(text, says):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_toml(text, "mission.toml")
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_the_first_and_last_epochs_are_accepted():
    for epoch in ("1958-01-01T00:00:00Z", "2136-06-05T23:59:59Z"):
        assert scenario_from_toml(f'epoch_utc = "{epoch}"').epoch_utc == epoch


def peak_bytes(call) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("command", ["run", "serve", "sim-server", "flight"])
def test_a_duration_of_100000_days_is_refused_before_allocating(command, tmp_path):
    (status, err), peak = peak_bytes(lambda: cli(command, "--duration", "100000d", "--out", str(tmp_path)))
    assert status == 2 and err.count("\n") == 1 and "--duration" in err and "100000 days" in err
    assert peak < 16 * 2**20


def test_a_scenario_of_100000_days_is_refused_before_allocating(tmp_path):
    path = tmp_path / "long.toml"
    path.write_text('duration = "100000d"\n')
    (status, err), peak = peak_bytes(lambda: cli("run", str(path), "--out", str(tmp_path / "out")))
    assert status == 2 and err.count("\n") == 1 and "longer than 30 days" in err
    assert peak < 16 * 2**20


def test_a_mission_refuses_a_duration_it_cannot_hold_before_its_recorder_allocates():
    def build():
        with pytest.raises(ValueError, match="longer than 30 days"):
            Mission(FILE_BASE, 100_000 * 86_400.0)

    _, peak = peak_bytes(build)
    assert peak < 64 * 2**20  # the world and its tables; the recorder would want 644 GiB


def test_the_duration_caps_are_inclusive():
    assert cli("run", "--duration", "31d", "--help")[0] == 2
    assert cli("run", "--duration", "30d", "--help")[0] == 0
    assert cli("serve", "--duration", "366d", "--help")[0] == 0
    assert cli("serve", "--duration", "367d", "--help")[0] == 2
