"""`zorka ground` outlives its link: a packet port on real TCP (played here by a listening socket sending
PUS housekeeping built independently) goes away after each half of a stream, as a restarted `zorka serve`
would; the ground shows the link down, connects again by itself once the port is back, and the archive
ends up with every report of both connections."""

import json
import socket
import time
import urllib.request
from contextlib import closing

from ground.tm_store import open_readonly, samples
from tests.ground.test_tm_store import REPORTS, housekeeping_packets
from tests.ground.web_ground_process import zorka_ground

WAIT_S = 15.0


def state(url: str) -> dict:
    with urllib.request.urlopen(url + "api/state", timeout=10) as response:
        return json.loads(response.read())


def wait_for(check, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_the_ground_reconnects_after_the_link_breaks_and_archives_both_connections(tmp_path, dictionary):
    packets, expected = housekeeping_packets(dictionary)
    (tmp_path / "dictionary.json").write_text(json.dumps(dictionary))
    archive = tmp_path / "archive.sqlite"
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    arguments = ("--packet-port", str(port), "--archive", str(archive), "--http", "0")
    with zorka_ground(*arguments, "--dict", str(tmp_path / "dictionary.json")) as url:
        for half in (slice(0, REPORTS // 2), slice(REPORTS // 2, REPORTS)):
            with socket.create_server(("127.0.0.1", port)) as listener:  # the spacecraft (re)started
                listener.settimeout(WAIT_S)
                connection, _ = listener.accept()
                with connection:
                    connection.sendall(b"".join(packets[half]))
                    last_t_s = expected[half][-1][1]["t_s"]
                    wait_for(lambda t=last_t_s: state(url)["housekeeping"].get("t_s") == t, "no housekeeping")
                    assert state(url)["link"]["up"]
            wait_for(lambda: not state(url)["link"]["up"], "the closed link still shown up")
    with closing(open_readonly(archive)) as db:
        kept = samples(db, "t_s", float("-inf"), float("inf"))
    assert [(s.onboard_unix_s, s.value) for s in kept] == [(t, values["t_s"]) for t, values in expected]
