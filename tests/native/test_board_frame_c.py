"""native/board/board_frame.c against the CRC catalogue check value, Python's CRC-CCITT, and the COBS
examples of Cheshire & Baker (1999) as listed on Wikipedia's "Consistent Overhead Byte Stuffing"."""

import binascii
import random

import pytest

from native import ffi, lib


def cobs_encode(data: bytes) -> bytes:
    out = ffi.new("uint8_t[]", len(data) + len(data) // 254 + 1)
    return ffi.buffer(out, lib.zk_cobs_encode(data, len(data), out))[:]


def cobs_decode(encoded: bytes) -> bytes | None:
    out = ffi.new("uint8_t[]", max(len(encoded), 1))
    n = lib.zk_cobs_decode(encoded, len(encoded), out)
    return None if n < 0 else ffi.buffer(out, n)[:]


def test_crc_check_value_of_the_catalogue():
    assert lib.zk_crc16_ccitt(b"123456789", 9, 0xFFFF) == 0x29B1


def test_crc_matches_binascii_crc_hqx_on_random_data():
    rng = random.Random(7)
    for _ in range(2000):
        data = rng.randbytes(rng.randrange(0, 600))
        assert lib.zk_crc16_ccitt(data, len(data), 0xFFFF) == binascii.crc_hqx(data, 0xFFFF)


def test_crc_runs_on_in_pieces_and_leaves_zero_over_data_and_its_big_endian_crc():
    data = random.Random(8).randbytes(300)
    crc = lib.zk_crc16_ccitt(data[100:], 200, lib.zk_crc16_ccitt(data[:100], 100, 0xFFFF))
    assert crc == binascii.crc_hqx(data, 0xFFFF)
    whole = data + crc.to_bytes(2, "big")
    assert lib.zk_crc16_ccitt(whole, len(whole), 0xFFFF) == 0


NON_ZERO_254 = bytes(range(1, 255))
PAPER_EXAMPLES = [
    (b"", b"\x01"),
    (b"\x00", b"\x01\x01"),
    (b"\x00\x00", b"\x01\x01\x01"),
    (b"\x00\x11\x00", b"\x01\x02\x11\x01"),
    (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
    (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
    (b"\x11\x00\x00\x00", b"\x02\x11\x01\x01\x01"),
    (NON_ZERO_254, b"\xff" + NON_ZERO_254),
    (b"\x00" + NON_ZERO_254, b"\x01\xff" + NON_ZERO_254),
    (bytes(range(1, 256)), b"\xff" + NON_ZERO_254 + b"\x02\xff"),
    (bytes(range(2, 256)) + b"\x00", b"\xff" + bytes(range(2, 256)) + b"\x01\x01"),
    (bytes(range(3, 256)) + b"\x00\x01", b"\xfe" + bytes(range(3, 256)) + b"\x02\x01"),
]


@pytest.mark.parametrize(("data", "encoded"), PAPER_EXAMPLES)
def test_cobs_published_examples(data, encoded):
    assert cobs_encode(data) == encoded
    assert cobs_decode(encoded) == data


def test_cobs_round_trip_with_bounded_overhead_and_no_zero():
    rng = random.Random(9)
    for _ in range(3000):
        n = rng.randrange(0, 1200)
        data = bytes(rng.choice((0, 0xFF, rng.randrange(256))) for _ in range(n))
        encoded = cobs_encode(data)
        assert 0 not in encoded
        assert len(encoded) <= n + n // 254 + 1
        assert cobs_decode(encoded) == data


@pytest.mark.parametrize(
    "encoded",
    [
        b"\x00",
        b"\x03\x11",
        b"\x02\x00",
        b"\x05\x11\x22\x33",
        b"\x02\x11\x03\x22",
        b"\xff" + NON_ZERO_254[:-1],
    ],
)
def test_cobs_decode_refuses_a_zero_or_a_block_past_the_end(encoded):
    assert cobs_decode(encoded) is None
