"""What both CFDP entities share — the spacecraft's source (flight/payload/file_downlink.py) and the
ground's destination (ground/file_receiver.py) — so it lives below both, in hal.

- Carriage: one PDU per space packet of `CFDP_APID` without a secondary header, TM going down and TC
  coming up, so the link layers route them by APID; `PduCarriage` is each entity's packet side.
- The bundle: the file of a transaction, a 4-byte big-endian length, a JSON header (`product_id`,
  `size_bytes`, `sha256`, `metadata`) and the product bytes, so data and metadata travel, and are
  confirmed, together.
- Contact time: cfdp-py's ACK, NAK and inactivity countdowns read `spacepackets.countdown.time_ms`;
  each entity runs cfdp-py inside `contact_time`, which swaps that function for seconds of open link,
  so a transfer freezes outside a pass and resumes in the next one. Not thread-safe: one caller each.
- The faults cfdp-py declares, counted; the check timers it asks for (class 1 only), on the same clock;
  a CFDP user that ignores every indication, for each entity to override the few it acts on.
"""

import hashlib
import json
import re
import struct
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager

from cfdppy import CfdpUserBase
from cfdppy.mib import CheckTimerProvider, DefaultFaultHandlerBase, EntityType
from cfdppy.user import (
    FileSegmentRecvdParams,
    MetadataRecvParams,
    TransactionFinishedParams,
    TransactionParams,
)
from spacepackets import countdown
from spacepackets.ccsds import PacketType, SpacePacketHeader
from spacepackets.cfdp import ConditionCode, GenericPduPacket, TransactionId
from spacepackets.cfdp.pdu import EofPdu, PduFactory
from spacepackets.countdown import Countdown
from spacepackets.util import UnsignedByteField

CFDP_APID = 0x101
SPACE_PACKET_HEADER_BYTES = 6
SEQ_MODULO = 1 << 14
FLIGHT_ENTITY_ID = 1
GROUND_ENTITY_ID = 2
PRODUCT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
BUNDLE_LENGTH = struct.Struct(">I")
DEFAULT_MAX_PDU_BYTES = 1024
DEFAULT_ACK_TIMER_S = 10.0
DEFAULT_NAK_TIMER_S = 10.0
DEFAULT_TIMER_LIMIT = 10
DEFAULT_INACTIVITY_S = 120.0


def pdu_to_packet(pdu: bytes, seq_count: int, packet_type: PacketType) -> bytes:
    """One CFDP PDU in a space packet of `CFDP_APID` (TM down, TC up), no secondary header."""
    header = SpacePacketHeader(
        packet_type=packet_type, apid=CFDP_APID, seq_count=seq_count % SEQ_MODULO, data_len=len(pdu) - 1
    )
    return bytes(header.pack()) + pdu


def packet_to_pdu(packet: bytes, packet_type: PacketType) -> GenericPduPacket | None:
    """The CFDP PDU of a space packet of `CFDP_APID` and `packet_type`; None for anything else."""
    try:
        header = SpacePacketHeader.unpack(packet)
        if (
            header.apid != CFDP_APID
            or header.packet_type != packet_type
            or header.sec_header_flag
            or len(packet) != header.packet_len
        ):
            return None
        pdu = PduFactory.from_raw(packet[SPACE_PACKET_HEADER_BYTES:])
        if isinstance(pdu, EofPdu) and pdu.condition_code > max(ConditionCode):
            # spacepackets 0.32 unpacks an EOF's condition code without shifting it down
            pdu.condition_code = ConditionCode(pdu.condition_code >> 4)
        return pdu
    except Exception:  # a malformed PDU from the link is dropped: fail operational, never crash
        return None


class PduCarriage:
    """The packet side of one CFDP entity: PDUs that came in as space packets of `inbound` wait in
    `inbox` for the entity to take them; the PDUs it sends go out as space packets of `outbound`,
    numbered in turn, and leave in order within each call's byte budget. Counts go to `counts`."""

    def __init__(self, inbound: PacketType, outbound: PacketType, counts: Counter[str]):
        self._inbound, self._outbound = inbound, outbound
        self.counts = counts
        self.inbox: deque[GenericPduPacket] = deque()
        self._outbox: deque[bytes] = deque()
        self._seq_count = 0

    def receive(self, packet: bytes) -> None:
        """A space packet from the link: its PDU joins the inbox; anything else is counted and dropped."""
        pdu = packet_to_pdu(packet, self._inbound)
        if pdu is None:
            self.counts["packets_rejected"] += 1
            return
        self.counts["pdus_received"] += 1
        self.inbox.append(pdu)

    def send(self, pdu: bytes) -> None:
        """Queue a packed PDU for the link."""
        self._outbox.append(pdu_to_packet(pdu, self._seq_count, self._outbound))
        self._seq_count += 1

    @property
    def queued(self) -> bool:
        """Packets wait that the last budget did not fit."""
        return bool(self._outbox)

    def take(self, budget_bytes: int) -> list[bytes]:
        """The packets at the front of the queue that fit in `budget_bytes`, in order."""
        sent: list[bytes] = []
        while self._outbox and len(self._outbox[0]) <= budget_bytes:
            budget_bytes -= len(self._outbox[0])
            sent.append(self._outbox.popleft())
        self.counts["packets_sent"] += len(sent)
        self.counts["bytes_sent"] += sum(len(p) for p in sent)
        return sent


def bundle(product_id: str, sha256: str, metadata: dict, data: bytes) -> bytes:
    """The file a transaction carries: length-prefixed JSON header, then the product bytes."""
    header = json.dumps(
        {"product_id": product_id, "size_bytes": len(data), "sha256": sha256, "metadata": metadata},
        sort_keys=True,
    ).encode()
    return BUNDLE_LENGTH.pack(len(header)) + header + data


def unbundle(raw: bytes) -> tuple[dict, bytes] | None:
    """(header, product bytes) of a bundle whose product matches its header's size and SHA-256; else None."""
    if len(raw) < BUNDLE_LENGTH.size:
        return None
    (header_bytes,) = BUNDLE_LENGTH.unpack_from(raw)
    try:
        header = json.loads(raw[BUNDLE_LENGTH.size : BUNDLE_LENGTH.size + header_bytes])
    except (ValueError, UnicodeDecodeError):
        return None
    data = raw[BUNDLE_LENGTH.size + header_bytes :]
    if (
        not isinstance(header, dict)
        or not isinstance(header.get("product_id"), str)
        or not PRODUCT_ID.fullmatch(header["product_id"])
        or header.get("size_bytes") != len(data)
        or header.get("sha256") != hashlib.sha256(data).hexdigest()
        or not isinstance(header.get("metadata"), dict)
    ):
        return None
    return header, data


def coalesced(segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching (start, end) segments merged, sorted by start."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(segments):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class ContactClock:
    """Seconds of open link: advances with the caller's clock between calls that both found it open,
    so a caller may stop calling while the link stays closed (after one call that saw it close)."""

    def __init__(self) -> None:
        self.contact_s = 0.0
        self._last_s: float | None = None
        self._was_open = False

    def advance(self, now_s: float, link_open: bool) -> None:
        if link_open and self._was_open and self._last_s is not None:
            self.contact_s += max(0.0, now_s - self._last_s)
        self._last_s = now_s
        self._was_open = link_open


@contextmanager
def contact_time(clock: ContactClock) -> Iterator[None]:
    """Run cfdp-py's countdowns on `clock` for the duration of the block."""
    wall_time_ms = countdown.time_ms
    countdown.time_ms = lambda: round(clock.contact_s * 1000.0)
    try:
        yield
    finally:
        countdown.time_ms = wall_time_ms


class FaultLog(DefaultFaultHandlerBase):
    """Counts the faults cfdp-py declares; its own handling (cancel the transaction) stands."""

    def __init__(self, counts: Counter) -> None:
        super().__init__()
        self._counts = counts

    def _count(self, cond: ConditionCode) -> None:
        self._counts[f"fault_{cond.name.lower()}"] += 1

    def notice_of_suspension_cb(
        self, transaction_id: TransactionId, cond: ConditionCode, progress: int
    ) -> None:
        self._count(cond)

    def notice_of_cancellation_cb(
        self, transaction_id: TransactionId, cond: ConditionCode, progress: int
    ) -> None:
        self._count(cond)

    def abandoned_cb(self, transaction_id: TransactionId, cond: ConditionCode, progress: int) -> None:
        self._count(cond)

    def ignore_cb(self, transaction_id: TransactionId, cond: ConditionCode, progress: int) -> None:
        self._count(cond)


class ContactCheckTimers(CheckTimerProvider):
    """Check timers (class 1 only; kept for cfdp-py's interface) on the same contact clock."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s

    def provide_check_timer(
        self, local_entity_id: UnsignedByteField, remote_entity_id: UnsignedByteField, entity_type: EntityType
    ) -> Countdown:
        return Countdown.from_seconds(self.interval_s)


class IgnoringUser(CfdpUserBase):
    """A CFDP user that takes note of nothing; each entity overrides the indications it acts on."""

    def transaction_indication(self, transaction_indication_params: TransactionParams) -> None:
        pass

    def eof_sent_indication(self, transaction_id: TransactionId) -> None:
        pass

    def transaction_finished_indication(self, params: TransactionFinishedParams) -> None:
        pass

    def metadata_recv_indication(self, params: MetadataRecvParams) -> None:
        pass

    def file_segment_recv_indication(self, params: FileSegmentRecvdParams) -> None:
        pass

    def report_indication(self, transaction_id: TransactionId, status_report: object) -> None:
        pass

    def suspended_indication(self, transaction_id: TransactionId, cond_code: ConditionCode) -> None:
        pass

    def resumed_indication(self, transaction_id: TransactionId, progress: int) -> None:
        pass

    def fault_indication(
        self, transaction_id: TransactionId, cond_code: ConditionCode, progress: int
    ) -> None:
        pass

    def abandoned_indication(
        self, transaction_id: TransactionId, cond_code: ConditionCode, progress: int
    ) -> None:
        pass

    def eof_recv_indication(self, transaction_id: TransactionId) -> None:
        pass
