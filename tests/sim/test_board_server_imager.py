"""The imager on a simulated board: a capture over the truth the rig sends gives the product that the
imager's model makes of those truth rows, carried in chunks whose bytes and CRC-32 (zlib's, re-derived
here) are the product's; refusals name the field or the state and change nothing; hal's SerialImager
fetches a bounded number of chunks per collect over a pty and fetches again a product whose bytes fail
their CRC; arbitrary requests and replies never raise."""

import itertools
import math
import threading
import time
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.board_frame import encode_frame
from hal.devices import Imager
from hal.serial_imager import CHUNK_BYTES_MAX, SerialImager
from hal.serial_link import SerialLink
from native import lib
from sim.board_config import device_specs
from sim.board_server import REQUEST_ID_LEN_MAX, BoardServer
from sim.devices.imager import capture_product
from sim.spacecraft import DEFAULT_SPACECRAFT
from zorka.run.assembly import build_world
from zorka.scenario.model import Scenario

FRAME_S = 0.1
SETTINGS = settings(derandomize=True, max_examples=150, deadline=None)
SPEC = DEFAULT_SPACECRAFT.imager
DURATION_S = 2.0
TARGET = (math.radians(10.0), math.radians(-20.0), 0.0)  # any target: the product judges it, not the test
SEQ = itertools.count(1)


def request(server: BoardServer, dev: str, msg: str, **fields) -> dict:
    return server.handle({"dev": dev, "msg": msg, "seq": next(SEQ), **fields})


class Rig:
    """A world stepped frame by frame, its truth sent to a board, the truth rows kept as the reference."""

    def __init__(self, send):
        self.world = build_world(Scenario(seed=5))
        self.send = send
        self.rows: list[list[float]] = []

    def truth(self) -> dict:
        w = self.world
        return {
            "t_s": w.t_s,
            "jd_epoch_utc": w.c.jd_epoch_utc,
            "r_eci": w.r_eci.tolist(),
            "v_eci": w.v_eci.tolist(),
            "q_ib": w.q_ib.tolist(),
            "w_b": w.w_b.tolist(),
        }

    def step(self, record: bool) -> None:
        lib.zk_world_step_to(self.world.c, self.world.t_s + FRAME_S)
        self.send(self.truth())
        if record:
            self.row()

    def row(self) -> None:
        w = self.world
        self.rows.append([w.t_s, *w.r_eci, *w.v_eci, *w.q_ib, *w.w_b])


def configure(server: BoardServer) -> None:
    devices = ["imager"]
    config = {"seed": 3, "frame_s": FRAME_S, "t_s": 0.0, "watchdog_s": 0.0, "devices": devices}
    reply = request(server, "board", "configure", **config, specs=device_specs(DEFAULT_SPACECRAFT, devices))
    assert reply["msg"] == "configure.ok"


@pytest.fixture
def server():
    server = BoardServer(port="pty", seed=1)
    configure(server)
    yield server
    server.close()


def capture(server: BoardServer, strip_end=None) -> Rig:
    """A capture of DURATION_S over a stepped world; the rig holds the truth rows it spans."""
    rig = Rig(lambda truth: request(server, "sim", "truth", **truth))
    rig.send(rig.truth())
    rig.step(record=False)
    fields = dict(zip(("lat_rad", "lon_rad", "alt_m"), TARGET, strict=True))
    if strip_end is not None:
        fields["strip_end"] = list(strip_end)
    assert (
        request(server, "imager", "start", request_id="R7", duration_s=DURATION_S, **fields)["msg"]
        == "start.ok"
    )
    rig.row()
    frames = round(DURATION_S / FRAME_S)
    for _ in range(frames):
        assert request(server, "imager", "read")["state"] == Imager.CAPTURING
        rig.step(record=True)
    rig.step(record=False)  # after the end: nothing more recorded
    return rig


def reference(rig: Rig, strip_end=None):
    return capture_product(
        np.array(rig.rows), rig.world.c.jd_epoch_utc, SPEC, "R7", TARGET, strip_end, DURATION_S
    )


@pytest.mark.parametrize("strip_end", [None, (math.radians(10.05), math.radians(-20.0))])
def test_a_capture_gives_the_product_of_the_truth_rows_it_spans_in_chunks(server, strip_end):
    rig = capture(server, strip_end)
    expected = reference(rig, strip_end)
    read = request(server, "imager", "read")
    frames = round(DURATION_S / FRAME_S) + 1  # the truth at the start and one per frame after it
    assert read["state"] == Imager.READY and read["frames"] == frames
    assert read["elapsed_s"] == pytest.approx(DURATION_S, abs=1e-9)
    product = request(server, "imager", "product", wait=True)
    assert product["ready"] is True
    assert product["request_id"] == "R7" and product["size"] == len(expected.data)
    assert product["crc32"] == zlib.crc32(expected.data) and product["metadata"] == expected.metadata
    data = b""
    while len(data) < product["size"]:
        chunk = request(server, "imager", "chunk", offset=len(data))
        assert chunk["offset"] == len(data) and 0 < len(chunk["data"]) <= CHUNK_BYTES_MAX
        assert len(encode_frame(chunk)) <= 4096
        data += chunk["data"]
    assert data == expected.data
    assert request(server, "imager", "chunk", offset=5, length=7)["data"] == expected.data[5:12]
    assert request(server, "imager", "read")["state"] == Imager.READY, "held until released"
    assert request(server, "imager", "release", request_id="R7")["msg"] == "release.ok"
    assert request(server, "imager", "read")["state"] == Imager.IDLE
    assert request(server, "imager", "product")["code"] == "wrong_state"


def test_refusals_name_the_field_or_the_state_and_change_nothing(server):
    target = {"lat_rad": 0.1, "lon_rad": 0.2, "alt_m": 0.0}

    def refused(msg: str, code: str, word: str, **fields) -> None:
        reply = request(server, "imager", msg, **fields)
        assert reply["msg"] == "error" and reply["code"] == code and word in reply["text"], reply

    refused("start", "bad_field", "duration_s", request_id="A", duration_s=0.0, **target)
    refused("start", "bad_field", "duration_s", request_id="A", duration_s=SPEC.capture_max_s + 1.0, **target)
    refused(
        "start",
        "bad_field",
        "request_id",
        request_id="A" * (REQUEST_ID_LEN_MAX + 1),
        duration_s=1.0,
        **target,
    )
    refused("start", "bad_field", "strip_end", request_id="A", duration_s=1.0, strip_end=[0.1], **target)
    refused("start", "bad_field", "lat_rad", request_id="A", duration_s=1.0, **{**target, "lat_rad": "north"})
    refused("start", "missing_field", "alt_m", request_id="A", duration_s=1.0, lat_rad=0.1, lon_rad=0.2)
    refused("start", "unknown_field", "exposure", request_id="A", duration_s=1.0, exposure=1, **target)
    refused("start", "wrong_state", "r_eci", request_id="A", duration_s=1.0, **target)  # no truth yet
    rig = Rig(lambda truth: request(server, "sim", "truth", **truth))
    rig.send(rig.truth())
    refused("stop", "wrong_state", "idle")
    refused("product", "wrong_state", "no product")
    refused("chunk", "wrong_state", "no product", offset=0)
    refused("release", "wrong_state", "no product", request_id="A")
    assert request(server, "imager", "read")["state"] == Imager.IDLE
    capture(server)
    refused("start", "wrong_state", "ready", request_id="B", duration_s=1.0, **target)
    size = request(server, "imager", "product", wait=True)["size"]
    refused("chunk", "bad_field", "offset", offset=size)
    refused("chunk", "bad_field", "length", offset=0, length=CHUNK_BYTES_MAX + 1)
    refused("chunk", "bad_field", "length", offset=0, length=0)
    refused("release", "bad_field", "request_id", request_id="B")
    assert request(server, "imager", "read")["state"] == Imager.READY


def test_a_capture_stops_on_request_and_refuses_a_second_start_while_open(server):
    rig = Rig(lambda truth: request(server, "sim", "truth", **truth))
    rig.send(rig.truth())
    fields = {"lat_rad": 0.1, "lon_rad": 0.2, "alt_m": 0.0}
    assert request(server, "imager", "start", request_id="S", duration_s=10.0, **fields)["msg"] == "start.ok"
    for _ in range(3):
        rig.step(record=False)
    reply = request(server, "imager", "start", request_id="T", duration_s=1.0, **fields)
    assert reply["code"] == "wrong_state" and "capturing" in reply["text"]
    assert request(server, "imager", "stop")["msg"] == "stop.ok"
    read = request(server, "imager", "read")
    assert read["state"] == Imager.READY and read["frames"] == 4
    assert request(server, "imager", "product", wait=True)["request_id"] == "S"


def test_the_product_renders_in_the_background_while_the_board_answers(server, monkeypatch):
    """A firmware renders the image while it keeps serving the other devices: `imager.product` says
    `ready: false` at once until the render is done, and waits for it when asked to."""
    rendering = threading.Event()
    finish = threading.Event()

    def held_render(*args):
        rendering.set()
        assert finish.wait(timeout=30.0)
        return capture_product(*args)

    monkeypatch.setattr("sim.devices.imager.capture_product", held_render)
    rig = capture(server)
    assert request(server, "imager", "read")["state"] == Imager.READY, "ready: rendering"
    assert rendering.wait(timeout=10.0), "the read that found the capture over started the render"
    assert request(server, "imager", "product") == {
        "dev": "imager",
        "msg": "product.ok",
        "seq": next(SEQ) - 1,
        "ready": False,
    }
    assert request(server, "board", "ping")["msg"] == "ping.ok", "the board answers meanwhile"
    chunk = request(server, "imager", "chunk", offset=0)
    assert chunk["code"] == "wrong_state" and "being rendered" in chunk["text"]
    threading.Timer(0.2, finish.set).start()
    product = request(server, "imager", "product", wait=True)
    expected = reference(rig)
    assert product["ready"] is True and product["crc32"] == zlib.crc32(expected.data)


@pytest.fixture
def served():
    server = BoardServer(port="pty", seed=1)
    configure(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    link = SerialLink(server.path, timeout_s=1.0)
    yield server, link
    link.close()
    server.stop()
    thread.join(timeout=5.0)
    server.close()


def serial_capture(link: SerialLink, imager: SerialImager) -> Rig:
    rig = Rig(lambda truth: link.request("sim", "truth", **truth))
    rig.send(rig.truth())
    assert imager.start("R7", DURATION_S, *TARGET)
    rig.row()
    for _ in range(round(DURATION_S / FRAME_S)):
        rig.step(record=True)
    return rig


def test_serial_imager_fetches_at_most_its_chunks_per_collect_then_hands_the_product_over(served):
    _, link = served
    imager = SerialImager(link, chunks_per_collect=3)
    assert imager.collect() is None, "idle: nothing to collect"
    rig = serial_capture(link, imager)
    expected = reference(rig)
    assert imager.sample() and imager.state == Imager.READY and imager.status[2] == len(rig.rows)
    chunks = math.ceil(len(expected.data) / CHUNK_BYTES_MAX)
    calls = math.ceil(chunks / 3)
    product, collects = None, 0
    while product is None and collects < calls + 1000:
        before = link.counters.requests
        product = imager.collect()
        collects += 1
        assert link.counters.requests - before <= 1 + 3, "product and at most three chunks"
        time.sleep(0.01)  # the next frame: the board renders meanwhile
    assert collects == calls + imager.transfer_counters.not_ready, "a collect per 3 chunks once rendered"
    assert product.data == expected.data and product.metadata == expected.metadata
    assert product.request_id == "R7" and imager.state == Imager.IDLE
    assert imager.transfer_counters.products == 1 and imager.transfer_counters.chunks == chunks
    assert imager.collect() is None
    assert imager.sample() and imager.state == Imager.IDLE, "released on the board"
    assert imager.counters.errors == imager.counters.malformed == imager.command_counters.errors == 0


class CorruptingLink:
    """A link that flips a bit of the first chunk it carries."""

    def __init__(self, link: SerialLink):
        self.link = link
        self.corrupted = False

    def request(self, dev: str, msg: str, **fields) -> dict | None:
        reply = self.link.request(dev, msg, **fields)
        if msg == "chunk" and not self.corrupted:
            self.corrupted = True
            reply = {**reply, "data": bytes([reply["data"][0] ^ 0x40]) + reply["data"][1:]}
        return reply


def test_a_product_whose_bytes_fail_the_crc_is_fetched_again(served):
    _, link = served
    imager = SerialImager(CorruptingLink(link), chunks_per_collect=None)
    rig = serial_capture(link, imager)
    assert imager.sample()
    assert imager.collect() is None
    assert imager.transfer_counters.crc_failures == 1
    product = imager.collect()
    assert product.data == reference(rig).data


values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats()
    | st.text(max_size=8)
    | st.binary(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
fields = st.dictionaries(
    st.sampled_from(
        ["request_id", "duration_s", "lat_rad", "lon_rad", "alt_m", "strip_end", "offset", "length"]
    )
    | st.text(max_size=6),
    values,
    max_size=6,
)


@given(st.sampled_from(["start", "stop", "read", "product", "chunk", "release"]), fields)
@SETTINGS
def test_arbitrary_imager_requests_get_one_reply_that_fits_a_frame(msg, request_fields):
    server = BoardServer(port="pty", seed=1)
    try:
        reply = server.handle({"dev": "imager", "msg": msg, "seq": 9, **request_fields})
        assert reply["msg"] in (f"{msg}.ok", "error")
        assert len(encode_frame(reply)) <= 4096
    finally:
        server.close()


def test_a_transfer_the_board_refuses_to_go_on_with_is_asked_for_afresh(served):
    _, link = served
    imager = SerialImager(link, chunks_per_collect=1)
    rig = serial_capture(link, imager)
    assert imager.sample()
    for _ in range(1000):  # until the board has rendered the product and its first chunk came
        assert imager.collect() is None
        if imager.transfer_counters.chunks:
            break
        time.sleep(0.01)
    assert link.request("imager", "release", request_id="R7")["msg"] == "release.ok"  # as a reset would
    assert imager.collect() is None and imager.counters.errors == 1
    assert imager.sample() and imager.state == Imager.IDLE
    assert imager.collect() is None, "nothing held, nothing asked for"
    assert imager.start("R8", DURATION_S, *TARGET), "the imager is free again"
    assert len(rig.rows) == round(DURATION_S / FRAME_S) + 1


@given(
    st.lists(st.binary(max_size=300) | st.sampled_from(["start", "read", "product", "chunk"]), max_size=12)
)
@SETTINGS
def test_arbitrary_bytes_between_imager_frames_never_stop_the_board(pieces):
    server = BoardServer(port="pty", seed=1)
    decoder = server._decoder
    requests = {
        "start": {"request_id": "F", "duration_s": 1.0, "lat_rad": 0.1, "lon_rad": 0.2, "alt_m": 0.0},
        "read": {},
        "product": {},
        "chunk": {"offset": 0},
    }
    try:
        sent = 0
        for k, piece in enumerate(pieces):
            if isinstance(piece, str):
                piece = encode_frame({"dev": "imager", "msg": piece, "seq": k, **requests[piece]})
                sent += 1
            for request in decoder.feed(piece):
                assert len(encode_frame(server.handle(request))) <= 4096
        assert decoder.counters.frames >= sent
    finally:
        server.close()


class ScriptedLink:
    """A link whose replies are drawn by hypothesis, with the request's dev and seq."""

    def __init__(self, data):
        self.data = data

    def request(self, dev: str, msg: str, **fields) -> dict | None:
        reply = self.data.draw(st.none() | st.dictionaries(st.text(max_size=10), values, max_size=6))
        if reply is not None and self.data.draw(st.booleans()):
            reply["msg"] = f"{msg}.ok"
            for name in ("state", "size", "crc32", "offset"):
                if self.data.draw(st.booleans()):
                    reply[name] = self.data.draw(st.integers(0, 5))
        return reply


@given(st.data())
@SETTINGS
def test_arbitrary_replies_never_raise_and_the_status_stays_finite(data):
    imager = SerialImager(ScriptedLink(data), chunks_per_collect=2)
    for _ in range(6):
        imager.start("X", 1.0, 0.1, 0.2)
        imager.sample()
        product = imager.collect()
        if product is not None:
            assert isinstance(product.data, bytes) and isinstance(product.metadata, dict)
        imager.stop()
    assert np.all(np.isfinite(imager.status))
