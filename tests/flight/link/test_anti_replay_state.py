"""The onboard anti-replay state against damage to its storage: through the real Uplink, with frames
recorded as bytes, every way the two copies can be lost (deleted, empty, truncated, garbage, a valid CRC
around out-of-range fields, a directory, a symlink loop that cannot be opened even by root, a FIFO with no
writer) leaves the link refusing authenticated TCs by name, with an event naming the file, until the
master key's re-sync; a captured frame never executes twice, and ARSNs never go back to zero."""

import json
import os
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccsds.sdls import SdlsSender, SecurityAssociation
from ccsds.sdls_management import SaPdu, SaProcedure, decode_pdus, encode_pdu
from ccsds.tc_frame import TcFrame
from flight.events import EventLog
from flight.link.link_security_state import traffic_validator
from flight.link.state_copies import parse_copy
from flight.link.uplink import MASTER_LOST, SA_PROCEDURES_DONE, STATE_LOST, Uplink
from ground.arsn_resync import resync_frame
from ground.key_store import KeyStore

SCID, VCID = 0x2A5, 0
PING = bytes.fromhex("1864c0000006") + bytes([0x2F, 17, 1, 0, 0, 0, 0])  # a PUS-C TC(17,1) space packet


class Bench:
    """A ground key file and an onboard uplink built from it, restartable over the same state folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.keys = KeyStore(folder / "keys.json")
        self.restart()

    def restart(self, may_provision: bool = True) -> Uplink:
        self.delivered: list[bytes] = []
        self.events = EventLog()
        sa = self.keys.association()
        sa.arsn_window = 256
        self.uplink = Uplink(
            SCID,
            VCID,
            self.delivered.append,
            {sa.spi: sa},
            self.folder / "link_state.json",
            master=self.keys.master_association(),
            events=self.events,
            may_provision=may_provision,
        )
        return self.uplink

    def frame(self) -> bytes:
        """A new authenticated Type-BD frame carrying a ping, with the next ARSN of the key file."""
        plain = TcFrame(SCID, VCID, 0, PING, bypass=True, segment_header=0xC0).pack()
        sa = SecurityAssociation(self.keys.spi, self.keys.key, arsn=self.keys.reserve_arsn())
        return SdlsSender(sa, segment_header=True).apply(plain)

    def executes(self, raw: bytes) -> bool:
        before = len(self.delivered)
        self.uplink.receive(raw)
        return len(self.delivered) > before

    def resync(self) -> bytes:
        raw, _ = resync_frame(self.keys, SCID, VCID, segment_header=True)
        self.uplink.receive(raw)
        return raw


def _out_of_range(path: Path) -> None:
    body = {"generation": 7, "vr": 300, "sas": {"1": {"arsn": 5, "state": "operational"}}}
    crc = zlib.crc32(json.dumps(body, sort_keys=True).encode())
    path.write_text(json.dumps({**body, "crc32": crc}, sort_keys=True))


DAMAGE = {
    "deleted": lambda p: p.unlink(),
    "empty": lambda p: p.write_bytes(b""),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "garbage": lambda p: p.write_bytes(bytes(range(7, 250, 3))),
    "valid_crc_out_of_range": _out_of_range,
    "directory": lambda p: (p.unlink(), p.mkdir()),
    "symlink_loop_unreadable": lambda p: (p.unlink(), os.symlink(p.name, p)),
    "fifo_without_writer": lambda p: (p.unlink(), os.mkfifo(p)),
}


def _copies(folder: Path) -> list[Path]:
    return [folder / "link_state.a.json", folder / "link_state.b.json"]


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("copies_damaged", [1, 2])
def test_damaged_state_refuses_until_resync_and_a_captured_frame_never_runs_twice(
    tmp_path, damage, copies_damaged
):
    bench = Bench(tmp_path)
    captured = [bench.frame() for _ in range(3)]
    assert all(bench.executes(raw) for raw in captured)
    for copy in _copies(tmp_path)[:copies_damaged]:
        DAMAGE[damage](copy)

    uplink = bench.restart()
    (event,) = bench.events.named("link_state_lost")
    assert "link_state.a.json" in event.text
    assert not any(bench.executes(raw) for raw in captured)
    assert not bench.executes(bench.frame())  # not even a fresh one: the ARSN is not proven
    assert uplink.counts[STATE_LOST] == 4

    bench.resync()
    assert uplink.counts[SA_PROCEDURES_DONE] == 1, uplink.counts
    assert [e.text for e in bench.events.named("link_sa_resynchronised")][-1].startswith("SA 1: start_sa")
    assert not any(bench.executes(raw) for raw in captured)
    assert bench.executes(bench.frame())

    bench.restart()  # the re-synchronised state is written to both copies: proven at the next start
    assert not bench.events.named("link_state_lost")
    assert not any(bench.executes(raw) for raw in captured)
    assert bench.executes(bench.frame())


def test_a_first_boot_provisions_and_a_restart_keeps_the_arsn(tmp_path):
    bench = Bench(tmp_path)
    first = bench.frame()
    assert bench.executes(first) and not bench.events.named("link_state_lost")
    bench.restart()
    assert not bench.executes(first) and bench.uplink.counts["arsn_outside_window"] == 1
    assert bench.executes(bench.frame())


def test_a_resync_frame_is_itself_anti_replayed_across_restarts(tmp_path):
    bench = Bench(tmp_path)
    bench.executes(bench.frame())
    recorded = bench.resync()
    bench.uplink.receive(recorded)
    assert bench.uplink.counts["arsn_outside_window"] == 1
    bench.restart()
    bench.uplink.receive(recorded)
    assert bench.uplink.counts["arsn_outside_window"] == 1 and not bench.events.named(
        "link_sa_resynchronised"
    )


def test_when_the_master_state_is_lost_too_nothing_over_the_link_reopens_it(tmp_path):
    bench = Bench(tmp_path)
    captured = bench.frame()
    bench.executes(captured)
    for copy in [*_copies(tmp_path), tmp_path / "link_master.a.json", tmp_path / "link_master.b.json"][:3]:
        copy.unlink()
    bench.restart()
    assert bench.events.named("link_state_lost") and bench.events.named("link_master_state_lost")
    bench.resync()
    assert bench.uplink.counts[MASTER_LOST] == 1
    assert not bench.executes(captured) and not bench.executes(bench.frame())


def test_every_link_state_file_deleted_is_no_first_boot_when_the_spacecraft_has_started_before(tmp_path):
    """Deleting all four files leaves no trace; a caller that knows this is not the first start (serve: the
    run folder held files) refuses as for any lost state, and a captured frame does not run again."""
    bench = Bench(tmp_path)
    captured = bench.frame()
    assert bench.executes(captured)
    for copy in tmp_path.glob("link_*.json"):
        copy.unlink()
    bench.restart(may_provision=False)
    assert bench.events.named("link_state_lost") and bench.events.named("link_master_state_lost")
    assert not bench.executes(captured) and not bench.executes(bench.frame())


def test_a_drift_past_the_window_is_recovered_by_a_resync(tmp_path):
    bench = Bench(tmp_path)
    for _ in range(300):  # reserved, never delivered
        bench.keys.reserve_arsn()
    assert not bench.executes(bench.frame())
    bench.resync()
    assert bench.executes(bench.frame())


@given(st.binary(max_size=400))
def test_a_state_copy_parser_refuses_arbitrary_bytes_without_raising(raw):
    body, problem = parse_copy(raw, traffic_validator({1: 1 << 32}))
    assert (body is None) == bool(problem)


@given(st.binary(max_size=64))
def test_the_sa_pdu_parser_never_raises_and_what_it_takes_re_encodes_exactly(raw):
    pdus = decode_pdus(raw)
    if pdus is not None:
        assert b"".join(encode_pdu(pdu) for pdu in pdus) == raw


@given(st.sampled_from(list(SaProcedure)), st.integers(0, 0xFFFF), st.integers(0, (1 << 32) - 1))
def test_sa_pdus_round_trip(procedure, spi, arsn):
    pdu = SaPdu(procedure, spi, arsn if procedure == SaProcedure.SET_ARSN else 0)
    assert decode_pdus(encode_pdu(pdu)) == [pdu]


def test_the_pdu_tags_are_the_standards():
    """CCSDS 355.1-B / CryptoLib: SA-management group 01, Start SA 1011, Stop SA 1110, Set ARSN 1010."""
    assert [encode_pdu(SaPdu(p, 1, 2))[0] for p in SaProcedure] == [0x1A, 0x1B, 0x1E]
    assert encode_pdu(SaPdu(SaProcedure.SET_ARSN, 1, 2))[1:3] == (48).to_bytes(2, "big")  # length in bits


@settings(max_examples=300)
@given(st.binary(max_size=120))
def test_the_uplink_with_a_master_key_takes_arbitrary_bytes_without_raising(tmp_path_factory, raw):
    bench = Bench(tmp_path_factory.mktemp("u"))
    head = bytes([0x22, 0xA5, 0x00, 0x00, 0x00, 0xC0, 0xFF, 0x00])  # master SPI after the headers
    bench.uplink.receive(raw)
    bench.uplink.receive(head + raw)
    assert not bench.delivered


def test_refused_frames_raise_link_frame_refused_at_most_every_2_s_counting_those_between(tmp_path):
    bench = Bench(tmp_path)
    clock = [100.0]
    bench.uplink._now_s = lambda: clock[0]
    forged = SecurityAssociation(bench.keys.spi, bytes(32), arsn=bench.keys.reserve_arsn())
    plain = TcFrame(SCID, VCID, 0, PING, bypass=True, segment_header=0xC0).pack()
    for t_s in (100.0, 100.5, 101.9, 102.0):
        clock[0] = t_s
        assert not bench.executes(SdlsSender(forged, segment_header=True).apply(plain))
    for _ in range(300):  # a drift past the onboard window: the right key, an ARSN it no longer takes
        bench.keys.reserve_arsn()
    clock[0] = 104.5
    assert not bench.executes(bench.frame())
    refused = [(e.t_s, e.text) for e in bench.events.named("link_frame_refused")]
    assert refused == [
        (100.0, "TC frame refused: bad_mac (SPI 1); 1 refused since the last report"),
        (102.0, "TC frame refused: bad_mac (SPI 1); 3 refused since the last report"),
        (104.5, "TC frame refused: arsn_outside_window (SPI 1); 1 refused since the last report"),
    ]
    assert bench.uplink.counts["bad_mac"] == 4
