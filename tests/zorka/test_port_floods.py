"""Connection floods and junk floods against a real `zorka serve` on both TCP ports (--link-port and
--packet-port --insecure): thousands of idle connections and clients blasting junk, while a legitimate
ground client pings through the authenticated link. The server lives, every ping is answered within 1 s,
no control frame starts late, a ground that connects late to the full port takes the place of an idle
connection and is answered, and the ports' counters (summary and housekeeping) show what was refused,
idle-closed and thrown away."""

import json
import random
import resource
import socket
import subprocess
import sys
import threading
import time

import pytest
from spacepackets.ecss import PusTc, PusTm

from ccsds.packet_stream import PacketSplitter
from ccsds.sdls import SdlsSender, SecurityAssociation
from flight.link.link_parameters import SCID, TC_VCID, TM_FRAME_BYTES
from flight.link.port_counters import PORTS_SID
from flight.software import APID
from ground.key_store import KeyStore
from ground.link import GroundLink
from ground.link_client import LinkClient
from ground.telemetry import HousekeepingReport, TelemetryDecoder
from zorka.outputs.dictionary_json import dictionary_json
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario

PING_EVERY_S = 0.5
ANSWER_WITHIN_S = 1.0
IDLE_TIMEOUT_S = 3.0
MAX_CLIENTS = 32


def _junk(seed: int) -> bytes:
    """64 KiB no frame or packet can start in, then 64 KiB of random bytes (seeded)."""
    return b"\xff" * 65536 + random.Random(seed).randbytes(65536)


def _flood(port: int, seed: int, stop: threading.Event) -> None:
    junk = _junk(seed)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            while not stop.is_set():
                try:
                    sock.sendall(junk)
                except TimeoutError:
                    continue
    except OSError:  # refused or closed by the server: counted there
        return


def _idle(ports: list[int], count: int, held: list[socket.socket]) -> None:
    """`count` connections that never send, spread over `ports`, held open until the test ends."""
    for k in range(count):
        try:
            held.append(socket.create_connection(("127.0.0.1", ports[k % len(ports)]), timeout=5.0))
        except OSError:
            return


def _pong(raw: bytes) -> bool:
    try:
        tm = PusTm.unpack(raw, timestamp_len=7)
    except ValueError:
        return False
    return (tm.service, tm.message_subtype) == (17, 2)


def _late_ping(port: int) -> float | None:
    """A ground that connects to the full packet port once the idle connections have been silent past the
    idle timeout takes one's place: its ping's answer time, or None."""
    splitter = PacketSplitter()
    with socket.create_connection(("127.0.0.1", port), timeout=0.1) as sock:
        sent_s = time.monotonic()
        sock.sendall(PusTc(apid=APID, service=17, message_subtype=1, seq_count=9999).pack())
        while time.monotonic() < sent_s + 5.0:
            try:
                data = sock.recv(65536)
            except TimeoutError:
                continue
            if not data:
                return None
            if any(_pong(raw) for raw in splitter.feed(data)):
                return time.monotonic() - sent_s
    return None


def _flood_serve(tmp_path, flood_s: float, idle_connections: int, flooders_per_port: int) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < idle_connections + 1000:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, idle_connections + 4000), hard))
    key_file, run = tmp_path / "keys.json", tmp_path / "run"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "zorka", "serve", "--insecure", "--keys", str(key_file)),
            *("--link-port", "0", "--packet-port", "0", "--max-clients", str(MAX_CLIENTS)),
            *(
                "--idle-timeout",
                f"{IDLE_TIMEOUT_S:g}s",
                "--duration",
                f"{flood_s + 10:g}s",
                "--out",
                str(run),
            ),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stop, held, answers_s, overruns_seen = threading.Event(), [], [], []
    try:
        lines = [process.stdout.readline(), process.stdout.readline()]
        assert "authenticated link on 127.0.0.1:" in lines[0], process.stderr.read()
        link_port, packet_port = (int(line.split("127.0.0.1:")[1].split(",")[0]) for line in lines)
        keys = KeyStore(key_file)
        sender = SdlsSender(SecurityAssociation(keys.spi, keys.key), segment_header=True)
        client = LinkClient(link_port, GroundLink(SCID, TC_VCID, TM_FRAME_BYTES, sender, keys.reserve_arsn))
        assert client.wait_active(10.0)
        decoder = TelemetryDecoder(json.loads(dictionary_json(Mission(Scenario(), 1.0).flight.dictionary)))
        enable = PusTc(apid=APID, service=3, message_subtype=5, app_data=bytes([1, 0, PORTS_SID]))
        client.send(enable.pack())
        threads = [
            threading.Thread(target=_flood, args=(port, 100 * k + i, stop), daemon=True)
            for k, port in enumerate((link_port, packet_port))
            for i in range(flooders_per_port)
        ]
        threads.append(
            threading.Thread(
                target=_idle, args=([link_port, packet_port], idle_connections, held), daemon=True
            )
        )
        for thread in threads:
            thread.start()
        ports_hk, end, seq = {}, time.monotonic() + flood_s, 0
        while time.monotonic() < end:
            seq += 1
            sent_s = time.monotonic()
            client.send(PusTc(apid=APID, service=17, message_subtype=1, seq_count=seq).pack())
            answered_s = None
            while time.monotonic() < sent_s + PING_EVERY_S or answered_s is None:
                for raw in client.receive(0.05):
                    if _pong(raw) and answered_s is None:
                        answered_s = time.monotonic() - sent_s
                    record = decoder.decode(raw)
                    if isinstance(record, HousekeepingReport):
                        if "overruns" in record.values:
                            overruns_seen.append(record.values["overruns"])
                        if record.sid == PORTS_SID:
                            ports_hk = record.values
                if answered_s is None and time.monotonic() > sent_s + 5.0:
                    break
            answers_s.append(answered_s)
        late_answered_s = _late_ping(packet_port)
        stop.set()
        client.close()
        assert process.poll() is None, "the server died under the flood"
    finally:
        stop.set()
        process.terminate()
        process.wait(timeout=30)
        for sock in held:
            sock.close()
    summary = json.loads((run / "summary.json").read_text())
    answered = [a for a in answers_s if a is not None]
    realtime = summary["realtime"]
    print(
        f"pings {len(answers_s)}, answered {len(answered)}, slowest {max(answered):.3f} s; "
        f"overruns {summary['control']['overruns']}; realtime {realtime}; ports {summary['ports']}"
    )
    assert answers_s and len(answered) == len(answers_s) and max(answered) < ANSWER_WITHIN_S, answers_s
    assert late_answered_s is not None and late_answered_s < ANSWER_WITHIN_S, late_answered_s
    assert summary["control"]["overruns"] == 0
    assert len(overruns_seen) > flood_s / 2 and set(overruns_seen) == {0}, overruns_seen
    return {"summary": summary, "ports_hk": ports_hk}


def _check_counters(figures: dict, idle_connections: int) -> None:
    ports = figures["summary"]["ports"]
    link, packets = ports["link_port"], ports["packet_port"]
    assert link["refused"] + packets["refused"] + link["fd_exhausted"] + packets["fd_exhausted"] > 0
    assert link["idle_closed"] + packets["idle_closed"] > 0
    assert link["bytes_discarded"] > 65536 and packets["bytes_discarded"] > 65536
    assert link["accepted"] + packets["accepted"] + link["refused"] + packets["refused"] >= idle_connections
    hk = figures["ports_hk"]
    assert hk["link_port_refused"] + hk["packet_port_refused"] > 0 and hk["link_port_bytes_discarded"] > 0


def test_ten_seconds_of_idle_connections_and_junk_on_both_ports(tmp_path):
    _check_counters(_flood_serve(tmp_path, 10.0, 300, 5), 300)


@pytest.mark.slow
def test_a_minute_of_2000_idle_connections_and_20_junk_flooders_per_port(tmp_path):
    _check_counters(_flood_serve(tmp_path, 60.0, 2000, 20), 2000)
