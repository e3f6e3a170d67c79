"""ccsds.tc_frame and ccsds.clcw: reference bytes worked out from CCSDS 232.0-B, round trips, any bytes."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from ccsds.clcw import Clcw, decode_clcw
from ccsds.tc_frame import TcFrame, TcFrameSplitter, TcReject, crc16, decode_tc_frame, set_vr_command


def test_reference_frame_from_the_standard():
    """SCID 0x123, VCID 1, bypass, N(S) 0, segment header 0xC0, data 01 02 03.

    Octet 0: version 00, bypass 1, control 0, spare 00, SCID bits 9-8 = 01 -> 0x21; octet 1: SCID low 0x23;
    octets 2-3: VCID 000001, length 11 octets (FECF included) - 1 = 10 -> 0x04 0x0A; octet 4: N(S) 0x00."""
    frame = TcFrame(scid=0x123, vcid=1, sequence=0, data=b"\x01\x02\x03", bypass=True, segment_header=0xC0)
    header_and_data = bytes.fromhex("2123040a00c0010203")
    assert frame.pack() == header_and_data + crc16(header_and_data).to_bytes(2, "big")
    assert decode_tc_frame(frame.pack(), segment_header=True) == frame


def test_crc_is_ccitt_false():
    """The CRC-16/CCITT-FALSE check value of "123456789" is 0x29B1."""
    assert crc16(b"123456789") == 0x29B1


def test_rejects_name_their_reason():
    good = TcFrame(scid=709, vcid=6, sequence=5, data=b"abc").pack()
    assert decode_tc_frame(good[:4]) == TcReject.TOO_SHORT
    assert decode_tc_frame(good + b"\x00") == TcReject.LENGTH_MISMATCH
    assert decode_tc_frame(bytes([good[0] | 0x40]) + good[1:]) == TcReject.BAD_VERSION
    assert decode_tc_frame(good[:-1] + bytes([good[-1] ^ 1])) == TcReject.BAD_CRC
    assert decode_tc_frame(bytes(1025)) == TcReject.TOO_LONG


def test_control_command_frames():
    unlock = decode_tc_frame(TcFrame(1, 0, 0, b"\x00", bypass=True, control=True).pack())
    assert (unlock.bypass, unlock.control, unlock.data) == (True, True, b"\x00")
    assert set_vr_command(300) == b"\x82\x00\x2c"
    set_vr = TcFrame(1, 0, 0, set_vr_command(7), bypass=True, control=True).pack()
    assert decode_tc_frame(set_vr, segment_header=True).data == b"\x82\x00\x07"


@given(
    scid=st.integers(0, 0x3FF),
    vcid=st.integers(0, 0x3F),
    sequence=st.integers(0, 255),
    data=st.binary(max_size=200),
    bypass=st.booleans(),
    control=st.booleans(),
    segment=st.one_of(st.none(), st.integers(0, 255)),
)
def test_round_trip(scid, vcid, sequence, data, bypass, control, segment):
    """Control command frames carry no segment header, so the decoder expects none there."""
    segment = None if control else segment
    frame = TcFrame(scid, vcid, sequence, data, bypass, control, segment)
    assert decode_tc_frame(frame.pack(), segment_header=segment is not None) == frame


@settings(max_examples=500)
@given(st.binary(max_size=1100), st.booleans())
def test_arbitrary_bytes_never_raise_and_are_counted(raw, segment):
    counts = Counter()
    result = decode_tc_frame(raw, segment_header=segment)
    counts[result if isinstance(result, TcReject) else "frame"] += 1
    assert sum(counts.values()) == 1
    assert decode_clcw(raw[:4]) is None or isinstance(decode_clcw(raw[:4]), Clcw)


@given(
    vcid=st.integers(0, 63),
    vr=st.integers(0, 255),
    flags=st.tuples(*[st.booleans()] * 5),
    farm_b=st.integers(0, 3),
)
def test_clcw_round_trip(vcid, vr, flags, farm_b):
    lockout, wait, retransmit, no_rf, no_lock = flags
    clcw = Clcw(vcid, vr, lockout, wait, retransmit, farm_b, no_rf, no_lock)
    assert decode_clcw(clcw.pack()) == clcw


def test_clcw_reference_bytes():
    """Type 0, version 00, status 000, COP-1 (01), VCID 1, lockout and retransmit set, V(R) 0x2A:
    0000 0001 | 0000 0100 | 0010 1000 | 0010 1010."""
    assert Clcw(vcid=1, report_value=0x2A, lockout=True, retransmit=True).pack() == bytes.fromhex("0104282a")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=400), max_size=8))
def test_every_byte_fed_is_split_into_a_frame_discarded_or_still_waiting(chunks):
    splitter, frames = TcFrameSplitter(), []
    for chunk in chunks:
        frames += splitter.feed(chunk)
    for frame in frames:
        assert frame[0] >> 6 == 0 and ((frame[2] & 3) << 8 | frame[3]) + 1 == len(frame) >= 7
    waiting = len(splitter._buffer)
    assert sum(map(len, frames)) + splitter.discarded_bytes + waiting == sum(map(len, chunks))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000).map(lambda b: bytes(x | 0x40 for x in b)), st.integers(0, 255))
def test_junk_before_a_frame_is_dropped_in_one_step_and_the_frame_found(junk, sequence):
    frame = TcFrame(0x2A, 1, sequence, b"payload", segment_header=0xC0).pack()
    splitter = TcFrameSplitter()
    assert splitter.feed(junk + frame) == [frame]
    assert (splitter.discarded_bytes, splitter.resyncs) == (len(junk), int(len(junk) > 0))
