"""The onboard receiving end of the telecommand link: TC frame → SDLS → FARM-1 → space packets.

Each frame is checked in the order CryptoLib checks it — version, spacecraft and virtual channel from
the header, then (on a secured channel) the security association, CRC, MAC and anti-replay window —
then parsed as a TC frame and given to FARM-1; the packets of an accepted frame go to `deliver`. Every
frame is counted by what became of it (`counts`), and nothing raises on bytes: the reject reasons are
TcReject values, SdlsVerdict names in lower case, FARM-1 outcomes, or `bad_packet` for frame data that
does not split into whole space packets.

With a `state_file`, the anti-replay state (every association's last accepted ARSN and state, FARM-1's
V(R)) is kept in two checked copies beside it and read back at start; if it cannot be proven current the
link refuses authenticated TCs (`refused_link_state_lost`) until a `master` key re-synchronises each
association by SA-management procedures (flight/link/link_security_state.py says what survives what).
A frame protected with the master key is a Type-BD frame whose data are SA-management PDUs
(ccsds/sdls_management.py); its ARSN is anti-replayed and persisted like any other.
"""

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ccsds.sdls import SPI_BYTES, SaState, SdlsReceiver, SdlsVerdict, SecurityAssociation
from ccsds.sdls_management import SaPdu, SaProcedure, decode_pdus
from ccsds.tc_frame import PRIMARY_HEADER_BYTES, SEGMENT_HEADER_BYTES, TcReject, decode_tc_frame
from flight.application import CommandCounters
from flight.events import EventLog
from flight.link.farm import Farm1, FarmOutcome
from flight.link.link_security_state import (
    FRAME_REFUSED,
    LINK_STATE_LOST,
    MASTER_STATE_LOST,
    SA_RESYNCHRONISED,
    STATE_UNWRITABLE,
    master_validator,
    traffic_validator,
)
from flight.link.state_copies import TwoCopyStore

SPACE_PACKET_HEADER_BYTES = 6
WRONG_SCID = "wrong_scid"
UNKNOWN_VCID = "unknown_vcid"
BAD_PACKET = "bad_packet"
DELIVERED = "packets_delivered"
STATE_LOST = "refused_link_state_lost"
MASTER_LOST = "refused_master_state_lost"
STATE_UNWRITTEN = "refused_state_unwritable"
SA_PROCEDURES_DONE = "sa_procedures_done"
SA_PROCEDURE_REFUSED = "sa_procedure_refused"
SA_PROCEDURE_NOT_BYPASS = "sa_procedure_not_bypass"
BAD_SA_PDU = "bad_sa_pdu"
MASTER_STATE_NAME = "link_master.json"
REFUSAL_REPORT_S = 2.0
"""A refused authenticated frame raises `link_frame_refused` at most this often (onboard time), counting the
ones in between: a ground with a wrong key retransmits, and the ground must learn why without a flood."""
SECURITY_REFUSALS = frozenset(
    {
        *(v.name.lower() for v in SdlsVerdict if v != SdlsVerdict.ACCEPTED),
        STATE_LOST,
        MASTER_LOST,
        STATE_UNWRITTEN,
    }
)
"""Verdicts of a frame the security checks refused: what the ground needs to hear about."""


def split_packets(data: bytes) -> list[bytes] | None:
    """The whole space packets that fill `data` exactly, or None if it does not split into them."""
    packets, offset = [], 0
    while offset < len(data):
        if len(data) - offset < SPACE_PACKET_HEADER_BYTES or data[offset] >> 5 != 0:
            return None
        end = offset + SPACE_PACKET_HEADER_BYTES + 1 + int.from_bytes(data[offset + 4 : offset + 6], "big")
        if end > len(data):
            return None
        packets.append(data[offset:end])
        offset = end
    return packets or None


TAKEN = frozenset(
    {
        FarmOutcome.ACCEPTED,
        FarmOutcome.BYPASS_ACCEPTED,
        FarmOutcome.UNLOCKED,
        FarmOutcome.VR_SET,
        SA_PROCEDURES_DONE,
    }
)
"""Outcomes of a frame the link took (its data delivered, its control command or procedures carried out)."""


class Uplink:
    """One spacecraft's TC channel: `scid`, `vcid`; `associations` secure it (None: unauthenticated);
    `master` is the SA-management key's association (its SPI distinct); `events` and `now_s` (onboard
    time) receive the link's events. `may_provision`: a state file with no trace at all is a first boot
    (provisioned at ARSN 0) only if the caller knows this is the spacecraft's first start (a new run
    folder); otherwise no trace is a lost state like any other."""

    def __init__(
        self,
        scid: int,
        vcid: int,
        deliver: Callable[[bytes], object],
        associations: dict[int, SecurityAssociation] | None,
        state_file: Path | None = None,
        window_width: int = 20,
        counters: CommandCounters | None = None,
        master: SecurityAssociation | None = None,
        events: EventLog | None = None,
        now_s: Callable[[], float] = lambda: 0.0,
        may_provision: bool = True,
    ) -> None:
        self.scid = scid
        self.vcid = vcid
        self._deliver = deliver
        self.farm = Farm1(vcid, window_width)
        self._sdls = None if associations is None else SdlsReceiver(associations, segment_header=True)
        self._master = None if master is None else SdlsReceiver({master.spi: master}, segment_header=True)
        self._events = EventLog() if events is None else events
        self._now_s = now_s
        self._may_provision = may_provision
        self.counts: Counter[str] = Counter()
        self._refused_since_report = 0
        self._last_refusal_report_s: float | None = None
        self.counters = CommandCounters() if counters is None else counters
        """The link application's counters: frames FARM-1 took (`commands`) and frames refused (`errors`)."""
        self.unsynchronised: set[int] = set()
        """SPIs whose ARSN may be stale: their frames are refused until the master key sets it."""
        self.master_lost = False
        self._saved_state: dict | None = None
        self._store = self._master_store = None
        if state_file is not None:
            moduli = {spi: sa.arsn_modulus for spi, sa in (associations or {}).items()}
            self._store = TwoCopyStore(state_file, traffic_validator(moduli))
            master_modulus = 1 << 32 if master is None else master.arsn_modulus
            master_path = state_file.with_name(MASTER_STATE_NAME)
            self._master_store = TwoCopyStore(master_path, master_validator(master_modulus))
            self._load_state()

    @property
    def secured(self) -> bool:
        return self._sdls is not None

    def receive(self, raw: bytes) -> None:
        """Process one received frame, delivering the packets it carries if every check passes."""
        verdict = self._check(raw)
        self.counts[verdict] += 1
        if verdict in TAKEN:
            self.counters.commands += 1
        else:
            self.counters.errors += 1
        if verdict in SECURITY_REFUSALS:
            self._report_refusal(verdict, raw)

    def _report_refusal(self, verdict: str, raw: bytes) -> None:
        """Raise `link_frame_refused` for this frame unless one was raised under REFUSAL_REPORT_S ago."""
        self._refused_since_report += 1
        now_s = self._now_s()
        last_s = self._last_refusal_report_s
        if last_s is not None and 0.0 <= now_s - last_s < REFUSAL_REPORT_S:
            return
        head = PRIMARY_HEADER_BYTES + SEGMENT_HEADER_BYTES
        spi = int.from_bytes(raw[head : head + SPI_BYTES], "big") if len(raw) >= head + SPI_BYTES else 0
        FRAME_REFUSED.raise_(self._events, now_s, reason=verdict, spi=spi, count=self._refused_since_report)
        self._refused_since_report = 0
        self._last_refusal_report_s = now_s

    def clcw(self) -> bytes:
        """The four CLCW octets for the OCF of the next TM frame."""
        return self.farm.clcw().pack()

    def _check(self, raw: bytes) -> str:
        if len(raw) < PRIMARY_HEADER_BYTES:
            return TcReject.TOO_SHORT
        if ((raw[0] & 0b11) << 8 | raw[1]) != self.scid:
            return WRONG_SCID
        if raw[2] >> 2 != self.vcid:
            return UNKNOWN_VCID
        plain = raw
        if self._sdls is not None:
            head = PRIMARY_HEADER_BYTES + SEGMENT_HEADER_BYTES
            spi = int.from_bytes(raw[head : head + SPI_BYTES], "big")
            if self._master is not None and spi in self._master.associations:
                return self._sa_management(raw)
            if spi in self.unsynchronised:
                return STATE_LOST
            verdict, plain = self._sdls.process(raw)
            if verdict != SdlsVerdict.ACCEPTED:
                return verdict.name.lower()
        frame = decode_tc_frame(plain, segment_header=True)
        if isinstance(frame, TcReject):
            return frame
        result = self.farm.receive(frame)
        if not self._save_state():
            return STATE_UNWRITTEN
        if result.data is None:
            return result.outcome
        packets = split_packets(result.data)
        if packets is None:
            return BAD_PACKET
        for packet in packets:
            self._deliver(packet)
        self.counts[DELIVERED] += len(packets)
        return result.outcome

    def _sa_management(self, raw: bytes) -> str:
        """A master-key frame: anti-replayed, its ARSN persisted before its SA-management PDUs run."""
        if self.master_lost:
            return MASTER_LOST
        verdict, plain = self._master.process(raw)
        if verdict != SdlsVerdict.ACCEPTED:
            return verdict.name.lower()
        (master,) = self._master.associations.values()
        if not self._write(self._master_store, {"arsn": master.arsn}, settle=True):
            return STATE_UNWRITTEN
        frame = decode_tc_frame(plain, segment_header=True)
        if isinstance(frame, TcReject):
            return frame
        if not frame.bypass or frame.control:
            return SA_PROCEDURE_NOT_BYPASS
        pdus = decode_pdus(frame.data)
        if pdus is None:
            return BAD_SA_PDU
        outcome = SA_PROCEDURES_DONE
        for pdu in pdus:
            if not self._run_procedure(pdu):
                outcome = SA_PROCEDURE_REFUSED
                break
        self._saved_state = None
        if not self._save_state(settle=True):
            return STATE_UNWRITTEN
        return outcome

    def _run_procedure(self, pdu: SaPdu) -> bool:
        """Carry out one procedure as SDLS allows it (Set ARSN only on a stopped association; Start only
        after Set ARSN if the ARSN was lost); False if refused."""
        sa = self._sdls.associations.get(pdu.spi)
        if sa is None:
            return False
        if pdu.procedure == SaProcedure.STOP_SA:
            if sa.state == SaState.OPERATIONAL:
                sa.stop()
        elif pdu.procedure == SaProcedure.SET_ARSN:
            if sa.state != SaState.KEYED or pdu.arsn >= sa.arsn_modulus:
                return False
            sa.arsn = pdu.arsn
            self.unsynchronised.discard(pdu.spi)
        elif sa.state == SaState.KEYED and pdu.spi not in self.unsynchronised:
            sa.start()
        elif sa.state != SaState.OPERATIONAL:
            return False
        name = pdu.procedure.name.lower()
        SA_RESYNCHRONISED.raise_(self._events, self._now_s(), spi=pdu.spi, procedure=name, arsn=sa.arsn)
        return True

    def _body(self) -> dict:
        sas = {} if self._sdls is None else self._sdls.associations
        return {
            "sas": {str(spi): {"arsn": sa.arsn, "state": _state_name(sa)} for spi, sa in sas.items()},
            "vr": self.farm.vr,
        }

    def _save_state(self, settle: bool = False) -> bool:
        """Persist the traffic state if it moved; False if it could not be written."""
        if self._store is None:
            return True
        state = self._body()
        if state == self._saved_state:
            return True  # a duplicate or discarded frame of an unsecured channel: nothing moved
        if not self._write(self._store, state, settle):
            return False
        self._saved_state = state
        return True

    def _write(self, store: TwoCopyStore, body: dict, settle: bool) -> bool:
        try:
            store.settle(body) if settle else store.save(body)
        except OSError as error:
            self.counts["state_file_unwritable"] += 1
            file = store.copies[0].name
            STATE_UNWRITABLE.raise_(self._events, self._now_s(), file=file, problem=str(error.strerror))
            return False
        return True

    def _load_state(self) -> None:
        """Restore ARSNs, SA states and V(R); provision both stores on a first boot (no trace of either, and
        provisioning allowed); otherwise refuse what cannot be proven current. Never resets an ARSN."""
        if self._may_provision and not self._store.any_exists() and not self._master_store.any_exists():
            self._save_state(settle=True)
            self._write(self._master_store, {"arsn": 0}, settle=True)
            return
        master = self._master_store.load()
        if not master.proven:
            self.master_lost = True
            self.counts["master_state_unproven"] += 1
            file = self._master_store.copies[0].name
            MASTER_STATE_LOST.raise_(self._events, self._now_s(), file=file, problem=master.problem)
        elif self._master is not None:
            (association,) = self._master.associations.values()
            association.arsn = master.body["arsn"]
        loaded = self._store.load()
        if loaded.body is not None:
            self.farm.vr = loaded.body["vr"]
        if loaded.proven:
            for spi, sa in (self._sdls.associations if self._sdls else {}).items():
                stored = loaded.body["sas"][str(spi)]
                sa.arsn = stored["arsn"]
                if stored["state"] == "keyed" and sa.state == SaState.OPERATIONAL:
                    sa.stop()
            self._saved_state = loaded.body
            return
        self.counts["state_file_unproven"] += 1
        file = self._store.copies[0].name
        LINK_STATE_LOST.raise_(self._events, self._now_s(), file=file, problem=loaded.problem)
        for spi, sa in (self._sdls.associations if self._sdls else {}).items():
            self.unsynchronised.add(spi)
            if loaded.body is not None:
                sa.arsn = loaded.body["sas"][str(spi)]["arsn"]  # a floor: the ARSN never goes back
            if sa.state == SaState.OPERATIONAL:
                sa.stop()


def _state_name(sa: SecurityAssociation) -> str:
    return "operational" if sa.state == SaState.OPERATIONAL else "keyed"
