"""hal.board_frame: round trips, rejects counted by reason, resynchronisation after damage, any chunking."""

import itertools

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.board_frame import MAX_FRAME_BYTES, FrameDecoder, encode_frame
from native import ffi, lib

SETTINGS = settings(derandomize=True, max_examples=150, deadline=None)

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.lists(st.floats(allow_nan=False), max_size=6),
)
messages = st.dictionaries(st.text(max_size=8), values, max_size=5)


def raw_frame(body: bytes, crc_ok: bool = True) -> bytes:
    """A frame built by hand around any body bytes (for the reject reasons encode_frame never makes)."""
    crc = lib.zk_crc16_ccitt(body, len(body), 0xFFFF) ^ (0 if crc_ok else 1)
    raw = body + crc.to_bytes(2, "big")
    out = ffi.new("uint8_t[]", len(raw) + len(raw) // 254 + 1)
    return ffi.buffer(out, lib.zk_cobs_encode(raw, len(raw), out))[:] + b"\x00"


def segments(stream: bytes) -> list[bytes]:
    """The non-empty pieces of a stream between delimiters, the unterminated tail left out."""
    return [piece for piece in stream.split(b"\x00")[:-1] if piece]


@given(messages)
@SETTINGS
def test_round_trip(message):
    decoder = FrameDecoder()
    assert decoder.feed(encode_frame(message)) == [message]
    assert decoder.counters.frames == 1
    assert decoder.counters.rejected == 0


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x03\x11\x00", "cobs"),
        (raw_frame(b""), "too_short"),
        (raw_frame(b"\x80", crc_ok=False), "crc"),
        (raw_frame(b"\xc1"), "msgpack"),
        (raw_frame(msgpack.packb({"a": 1}) + b"\x01"), "msgpack"),
        (raw_frame(msgpack.packb([1, 2, 3])), "not_a_map"),
        (raw_frame(msgpack.packb("gyro")), "not_a_map"),
    ],
)
def test_each_reject_reason_is_counted_and_the_next_frame_read(frame, reason):
    decoder = FrameDecoder()
    good = {"dev": "gyro", "msg": "read", "seq": 1}
    assert decoder.feed(frame + encode_frame(good)) == [good]
    assert decoder.counters.as_dict() == {
        **dict.fromkeys(["cobs", "crc", "too_short", "too_long", "msgpack", "not_a_map"], 0),
        "frames": 1,
        reason: 1,
    }


@given(st.binary(max_size=3000))
@SETTINGS
def test_arbitrary_bytes_never_raise_every_piece_is_accounted_for_and_the_next_frame_is_read(garbage):
    decoder = FrameDecoder(max_frame_bytes=512)
    stream = garbage + b"\x00"
    decoded = decoder.feed(stream)
    assert all(isinstance(message, dict) for message in decoded)
    assert decoder.counters.frames == len(decoded)
    assert decoder.counters.frames + decoder.counters.rejected == len(segments(stream))
    good = {"dev": "wheels", "msg": "read", "seq": 7}
    assert decoder.feed(encode_frame(good)) == [good]


@st.composite
def damaged_streams(draw):
    """Good frames, some damaged (a bit flipped, cut short, non-zero bytes inserted), noise between frames.

    Inserted bytes are non-zero so that the damage stays inside the frame (an inserted 0x00 next to
    a delimiter would leave the frame intact)."""
    stream, intact, damaged = b"", [], 0
    for message in draw(st.lists(messages, min_size=1, max_size=8)):
        frame = encode_frame(message)
        body = frame[1:-1]
        damage = draw(st.sampled_from(["none", "none", "flip", "truncate", "insert"]))
        if damage == "flip":
            bit = draw(st.integers(0, 8 * len(body) - 1))
            body = bytearray(body)
            body[bit // 8] ^= 1 << (bit % 8)
        elif damage == "truncate":
            body = body[: draw(st.integers(1, len(body) - 1))]
        elif damage == "insert":
            at = draw(st.integers(0, len(body)))
            inserted = bytes(b or 1 for b in draw(st.binary(min_size=1, max_size=20)))
            body = body[:at] + inserted + body[at:]
        stream += draw(st.binary(max_size=20)) + b"\x00" + bytes(body) + b"\x00"
        if damage == "none":
            intact.append(message)
        else:
            damaged += 1
    return stream, intact, damaged


@given(damaged_streams())
@SETTINGS
def test_every_intact_frame_is_decoded_and_every_damaged_one_counted(case):
    stream, intact, damaged = case
    decoder = FrameDecoder()
    assert decoder.feed(stream) == intact
    assert decoder.counters.rejected >= damaged


@given(damaged_streams(), st.lists(st.integers(0, 4000), max_size=30))
@SETTINGS
def test_chunk_boundaries_do_not_change_the_result(case, cuts):
    stream = case[0]
    whole = FrameDecoder()
    expected = whole.feed(stream)
    chunked = FrameDecoder()
    edges = [0, *sorted(c % (len(stream) + 1) for c in cuts), len(stream)]
    decoded = [m for a, b in itertools.pairwise(edges) for m in chunked.feed(stream[a:b])]
    assert decoded == expected
    assert chunked.counters == whole.counters


def test_an_endless_frame_is_dropped_with_bounded_buffering():
    decoder = FrameDecoder()
    for _ in range(256):
        assert decoder.feed(b"\x55" * 4096) == []
        assert decoder.pending_bytes <= MAX_FRAME_BYTES
    assert decoder.counters.too_long == 1
    good = {"dev": "board", "msg": "ping", "seq": 3}
    assert decoder.feed(encode_frame(good)) == [good]


def test_the_largest_frame_passes_and_a_larger_message_is_refused():
    decoder = FrameDecoder()
    big = {"blob": b"\x01" * (MAX_FRAME_BYTES - 64)}
    assert decoder.feed(encode_frame(big)) == [big]
    with pytest.raises(ValueError, match="frame limit"):
        encode_frame({"blob": b"\x01" * MAX_FRAME_BYTES})
