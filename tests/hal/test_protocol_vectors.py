"""Every hex test vector of hal/board_protocol.md is a whole frame of the body beside it: decoded by the
project's frame decoder, and by a COBS decoder and CRC check written here from the COBS paper and the
CRC-16/CCITT-FALSE definition (binascii's crc_hqx), and each body packs back to its frame. The timing
budget's frame sizes, totals, wire times and baud rates are those of frames encoded here from a
simulated board's replies to a stepped world."""

import binascii
import itertools
import json
import random
import re
from pathlib import Path

import msgpack
import pytest

from hal.board_frame import FrameDecoder, encode_frame
from native import lib
from sim.board_config import DEVICE_SPECS, device_specs
from sim.board_server import BoardServer
from sim.spacecraft import DEFAULT_SPACECRAFT
from zorka.run.assembly import build_world
from zorka.scenario.model import Scenario

DOC = Path(__file__).resolve().parents[2] / "hal" / "board_protocol.md"
ROW = re.compile(r"^\| (?P<name>[^|]+) \| `(?P<body>\{.*\})` \| `(?P<frame>[0-9a-f]+)` \|$")


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    part = text[text.index(f"## {title}") :]
    return part[: part.index("\n## ", 1)]


def _bin(value: dict) -> object:
    """The document's JSON for a msgpack bin: {"$bin": "<hex>"}."""
    return bytes.fromhex(value["$bin"]) if set(value) == {"$bin"} else value


def vectors() -> list[tuple[str, dict, bytes]]:
    rows = [ROW.match(line) for line in section("Test vectors").splitlines()]
    return [
        (m["name"].strip(), json.loads(m["body"], object_hook=_bin), bytes.fromhex(m["frame"]))
        for m in rows
        if m
    ]


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
    assert devices >= {"magnetorquers", "eps", "sim", "imager"} and "wheels torque" in names
    assert {"wheels speed", "imager start", "imager read.ok", "imager product.ok", "imager chunk.ok"} <= names
    assert {"imager stop", "imager chunk", "imager release"} <= names
    wheels_read = next(body for name, body, _ in vectors() if name == "wheels read.ok")
    assert len(wheels_read["current_a"]) == len(wheels_read["speed_rad_s"])


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


SEQ = 100_000  # a 32-bit seq, as the host's are a few minutes into a run
FLIGHT = (
    "gyro.read",
    "star_tracker.read",
    "magnetometer.read",
    "sun_sensor.read",
    "gnss.read",
    "wheels.read",
    "eps.read",
    "imager.read",
    "wheels.torque",
    "magnetorquers.dipole",
)
RIG = ("sim.truth", "wheels.applied", "magnetorquers.applied", "eps.applied", "board.status")
CHUNK = "imager.chunk"
BAUDS = (115_200, 230_400, 460_800, 921_600)
FRAME_MS = 100.0


def frame_sizes() -> dict[str, tuple[int, int]]:
    """`dev.msg` -> (request, reply) bytes on the line for one frame's exchanges with a board serving
    every device, its replies a simulated board's to a world stepped 10 s (an imager capturing); the
    chunk's 2048 bytes are random, as compressed image data is."""
    world = build_world(Scenario(seed=11))
    lib.zk_world_step_to(world.c, 10.0)
    c = world.c
    truth = {
        "t_s": world.t_s,
        "gmst_rad": c.gmst_rad,
        "r_eci": world.r_eci.tolist(),
        "v_eci": world.v_eci.tolist(),
        "q_ib": world.q_ib.tolist(),
        "w_b": world.w_b.tolist(),
        "b_eci_t": world.b_eci_t.tolist(),
        "r_sun_eci": world.r_sun_eci.tolist(),
        "sun_fraction": c.sun_fraction,
        "dipole_am2": [0.3, -0.2, 0.1],
        "wheel_speed_rad_s": world.wheel_speed_rad_s.tolist(),
        "eps_truth": [0.9, 30.1, 120.5, 80.2, 40.3],
        "eps_flags": 0,
        "load_on": [1] * len(DEFAULT_SPACECRAFT.power.loads),
        "jd_epoch_utc": c.jd_epoch_utc,
    }
    fields = {
        "sim.truth": truth,
        "wheels.torque": {"torque_nm": [0.0123, -0.0456, 0.0789, -0.0012]},
        "magnetorquers.dipole": {"dipole_am2": [0.31, -0.22, 0.13]},
    }
    server = BoardServer(port="pty", seed=11)
    seq = itertools.count(1)

    def ask(dev: str, msg: str, number: int, **values) -> tuple[dict, dict]:
        request = {"dev": dev, "msg": msg, "seq": number, **values}
        return request, server.handle(request)

    try:
        devices = list(DEVICE_SPECS)
        config = {"seed": 11, "frame_s": 0.1, "t_s": 0.0, "watchdog_s": 0.0, "devices": devices}
        ask("board", "configure", next(seq), **config, specs=device_specs(DEFAULT_SPACECRAFT, devices))
        ask("sim", "truth", next(seq), **truth)
        target = {"lat_rad": 0.1, "lon_rad": 0.2, "alt_m": 0.0}
        ask("imager", "start", next(seq), request_id="T001", duration_s=8.0, **target)
        sizes = {}
        for name in (*FLIGHT, *RIG):
            dev, msg = name.split(".")
            request, reply = ask(dev, msg, SEQ, **fields.get(name, {}))
            assert reply["msg"] == f"{msg}.ok", reply
            ask("board", "ping", next(seq))  # the next request with SEQ is not a retransmission
            sizes[name] = (len(encode_frame(request)), len(encode_frame(reply)))
    finally:
        server.close()
    chunk = {"dev": "imager", "msg": "chunk", "seq": SEQ, "offset": 40_960, "length": 2048}
    data = random.Random(0).randbytes(2048)
    reply = {"dev": "imager", "msg": "chunk.ok", "seq": SEQ, "offset": 40_960, "data": data}
    sizes[CHUNK] = (len(encode_frame(chunk)), len(encode_frame(reply)))
    return sizes


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_timing_budget_is_that_of_the_frames_encoded_here():
    timing = section("Timing")
    sizes = frame_sizes()
    rows = re.findall(r"^  \| `([a-z_.]+)`(?: \(2048 bytes\))? \| (\d+) \| (\d+) \|$", timing, re.M)
    assert {name: (int(a), int(b)) for name, a, b in rows} == sizes

    flight = sum(sum(sizes[n]) for n in FLIGHT)
    rig = flight + sum(sum(sizes[n]) for n in RIG)
    chunk = rig + sum(sizes[CHUNK])
    totals = re.search(
        r"Flight traffic is \*\*([\d,]+) bytes\*\* a frame; with the rig, \*\*([\d,]+) bytes\*\*;.*?"
        r"the frame that carries one is \*\*([\d,]+) bytes\*\*",
        timing,
        re.S,
    )
    assert [_number(x) for x in totals.groups()] == [flight, rig, chunk]

    def wire_ms(n_bytes: int, baud: int) -> float:
        return round(n_bytes * 10 / baud * 1000.0, 1)  # 8N1: 10 bits a byte

    bauds = re.findall(r"^  \| ([\d,]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", timing, re.M)
    assert [int(_number(b)) for b, *_ in bauds] == list(BAUDS)
    for baud, *ms in bauds:
        assert [float(x) for x in ms] == [wire_ms(n, int(_number(baud))) for n in (flight, rig, chunk)]

    def slowest_within_half_a_frame(n_bytes: int) -> int:
        return next(b for b in BAUDS if wire_ms(n_bytes, b) <= FRAME_MS / 2)

    needs = re.search(
        r"the flight traffic needs\s+([\d,]+) baud; with the rig, ([\d,]+) baud; with a chunk, ([\d,]+) baud",
        timing,
    )
    assert [int(_number(x)) for x in needs.groups()] == [
        slowest_within_half_a_frame(n) for n in (flight, rig, chunk)
    ]
