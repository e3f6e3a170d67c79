"""The onboard CFDP source entity: mass-memory products go down in class 2 (acknowledged) with cfdp-py.

One transaction per product, one at a time. The file of a transaction is a *bundle*: a 4-byte
big-endian length, a JSON header (`product_id`, `size_bytes`, `sha256`, `metadata`) and the product
bytes — so data and metadata travel, and are confirmed, together. The bundle is built from bytes
the mass memory has just verified against their SHA-256; a product that fails is reported lost by
the mass memory and never sent. The ground checks the CFDP CRC-32 of the bundle and the SHA-256 of
the product before it answers Finished "complete"; only such a Finished (no error, data complete,
file retained) makes `MassMemory.confirm` delete the product. Any other end (cancelled, fault,
limits reached, `inactivity_s` of contact time without a word from the ground) leaves the product
pending for a later transaction. Two gaps of cfdp-py 0.7 are bridged here: a Finished PDU that
arrives while the handler still waits for the EOF's ACK (the ACK was lost) is taken as that ACK
too, and NAK segment requests are merged before the handler sees them.

PDUs ride in space packets without a secondary header: TM packets of `CFDP_APID` down, TC packets
of the same APID up (ccsds/cfdp_carriage.py `PduCarriage`), so the link layer routes them by APID.

Timers: cfdp-py's ACK and NAK timers read `spacepackets.countdown.time_ms`. Every call into the
handler runs with that function swapped for *contact time* — time that advances only while the
link is open (`poll` with a budget). Outside a pass a transaction is frozen, as if suspended, and
resumes at the next pass; simulation drives it with the simulated clock, real time with the wall
clock, both through `poll(now_s, ...)`. Not thread-safe: one executive thread calls it.
"""

import struct
import zlib
from collections import Counter
from pathlib import Path
from typing import BinaryIO

from cfdppy import (
    CfdpState,
    IndicationConfig,
    LocalEntityConfig,
    PutRequest,
    RemoteEntityConfig,
)
from cfdppy.filestore import VirtualFilestore
from cfdppy.handler import SourceHandler, SourceTransactionStep
from cfdppy.mib import RemoteEntityConfigTable
from cfdppy.user import (
    TransactionFinishedParams,
    TransactionParams,
)
from spacepackets.ccsds import PacketType
from spacepackets.cfdp import (
    ChecksumType,
    ConditionCode,
    DeliveryCode,
    Direction,
    FileStatus,
    FilestoreResponseStatusCode,
    GenericPduPacket,
    TransactionId,
    TransmissionMode,
)
from spacepackets.cfdp.pdu import (
    AckPdu,
    DirectiveType,
    FinishedPdu,
    NakPdu,
    TransactionStatus,
)
from spacepackets.seqcount import SeqCountProvider
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
    bundle,
    coalesced,
    contact_time,
)
from flight.payload.mass_memory import MassMemory

BUNDLE_SUFFIX = ".zpk"
FINISHED_HISTORY = 64


def coalesced_nak(nak: NakPdu) -> NakPdu:
    """The NAK with its file segment requests merged (the metadata request (0, 0) kept first).

    A ground that asks for the same bytes many times over then costs one retransmission, not many.
    """
    metadata = [(0, 0)] if (0, 0) in nak.segment_requests else []
    merged = coalesced([r for r in nak.segment_requests if r != (0, 0)])
    return NakPdu(nak.pdu_header.pdu_conf, nak.start_of_scope, nak.end_of_scope, metadata + merged)


class _BundleStore(VirtualFilestore):
    """A read-only filestore of the bundles in flight, held in memory after verification."""

    def __init__(self) -> None:
        self.files: dict[Path, bytes] = {}

    def read_data(self, file: Path, offset: int | None, read_len: int) -> bytes:
        start = offset or 0
        return self.files[file][start : start + read_len]

    def read_from_opened_file(self, bytes_io: BinaryIO, offset: int, read_len: int) -> bytes:
        bytes_io.seek(offset)
        return bytes_io.read(read_len)

    def is_directory(self, path: Path) -> bool:
        return False

    def filename_from_full_path(self, path: Path) -> str | None:
        return path.name

    def file_exists(self, path: Path) -> bool:
        return path in self.files

    def truncate_file(self, file: Path) -> None:
        raise PermissionError(file)

    def file_size(self, file: Path) -> int:
        return len(self.files[file])

    def write_data(self, file: Path, data: bytes, offset: int | None) -> None:
        raise PermissionError(file)

    def create_file(self, file: Path) -> FilestoreResponseStatusCode:
        raise PermissionError(file)

    def delete_file(self, file: Path) -> FilestoreResponseStatusCode:
        self.files.pop(file, None)
        return FilestoreResponseStatusCode.DELETE_SUCCESS

    def rename_file(self, _old_file: Path, _new_file: Path) -> FilestoreResponseStatusCode:
        raise PermissionError(_old_file)

    def replace_file(self, _replaced_file: Path, _source_file: Path) -> FilestoreResponseStatusCode:
        raise PermissionError(_replaced_file)

    def create_directory(self, _dir_name: Path) -> FilestoreResponseStatusCode:
        raise PermissionError(_dir_name)

    def remove_directory(self, _dir_name: Path, recursive: bool) -> FilestoreResponseStatusCode:
        raise PermissionError(_dir_name)

    def list_directory(
        self, dir_name: Path, target_file: Path, recursive: bool = False
    ) -> FilestoreResponseStatusCode:
        raise PermissionError(dir_name)

    def calculate_checksum(
        self, checksum_type: ChecksumType, file_path: Path, size_to_verify: int, segment_len: int = 4096
    ) -> bytes:
        if checksum_type != ChecksumType.CRC_32:
            raise ValueError(f"only CRC-32 bundles are sent, not {checksum_type!r}")
        return struct.pack("!I", zlib.crc32(self.files[file_path][:size_to_verify]))

    def verify_checksum(
        self, checksum: bytes, checksum_type: ChecksumType, file_path: Path, size_to_verify: int
    ) -> bool:
        return checksum == self.calculate_checksum(checksum_type, file_path, size_to_verify)


class _SourceUser(IgnoringUser):
    """cfdp-py's indications for the source: a complete Finished confirms the product."""

    def __init__(self, downlink: "FileDownlink") -> None:
        super().__init__(vfs=_BundleStore())
        self._downlink = downlink

    def transaction_indication(self, transaction_indication_params: TransactionParams) -> None:
        self._downlink.counts["transactions_started"] += 1

    def eof_sent_indication(self, transaction_id: TransactionId) -> None:
        self._downlink.counts["eof_sent"] += 1

    def transaction_finished_indication(self, params: TransactionFinishedParams) -> None:
        self._downlink._finished(params)


def delivered_complete(finished: TransactionFinishedParams) -> bool:
    """A Finished that lets the product go: no error, data complete, file retained on the ground."""
    params = finished.finished_params
    return (
        params.condition_code == ConditionCode.NO_ERROR
        and params.delivery_code == DeliveryCode.DATA_COMPLETE
        and params.file_status == FileStatus.FILE_RETAINED
    )


TRANSACTIONS_PER_BOOT = 4096
"""Each boot numbers its transactions from a block of its own, so that a PDU of a transaction an earlier
boot left open (still on the air, or queued on the ground when it restarted too) names none of this
boot's transactions: a stale Finished can never confirm, and so delete, a product the ground lacks."""


def first_seq_of_boot(boot_count: int) -> int:
    """The first transaction sequence number of boot `boot_count` (1 for the first boot: 0)."""
    return (boot_count - 1) * TRANSACTIONS_PER_BOOT % (1 << 16)


class FileDownlink:
    """Sends the pending products of `memory` to the ground entity, deleting each only once confirmed.

    Call `poll(now_s, budget_bytes)` every cycle for the TM packets to send (`budget_bytes` = 0 while
    no station is in view) and `receive(packet)` for each uplinked CFDP packet.
    """

    def __init__(
        self,
        memory: MassMemory,
        local_entity_id: int = FLIGHT_ENTITY_ID,
        remote_entity_id: int = GROUND_ENTITY_ID,
        max_pdu_bytes: int = DEFAULT_MAX_PDU_BYTES,
        ack_timer_s: float = DEFAULT_ACK_TIMER_S,
        nak_timer_s: float = DEFAULT_NAK_TIMER_S,
        timer_limit: int = DEFAULT_TIMER_LIMIT,
        inactivity_s: float = DEFAULT_INACTIVITY_S,
        first_transaction_seq: int = 0,
    ) -> None:
        self.memory = memory
        self.counts: Counter[str] = Counter()
        self.confirmed: list[str] = []
        self.clock = ContactClock()
        self._remote_id = ByteFieldU16(remote_entity_id)
        self._user = _SourceUser(self)
        self._store: _BundleStore = self._user.vfs
        remote = RemoteEntityConfig(
            entity_id=self._remote_id,
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
        )
        sequence = SeqCountProvider(16)
        sequence.count = first_transaction_seq % (1 << 16)
        self._source = SourceHandler(
            cfg=LocalEntityConfig(ByteFieldU16(local_entity_id), IndicationConfig(), FaultLog(self.counts)),
            user=self._user,
            remote_cfg_table=RemoteEntityConfigTable([remote]),
            check_timer_provider=ContactCheckTimers(ack_timer_s),
            seq_num_provider=sequence,
        )
        self._carriage = PduCarriage(PacketType.TC, PacketType.TM, self.counts)
        self._current: tuple[str, Path] | None = None
        self._finished_seqs: dict[int, None] = {}
        self._failures: Counter[str] = Counter()
        self.inactivity_s = inactivity_s
        self._last_activity_s = 0.0

    @property
    def current_product(self) -> str | None:
        """The product of the transaction in progress, if any."""
        return self._current[0] if self._current else None

    def receive(self, packet: bytes) -> None:
        """An uplinked space packet: its CFDP PDU waits for the next `poll`; anything else is dropped."""
        self._carriage.receive(packet)

    def poll(self, now_s: float, budget_bytes: int) -> list[bytes]:
        """Advance the transfers to `now_s` and return TM packets of at most `budget_bytes` in total."""
        link_open = budget_bytes > 0
        self.clock.advance(now_s, link_open)
        if not link_open:
            return []
        sent: list[bytes] = []
        with contact_time(self.clock):
            while True:
                taken = self._carriage.take(budget_bytes)
                budget_bytes -= sum(len(p) for p in taken)
                sent += taken
                if self._carriage.queued or not self._step():
                    break
        return sent

    def _step(self) -> bool:
        """One call into the source handler; False when it has nothing more to do this cycle."""
        inbox = self._carriage.inbox
        if inbox:
            pdu = inbox.popleft()
            try:
                self._feed(pdu)
            except Exception as error:  # a PDU that parses but makes no sense: counted, dropped
                self.counts[f"pdus_ignored_{type(error).__name__}"] += 1
        elif self._current is None:
            if not self._start_next():
                return False
        else:
            self._run(None)
        produced = self._drain()
        if self._current is not None and self._source.state == CfdpState.IDLE:
            self._end_current(complete=False)  # abandoned by cfdp-py without a Finished
        elif self._current is not None and self.clock.contact_s - self._last_activity_s > self.inactivity_s:
            self._source.reset()  # nothing heard from the ground for too long
            self.counts["transactions_inactive"] += 1
            self._end_current(complete=False)
        return produced or bool(inbox)

    def _feed(self, pdu: GenericPduPacket) -> None:
        if isinstance(pdu, FinishedPdu) and self._answer_stale_finished(pdu):
            return
        if isinstance(pdu, NakPdu):
            pdu = coalesced_nak(pdu)
        if (
            isinstance(pdu, FinishedPdu)
            and self._source.step == SourceTransactionStep.WAITING_FOR_EOF_ACK
            and pdu.transaction_seq_num.value == self._source.transaction_seq_num.value
        ):
            # The ground only sends Finished after our EOF: its ACK was lost. cfdp-py 0.7 would
            # ignore this Finished while it waits for that ACK, so take the Finished as the ACK too.
            conf = pdu.pdu_header.pdu_conf
            self._run(AckPdu(conf, DirectiveType.EOF_PDU, ConditionCode.NO_ERROR, TransactionStatus.ACTIVE))
            self._drain()
            self.counts["finished_taken_as_eof_ack"] += 1
        if (
            self._current is not None
            and pdu.transaction_seq_num.value == self._source.transaction_seq_num.value
        ):
            self._last_activity_s = self.clock.contact_s
        self._run(pdu)

    def _run(self, pdu: GenericPduPacket | None) -> None:
        try:
            self._source.state_machine(pdu)
        except Exception as error:  # a PDU the handler refuses (stale, wrong state): counted, dropped
            self.counts[f"pdus_ignored_{type(error).__name__}"] += 1

    def _drain(self) -> bool:
        produced = False
        while (holder := self._source.get_next_packet()) is not None:
            self._carriage.send(bytes(holder.pdu.pack()))
            produced = True
        return produced

    def _answer_stale_finished(self, pdu: FinishedPdu) -> bool:
        """ACK a repeated Finished of a transaction already over (its ACK was lost); True if it was one."""
        seq = pdu.transaction_seq_num.value
        if seq == self._source.transaction_seq_num.value and self._current is not None:
            return False
        if seq not in self._finished_seqs:
            return False
        conf = pdu.pdu_header.pdu_conf
        conf.direction = Direction.TOWARDS_RECEIVER
        ack = AckPdu(conf, DirectiveType.FINISHED_PDU, pdu.condition_code, TransactionStatus.TERMINATED)
        self._carriage.send(bytes(ack.pack()))
        self.counts["stale_finished_acked"] += 1
        return True

    def _start_next(self) -> bool:
        """Put the next product that verifies into a new transaction; False if none is left.

        Oldest first among those that failed least often, so that one product that keeps failing
        does not hold back the others.
        """
        for product_id in sorted(self.memory.pending(), key=lambda p: self._failures[p]):
            data = self.memory.read(product_id)
            product = self.memory.product(product_id)
            if data is None or product is None:
                self.counts["products_lost"] += 1
                continue
            name = Path(product_id + BUNDLE_SUFFIX)
            self._store.files[name] = bundle(product_id, product.sha256, product.metadata, data)
            self._current = (product_id, name)
            self._last_activity_s = self.clock.contact_s
            self._source.put_request(
                PutRequest(
                    destination_id=self._remote_id,
                    source_file=name,
                    dest_file=name,
                    trans_mode=TransmissionMode.ACKNOWLEDGED,
                    closure_requested=True,
                )
            )
            self._run(None)
            return True
        return False

    def _finished(self, params: TransactionFinishedParams) -> None:
        """The transaction is over: confirm the product if the ground has it whole, else keep it."""
        self._finished_seqs[params.transaction_id.seq_num.value] = None
        while len(self._finished_seqs) > FINISHED_HISTORY:
            del self._finished_seqs[next(iter(self._finished_seqs))]
        self._end_current(complete=delivered_complete(params))

    def _end_current(self, complete: bool) -> None:
        if self._current is None:
            return
        product_id, name = self._current
        self._current = None
        self._store.files.pop(name, None)
        if complete:
            self.memory.confirm(product_id)
            self.confirmed.append(product_id)
            self.counts["products_confirmed"] += 1
        else:
            self._failures[product_id] += 1
            self.counts["transactions_failed"] += 1
