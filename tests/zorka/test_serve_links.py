"""`zorka serve` in its own process: the authenticated frame link on 127.0.0.1 carries a PUS ping up
under SDLS and COP-1 and its reply down in TM frames; frames with a wrong key are refused and counted; the
COBS-framed packet line on a pty opened with pyserial answers a ping as tmtccmd would send it."""

import json
import subprocess
import time

import serial
from spacepackets.ecss import PusTc, PusTm

from ccsds.cobs_packets import CobsPacketSplitter, encode_cobs_packet
from ccsds.sdls import SdlsSender, SecurityAssociation
from flight.link.link_parameters import SCID, TC_VCID, TM_FRAME_BYTES
from flight.software import APID
from ground.key_store import KeyStore
from ground.link import GroundLink
from ground.link_client import LinkClient
from tests.zorka.serve_process import ZORKA, zorka_serve

DURATION = ("--duration", "30s")
SERVE = [*ZORKA, "serve", *DURATION]


def _kinds(packets: list[bytes]) -> set[tuple[int, int]]:
    tms = [PusTm.unpack(raw, timestamp_len=7) for raw in packets]
    return {(tm.service, tm.message_subtype) for tm in tms}


def _client(port: int, keys: KeyStore) -> LinkClient:
    sender = SdlsSender(SecurityAssociation(keys.spi, keys.key), segment_header=True)
    link = GroundLink(SCID, TC_VCID, TM_FRAME_BYTES, sender, reserve_arsn=keys.reserve_arsn)
    return LinkClient(port, link)


def test_the_link_port_carries_an_authenticated_ping_and_refuses_a_wrong_key(tmp_path):
    key_file = tmp_path / "keys.json"
    arguments = ("--link-port", "0", "--keys", str(key_file), "--out", str(tmp_path / "run"), *DURATION)
    with zorka_serve(*arguments) as served:
        port = served.port
        keys = KeyStore(key_file)
        client = _client(port, keys)
        assert client.wait_active(10.0), "no CLCW came down"
        client.send(PusTc(apid=APID, service=17, message_subtype=1, seq_count=1).pack())
        seen, deadline = set(), time.monotonic() + 10.0
        while (17, 2) not in seen:
            assert time.monotonic() < deadline, f"no ping reply over the link; saw {seen}"
            seen |= _kinds(client.receive(0.5))
        assert client.link.outstanding == 0 or client.link.fop.counters.acknowledged >= 1
        forger = SdlsSender(SecurityAssociation(keys.spi, bytes(32), arsn=keys.reserve_arsn()), True)
        forged = GroundLink(SCID, TC_VCID, TM_FRAME_BYTES, forger)
        forged_client = LinkClient(port, forged)
        forged_client.wait_active(10.0)
        forged_client.send(PusTc(apid=APID, service=17, message_subtype=1, seq_count=2).pack())
        forged_client.receive(1.0)
        client.close()
        forged_client.close()
    assert "WARNING" not in served.stderr
    uplink = json.loads((tmp_path / "run" / "summary.json").read_text())["link"]["uplink"]
    assert uplink["packets_delivered"] == 1
    assert uplink["bad_mac"] >= 1
    assert json.loads(key_file.read_text())["next_arsn"] > 2


def test_the_serial_line_answers_a_cobs_framed_ping_on_a_pty(tmp_path):
    with zorka_serve("--serial", "pty", "--insecure", "--out", str(tmp_path), *DURATION) as served:
        path = served.line.split(" on ")[1].strip()
        with serial.Serial(path, timeout=0.2) as port:
            port.write(encode_cobs_packet(PusTc(apid=APID, service=17, message_subtype=1).pack()))
            splitter, seen, deadline = CobsPacketSplitter(), set(), time.monotonic() + 10.0
            while (17, 2) not in seen:
                assert time.monotonic() < deadline, f"no ping reply on the serial line; saw {seen}"
                seen |= _kinds(splitter.feed(port.read(4096)))
    assert "WARNING: --insecure" in served.stderr


def test_serve_refuses_a_scenario_with_a_simulated_radio(tmp_path):
    scenario = tmp_path / "radio.toml"
    scenario.write_text(
        '[[ground_stations]]\nname = "Svalbard"\nlat_deg = 78.23\nlon_deg = 15.39\n\n[link]\n'
    )
    done = subprocess.run(
        [
            *SERVE,
            str(scenario),
            "--link-port",
            "0",
            "--keys",
            str(tmp_path / "k.json"),
            "--out",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "remove [link]" in done.stderr and "Traceback" not in done.stderr


def test_serve_refuses_unauthenticated_links_without_insecure_and_needs_a_link():
    for arguments, expected in (
        (["--serial", "pty"], "--serial carries unauthenticated telecommands: add --insecure"),
        ([], "give at least one link"),
        (["--link-port", "70000"], "--link-port: 70000 is not a TCP port"),
    ):
        done = subprocess.run([*SERVE, *arguments], capture_output=True, text=True, timeout=30)
        assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr
