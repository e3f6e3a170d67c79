"""`zorka send` and `zorka console` in their own processes against `zorka serve --packet-port`: a
ping and a mode change complete (exit 0), a refused command fails with its code (exit 1), a sequence
file passes with an expectation on housekeeping, and a bad command line is one error line (exit 2)."""

import socket
import subprocess

import pytest

from tests.zorka.serve_process import ZORKA, zorka_serve


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    out = tmp_path_factory.mktemp("serve")
    with zorka_serve("--packet-port", "0", "--insecure", "--duration", "300s", "--out", str(out)) as served:
        yield served.port


def zorka(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*ZORKA, *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_send_ping_prints_its_verification_and_exits_0(port):
    result = zorka("send", "--packet-port", str(port), "ping")
    assert result.returncode == 0, result.stderr
    stages = [line.split(": ")[1] for line in result.stdout.splitlines() if line.startswith("ping [")]
    assert stages == ["accepted", "started", "completed"]
    assert "TM(17,2)" in result.stdout


def test_a_mode_change_a_refused_one_and_a_sequence(port, tmp_path):
    result = zorka("send", "--packet-port", str(port), "set_adcs_mode", "mode=SUN_SAFE")
    assert result.returncode == 0 and "set_adcs_mode [" in result.stdout, result.stdout + result.stderr
    assert [
        line.split(": ")[1] for line in result.stdout.splitlines() if line.startswith("set_adcs_mode [")
    ] == [
        "accepted",
        "started",
        "completed",
    ]
    refused = zorka("send", "--packet-port", str(port), "set_adcs_mode", "mode=IMAGING")
    assert refused.returncode == 1 and "failed at completion: NOT_ALLOWED_IN_MODE" in refused.stdout
    sequence = tmp_path / "sun_safe.seq"
    sequence.write_text(
        "# still sun-safe?\nping\nexpect adcs_mode == SUN_SAFE within 5\nwait 0.2\nexpect t_s > 0\n"
    )
    result = zorka("send", "--packet-port", str(port), "--sequence", str(sequence))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "line 3: expect adcs_mode == SUN_SAFE within 5" in result.stdout
    assert result.stdout.splitlines()[-1] == "sequence passed: 4 steps"
    sequence.write_text("set_adcs_mode mode=IMAGING\nping\n")
    result = zorka("send", "--packet-port", str(port), "--sequence", str(sequence))
    assert result.returncode == 1 and "sequence failed at line 1" in result.stdout
    assert "line 2" not in result.stdout


def test_the_console_reads_commands_from_its_input(port):
    result = zorka("console", "--packet-port", str(port), stdin="ping\nwait 1.5\nhk\nbogus\nquit\n")
    assert result.returncode == 0, result.stderr
    assert ": completed" in result.stdout and "eps_battery_soc" in result.stdout
    assert "error: unknown command 'bogus'" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set_adcs_mode", "mode=FAST"], "mode='FAST': must be one of DETUMBLE, SUN_SAFE, NOMINAL, IMAGING"),
        (
            ["image_target", "lat=95deg", "lon=0", "alt=0"],
            "lat='95deg': must be float in [-1.5708, 1.5708] rad",
        ),
        (["set_adcs_mode", "speed=1"], "unknown argument 'speed'; it takes mode"),
        (["warp_drive"], "unknown command 'warp_drive'"),
        ([], "give either a command NAME"),
        (["ping", "--dict", "/nonexistent.json"], "argument --dict: cannot read"),
        (["--sequence", "/nonexistent.seq"], "/nonexistent.seq: cannot read"),
    ],
)
def test_a_bad_command_line_is_one_error_line_and_exit_2(args, message):
    result = zorka("send", "--packet-port", "1", *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("zorka send: error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_no_server_is_one_error_line_and_exit_1():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    result = zorka("send", "--packet-port", str(free), "ping")
    assert result.returncode == 1 and "cannot connect to 127.0.0.1" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_failed_command_waits_2_s_for_the_event_that_explains_it(port, tmp_path):
    exported = zorka("dict")
    dictionary = tmp_path / "dictionary.json"
    dictionary.write_text(exported.stdout)
    link = ("--packet-port", str(port), "--dict", str(dictionary))
    assert zorka("send", *link, "set_adcs_mode", "mode=SUN_SAFE").returncode == 0
    result = zorka("send", *link, "image_target", "lat=48deg", "lon=2deg")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    failed = next(i for i, line in enumerate(lines) if "failed at completion: NOT_ALLOWED_IN_MODE" in line)
    assert lines[failed + 1] == "(listening 2 s for the events that explain the failure)"
    assert any(line.startswith("event imaging_refused") for line in lines[failed + 1 :])
