"""The onboard link under 100,000 mutated TC frames: nothing escapes, every frame is counted by what
became of it, and commands sent properly (FOP-1 over the same link) before and after all execute, once
each, in order. Hypothesis feeds arbitrary bytes to every new parser of the link."""

import random
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st
from spacepackets.ecss import PusTc, PusTm

from ccsds.cobs_packets import CobsPacketSplitter
from ccsds.sdls import SdlsSender, SecurityAssociation
from ccsds.tc_frame import TcFrame, TcFrameSplitter, crc16
from flight.link.downlink import Downlink
from flight.link.uplink import Uplink, split_packets
from flight.software import APID
from ground.link import GroundLink
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario

SCID, VCID, TM_FRAME_BYTES, SPI = 0x2A5, 0, 256, 7
KEY = bytes(range(32))
MUTATED_FRAMES = 100_000
SEED = 20261125


class Bench:
    """Flight software behind an Uplink/Downlink, a GroundLink, and the sequence counts of the TCs whose
    completion (1,7) came back down."""

    def __init__(self, tmp_path):
        self.mission = Mission(Scenario(seed=SEED), 10.0, out_dir=tmp_path)
        self.flight = self.mission.flight
        self.uplink = Uplink(
            SCID,
            VCID,
            self.flight.accept_telecommand,
            {SPI: SecurityAssociation(SPI, KEY)},
            tmp_path / "s.json",
        )
        self.downlink = Downlink(SCID, self.uplink.clcw, TM_FRAME_BYTES)
        self.mission.tm_listeners.append(self.downlink.send)
        self.sender = SdlsSender(SecurityAssociation(SPI, KEY, arsn=1), segment_header=True)
        self.ground = GroundLink(SCID, VCID, TM_FRAME_BYTES, self.sender, t1_s=0.5)
        self.pings: list[int] = []
        self.now_s = 0.0

    def exchange(self, rounds: int) -> None:
        """Rounds of: ground frames up, one flight frame, TM frames down (their CLCW to FOP-1)."""
        for _ in range(rounds):
            self.now_s += 0.1
            for frame in self.ground.frames_to_send(self.now_s):
                self.uplink.receive(frame)
            self.mission.run_frames(1)
            while True:
                for packet in self.ground.receive_frame(self.downlink.next_frame(), self.now_s):
                    tm = PusTm.unpack(packet, timestamp_len=7)
                    if (tm.service, tm.message_subtype) == (1, 7):  # completed: the TC's request ID
                        self.pings.append(int.from_bytes(tm.source_data[2:4], "big") & 0x3FFF)
                if not self.downlink.pending_bytes():
                    break

    def send_pings(self, first: int, count: int) -> None:
        for k in range(first, first + count):
            self.ground.send(PusTc(apid=APID, service=17, message_subtype=1, seq_count=k).pack())
        self.exchange(1)
        for _ in range(200):
            if self.ground.outstanding == 0:
                break
            self.exchange(1)
        self.exchange(2)


def _mutate(rng: random.Random, good: bytes, sender: SdlsSender) -> bytes:
    """One bad frame: a bit flip, a cut, an extension, noise, a replay, a wrong key or SPI, or a frame
    authenticated properly around bad contents (so the checks behind the MAC are reached too)."""
    kind = rng.randrange(9)
    frame = bytearray(good)
    if kind == 0:
        frame[rng.randrange(len(frame))] ^= 1 << rng.randrange(8)
    elif kind == 1:
        del frame[rng.randrange(len(frame)) :]
    elif kind == 2:
        frame += rng.randbytes(rng.randint(1, 40))
    elif kind == 3:
        return rng.randbytes(rng.randint(0, 80))
    elif kind == 4:
        return good
    elif kind == 5:
        wrong = SdlsSender(SecurityAssociation(SPI, rng.randbytes(32), arsn=sender.association.arsn), True)
        return wrong.apply(_plain(rng, rng.randbytes(rng.randint(7, 40))))
    elif kind == 6:
        frame[6:8] = rng.choice([0, 1, 0xFFFF, SPI + 1]).to_bytes(2, "big")
        frame[-2:] = crc16(bytes(frame[:-2])).to_bytes(2, "big")
    elif kind == 7:
        contents = rng.choice([rng.randbytes(rng.randint(1, 60)), _bad_packet(rng)])
        return sender.apply(_plain(rng, contents, sequence=rng.randrange(256)))
    else:
        header = bytearray(good[:5])
        header[rng.randrange(5)] ^= 1 << rng.randrange(8)
        frame[:5] = header
        frame[-2:] = crc16(bytes(frame[:-2])).to_bytes(2, "big")
    return bytes(frame)


def _plain(rng: random.Random, data: bytes, sequence: int = 0) -> bytes:
    bypass = rng.random() < 0.5
    return TcFrame(SCID, VCID, sequence, data, bypass=bypass, segment_header=0xC0).pack()


def _bad_packet(rng: random.Random) -> bytes:
    """A space packet with a valid length but a damaged PUS header, CRC, APID or service."""
    packet = bytearray(PusTc(apid=APID, service=rng.choice([17, 3, 8, 99]), message_subtype=1).pack())
    packet[rng.randrange(len(packet))] ^= 1 << rng.randrange(8)
    packet[4:6] = (len(packet) - 7).to_bytes(2, "big")
    return bytes(packet)


def test_a_hundred_thousand_mutated_frames_are_counted_and_commands_around_them_all_execute(tmp_path):
    bench = Bench(tmp_path)
    bench.exchange(3)
    bench.send_pings(0, 50)
    assert bench.pings == list(range(50))
    good = bench.sender.apply(
        _plain(random.Random(0), PusTc(apid=APID, service=17, message_subtype=1).pack())
    )
    rng = random.Random(SEED)
    before = Counter(bench.uplink.counts)
    acceptor = bench.flight.pus.acceptor
    accepted_before = acceptor.accepted + acceptor.rejected
    for _ in range(MUTATED_FRAMES):
        bench.uplink.receive(_mutate(rng, good, bench.sender))
    storm = Counter(bench.uplink.counts)
    storm.subtract(before)
    delivered = storm.pop("packets_delivered", 0)
    assert sum(storm.values()) == MUTATED_FRAMES, "every frame is counted exactly once"
    for reason in ("bad_crc", "bad_mac", "spi_unknown", "arsn_outside_window", "too_short", "wrong_scid"):
        assert storm[reason] > 100, (reason, storm)
    files = bench.flight.file_downlink.counts  # packets whose APID was flipped to the file-transfer one
    to_files = files["pdus_received"] + files["packets_rejected"]
    assert acceptor.accepted + acceptor.rejected - accepted_before + to_files == delivered
    assert acceptor.rejected > 0 and delivered > 0
    print(dict(sorted(storm.items())), "packets delivered:", delivered)

    bench.exchange(5)
    bench.pings.clear()
    bench.send_pings(1000, 50)
    assert bench.pings == list(range(1000, 1050)), bench.ground.fop.counters


@given(st.lists(st.binary(max_size=300), max_size=8))
def test_arbitrary_bytes_never_raise_in_the_stream_splitters(chunks):
    tc, cobs = TcFrameSplitter(), CobsPacketSplitter()
    for chunk in chunks:
        for frame in tc.feed(chunk):
            assert ((frame[2] & 3) << 8 | frame[3]) + 1 == len(frame)
        for packet in cobs.feed(chunk):
            assert int.from_bytes(packet[4:6], "big") + 7 == len(packet)


@given(st.binary(max_size=200))
def test_arbitrary_frame_data_splits_into_whole_packets_or_none(data):
    packets = split_packets(data)
    assert packets is None or b"".join(packets) == data


@given(st.binary(max_size=300))
def test_arbitrary_bytes_into_the_uplink_and_the_ground_link_never_raise(raw):
    delivered = []
    uplink = Uplink(SCID, VCID, delivered.append, {SPI: SecurityAssociation(SPI, KEY)})
    uplink.receive(raw)
    assert sum(uplink.counts.values()) == 1 and not delivered
    ground = GroundLink(SCID, VCID, TM_FRAME_BYTES, None)
    assert ground.receive_frame(raw, 0.0) == [] or len(raw) == TM_FRAME_BYTES
