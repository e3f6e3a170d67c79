"""ccsds.tm_frame: reference bytes worked out from CCSDS 132.0-B, spacepackets as a second reader, packets
spanning frames through the multiplexer and demultiplexer, losses, and arbitrary bytes."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from spacepackets.ccsds.spacepacket import SpacePacket, SpacePacketHeader
from spacepackets.ccsds.tm_frame import TmTransferFrame

from ccsds.clcw import Clcw, decode_clcw
from ccsds.tc_frame import crc16
from ccsds.tm_frame import (
    FHP_IDLE_ONLY,
    FHP_NO_PACKET_START,
    VC_EVENTS,
    VC_IDLE,
    VC_PLAYBACK,
    VC_REALTIME_HK,
    TmDemultiplexer,
    TmFrame,
    TmMultiplexer,
    TmReject,
    decode_tm_frame,
)

SCID = 0x123
FRAME_BYTES = 64


def _packet(apid: int, sequence: int, length_bytes: int) -> bytes:
    header = SpacePacketHeader.tm(apid=apid, seq_count=sequence, data_len=length_bytes - 7)
    return SpacePacket(
        header, sec_header=None, user_data=bytes(i % 256 for i in range(length_bytes - 6))
    ).pack()


def test_reference_frame_from_the_standard():
    """SCID 0x123, VCID 2, OCF present, MC count 5, VC count 9, FHP 3.

    Octets 0-1: version 00, SCID 0001 0010 0011, VCID 010, OCF flag 1 -> 0001 0010 0011 0101 = 0x12 0x35;
    octets 2-3: counts 0x05 0x09; octets 4-5: secondary header 0, sync 0, order 0, segment length id 11,
    FHP 000 0000 0011 -> 0x18 0x03."""
    frame = TmFrame(SCID, 2, 5, 9, 3, b"\xaa\xbb", ocf=b"\x01\x00\x00\x07")
    body = bytes.fromhex("123505091803aabb01000007")
    assert frame.pack() == body + crc16(body).to_bytes(2, "big")
    assert decode_tm_frame(frame.pack(), len(body) + 2) == frame


def test_spacepackets_reads_our_frames():
    raw = TmFrame(SCID, 1, 200, 17, 0, bytes(range(50)), ocf=Clcw(1, 42).pack()).pack()
    theirs = TmTransferFrame.unpack(raw, len(raw), has_error_control_field=True)
    header = theirs.primary_header
    assert (header.master_channel_id.spacecraft_id, header.vc_id) == (SCID, 1)
    assert (header.master_ch_frame_count, header.vc_frame_count) == (200, 17)
    assert theirs.data_field == bytes(range(50))
    assert decode_clcw(theirs.op_ctrl_field) == Clcw(1, 42)


def test_packets_span_frames_and_come_back_whole():
    mux = TmMultiplexer(SCID, FRAME_BYTES)
    demux = TmDemultiplexer(SCID, FRAME_BYTES)
    packets = [_packet(0x10, n, 7 + 13 * n) for n in range(12)]
    for packet in packets:
        mux.push(VC_PLAYBACK, packet)
    frames = [mux.next_frame() for _ in range(30)]
    fhps = [decode_tm_frame(frame, FRAME_BYTES).first_header_pointer for frame in frames]
    assert FHP_NO_PACKET_START in fhps
    assert fhps[-1] == FHP_IDLE_ONLY
    assert [p for frame in frames for _, p in demux.feed(frame)] == packets
    assert demux.counts[TmReject.BAD_CRC] == 0


def test_virtual_channels_by_priority_and_counts():
    mux = TmMultiplexer(SCID, FRAME_BYTES)
    mux.push(VC_PLAYBACK, _packet(3, 0, 20))
    mux.push(VC_REALTIME_HK, _packet(1, 0, 20))
    mux.push(VC_EVENTS, _packet(2, 0, 20))
    mux.ocf = Clcw(0, 7).pack()
    frames = [decode_tm_frame(mux.next_frame(), FRAME_BYTES) for _ in range(4)]
    assert [f.vcid for f in frames] == [VC_REALTIME_HK, VC_EVENTS, VC_PLAYBACK, VC_IDLE]
    assert [f.mc_count for f in frames] == [0, 1, 2, 3]
    assert [f.vc_count for f in frames] == [0, 0, 0, 0]
    assert all(decode_clcw(f.ocf) == Clcw(0, 7) for f in frames)


def test_lost_frames_drop_only_the_packets_they_carried():
    """Seed 7: 2,000 packets over 3 VCs, 5 % of frames lost; every packet delivered is whole, in order."""
    rng = random.Random(7)
    mux = TmMultiplexer(SCID, 128)
    demux = TmDemultiplexer(SCID, 128)
    sent = {vc: [] for vc in (VC_REALTIME_HK, VC_EVENTS, VC_PLAYBACK)}
    received = {vc: [] for vc in sent}
    for n in range(2000):
        vc = rng.choice(list(sent))
        packet = _packet(vc + 1, n % 16384, rng.randint(7, 300))
        sent[vc].append(packet)
        mux.push(vc, packet)
        while sum(mux.pending_bytes(v) for v in sent) > 400:
            frame = mux.next_frame()
            if rng.random() >= 0.05:
                for vcid, packet_out in demux.feed(frame):
                    received[vcid].append(packet_out)
    lost = 0
    for vc in sent:
        positions = [sent[vc].index(p) for p in received[vc]]
        assert positions == sorted(set(positions))
        lost += len(sent[vc]) - len(received[vc])
    assert demux.counts["frames_lost"] > 0
    assert demux.counts["vc_count_gaps"] > 0
    assert 0 < lost < 0.2 * 2000


@settings(max_examples=300)
@given(st.lists(st.binary(min_size=0, max_size=80), max_size=20), st.integers(0, 2**32))
def test_arbitrary_bytes_never_raise_and_are_counted(chunks, seed):
    """Random bytes, and valid frames with random damage, fed to the demultiplexer."""
    rng = random.Random(seed)
    demux = TmDemultiplexer(SCID, FRAME_BYTES)
    for chunk in chunks:
        demux.feed(chunk)
        data = bytes(rng.getrandbits(8) for _ in range(FRAME_BYTES - 12))
        frame = bytearray(TmFrame(SCID, rng.randrange(8), 0, 0, rng.randrange(2048), data, bytes(4)).pack())
        body = frame[:-2]
        frame[-2:] = crc16(bytes(body)).to_bytes(2, "big")
        demux.feed(bytes(frame))
    frame_level = (TmReject.WRONG_LENGTH, TmReject.BAD_VERSION, TmReject.BAD_CRC, TmReject.WRONG_SCID)
    assert demux.counts["frames"] + sum(demux.counts[r] for r in frame_level) == 2 * len(chunks)
