"""Splitting a raw space-packet stream: any chunking gives the same packets; garbage never raises."""

from hypothesis import given, settings
from hypothesis import strategies as st
from spacepackets.ccsds import SpacePacket, SpacePacketHeader
from spacepackets.ccsds.spacepacket import PacketType

from ccsds.packet_stream import PacketSplitter


def packet(apid: int, data: bytes) -> bytes:
    header = SpacePacketHeader(packet_type=PacketType.TC, apid=apid, seq_count=1, data_len=len(data) - 1)
    return SpacePacket(header, sec_header=None, user_data=data).pack()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=80), min_size=1, max_size=8), st.data())
def test_any_chunking_gives_the_same_packets(bodies, data):
    stream = b"".join(packet(0x100, body) for body in bodies)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    splitter, found, start = PacketSplitter(), [], 0
    for cut in [*cuts, len(stream)]:
        found += splitter.feed(stream[start:cut])
        start = max(start, cut)
    assert found == [packet(0x100, body) for body in bodies]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_and_only_whole_packets_come_out(garbage):
    splitter = PacketSplitter(max_packet_bytes=256)
    for raw in splitter.feed(garbage):
        assert len(raw) == int.from_bytes(raw[4:6], "big") + 7 and raw[0] >> 5 == 0
    assert splitter.counters.packets + splitter.counters.resyncs <= len(garbage)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=400), max_size=8))
def test_every_byte_fed_is_split_into_a_packet_discarded_or_still_waiting(chunks):
    splitter, packets = PacketSplitter(max_packet_bytes=256), []
    for chunk in chunks:
        packets += splitter.feed(chunk)
    waiting = len(splitter._buffer)
    assert sum(map(len, packets)) + splitter.discarded_bytes + waiting == sum(map(len, chunks))


def test_junk_is_dropped_up_to_the_next_possible_start_and_the_packets_after_it_kept():
    good = [packet(0x100, bytes([k]) * 10) for k in range(3)]
    splitter = PacketSplitter()
    assert splitter.feed(b"\xe0" * 100_000 + b"".join(good)) == good
    assert (splitter.discarded_bytes, splitter.counters.resyncs) == (100_000, 1)
