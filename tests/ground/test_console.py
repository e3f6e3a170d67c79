"""The console REPL driven line by line against a stand-in spacecraft, its rich output recorded."""

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from rich.console import Console
from spacepackets.ccsds.time import CdsShortTimestamp
from spacepackets.ecss import PusTc

from ground.commands import CommandBook
from ground.console import ConsoleCompleter, GroundConsole, default_history_path, parse_delay_s, parse_utc
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


def test_at_schedules_the_command_by_a_service_11_insert_with_its_cds_release_time(console):
    repl, spacecraft, out = console
    assert repl.execute("at 2026-06-21T10:00:00.250Z set_adcs_mode mode=SUN_SAFE")
    (insert,) = spacecraft.received
    assert (insert.service, insert.message_subtype) == (11, 4)
    data = bytes(insert.app_data)
    assert data[0] == 1  # one activity
    release = CdsShortTimestamp.unpack(data[1:8])
    assert release.as_unix_seconds() == pytest.approx(
        datetime(2026, 6, 21, 10, 0, 0, 250000, UTC).timestamp()
    )
    assert data[1] == 0x40 and int.from_bytes(data[2:4], "big") == (date(2026, 6, 21) - date(1958, 1, 1)).days
    inner = PusTc.unpack(data[8:])
    assert (inner.service, inner.message_subtype, bytes(inner.app_data)) == (8, 1, bytes([0, 1, 1]))
    assert "set_adcs_mode [" in out.getvalue() and "scheduled for 2026-06-21T10:00:00.250Z" in out.getvalue()


def test_in_schedules_after_the_onboard_time_of_the_latest_telemetry(console):
    repl, spacecraft, out = console
    assert repl.execute("in 10m ping")
    assert "onboard time is unknown" in out.getvalue() and not spacecraft.received
    repl.execute("wait 1.5")  # housekeeping stamped at the CDS epoch (the stand-in's clock)
    assert repl.execute("in 1h30m ping")
    release = bytes(spacecraft.received[-1].app_data)[1:8]  # CDS: P-field, day 0 (1958-01-01), ms of day
    assert release == bytes([0x40, 0, 0]) + (90 * 60 * 1000).to_bytes(4, "big")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("at 2026-06-21T10:00:00 ping", "give the time in UTC, ending in Z"),
        ("at tomorrow ping", "is not a UTC time"),
        ("in 10 ping", "is not a delay"),
        ("in 10m", "use: in DELAY NAME"),
        ("at 2026-06-21T10:00:00Z set_adcs_mode mode=NOPE", "mode='NOPE': must be one of"),
    ],
)
def test_bad_time_tags_are_one_line_errors_and_nothing_is_sent(console, line, message):
    repl, spacecraft, out = console
    assert repl.execute(line)
    assert message in out.getvalue() and out.getvalue().count("\n") == 1
    assert spacecraft.received == []


def completions(book: CommandBook, text: str) -> list[str]:
    document = Document(text, len(text))
    return [c.text for c in ConsoleCompleter(book).get_completions(document, CompleteEvent(True))]


def test_tab_completes_commands_arguments_and_enum_values(dictionary):
    book = CommandBook(dictionary)
    assert completions(book, "set_adcs_mo") == ["set_adcs_mode"]
    assert completions(book, "he") == ["help"]
    assert completions(book, "help hk_en") == ["hk_enable"]
    assert completions(book, "set_adcs_mode ") == ["mode="]
    assert completions(book, "set_adcs_mode mode=S") == ["SUN_SAFE"]
    assert completions(book, "image_target lat=1 l") == ["lon="]
    assert completions(book, "hk_set_interval sid=1,2 ") == ["interval="]
    assert completions(book, "events_enable event_id=") == []
    assert completions(book, "in 10m set_adcs_mode mode=N") == ["NOMINAL"]
    assert completions(book, "at ") == []
    assert completions(book, "at 2026-06-21T10:00:00Z pin") == ["ping"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_as_a_delay_or_a_time_is_a_value_or_a_one_line_error(text):
    for parse in (parse_delay_s, parse_utc):
        try:
            parse(text)
        except ValueError as problem:
            assert "\n" not in str(problem)


def test_delays_and_times_parse_as_written():
    assert (
        parse_delay_s("1h30m") == 5400.0 and parse_delay_s("90s") == 90.0 and parse_delay_s("2d") == 172800.0
    )
    assert parse_utc("2026-06-21T10:00:00Z") == datetime(2026, 6, 21, 10, tzinfo=UTC)


def test_the_history_file_is_in_the_state_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_history_path() == tmp_path / "zorka" / "console_history"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_history_path() == Path.home() / ".local" / "state" / "zorka" / "console_history"


def test_packets_of_the_non_pus_apids_are_counted_not_printed(console, dictionary):
    repl, spacecraft, out = console
    cfdp = dictionary["other_apids"]["cfdp"]
    spacecraft._outbox.append(bytes([0x08 | cfdp >> 8, cfdp & 0xFF, 0xC0, 0, 0, 2, 1, 2, 3]))
    repl.execute("wait 0.2")
    assert repl.session.other_packets == {"cfdp": 1}
    assert "undecodable" not in out.getvalue() and repl.session.undecodable == 0


def test_help_on_a_console_word_gives_its_lines(console):
    repl, _, out = console
    repl.execute("help at")
    assert out.getvalue().splitlines() == [
        "at UTC NAME k=v ...  schedule a command onboard (TC 11,4) at a UTC time, e.g.",
        "                     at 2026-06-21T10:00:00Z set_adcs_mode mode=SUN_SAFE",
    ]
