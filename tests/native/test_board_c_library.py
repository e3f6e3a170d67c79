"""The portable C board library (native/board/board.h) on the host, with ASan and UBSan: its unit tests,
every test vector of hal/board_protocol.md decoded and re-encoded byte for byte, frames of the Python
encoder decoded by C and C's frames decoded by Python, and fuzzing of the streaming frame decoder and
the msgpack parser, every reject counted by its reason."""

import random
import struct
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hal.board_frame import FrameDecoder, encode_frame
from native import ffi, lib
from tests.hal.test_protocol_vectors import vectors
from tests.native.board_c import build_driver, needs_gcc

pytestmark = needs_gcc
REASONS = ("cobs", "crc", "too_short", "too_long")


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    return build_driver(tmp_path_factory.mktemp("board_c"))


def recode(driver, frames: list[bytes]) -> list[str]:
    """Each frame decoded by C (stream decoder, msgpack parser) and encoded again: hex, or "error <code>"."""
    text = "".join(f.hex() + "\n" for f in frames)
    done = subprocess.run([str(driver), "recode"], input=text, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def counters(line: str) -> dict[str, int]:
    assert line.startswith("counters "), line
    return {k: int(v) for k, v in (item.split("=") for item in line.split()[1:])}


def test_the_c_unit_tests_pass(driver):
    done = subprocess.run([str(driver), "unit"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok ")


def test_every_protocol_vector_is_decoded_and_reencoded_identically(driver):
    table = vectors()
    assert len(table) >= 30
    assert recode(driver, [frame for _, _, frame in table]) == [frame.hex() for _, _, frame in table]


MESSAGES = [
    {"dev": "board", "msg": "ping", "seq": 0},
    {"dev": "board", "msg": "ping", "seq": (1 << 64) - 1},
    {"dev": "wheels", "msg": "torque", "seq": 1 << 32, "torque_nm": [-1e300, 5e-324, -0.0, 1.5]},
    {
        "dev": "x",
        "msg": "y",
        "seq": -(2**63),
        "n": [-1, -32, -33, -128, -129, -32768, -32769, -(2**31) - 1, 2**40],
    },
    {"dev": "imager", "msg": "chunk.ok", "seq": 7, "data": bytes(range(256)) * 3, "nil": None, "t": True},
    {"dev": "s", "msg": "m", "seq": 1, "text": "é" * 40, "long": "x" * 300, "map": {"a": {"b": [[], {}]}}},
    {"dev": "s", "msg": "m", "seq": 1, "many": list(range(20)), "keys": {f"k{i}": i for i in range(20)}},
]


def framed(body: bytes) -> bytes:
    """A raw msgpack body as a frame (the Python encoder only frames what msgpack-python packs)."""
    raw = body + lib.zk_crc16_ccitt(body, len(body), 0xFFFF).to_bytes(2, "big")
    out = ffi.new("uint8_t[]", len(raw) + len(raw) // 254 + 1)
    return b"\0" + ffi.buffer(out, lib.zk_cobs_encode(raw, len(raw), out))[:] + b"\0"


def test_python_frames_of_every_kind_decode_in_c_and_c_frames_decode_in_python(driver):
    frames = [frame for _, _, frame in vectors()] + [encode_frame(m) for m in MESSAGES]
    again = [bytes.fromhex(h) for h in recode(driver, frames)]
    assert again == frames
    decoder = FrameDecoder()
    assert decoder.feed(b"".join(again)) == FrameDecoder().feed(b"".join(frames))
    assert decoder.counters.rejected == 0 and decoder.counters.frames == len(frames)


def test_float32_survives_the_c_round_trip(driver):
    frame = framed(b"\x81\xa1f\xca" + struct.pack(">f", 1.25))
    assert recode(driver, [frame]) == [frame.hex()]


def test_the_msgpack_parser_refuses_what_the_protocol_does_not_carry(driver):
    ext, int_key, two, cut, deep, never = (
        b"\x81\xa1a\xd4\x01\x02", b"\x81\x01\x02", b"\xc0\xc0", b"\x82\xa1a", b"\x91" * 10 + b"\xc0", b"\xc1",
    )  # fmt: skip
    got = recode(driver, [framed(b) for b in (ext, int_key, two, cut, deep, never)])
    assert got == ["error -2", "error -6", "error -5", "error -1", "error -3", "error -2"]


def run_fuzz(driver, tmp_path, inputs: list[bytes]) -> dict[str, int]:
    """The inputs as one stream into a C board (each also parsed alone as msgpack); its counters, checked
    against the Python decoder's for the framing rejects and in total."""
    path = tmp_path / "inputs.bin"
    path.write_bytes(b"".join(struct.pack("<I", len(i)) + i for i in inputs))
    done = subprocess.run([str(driver), "fuzz", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    got = counters(done.stdout.strip())
    reference = FrameDecoder()
    reference.feed(b"".join(inputs) + b"\0")
    expected = reference.counters
    for reason in REASONS:
        assert got[reason] == getattr(expected, reason), (reason, got, expected)
    decoded = expected.frames + expected.msgpack + expected.not_a_map
    assert got["frames"] + got["msgpack"] + got["not_a_map"] == decoded
    assert got["replies"] == got["frames"]
    return got


VALID = [frame for _, _, frame in vectors()] + [encode_frame(m) for m in MESSAGES]


@st.composite
def mutated_frame(draw) -> bytes:
    frame = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(frame) - 1))
        action = draw(st.sampled_from(("flip", "zero", "drop", "insert", "cut")))
        if action == "flip":
            frame[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "zero":
            frame[at] = 0
        elif action == "drop" and len(frame) > 1:
            del frame[at]
        elif action == "insert":
            frame.insert(at, draw(st.integers(0, 255)))
        else:
            frame = frame[: at + 1]
    return bytes(frame)


INPUT = st.one_of(mutated_frame(), st.binary(max_size=64), st.sampled_from(VALID))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(INPUT, min_size=150, max_size=200))
def test_fuzzed_streams_never_crash_and_every_reject_is_counted(driver, tmp_path, batch):
    run_fuzz(driver, tmp_path, batch)


FUZZ_BATCHES = 6000
"""Hypothesis batches of the slow campaign: 6,000 of 150-200 inputs each, over a million inputs."""


@pytest.mark.slow
def test_over_a_million_hypothesis_inputs_never_crash_and_every_reject_is_counted(driver, tmp_path):
    """The harness above at campaign scale, each batch's rejects checked by reason against the Python
    decoder; the inputs are counted (printed with -s)."""
    fuzzed: list[int] = []

    @settings(max_examples=FUZZ_BATCHES, deadline=None, database=None)
    @given(batch=st.lists(INPUT, min_size=150, max_size=200))
    def campaign(batch: list[bytes]) -> None:
        run_fuzz(driver, tmp_path, batch)
        fuzzed.append(len(batch))

    campaign()
    print(f"\n{sum(fuzzed):,} inputs in {len(fuzzed):,} batches, 0 crashes")
    assert sum(fuzzed) >= 1_000_000


def test_a_frame_longer_than_the_limit_is_dropped_and_the_next_one_read(driver, tmp_path):
    long_frame = b"\0" + bytes(random.Random(1).randrange(1, 256) for _ in range(5000)) + b"\0"
    got = run_fuzz(driver, tmp_path, [long_frame, VALID[0], b"\x01" * 4096, b"\0", VALID[1]])
    assert got["too_long"] == 1 and got["frames"] == 2


def test_the_c_generator_campaign_default(driver):
    done = subprocess.run([str(driver), "gen", "20000", "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]


@pytest.mark.slow
def test_a_million_generated_and_mutated_inputs_never_crash_and_all_are_counted(driver):
    done = subprocess.run([str(driver), "gen", "1000000", "2026"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert counters(lines[0])["frames"] > 300_000
