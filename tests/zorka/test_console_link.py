"""`zorka send` and `zorka console` over the authenticated link of `zorka serve --link-port`, each in its
own process: commands complete through SDLS and COP-1, successive processes share the key file's ARSN
without a replay, a wrong key never gets a command through and is reported as the spacecraft's
authentication refusal within 5 s (its link_frame_refused event), and a missing key file is one error
line."""

import json
import queue
import subprocess
import threading
import time

import pytest

from tests.zorka.serve_process import ZORKA, zorka_serve


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    keys = folder / "keys.json"
    arguments = ("--link-port", "0", "--keys", str(keys), "--duration", "60s", "--out", str(folder))
    with zorka_serve(*arguments) as served:
        yield served.port, keys


def zorka(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*ZORKA, *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_commands_complete_over_the_link_from_one_process_after_another(served):
    port, keys = served
    link = ("--link-port", str(port), "--keys", str(keys))
    for command in (["ping"], ["set_adcs_mode", "mode=SUN_SAFE"], ["ping"]):
        result = zorka("send", *link, *command)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"{command[0]} [" in result.stdout and ": completed" in result.stdout
    shown = zorka("console", *link, stdin="ping\nwait 2\nhk\nquit\n")
    assert shown.returncode == 0, shown.stderr
    assert "completed" in shown.stdout and "SUN_SAFE" in shown.stdout
    assert json.loads(keys.read_text())["next_arsn"] >= 5


def test_a_wrong_key_gets_nothing_through_and_a_missing_key_file_is_one_line(served, tmp_path):
    port, keys = served
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**json.loads(keys.read_text()), "key": "00" * 32}))
    forged.chmod(0o600)
    result = zorka("send", "--link-port", str(port), "--keys", str(forged), "--timeout", "2", "ping")
    assert result.returncode == 1 and ": completed" not in result.stdout
    assert "authentication refused by the spacecraft: bad MAC" in result.stdout
    assert "no completion" not in result.stdout
    missing = zorka("send", "--link-port", str(port), "--keys", str(tmp_path / "none.json"), "ping")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.count("\n") == 1 and "no key file" in missing.stderr


def test_a_wrong_key_is_reported_on_the_console_within_5_s_as_an_authentication_refusal(served, tmp_path):
    port, keys = served
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**json.loads(keys.read_text()), "key": "11" * 32}))
    forged.chmod(0o600)
    console = subprocess.Popen(
        [*ZORKA, "console", "--link-port", str(port), "--keys", str(forged), "--timeout", "20"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put((time.monotonic(), line)) for line in console.stdout], daemon=True
    ).start()
    try:
        while "commands; type help" not in lines.get(timeout=60)[1]:
            pass
        sent_at = time.monotonic()
        console.stdin.write("ping\n")
        console.stdin.flush()
        while True:
            at, line = lines.get(timeout=10)
            assert "no completion" not in line and ": completed" not in line
            if "authentication refused" in line:
                break
        assert at - sent_at < 5.0
        assert "bad MAC" in line and "check --keys" in line
    finally:
        console.stdin.close()
        console.wait(timeout=20)
