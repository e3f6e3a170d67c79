"""`zorka serve --packet-port N --insecure` in its own process answers a PUS ping (17,1) from a separate
client process on 127.0.0.1, and streams housekeeping; without --insecure it refuses to start."""

import socket
import subprocess
import sys
import time

from spacepackets.ecss import PusTc, PusTm

from ccsds.packet_stream import PacketSplitter
from flight.software import APID
from tests.zorka.serve_process import zorka_serve

SERVE = ("--packet-port", "0", "--insecure", "--duration", "30s")


def test_the_packet_port_answers_a_ping_from_another_process(tmp_path):
    with zorka_serve(*SERVE, "--out", str(tmp_path)) as served:
        assert "space packets on 127.0.0.1:" in served.line
        port = served.port
        ping = PusTc(apid=APID, service=17, message_subtype=1, seq_count=77)
        with socket.create_connection(("127.0.0.1", port), timeout=10.0) as client:
            client.sendall(ping.pack())
            splitter, kinds, deadline = PacketSplitter(), set(), time.monotonic() + 10.0
            while (17, 2) not in kinds or (3, 25) not in kinds:
                assert time.monotonic() < deadline, f"no ping reply; saw {kinds}"
                for raw in splitter.feed(client.recv(65536)):
                    tm = PusTm.unpack(raw, timestamp_len=7)
                    kinds.add((tm.service, tm.message_subtype))
    assert "WARNING" in served.stderr
    assert (tmp_path / "tm.bin").stat().st_size > 0


def test_without_insecure_the_packet_port_is_refused():
    result = subprocess.run(
        [sys.executable, "-m", "zorka", "serve", "--packet-port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "--insecure" in result.stderr and result.stderr.count("\n") == 1
