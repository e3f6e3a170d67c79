"""Sequence files: checked whole before running (file:line of the first problem), then run step by
step against a stand-in spacecraft on its own clock, stopping at the first failure."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ground.sequence import (
    CommandStep,
    ExpectStep,
    SequenceError,
    WaitStep,
    load_sequence,
    parse_sequence,
    run_sequence,
)
from ground.session import Session
from tests.ground.fake_spacecraft import FakeSpacecraft

SAFE = """\
# bench test: into sun-safe mode
ping
set_adcs_mode mode=SUN_SAFE   # the request
wait 2.5
expect adcs_mode == 1 within 3
expect eps_battery_soc >= 0.5
"""


def run(
    dictionary: dict, text: str, spacecraft: FakeSpacecraft | None = None
) -> tuple[bool, list[str], FakeSpacecraft]:
    spacecraft = spacecraft or FakeSpacecraft(dictionary)
    session = Session(spacecraft, dictionary, clock=spacecraft.clock)
    said: list[str] = []
    passed = run_sequence(session, parse_sequence(text, dictionary), said.append, command_timeout_s=5.0)
    return passed, said, spacecraft


def test_steps_are_parsed_with_their_line_numbers(dictionary):
    steps = parse_sequence(SAFE, dictionary)
    assert [type(s) for s in steps] == [CommandStep, CommandStep, WaitStep, ExpectStep, ExpectStep]
    assert [s.line for s in steps] == [2, 3, 4, 5, 6]
    assert steps[1].words == ("mode=SUN_SAFE",) and steps[2].seconds == 2.5
    assert (steps[3].op, steps[3].value, steps[3].within_s) == ("==", 1.0, 3.0)
    assert steps[4].within_s == 10.0


def test_a_good_sequence_runs_every_step_in_order_and_passes(dictionary):
    passed, said, spacecraft = run(dictionary, SAFE)
    assert passed and said[-1] == "sequence passed: 5 steps"
    assert [(tc.service, tc.message_subtype) for tc in spacecraft.received] == [(17, 1), (8, 1)]
    assert spacecraft.mode == 1 and 2.5 < spacecraft.now < 6.0
    assert said[:2] == ["line 2: ping", "line 3: set_adcs_mode mode=SUN_SAFE"]


def test_a_failed_command_stops_the_sequence_with_its_failure_code(dictionary):
    passed, said, spacecraft = run(dictionary, "set_adcs_mode mode=IMAGING\nping\n")
    assert not passed and len(spacecraft.received) == 1
    assert said[-1].startswith("sequence failed at line 1: set_adcs_mode [")
    assert said[-1].endswith("failed at completion: NOT_ALLOWED_IN_MODE (data 0)")


def test_a_command_without_completion_times_out(dictionary):
    passed, said, _ = run(dictionary, "ping\n", FakeSpacecraft(dictionary, answer=False))
    assert not passed and said[-1] == "sequence failed at line 1: ping: no completion within 5 s"


def test_an_expectation_not_met_in_time_says_what_was_seen(dictionary):
    passed, said, spacecraft = run(dictionary, "expect adcs_mode < 2 within 2\n")
    assert (
        not passed
        and said[-1] == "sequence failed at line 1: expect adcs_mode < NOMINAL: still NOMINAL after 2 s"
    )
    assert spacecraft.now == pytest.approx(2.0, abs=0.1)


def test_expect_takes_enum_names_when_the_dictionary_gives_them(dictionary):
    named = copy.deepcopy(dictionary)
    for parameter in named["parameters"]:
        if parameter["name"] == "adcs_mode":
            parameter["values"] = {"DETUMBLE": 0, "SUN_SAFE": 1, "NOMINAL": 2, "IMAGING": 3}
    (step,) = parse_sequence("expect adcs_mode != SUN_SAFE", named)
    assert step.value == 1
    passed, said, _ = run(named, "set_adcs_mode mode=SUN_SAFE\nexpect adcs_mode == SUN_SAFE within 2\n")
    assert passed and "line 2: expect adcs_mode == SUN_SAFE within 2" in said


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ping\nset_adcs_mode mode=SUNSAFE\n", "seq.txt:2: set_adcs_mode: mode='SUNSAFE': must be one of"),
        ("# x\n\nfly_to_moon\n", "seq.txt:3: unknown command 'fly_to_moon'"),
        ("wait\n", "seq.txt:1: use: wait SECONDS"),
        ("wait -1\n", "seq.txt:1: '-1' is not a number of seconds from 0 to 86400"),
        ("expect adcs_mode = 1\n", "seq.txt:1: use: expect PARAMETER OP VALUE [within SECONDS]"),
        ("expect altitude > 1\n", "seq.txt:1: unknown housekeeping parameter 'altitude'"),
        (
            "expect adcs_mode == SIDEWAYS\n",
            "seq.txt:1: expect adcs_mode: 'SIDEWAYS' is not a number or one of",
        ),
        ("expect t_s > 1 within soon\n", "seq.txt:1: 'soon' is not a number of seconds"),
    ],
)
def test_a_bad_line_is_reported_with_file_and_line_before_anything_runs(dictionary, text, message):
    with pytest.raises(SequenceError) as error:
        parse_sequence(text, dictionary, "seq.txt")
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_an_unreadable_file_is_a_sequence_error(dictionary, tmp_path):
    with pytest.raises(SequenceError, match="cannot read"):
        load_sequence(tmp_path / "missing.txt", dictionary)
    (tmp_path / "ok.txt").write_text(SAFE)
    assert len(load_sequence(tmp_path / "ok.txt", dictionary)) == 5


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(max_size=30) | st.sampled_from(["wait 1", "expect t_s > 1", "ping", "expect", "within"]),
        max_size=4,
    )
)
def test_any_text_parses_or_raises_only_sequence_error(dictionary, lines):
    try:
        parse_sequence("\n".join(lines), dictionary)
    except SequenceError as error:
        assert "\n" not in str(error)
