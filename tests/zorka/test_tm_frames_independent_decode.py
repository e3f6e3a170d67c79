"""The TM frames a run's ground received (tm_frames.bin), decoded by a decoder written here from the
standards — CCSDS 132.0-B-3 (TM transfer frame: primary header, first header pointer, OCF flag, CRC-16
FECF) and CCSDS 133.0-B-2 (space packet primary header) — not by ccsds/tm_frame.py, and every packet then
parsed by spacepackets (`PusTm.unpack`), an independent library. The packets found must be exactly those
the project's ground decoded (tm_ground.bin), in order, with and without frame loss; without loss they
are a contiguous run of each APID's sequence counts from the start of the run.

The run: the default spacecraft with Svalbard, 1,500 s, which holds the first pass (1,127-1,421 s): TM
of the first 19 minutes is stored and played back in the pass, real-time TM goes down during it.
"""

import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from spacepackets.ecss import PusTm

from flight.link.link_parameters import SCID, TM_FRAME_BYTES
from zorka.run.mission import Mission
from zorka.scenario.model import CommandSpec, LinkSpec, Scenario, StationSpec

RUN_S = 1500.0
CDS_SHORT_BYTES = 7

# CCSDS 132.0-B-3
TM_PRIMARY_HEADER_BYTES = 6
OCF_BYTES = 4
FECF_BYTES = 2
FHP_NO_PACKET_START = 0b111_1111_1111
FHP_ONLY_IDLE_DATA = 0b111_1111_1110
COUNT_MODULUS = 256
# CCSDS 133.0-B-2
PACKET_HEADER_BYTES = 6
IDLE_APID = 0b111_1111_1111


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16 of 132.0-B-3 section 4.1.6: polynomial x^16 + x^12 + x^5 + 1, preset to all ones."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


@dataclass
class Frame:
    version: int
    scid: int
    vcid: int
    ocf_flag: bool
    mc_count: int
    vc_count: int
    secondary_header: bool
    synchronised: bool
    packet_order: bool
    segment_length_id: int
    first_header_pointer: int
    data: bytes
    ocf: bytes | None
    crc_ok: bool


def parse_frame(raw: bytes) -> Frame:
    word0 = int.from_bytes(raw[0:2], "big")
    status = int.from_bytes(raw[4:6], "big")
    ocf_flag = bool(word0 & 1)
    data_end = len(raw) - FECF_BYTES - (OCF_BYTES if ocf_flag else 0)
    fecf = int.from_bytes(raw[-FECF_BYTES:], "big")
    return Frame(
        version=word0 >> 14,
        scid=(word0 >> 4) & 0x3FF,
        vcid=(word0 >> 1) & 0b111,
        ocf_flag=ocf_flag,
        mc_count=raw[2],
        vc_count=raw[3],
        secondary_header=bool(status >> 15),
        synchronised=bool((status >> 14) & 1),
        packet_order=bool((status >> 13) & 1),
        segment_length_id=(status >> 11) & 0b11,
        first_header_pointer=status & 0x7FF,
        data=raw[TM_PRIMARY_HEADER_BYTES:data_end],
        ocf=raw[data_end : len(raw) - FECF_BYTES] if ocf_flag else None,
        crc_ok=crc16_ccitt_false(raw[:-FECF_BYTES]) == fecf,
    )


def packet_length(header: bytes) -> int:
    """Total octets of a space packet: the data length field is one less than the data field's octets."""
    return PACKET_HEADER_BYTES + int.from_bytes(header[4:6], "big") + 1


class ChannelAssembler:
    """Packets of one virtual channel: a packet is taken from its first header pointer on; a gap in the
    virtual channel frame count drops the partial packet, and assembly waits for the next pointer."""

    def __init__(self) -> None:
        self.buffer = b""
        self.synced = False
        self.expected_count: int | None = None
        self.gaps = 0

    def feed(self, frame: Frame) -> list[bytes]:
        if self.expected_count is not None and frame.vc_count != self.expected_count:
            self.gaps += 1
            self.buffer, self.synced = b"", False
        self.expected_count = (frame.vc_count + 1) % COUNT_MODULUS
        fhp = frame.first_header_pointer
        if fhp == FHP_NO_PACKET_START:
            if not self.synced:
                return []
            self.buffer += frame.data
            return self._packets()
        packets = []
        if self.synced:
            self.buffer += frame.data[:fhp]
            packets = self._packets()
            assert self.buffer == b"", "the first header pointer does not follow the packet before it"
        self.buffer, self.synced = frame.data[fhp:], True
        return packets + self._packets()

    def _packets(self) -> list[bytes]:
        found = []
        while len(self.buffer) >= PACKET_HEADER_BYTES:
            assert self.buffer[0] >> 5 == 0, "space packet version is not 0"
            length = packet_length(self.buffer)
            if len(self.buffer) < length:
                break
            packet, self.buffer = self.buffer[:length], self.buffer[length:]
            if int.from_bytes(packet[0:2], "big") & 0x7FF != IDLE_APID:
                found.append(packet)
        return found


def decode_frames(stream: bytes) -> tuple[list[Frame], list[tuple[int, bytes]]]:
    """Every frame of a concatenated fixed-length frame file, and the (VCID, packet) pairs in it."""
    assert len(stream) % TM_FRAME_BYTES == 0, "the file ends inside a frame"
    frames, packets = [], []
    channels: dict[int, ChannelAssembler] = {}
    for offset in range(0, len(stream), TM_FRAME_BYTES):
        frame = parse_frame(stream[offset : offset + TM_FRAME_BYTES])
        frames.append(frame)
        if frame.first_header_pointer == FHP_ONLY_IDLE_DATA:
            continue
        assembler = channels.setdefault(frame.vcid, ChannelAssembler())
        packets += [(frame.vcid, packet) for packet in assembler.feed(frame)]
    return frames, packets


def split_packets(stream: bytes) -> list[bytes]:
    found, offset = [], 0
    while offset < len(stream):
        length = packet_length(stream[offset : offset + PACKET_HEADER_BYTES])
        found.append(stream[offset : offset + length])
        offset += length
    assert offset == len(stream), "the stream ends inside a packet"
    return found


def run(out_dir: Path, link: LinkSpec, seed: int = 1) -> tuple[Mission, dict]:
    scenario = Scenario(seed=seed, ground_stations=(StationSpec(),), link=link)
    mission = Mission(scenario, RUN_S, out_dir=out_dir)
    summary = mission.run()
    mission.close()
    return mission, summary


@pytest.fixture(scope="module")
def lossless(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("lossless")
    mission, summary = run(out_dir, LinkSpec())
    frames, packets = decode_frames((out_dir / "tm_frames.bin").read_bytes())
    return mission, summary, out_dir, frames, packets


def test_the_run_holds_one_pass_and_sends_only_in_it(lossless):
    mission, summary, *_ = lossless
    first = mission.passes[0]
    assert 0.0 < first.aos_s < first.los_s < RUN_S < mission.passes[1].aos_s
    assert summary["link"]["downlink"]["frames_received"] > 100


def test_every_frame_has_a_valid_header_ocf_and_crc(lossless):
    *_, frames, _ = lossless
    assert all(f.crc_ok for f in frames)
    assert {f.version for f in frames} == {0}
    assert {f.scid for f in frames} == {SCID}
    assert all(f.ocf_flag and f.ocf[0] >> 7 == 0 for f in frames), "every OCF holds a CLCW (type 0)"
    assert not any(f.secondary_header or f.synchronised or f.packet_order for f in frames)
    assert {f.segment_length_id for f in frames} == {0b11}
    data_bytes = TM_FRAME_BYTES - TM_PRIMARY_HEADER_BYTES - OCF_BYTES - FECF_BYTES
    assert all(
        f.first_header_pointer < data_bytes or f.first_header_pointer >= FHP_ONLY_IDLE_DATA for f in frames
    )


def test_no_frame_is_missing_without_loss(lossless):
    *_, frames, _ = lossless
    mc = [f.mc_count for f in frames]
    assert all((b - a) % COUNT_MODULUS == 1 for a, b in itertools.pairwise(mc))
    for vcid in {f.vcid for f in frames}:
        vc = [f.vc_count for f in frames if f.vcid == vcid]
        assert vc[0] == 0 and all((b - a) % COUNT_MODULUS == 1 for a, b in itertools.pairwise(vc))


def test_every_packet_decodes_and_the_channels_carry_what_they_should(lossless):
    *_, packets = lossless
    by_vc: dict[int, Counter] = {}
    for vcid, raw in packets:
        tm = PusTm.unpack(raw, timestamp_len=CDS_SHORT_BYTES)
        assert len(tm.pack()) == len(raw)
        by_vc.setdefault(vcid, Counter())[(tm.service, tm.message_subtype)] += 1
    assert set(by_vc) == {0, 1, 2}, "real-time housekeeping, events and playback"
    assert set(by_vc[0]) == {(3, 25)}
    assert (3, 25) not in by_vc[1]
    pass_s = 1421 - 1127
    assert pass_s - 5 <= by_vc[0][(3, 25)] <= pass_s + 5, "one housekeeping report a second in the pass"
    assert by_vc[2][(3, 25)] >= 1100, "the 19 minutes before the pass played back"


def test_the_packets_are_those_the_ground_decoded_and_a_contiguous_run_of_each_apid(lossless):
    _, summary, out_dir, _, packets = lossless
    ground = split_packets((out_dir / "tm_ground.bin").read_bytes())
    assert [raw for _, raw in packets] == ground
    assert summary["link"]["downlink"]["packets_on_ground"] == len(ground)
    produced = split_packets((out_dir / "tm.bin").read_bytes())
    assert set(ground) <= set(produced)
    counts: dict[int, list[int]] = {}
    for raw in ground:
        tm = PusTm.unpack(raw, timestamp_len=CDS_SHORT_BYTES)
        counts.setdefault(tm.apid, []).append(tm.seq_count)
    first = {}
    for raw in produced:
        tm = PusTm.unpack(raw, timestamp_len=CDS_SHORT_BYTES)
        first.setdefault(tm.apid, tm.seq_count)
    for apid, seen in counts.items():
        assert sorted(seen) == list(range(first[apid], first[apid] + len(seen))), f"APID {apid}"


@pytest.fixture(scope="module")
def lossy(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("lossy")
    pings = tuple(CommandSpec(t_s=10.0 * k, name="ping") for k in range(1, 21))
    return run(out_dir, LinkSpec(frame_loss=0.1, commands=pings))[1], out_dir


def test_through_ten_percent_loss_the_pings_are_answered_and_the_losses_counted(lossy):
    summary, out_dir = lossy
    link = summary["link"]
    frames, packets = decode_frames((out_dir / "tm_frames.bin").read_bytes())
    assert all(f.crc_ok for f in frames)
    assert [raw for _, raw in packets] == split_packets((out_dir / "tm_ground.bin").read_bytes())
    kinds = Counter((tm.service, tm.message_subtype) for tm in (PusTm.unpack(p, 7) for _, p in packets))
    assert kinds[(17, 2)] >= 15, "ping replies on the ground (some were lost with their frames)"
    for way in ("downlink", "uplink"):
        assert link[way]["frames_lost"] > 0
        assert link[way]["frames_sent"] == link[way]["frames_lost"] + link[way]["frames_received"]
    sent = link["downlink"]["frames_sent"]
    assert 0.05 * sent < link["downlink"]["frames_lost"] < 0.15 * sent
    assert link["downlink"]["ground_decoder"]["frames_lost"] > 0
    assert link["uplink"]["packets_delivered"] == 20, "FOP-1 retransmitted what was lost, exactly once"
    assert link["fop"]["retransmitted"] > 0 and link["fop"]["alerts"] == {}
    assert link["commands"] == {"sent": 20, "acknowledged": 20, **_verified(link)}
    assert summary["commanding"]["accepted"] == 20


def _verified(link: dict) -> dict:
    """The verification counts (some reports may be lost on the way down), checked for plausibility."""
    verified = {k: link["commands"][k] for k in ("accepted", "completed", "failed")}
    assert verified["failed"] == 0 and 15 <= verified["accepted"] <= 20 and 15 <= verified["completed"] <= 20
    return verified
