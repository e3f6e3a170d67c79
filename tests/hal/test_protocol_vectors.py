"""Every hex test vector of hal/board_protocol.md is a whole frame of the body beside it: decoded by the
project's frame decoder, and by a COBS decoder and CRC check written here from the COBS paper and the
CRC-16/CCITT-FALSE definition (binascii's crc_hqx), and each body packs back to its frame."""

import binascii
import json
import re
from pathlib import Path

import msgpack
import pytest

from hal.board_frame import FrameDecoder, encode_frame

DOC = Path(__file__).resolve().parents[2] / "hal" / "board_protocol.md"
ROW = re.compile(r"^\| (?P<name>[^|]+) \| `(?P<body>\{.*\})` \| `(?P<frame>[0-9a-f]+)` \|$")


def vectors() -> list[tuple[str, dict, bytes]]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Test vectors") :]
    section = section[: section.index("\n## ", 1)]
    rows = [ROW.match(line) for line in section.splitlines()]
    return [(m["name"].strip(), json.loads(m["body"]), bytes.fromhex(m["frame"])) for m in rows if m]


def cobs_decode(encoded: bytes) -> bytes:
    """COBS decoding (Cheshire & Baker 1999): each code byte k is followed by k - 1 data bytes, and a
    zero after them unless k is 0xFF or the block ends the input."""
    out, i = bytearray(), 0
    while i < len(encoded):
        code = encoded[i]
        if code == 0 or i + code > len(encoded):
            raise ValueError("not COBS")
        out += encoded[i + 1 : i + code]
        i += code
        if code != 0xFF and i < len(encoded):
            out.append(0)
    return bytes(out)


def test_the_document_has_a_vector_for_every_kind_of_message():
    names = {name.split()[0] + " " + name.split()[1] for name, _, _ in vectors()}
    devices = {body["dev"] for _, body, _ in vectors()}
    assert len(vectors()) >= 20
    assert devices >= {"board", "gyro", "star_tracker", "magnetometer", "sun_sensor", "gnss", "wheels"}
    assert devices >= {"magnetorquers", "eps", "sim"} and "wheels torque" in names


@pytest.mark.parametrize(("name", "body", "frame"), vectors(), ids=[v[0] for v in vectors()])
def test_a_vector_decodes_to_its_body_both_ways(name, body, frame):
    assert frame[0] == 0 and frame[-1] == 0 and 0 not in frame[1:-1]
    raw = cobs_decode(frame[1:-1])
    payload, crc = raw[:-2], raw[-2:]
    assert binascii.crc_hqx(payload, 0xFFFF).to_bytes(2, "big") == crc
    assert msgpack.unpackb(payload, raw=False) == body
    decoder = FrameDecoder()
    assert decoder.feed(frame) == [body]
    assert encode_frame(body) == frame
