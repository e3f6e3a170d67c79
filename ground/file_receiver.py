"""The ground CFDP destination entity: receives image products in class 2 (acknowledged) with cfdp-py.

Each transaction carries one *bundle* (see flight/payload/file_downlink.py): a 4-byte big-endian
length, a JSON header (`product_id`, `size_bytes`, `sha256`, `metadata`) and the product bytes. It
is assembled in `<products>/incoming/`; when cfdp-py has the whole file and its CRC-32 matches, the
receiver also checks the product's size and SHA-256 against the header, and only then writes
`<products>/<id>.png` (a PNG image) or `<id>.bin` (anything else) and `<id>.json` (atomically) and
lets the Finished PDU say "complete, file retained" — the one answer that makes the spacecraft
delete its copy. A product that fails its SHA-256 turns that Finished into "incomplete, checksum
failure, discarded", so the spacecraft keeps it and sends it again.

One cfdp-py DestHandler per transaction (keyed by source entity and sequence number), so PDUs of
different transactions never mix in one file; a Metadata PDU with an unsafe file name is dropped
before any file is created. EOF PDUs of transactions already over are acknowledged again (CFDP
4.7.2). A transaction that hears nothing for `inactivity_s` of contact time is dropped with its
partial file.

Two gaps of cfdp-py 0.7 are bridged here: an EOF that arrived before its Metadata PDU is handed to
the handler again once the Metadata is in (cfdp-py would wait for a second EOF that never comes);
and each transaction keeps its own lost-segment list, coalesced (cfdp-py shares one list among all
transactions, and grows it by one overlapping segment per file data PDU received before the
Metadata PDU, so that its NAKs grow without bound).

Carriage and timers mirror the flight side: PDUs in space packets of `CFDP_APID`, TM down and TC
up; cfdp-py's countdowns run on contact time, which advances only while `poll` is given a budget.
"""

import copy
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from cfdppy import CfdpState, IndicationConfig, LocalEntityConfig, RemoteEntityConfig
from cfdppy.handler import DestHandler, DestTransactionStep
from cfdppy.handler.dest import _AckedModeParams, acknowledge_inactive_eof_pdu
from cfdppy.mib import RemoteEntityConfigTable
from cfdppy.restricted_filestore import RestrictedFilestore
from cfdppy.user import (
    MetadataRecvParams,
    TransactionFinishedParams,
)
from spacepackets.ccsds import PacketType
from spacepackets.cfdp import (
    ChecksumType,
    ConditionCode,
    DeliveryCode,
    FileStatus,
    GenericPduPacket,
    TransactionId,
    TransmissionMode,
)
from spacepackets.cfdp.pdu import EofPdu, MetadataPdu, TransactionStatus
from spacepackets.util import ByteFieldU16

from ccsds.cfdp_carriage import (
    DEFAULT_ACK_TIMER_S,
    DEFAULT_INACTIVITY_S,
    DEFAULT_MAX_PDU_BYTES,
    DEFAULT_NAK_TIMER_S,
    DEFAULT_TIMER_LIMIT,
    FLIGHT_ENTITY_ID,
    GROUND_ENTITY_ID,
    ContactCheckTimers,
    ContactClock,
    FaultLog,
    IgnoringUser,
    PduCarriage,
    coalesced,
    contact_time,
    unbundle,
)
from native.atomic_file import write_atomically

INCOMING_FOLDER = "incoming"
BUNDLE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.zpk")
TRANSACTION_HISTORY = 256

TransactionKey = tuple[int, int]

# cfdp-py 0.7 gives every transaction of every DestHandler the same LostSegmentTracker (a mutable
# dataclass default): each transaction's lost segments are swapped in and out around each call.
_SHARED_LOST_SEGMENTS = _AckedModeParams().lost_seg_tracker


@dataclass(frozen=True)
class ReceivedProduct:
    """A product the ground holds complete and verified."""

    product_id: str
    size_bytes: int
    sha256: str
    data_path: Path
    metadata_path: Path


class _DestUser(IgnoringUser):
    """cfdp-py's indications for the destination: the product check before Finished goes out."""

    def __init__(self, receiver: "FileReceiver", incoming: Path) -> None:
        super().__init__(vfs=RestrictedFilestore(incoming))
        self._receiver = receiver
        self.names: dict[TransactionKey, str] = {}

    def transaction_finished_indication(self, params: TransactionFinishedParams) -> None:
        self._receiver._finished(params)

    def metadata_recv_indication(self, params: MetadataRecvParams) -> None:
        if params.dest_file_name is not None:
            self.names[_key_of(params.transaction_id)] = params.dest_file_name


def _key_of(transaction_id: TransactionId) -> TransactionKey:
    return transaction_id.source_id.value, transaction_id.seq_num.value


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _suffix(data: bytes) -> str:
    """The file name suffix of a product: .png for a PNG image (so it opens as one), else .bin."""
    return ".png" if data.startswith(PNG_SIGNATURE) else ".bin"


class FileReceiver:
    """Receives products from the flight entity into `products_dir`.

    Call `receive(packet)` for each downlinked CFDP packet and `poll(now_s, budget_bytes)` every cycle
    for the TC packets to uplink (`budget_bytes` = 0 while the spacecraft is out of view).
    """

    def __init__(
        self,
        products_dir: Path,
        local_entity_id: int = GROUND_ENTITY_ID,
        remote_entity_id: int = FLIGHT_ENTITY_ID,
        max_pdu_bytes: int = DEFAULT_MAX_PDU_BYTES,
        ack_timer_s: float = DEFAULT_ACK_TIMER_S,
        nak_timer_s: float = DEFAULT_NAK_TIMER_S,
        timer_limit: int = DEFAULT_TIMER_LIMIT,
        inactivity_s: float = DEFAULT_INACTIVITY_S,
    ) -> None:
        self.products_dir = Path(products_dir).resolve()
        self.incoming = self.products_dir / INCOMING_FOLDER
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.counts: Counter[str] = Counter()
        self.clock = ContactClock()
        self.inactivity_s = inactivity_s
        self._products: dict[str, ReceivedProduct] = {}
        self._user = _DestUser(self, self.incoming)
        remote = RemoteEntityConfig(
            entity_id=ByteFieldU16(remote_entity_id),
            max_file_segment_len=None,
            max_packet_len=max_pdu_bytes,
            closure_requested=True,
            crc_on_transmission=False,
            default_transmission_mode=TransmissionMode.ACKNOWLEDGED,
            crc_type=ChecksumType.CRC_32,
            positive_ack_timer_interval_seconds=ack_timer_s,
            positive_ack_timer_expiration_limit=timer_limit,
            nak_timer_interval_seconds=nak_timer_s,
            nak_timer_expiration_limit=timer_limit,
            disposition_on_cancellation=True,
            immediate_nak_mode=False,
        )
        self._local = LocalEntityConfig(
            ByteFieldU16(local_entity_id), IndicationConfig(), FaultLog(self.counts)
        )
        self._remotes = RemoteEntityConfigTable([remote])
        self._check_timers = ContactCheckTimers(nak_timer_s)
        self._handlers: dict[TransactionKey, DestHandler] = {}
        self._last_heard_s: dict[TransactionKey, float] = {}
        self._history: dict[TransactionKey, None] = {}
        self._eofs: dict[TransactionKey, EofPdu] = {}
        self._lost_segments: dict[TransactionKey, list[tuple[int, int]]] = {}
        self._carriage = PduCarriage(PacketType.TM, PacketType.TC, self.counts)

    @property
    def received(self) -> list[ReceivedProduct]:
        """Every product received complete and verified, in order of arrival."""
        return list(self._products.values())

    @property
    def active_transactions(self) -> int:
        return len(self._handlers)

    @property
    def idle(self) -> bool:
        """No transaction open and no PDU waiting either way: until a packet comes, `poll` only advances
        the contact clock (a caller may do just that: `clock.advance(now_s, True)`)."""
        return not (self._handlers or self._carriage.inbox or self._carriage.queued)

    def receive(self, packet: bytes) -> None:
        """A downlinked space packet: its CFDP PDU waits for the next `poll`; anything else is dropped."""
        self._carriage.receive(packet)

    def poll(self, now_s: float, budget_bytes: int) -> list[bytes]:
        """Advance the transfers to `now_s` and return TC packets of at most `budget_bytes` in total."""
        link_open = budget_bytes > 0
        self.clock.advance(now_s, link_open)
        if not link_open:
            return []
        with contact_time(self.clock):
            inbox = self._carriage.inbox
            while inbox:
                pdu = inbox.popleft()
                try:
                    self._feed(pdu)
                except Exception as error:  # a PDU that parses but makes no sense: counted, dropped
                    self.counts[f"pdus_ignored_{type(error).__name__}"] += 1
            for key in list(self._handlers):
                self._run(key, None)
        return self._carriage.take(budget_bytes)

    # -- inside -----------------------------------------------------------------------------------

    def _feed(self, pdu: GenericPduPacket) -> None:
        try:
            key = (pdu.source_entity_id.value, pdu.transaction_seq_num.value)
        except Exception:  # a PDU without usable entity or sequence fields
            self.counts["pdus_ignored_header"] += 1
            return
        if isinstance(pdu, MetadataPdu) and not self._safe_names(pdu):
            self.counts["pdus_ignored_unsafe_name"] += 1
            return
        if key not in self._handlers:
            if key in self._history and not isinstance(pdu, MetadataPdu):
                if isinstance(pdu, EofPdu):
                    ack = acknowledge_inactive_eof_pdu(pdu, TransactionStatus.TERMINATED)
                    self._queue(bytes(ack.pack()))
                    self.counts["inactive_eof_acked"] += 1
                return
            self._handlers[key] = DestHandler(self._local, self._user, self._remotes, self._check_timers)
        self._last_heard_s[key] = self.clock.contact_s
        if isinstance(pdu, EofPdu):  # a copy: cfdp-py turns the direction of a first PDU around
            self._eofs[key] = copy.deepcopy(pdu)
        self._run(key, pdu)
        if (
            isinstance(pdu, MetadataPdu)
            and key in self._eofs
            and key in self._handlers
            and self._handlers[key].step == DestTransactionStep.RECEIVING_FILE_DATA
        ):
            # cfdp-py 0.7 forgets an EOF that came before the Metadata PDU (it waits for another,
            # which the source, its EOF acknowledged, never sends): hand it the EOF again.
            self.counts["eof_replayed_after_metadata"] += 1
            self._run(key, self._eofs[key])

    @staticmethod
    def _safe_names(pdu: MetadataPdu) -> bool:
        names = (pdu.dest_file_name, pdu.source_file_name)
        return all(n is not None and BUNDLE_NAME.fullmatch(n) for n in names)

    def _run(self, key: TransactionKey, pdu: GenericPduPacket | None) -> None:
        handler = self._handlers[key]
        _SHARED_LOST_SEGMENTS.lost_segments = self._lost_segments.get(key, [])
        try:
            handler.state_machine(pdu)
        except Exception as error:  # a PDU the handler refuses (wrong state, malformed): counted, dropped
            self.counts[f"pdus_ignored_{type(error).__name__}"] += 1
        # Coalesced, so that the segments of file data received before the Metadata PDU (one per
        # PDU, each from offset 0) do not pile up into ever longer NAKs.
        self._lost_segments[key] = coalesced(_SHARED_LOST_SEGMENTS.lost_segments)
        _SHARED_LOST_SEGMENTS.lost_segments = []
        while (holder := handler.get_next_packet()) is not None:
            self._queue(bytes(holder.pdu.pack()))
        if handler.state == CfdpState.IDLE:
            self._retire(key)
        elif self.clock.contact_s - self._last_heard_s.get(key, self.clock.contact_s) > self.inactivity_s:
            self.counts["transactions_inactive"] += 1
            name = self._user.names.get(key)
            if name is not None:
                (self.incoming / name).unlink(missing_ok=True)
            self._retire(key)

    def _retire(self, key: TransactionKey) -> None:
        self._handlers.pop(key, None)
        self._last_heard_s.pop(key, None)
        self._user.names.pop(key, None)
        self._eofs.pop(key, None)
        self._lost_segments.pop(key, None)
        self._history[key] = None
        while len(self._history) > TRANSACTION_HISTORY:
            del self._history[next(iter(self._history))]

    def _queue(self, pdu: bytes) -> None:
        self._carriage.send(pdu)

    def _finished(self, params: TransactionFinishedParams) -> None:
        """cfdp-py is about to send Finished: keep the product if it verifies, else make that Finished say so.

        cfdp-py builds the Finished PDU from this same `finished_params` object right after this
        indication, so what is set here is what the spacecraft hears.
        """
        key = _key_of(params.transaction_id)
        finished = params.finished_params
        name = self._user.names.get(key)
        bundle_path = self.incoming / name if name is not None else None
        complete = (
            finished.condition_code == ConditionCode.NO_ERROR
            and finished.delivery_code == DeliveryCode.DATA_COMPLETE
            and bundle_path is not None
        )
        if complete and self._keep(bundle_path):
            finished.file_status = FileStatus.FILE_RETAINED
        else:
            if complete:
                finished.condition_code = ConditionCode.FILE_CHECKSUM_FAILURE
                finished.delivery_code = DeliveryCode.DATA_INCOMPLETE
                self.counts["products_failed_sha256"] += 1
            finished.file_status = FileStatus.DISCARDED_DELIBERATELY
            self.counts["transactions_failed"] += 1
        if bundle_path is not None:
            bundle_path.unlink(missing_ok=True)

    def _keep(self, bundle_path: Path) -> bool:
        """Unpack and verify a bundle; write its product and metadata; False if it does not verify."""
        try:
            unpacked = unbundle(bundle_path.read_bytes())
        except OSError:
            return False
        if unpacked is None:
            return False
        header, data = unpacked
        product_id = header["product_id"]
        data_path = self.products_dir / f"{product_id}{_suffix(data)}"
        metadata_path = self.products_dir / f"{product_id}.json"
        write_atomically(data_path, data)
        record = {k: header[k] for k in ("product_id", "size_bytes", "sha256", "metadata")}
        write_atomically(metadata_path, json.dumps(record, indent=1, sort_keys=True).encode())
        if product_id in self._products:
            self.counts["products_duplicate"] += 1
        else:
            self.counts["products_received"] += 1
        self._products[product_id] = ReceivedProduct(
            product_id, len(data), header["sha256"], data_path, metadata_path
        )
        return True
