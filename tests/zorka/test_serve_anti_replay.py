"""End to end through real `zorka serve` processes on 127.0.0.1: a captured authenticated frame (its
bytes) runs once; with the link state deleted between two runs it is refused after the restart, the
refusal is counted by name and announced by an event, `zorka resync` re-opens the link by the master
key, and the captured frame still never runs a second time."""

import json
import socket
import subprocess
import time
from pathlib import Path

from spacepackets.ecss import PusTc

from ccsds.sdls import SdlsSender, SecurityAssociation
from ccsds.tc_frame import TcFrame
from flight.link.link_parameters import SCID, TC_VCID
from flight.software import APID
from ground.key_store import KeyStore
from tests.zorka.serve_process import ZORKA, zorka_serve

SETTLE_S = 1.5


def _ping_frame(keys: KeyStore) -> bytes:
    ping = PusTc(apid=APID, service=17, message_subtype=1, seq_count=1).pack()
    plain = TcFrame(SCID, TC_VCID, 0, ping, bypass=True, segment_header=0xC0).pack()
    return SdlsSender(SecurityAssociation(keys.spi, keys.key, arsn=keys.reserve_arsn()), True).apply(plain)


def _send(port: int, *frames: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5.0) as connection:
        for frame in frames:
            connection.sendall(frame)
        time.sleep(SETTLE_S)  # a few control frames: the server polls its link between them


def _uplink(run: str) -> dict:
    return json.loads((Path(run) / "summary.json").read_text())["link"]["uplink"]


def test_a_deleted_link_state_refuses_the_captured_frame_until_zorka_resync(tmp_path):
    key_file, run = tmp_path / "keys.json", str(tmp_path / "run")
    serve = ("--link-port", "0", "--keys", str(key_file), "--out", run, "--duration", "60s")
    with zorka_serve(*serve) as served:
        keys = KeyStore(key_file)
        captured = _ping_frame(keys)
        _send(served.port, captured)
    assert _uplink(run)["packets_delivered"] == 1

    for copy in ("link_state.a.json", "link_state.b.json"):
        (tmp_path / "run" / copy).unlink()
    with zorka_serve(*serve) as served:
        _send(served.port, captured)
        resync = subprocess.run(
            [*ZORKA, "resync", "--link-port", str(served.port), "--keys", str(key_file), "--timeout", "20"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert resync.returncode == 0, resync.stderr
        assert f"SA {keys.spi} re-synchronised" in resync.stdout
        _send(served.port, captured, _ping_frame(keys))
    uplink = _uplink(run)
    assert uplink["refused_link_state_lost"] == 1
    assert uplink["sa_procedures_done"] == 1
    assert uplink["arsn_outside_window"] == 1
    assert uplink["packets_delivered"] == 1  # the fresh frame only
    assert "Traceback" not in served.stderr


def test_every_link_state_file_deleted_in_a_used_folder_is_no_first_boot(tmp_path):
    """With all four link-state files gone but the run folder otherwise kept (keys inside it: they do not
    count), serve does not provision afresh: the captured frame is refused, both losses announced."""
    key_file, run = tmp_path / "run" / "keys.json", str(tmp_path / "run")
    serve = ("--link-port", "0", "--keys", str(key_file), "--out", run, "--duration", "60s")
    with zorka_serve(*serve) as served:
        captured = _ping_frame(KeyStore(key_file))
        _send(served.port, captured)
    assert _uplink(run)["packets_delivered"] == 1
    for copy in (tmp_path / "run").glob("link_*.json"):
        copy.unlink()
    with zorka_serve(*serve) as served:
        _send(served.port, captured)
    uplink = _uplink(run)
    assert uplink["refused_link_state_lost"] == 1 and uplink.get("packets_delivered", 0) == 0
    assert "Traceback" not in served.stderr


def test_resync_command_line_mistakes_are_one_line(tmp_path):
    KeyStore(tmp_path / "keys.json")
    cases = [
        (["--link-port", "0"], 2, "--link-port: 0 is not a TCP port"),
        (["--link-port", "1", "--timeout", "-1"], 2, "--timeout: -1 is not"),
        (["--link-port", "1", "--keys", str(tmp_path / "none.json")], 2, "no key file"),
        (["--link-port", "1", "--keys", str(tmp_path / "keys.json")], 1, "cannot connect to 127.0.0.1:1"),
    ]
    for arguments, status, said in cases:
        result = subprocess.run([*ZORKA, "resync", *arguments], capture_output=True, text=True, timeout=60)
        assert result.returncode == status and said in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
