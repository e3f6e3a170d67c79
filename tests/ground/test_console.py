"""The console REPL driven line by line against a stand-in spacecraft, its rich output recorded."""

import io

import pytest
from rich.console import Console

from ground.console import GroundConsole
from ground.session import Session
from tests.ground.fake_spacecraft import FakeSpacecraft


@pytest.fixture
def console(dictionary) -> tuple[GroundConsole, FakeSpacecraft, io.StringIO]:
    spacecraft = FakeSpacecraft(dictionary)
    out = io.StringIO()
    session = Session(spacecraft, dictionary, clock=spacecraft.clock)
    return GroundConsole(session, Console(file=out, width=200, color_system=None)), spacecraft, out


def test_a_command_prints_its_verification_and_events_as_they_arrive(console):
    repl, spacecraft, out = console
    assert repl.execute("set_adcs_mode mode=SUN_SAFE")
    assert out.getvalue() == ""
    assert repl.execute("wait 1.5")
    lines = out.getvalue().splitlines()
    assert [line.split(": ", 1)[1] for line in lines if line.startswith("set_adcs_mode [")] == [
        "accepted",
        "started",
        "completed",
    ]
    assert "event mode_change (INFO): mode 2 -> 1" in lines
    assert spacecraft.mode == 1


def test_a_refused_command_prints_the_failure_code(console):
    repl, _, out = console
    repl.execute("set_adcs_mode mode=IMAGING")
    repl.execute("wait 0.2")
    assert "failed at completion: NOT_ALLOWED_IN_MODE (data 0)" in out.getvalue()


def test_hk_shows_the_latest_values_with_units_and_events_are_listed(console):
    repl, _, out = console
    repl.execute("set_adcs_mode mode=SUN_SAFE")
    repl.execute("wait 2")
    repl.execute("hk")
    repl.execute("events")
    text = out.getvalue()
    rows = {
        line.split("│")[1].strip(): line.split("│")[2:4] for line in text.splitlines() if line.count("│") == 5
    }
    assert rows["adcs_mode"][0].strip() == "SUN_SAFE" and rows["eps_battery_soc"][0].strip() == "0.8"
    assert rows["eps_bus_voltage_v"][1].strip() == "V"
    assert "mode_change" in text.split("events")[-1]


def test_bad_lines_are_one_line_errors_and_nothing_is_sent(console):
    repl, spacecraft, out = console
    for line in (
        "set_adcs_mode mode=UP",
        "launch",
        "wait soon",
        "run",
        "image_target lat=[red]x lon=0 alt=0",
    ):
        assert repl.execute(line)
    errors = out.getvalue().splitlines()
    assert len(errors) == 5 and all(e.startswith("error: ") for e in errors)
    assert "lat='[red]x'" in errors[4]
    assert spacecraft.received == []


def test_help_commands_comments_and_quit(console):
    repl, _, out = console
    assert repl.execute("help") and repl.execute("# a note") and repl.execute("")
    assert repl.execute("commands")
    text = out.getvalue()
    assert (
        "hk " in text
        and "set_adcs_mode" in text
        and "mode: one of DETUMBLE, SUN_SAFE, NOMINAL, IMAGING" in text
    )
    repl.execute("help image_target")
    assert "image_target lat=<float in [-1.5708, 1.5708] rad or [-90, 90]deg>" in out.getvalue()
    assert not repl.execute("quit") and not repl.execute("exit")


def test_run_executes_a_sequence_file(console, tmp_path):
    repl, spacecraft, out = console
    path = tmp_path / "safe.seq"
    path.write_text("set_adcs_mode mode=SUN_SAFE\nexpect adcs_mode == SUN_SAFE within 3\n")
    repl.execute(f"run {path}")
    assert "sequence passed: 2 steps" in out.getvalue() and spacecraft.mode == 1
    repl.execute(f"run {tmp_path / 'none.seq'}")
    assert "error: " in out.getvalue().splitlines()[-1]
