"""`zorka plan IN.json --out OUT.json`: a good file gives a plan the independent checker accepts; a bad
file gives one line naming the field and exit 2, whatever the bytes."""

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.flight.test_planner import check_plan
from zorka.scenario.plan_input import MAX_TARGETS, PlanFileError, PlanInput, parse_plan_input

DATA = Path(__file__).resolve().parents[1] / "data" / "planning"
GOOD = json.loads((DATA / "eeurope_n50_s3.json").read_text())


def zorka_plan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zorka", "plan", *args], capture_output=True, text=True, timeout=120
    )


def test_a_good_file_gives_a_feasible_plan(tmp_path):
    out = tmp_path / "plan.json"
    result = zorka_plan(str(DATA / "eeurope_n50_s3.json"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    plan = json.loads(out.read_text())
    assert set(plan) == {"captures", "objective"}
    assert result.stdout.startswith(f"zorka plan: {len(plan['captures'])} captures of 50 targets, objective ")
    start = 1750464000.0  # 2025-06-21T00:00:00Z
    captures = []
    for c in plan["captures"]:
        assert set(c) == {"target_id", "start_utc", "duration_s", "off_nadir_deg"}
        assert 0.0 <= c["off_nadir_deg"] <= GOOD["max_off_nadir_deg"]
        t = datetime.fromisoformat(c["start_utc"].replace("Z", "+00:00")).timestamp() - start
        captures.append((c["target_id"], t, c["duration_s"]))
    assert check_plan(GOOD, captures) == plan["objective"] >= 0.97 * 113


def _with(path: str, value) -> dict:
    """GOOD with the field at `path` (dotted, [i] for list items) set to value, or removed if value is ..."""
    document = json.loads(json.dumps(GOOD))
    keys = [int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")]
    holder = document
    for key in keys[:-1]:
        holder = holder[key]
    if value is ...:
        del holder[keys[-1]]
    else:
        holder[keys[-1]] = value
    return document


BAD = [
    (_with("targets[3].lat_deg", 95), "targets[3].lat_deg: 95 is outside -90..90"),
    (_with("horizon_s", ...), "horizon_s: missing"),
    (_with("targets[2].priority", "high"), 'targets[2].priority: "high" is not a number'),
    (_with("targets[4].duration_s", 0), "targets[4].duration_s: 0 is outside (0..86400]"),
    (_with("targets[5].id", "T001"), "targets[5].id: 'T001' repeats targets[0].id"),
    (_with("targets[0].colour", "red"), "targets[0].colour: unknown key"),
    (_with("slew.rate_deg_s", True), "slew.rate_deg_s: true is not a number"),
    (_with("tle[1]", GOOD["tle"][1][:-1] + "5"), "tle line 2 checksum"),
    (_with("tle", ["x"]), "tle: expected a list of two strings"),
    (_with("start_utc", "yesterday"), "start_utc: 'yesterday' is not an ISO-8601 UTC time"),
    (_with("targets", {}), "targets: expected a list"),
    ([1, 2], "the document: expected a JSON object"),
]


def _targets(n: int) -> list[dict]:
    return [{"id": f"T{i}", "lat_deg": 45, "lon_deg": 20, "priority": 1, "duration_s": 5} for i in range(n)]


def test_beyond_its_limits_the_input_is_refused_in_one_line():
    too_many = {**GOOD, "targets": _targets(MAX_TARGETS + 1)}
    with pytest.raises(PlanFileError, match=r"^targets: more than the 100,000 targets allowed$"):
        parse_plan_input(json.dumps(too_many))
    week = {**GOOD, "horizon_s": 7 * 86400.0, "targets": _targets(20_000)}
    with pytest.raises(
        PlanFileError, match=r"^targets: more than 14,285 targets over 7 days, beyond the 100,000 target-days"
    ):
        parse_plan_input(json.dumps(week))
    horizon_last = {key: week[key] for key in ("targets", *(k for k in week if k != "targets"))}
    with pytest.raises(PlanFileError, match=r"^targets: more than 14,285 targets over 7 days"):
        parse_plan_input(json.dumps(horizon_last))


@pytest.mark.parametrize(("document", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_input_names_the_field(document, message):
    with pytest.raises(PlanFileError) as problem:
        parse_plan_input(json.dumps(document))
    assert message in str(problem.value)
    assert "\n" not in str(problem.value)


@pytest.mark.parametrize(
    "content", [b"{not json", json.dumps(_with("targets[3].lat_deg", 95)).encode(), b"\xff\xfe"]
)
def test_bad_files_exit_2_with_one_line(tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = zorka_plan(str(bad), "--out", str(tmp_path / "out.json"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"zorka plan: error: {bad}: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out.json").exists()


def _outcome(text) -> None:
    try:
        assert isinstance(parse_plan_input(text), PlanInput)
    except PlanFileError as problem:
        assert str(problem) and "\n" not in str(problem)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_plan_input_or_one_line(data):
    _outcome(data)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_FIELDS = [
    *("tle", "tle[0]", "start_utc", "horizon_s", "max_off_nadir_deg", "min_sun_elevation_deg", "slew"),
    *("slew.settle_s", "slew.rate_deg_s", "targets", "targets[0]", "targets[1].id", "targets[2].lat_deg"),
    *("targets[3].lon_deg", "targets[4].priority", "targets[5].duration_s", "targets[6].alt_m"),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_FIELDS), _JSON | st.integers(min_value=10**300, max_value=10**400))
def test_any_json_in_any_field_gives_a_plan_input_or_one_line(field, value):
    _outcome(json.dumps(_with(field, value)))
