"""Image products from mass memory to the ground with CFDP class 2 over a lossy, pass-gated link.

The link is in memory: each direction loses each packet (one PDU, about one TM frame) with its own
probability from its own seeded generator, carries at most so many bytes per step, and is open
only in the passes. Flight and ground are stepped on one simulated clock.
"""

import functools
import hashlib
import json
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacepackets.ccsds import PacketType
from spacepackets.cfdp import ConditionCode, PduConfig, PduType, TransmissionMode
from spacepackets.cfdp.pdu import DirectiveType, EofPdu, FileDataPdu
from spacepackets.util import ByteFieldU16

import flight.payload.file_downlink as file_downlink
from ccsds.cfdp_carriage import CFDP_APID, bundle, packet_to_pdu, pdu_to_packet
from flight.payload.file_downlink import FileDownlink
from flight.payload.mass_memory import DATA_SUFFIX, FOLDER_NAME, MassMemory
from ground.file_receiver import FileReceiver

STEP_S = 1.0
DOWN_BYTES_PER_STEP = 25_000
UP_BYTES_PER_STEP = 2_000
TIMER_S = 4.0
CAPACITY_BYTES = 50_000_000
SIZES_BYTES = [0, 1, 900, 1024, 4_000, 33_333, 101_000, 150_000, 240_000, 7, 65_536, 120_001]


@dataclass
class Passes:
    """Open for `open_steps`, closed for `closed_steps`, repeating from step 0."""

    open_steps: int
    closed_steps: int = 0

    def open(self, step: int) -> bool:
        return step % (self.open_steps + self.closed_steps) < self.open_steps


@dataclass
class Link:
    """Flight and ground joined by a lossy, rate-limited, pass-gated channel each way."""

    downlink: FileDownlink
    receiver: FileReceiver
    passes: Passes
    loss_down: float = 0.0
    loss_up: float = 0.0
    seed: int = 1
    step: int = 0
    delivered_steps: list[int] = field(default_factory=list)
    packets_lost: int = 0
    drop: Callable[[bytes], bool] = lambda packet: False
    """Loses a packet (either way) on purpose when it returns True."""

    def __post_init__(self) -> None:
        self._rng_down = random.Random(f"{self.seed}-down")
        self._rng_up = random.Random(f"{self.seed}-up")

    def run(self, steps: int) -> None:
        for _ in range(steps):
            now_s = self.step * STEP_S
            is_open = self.passes.open(self.step)
            down = self.downlink.poll(now_s, DOWN_BYTES_PER_STEP if is_open else 0)
            assert sum(map(len, down)) <= DOWN_BYTES_PER_STEP
            for packet in down:
                assert is_open, "a packet offered to a closed link"
                if self._rng_down.random() < self.loss_down or self.drop(packet):
                    self.packets_lost += 1
                    continue
                self.delivered_steps.append(self.step)
                self.receiver.receive(packet)
            up = self.receiver.poll(now_s, UP_BYTES_PER_STEP if is_open else 0)
            for packet in up:
                assert is_open, "a packet offered to a closed link"
                if self._rng_up.random() < self.loss_up or self.drop(packet):
                    self.packets_lost += 1
                    continue
                self.downlink.receive(packet)
            self.step += 1

    def run_until_idle(self, max_steps: int) -> None:
        for _ in range(max_steps):
            self.run(1)
            if self.idle:
                return

    @property
    def idle(self) -> bool:
        memory = self.downlink.memory
        return (
            not memory.pending()
            and self.downlink.current_product is None
            and not self.receiver.active_transactions
        )


def product(product_id: str, size_bytes: int) -> bytes:
    return random.Random(product_id).randbytes(size_bytes)


def filled_memory(folder: Path, sizes=SIZES_BYTES) -> tuple[MassMemory, dict[str, bytes]]:
    memory = MassMemory(folder / FOLDER_NAME, CAPACITY_BYTES)
    stored = {}
    for n, size in enumerate(sizes):
        product_id = f"img-{n:03d}"
        stored[product_id] = product(product_id, size)
        memory.store(product_id, stored[product_id], {"target": f"T{n:03d}", "gsd_m": 0.7})
    return memory, stored


def link(tmp_path: Path, memory: MassMemory, passes: Passes, loss: float, seed: int = 1) -> Link:
    downlink = FileDownlink(memory, ack_timer_s=TIMER_S, nak_timer_s=TIMER_S)
    receiver = FileReceiver(tmp_path / "products", ack_timer_s=TIMER_S, nak_timer_s=TIMER_S)
    return Link(downlink, receiver, passes, loss_down=loss, loss_up=loss, seed=seed)


def confirm_only_what_ground_holds(run: Link) -> list[str]:
    """Wrap MassMemory.confirm: each call must come after the ground kept that product verified."""
    confirmed = []
    memory_confirm = run.downlink.memory.confirm

    def confirm(product_id: str) -> bool:
        held = {p.product_id: p for p in run.receiver.received}
        assert product_id in held, f"{product_id} deleted before the ground held it"
        assert held[product_id].data_path.read_bytes() == run.stored[product_id]
        confirmed.append(product_id)
        return memory_confirm(product_id)

    run.downlink.memory.confirm = confirm
    return confirmed


def assert_ground_holds(receiver: FileReceiver, stored: dict[str, bytes]) -> None:
    held = {p.product_id: p for p in receiver.received}
    assert sorted(held) == sorted(stored)
    for product_id, data in stored.items():
        assert held[product_id].data_path.read_bytes() == data
        assert held[product_id].sha256 == hashlib.sha256(data).hexdigest()
        metadata = json.loads(held[product_id].metadata_path.read_text())
        assert metadata["metadata"]["target"] == f"T{int(product_id[4:]):03d}"
        assert metadata["size_bytes"] == len(data)
    assert not list(receiver.incoming.iterdir())


@pytest.mark.parametrize("loss", [0.0, 0.05])
def test_every_product_delivered_verified_and_only_then_deleted(tmp_path, loss):
    memory, stored = filled_memory(tmp_path)
    run = link(tmp_path, memory, Passes(open_steps=40, closed_steps=25), loss)
    run.stored = stored
    confirmed = confirm_only_what_ground_holds(run)
    run.run_until_idle(max_steps=2_000)
    assert run.idle
    assert sorted(confirmed) == sorted(stored)
    assert memory.pending() == [] and memory.lost == []
    assert_ground_holds(run.receiver, stored)
    assert all(run.passes.open(step) for step in run.delivered_steps)
    counts = run.downlink.counts
    if loss == 0.0:
        assert run.packets_lost == 0
        assert counts["transactions_started"] == len(stored)
        assert counts["eof_sent"] == len(stored)  # nothing resent
    else:
        assert run.packets_lost > 0
    assert counts["transactions_failed"] == 0
    print(
        f"\nloss {loss:.0%}: {len(stored)} products, {sum(map(len, stored.values()))} B in {run.step} steps,"
        f" {counts['bytes_sent']} B sent, {run.packets_lost} packets lost, {dict(counts)}"
    )


@pytest.mark.parametrize("first_transaction_seq", [0, 1000])
def test_products_stored_during_a_pass_and_a_restart_of_the_flight_side(tmp_path, first_transaction_seq):
    """After a restart the sequence numbers may start again at 0 (clashing with the ground's history)."""
    memory, stored = filled_memory(tmp_path, SIZES_BYTES[:6])
    run = link(tmp_path, memory, Passes(open_steps=30, closed_steps=10), 0.05, seed=3)
    run.run(12)
    more = {"late-000": product("late-000", 180_000)}
    memory.store("late-000", more["late-000"], {"target": "T999"})
    run.run(3)
    # The flight software restarts: a new mass memory and CFDP entity on the same folder.
    reopened = MassMemory(tmp_path / FOLDER_NAME, CAPACITY_BYTES)
    assert reopened.lost == []
    run.downlink = FileDownlink(
        reopened, ack_timer_s=TIMER_S, nak_timer_s=TIMER_S, first_transaction_seq=first_transaction_seq
    )
    run.receiver.inactivity_s = 30.0
    run.run_until_idle(max_steps=2_000)
    assert run.idle and reopened.pending() == []
    held = {p.product_id: p for p in run.receiver.received}
    assert sorted(held) == sorted(stored | more)
    assert held["late-000"].data_path.read_bytes() == more["late-000"]


def test_a_pass_ending_mid_transfer_resumes_in_the_next(tmp_path):
    memory, stored = filled_memory(tmp_path, [400_000])
    run = link(tmp_path, memory, Passes(open_steps=8, closed_steps=600), 0.05, seed=5)
    run.run(8)
    assert run.downlink.current_product == "img-000"
    assert memory.pending() == ["img-000"] and run.receiver.received == []
    run.run(600)  # a long gap: no timer runs out while the link is closed
    assert run.downlink.counts["fault_positive_ack_limit_reached"] == 0
    assert not any(8 <= step < 608 for step in run.delivered_steps)
    run.passes = Passes(open_steps=1_000)  # the next pass, long enough
    run.run_until_idle(max_steps=100)
    assert run.idle and memory.pending() == []
    assert_ground_holds(run.receiver, stored)
    assert run.downlink.counts["transactions_started"] == 1  # resumed, not restarted
    assert min(run.delivered_steps) < 8 <= 608 <= max(run.delivered_steps)


def pdu_kind(packet: bytes, file_bytes: int = 0) -> str:
    """'file_data', 'file_data_last' (ending at `file_bytes`) or the directive's name (ACKs: of what)."""
    pdu = packet_to_pdu(packet, PacketType.TM) or packet_to_pdu(packet, PacketType.TC)
    if pdu.pdu_type == PduType.FILE_DATA:
        assert isinstance(pdu, FileDataPdu)
        return "file_data_last" if pdu.offset + len(pdu.file_data) == file_bytes else "file_data"
    if pdu.directive_type == DirectiveType.ACK_PDU:
        return f"ack_of_{DirectiveType(pdu.directive_code_of_acked_pdu).name}"
    return DirectiveType(pdu.directive_type).name


@pytest.mark.parametrize(
    "kind",
    [
        "METADATA_PDU",
        "file_data",
        "file_data_last",
        "EOF_PDU",
        "ack_of_EOF_PDU",
        "NAK_PDU",
        "FINISHED_PDU",
        "ack_of_FINISHED_PDU",
    ],
)
def test_each_kind_of_pdu_lost_is_recovered(tmp_path, kind):
    """The class 2 procedures one by one: the first PDU of each kind (the first three of them) lost."""
    memory, stored = filled_memory(tmp_path, [60_000])
    run = link(tmp_path, memory, Passes(open_steps=1_000), 0.0)
    dropped, gaps = [], []
    file_bytes = len(bundle("img-000", "0" * 64, {"target": "T000", "gsd_m": 0.7}, stored["img-000"]))

    def drop(packet: bytes) -> bool:
        if pdu_kind(packet, file_bytes) == kind and len(dropped) < 3:
            dropped.append(packet)
            return True
        if kind == "NAK_PDU" and pdu_kind(packet) == "file_data" and not gaps:
            gaps.append(packet)  # a gap, so that there is a NAK to lose
            return True
        return False

    run.drop = drop
    run.run_until_idle(max_steps=300)
    assert dropped and run.idle and memory.pending() == []
    assert_ground_holds(run.receiver, stored)
    assert run.downlink.counts["transactions_failed"] == 0


def test_a_transaction_abandoned_with_gaps_does_not_disturb_the_next(tmp_path):
    """The flight side restarts mid-transfer, a gap open at the ground; the next product is clean."""
    memory, _ = filled_memory(tmp_path, [200_000])
    run = link(tmp_path, memory, Passes(open_steps=1_000), 0.0)

    def drop(packet: bytes) -> bool:
        pdu = packet_to_pdu(packet, PacketType.TM)
        return isinstance(pdu, FileDataPdu) and pdu.offset == 20 * 1010

    run.drop = drop
    run.run(3)
    assert run.receiver.active_transactions == 1 and memory.pending() == ["img-000"]
    memory.confirm("img-000")  # gone from the new run's point of view
    small = product("small", 5_000)
    memory.store("small", small, {"target": "T001"})
    run.downlink = FileDownlink(memory, ack_timer_s=TIMER_S, nak_timer_s=TIMER_S, first_transaction_seq=1000)
    run.run(40)
    assert memory.pending() == []
    assert run.downlink.counts["transactions_failed"] == 0
    assert [p.product_id for p in run.receiver.received] == ["small"]


def test_a_product_corrupted_in_mass_memory_is_never_sent(tmp_path):
    memory, stored = filled_memory(tmp_path, [5_000, 120_000, 7_000])
    path = memory.folder / ("img-001" + DATA_SUFFIX)
    data = bytearray(path.read_bytes())
    data[60_000] ^= 0x04
    path.write_bytes(bytes(data))
    run = link(tmp_path, memory, Passes(open_steps=50), 0.05)
    sent: list[bytes] = []
    poll = run.downlink.poll
    run.downlink.poll = lambda now_s, budget: [p for p in poll(now_s, budget) if not sent.append(p)]
    run.run_until_idle(max_steps=500)
    assert memory.lost == ["img-001"] and memory.pending() == []
    assert run.downlink.counts["products_lost"] == 1
    assert_ground_holds(run.receiver, {k: v for k, v in stored.items() if k != "img-001"})
    assert not any(b"img-001" in packet for packet in sent)
    assert not any(bytes(data[59_990:60_010]) in packet for packet in sent)


def test_a_product_failing_its_sha256_on_the_ground_is_kept_on_board(tmp_path, monkeypatch):
    """The ground refuses it (Finished: incomplete); it stays on board and does not block the next."""
    memory, _ = filled_memory(tmp_path, [3_000, 9_000])
    real_bundle = file_downlink.bundle

    def tampered(product_id: str, sha256: str, metadata: dict, data: bytes) -> bytes:
        return real_bundle(product_id, "0" * 64 if product_id == "img-000" else sha256, metadata, data)

    monkeypatch.setattr(file_downlink, "bundle", tampered)
    run = link(tmp_path, memory, Passes(open_steps=50), 0.0)
    run.run(60)
    assert memory.pending() == ["img-000"]
    assert [p.product_id for p in run.receiver.received] == ["img-001"]
    assert run.receiver.counts["products_failed_sha256"] >= 2
    assert run.downlink.counts["transactions_failed"] >= 2
    assert not (run.receiver.products_dir / "img-000.bin").exists()
    assert not list(run.receiver.incoming.iterdir())


def test_carriage_round_trip_and_routing(tmp_path):
    memory, _ = filled_memory(tmp_path, [2_000])
    downlink = FileDownlink(memory)
    packets = downlink.poll(0.0, 100_000)
    assert packets and all(p[1] == CFDP_APID & 0xFF for p in packets)
    pdus = [packet_to_pdu(p, PacketType.TM) for p in packets]
    assert all(pdu is not None for pdu in pdus)
    assert [packet_to_pdu(p, PacketType.TC) for p in packets] == [None] * len(packets)  # TM is not TC
    ground_packet = pdu_to_packet(bytes(pdus[0].pack()), 5, PacketType.TC)
    assert packet_to_pdu(ground_packet, PacketType.TC) == pdus[0]
    assert packet_to_pdu(pdu_to_packet(bytes(pdus[0].pack()), 1, PacketType.TC), PacketType.TC) == pdus[0]


def test_eof_condition_codes_survive_the_carriage():
    """spacepackets 0.32 unpacks an EOF's condition code unshifted; the carriage puts it right."""
    conf = PduConfig(
        source_entity_id=ByteFieldU16(1),
        dest_entity_id=ByteFieldU16(2),
        transaction_seq_num=ByteFieldU16(7),
        trans_mode=TransmissionMode.ACKNOWLEDGED,
    )
    for condition in (c for c in ConditionCode if c >= 0):
        eof = EofPdu(file_checksum=b"\0\0\0\1", file_size=9, pdu_conf=conf, condition_code=condition)
        pdu = packet_to_pdu(pdu_to_packet(bytes(eof.pack()), 0, PacketType.TM), PacketType.TM)
        assert pdu.condition_code == condition


@functools.cache
def recorded_packets() -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    """The packets of a short transfer with 20 % loss each way: (downlinked TM, uplinked TC)."""
    with tempfile.TemporaryDirectory() as folder:
        memory, _ = filled_memory(Path(folder), [5_000, 0, 12_000])
        run = link(Path(folder), memory, Passes(open_steps=1_000), 0.2, seed=9)
        down, up = [], []
        run.receiver.receive = lambda p, receive=run.receiver.receive: down.append(p) or receive(p)
        run.downlink.receive = lambda p, receive=run.downlink.receive: up.append(p) or receive(p)
        run.run_until_idle(max_steps=500)
        assert run.idle
    return tuple(down), tuple(up)


def corrupted(data: st.DataObject, packets: tuple[bytes, ...]) -> tuple[int, bytes]:
    """(index, a packet of `packets` with bytes flipped, or cut short, or extended)."""
    index = data.draw(st.integers(0, len(packets) - 1))
    packet = bytearray(packets[index])
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(packet) - 1))
        packet[position] ^= data.draw(st.integers(1, 255))
    match data.draw(st.sampled_from(["flip", "cut", "extend"])):
        case "cut":
            packet = packet[: data.draw(st.integers(0, len(packet)))]
        case "extend":
            packet += data.draw(st.binary(min_size=1, max_size=40))
    return index, bytes(packet)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data())
def test_corrupted_real_packets_never_raise(tmp_path_factory, data):
    down, up = recorded_packets()
    folder = tmp_path_factory.mktemp("fuzz")
    receiver = FileReceiver(folder / "products", ack_timer_s=TIMER_S, nak_timer_s=TIMER_S)
    index, packet = corrupted(data, down)
    for good in down[:index]:
        receiver.receive(good)
    receiver.receive(packet)
    receiver.poll(1.0, 100_000)
    receiver.poll(100.0, 100_000)
    assert {p.parent for p in (folder / "products").rglob("*") if p.is_file()} <= {
        receiver.products_dir,
        receiver.incoming,
    }
    memory = MassMemory(folder / FOLDER_NAME, CAPACITY_BYTES)
    memory.store("img-000", product("img-000", 5_000), {})
    downlink = FileDownlink(memory, ack_timer_s=TIMER_S, nak_timer_s=TIMER_S)
    downlink.poll(0.0, 100_000)
    index, packet = corrupted(data, up)
    for good in up[:index]:
        downlink.receive(good)
    downlink.receive(packet)
    downlink.poll(1.0, 100_000)
    downlink.poll(100.0, 100_000)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(raw=st.binary(max_size=300), wrapped=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(tmp_path_factory, raw, wrapped):
    folder = tmp_path_factory.mktemp("fuzz")
    for packet_type in (PacketType.TC, PacketType.TM):  # never raises, whatever the bytes
        packet_to_pdu(raw, packet_type)
    receiver = FileReceiver(folder / "products")
    memory = MassMemory(folder / FOLDER_NAME, CAPACITY_BYTES)
    memory.store("p", b"payload" * 300, {})
    downlink = FileDownlink(memory)
    downlink.poll(0.0, 10_000)
    for packet in (raw, pdu_to_packet(wrapped, 0, PacketType.TM) if wrapped else raw):
        receiver.receive(packet)
    receiver.poll(1.0, 10_000)
    for packet in (raw, pdu_to_packet(wrapped, 0, PacketType.TC) if wrapped else raw):
        downlink.receive(packet)
    downlink.poll(1.0, 10_000)
    assert all(p.parent == receiver.incoming for p in receiver.incoming.iterdir())
