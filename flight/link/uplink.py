"""The onboard receiving end of the telecommand link: TC frame → SDLS → FARM-1 → space packets.

Each frame is checked in the order CryptoLib checks it — version, spacecraft and virtual channel from
the header, then (on a secured channel) the security association, CRC, MAC and anti-replay window —
then parsed as a TC frame and given to FARM-1; the packets of an accepted frame go to `deliver`. Every
frame is counted by what became of it (`counts`), and nothing raises on bytes: the reject reasons are
TcReject values, SdlsVerdict names in lower case, FARM-1 outcomes, or `bad_packet` for frame data that
does not split into whole space packets.

With a `state_file`, the last accepted ARSN of every association and FARM-1's V(R) are written to disk
(atomically, flight/checked_file.py) after every frame that passes the security checks and read back at
start, so a restart neither reopens the replay window nor breaks the ground's sequence.
"""

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ccsds.sdls import SdlsReceiver, SdlsVerdict, SecurityAssociation
from ccsds.tc_frame import PRIMARY_HEADER_BYTES, SEQUENCE_MODULUS, TcReject, decode_tc_frame
from flight.application import CommandCounters
from flight.checked_file import read_checked, write_checked
from flight.link.farm import Farm1, FarmOutcome

SPACE_PACKET_HEADER_BYTES = 6
WRONG_SCID = "wrong_scid"
UNKNOWN_VCID = "unknown_vcid"
BAD_PACKET = "bad_packet"
DELIVERED = "packets_delivered"


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
    {FarmOutcome.ACCEPTED, FarmOutcome.BYPASS_ACCEPTED, FarmOutcome.UNLOCKED, FarmOutcome.VR_SET}
)
"""FARM-1 outcomes of a frame the link took (its data delivered, or its control command carried out)."""


class Uplink:
    """One spacecraft's TC channel: `scid`, `vcid`; `associations` secure it (None: unauthenticated)."""

    def __init__(
        self,
        scid: int,
        vcid: int,
        deliver: Callable[[bytes], object],
        associations: dict[int, SecurityAssociation] | None,
        state_file: Path | None = None,
        window_width: int = 20,
        counters: CommandCounters | None = None,
    ) -> None:
        self.scid = scid
        self.vcid = vcid
        self._deliver = deliver
        self.farm = Farm1(vcid, window_width)
        self._sdls = None if associations is None else SdlsReceiver(associations, segment_header=True)
        self._state_file = state_file
        self.counts: Counter[str] = Counter()
        self.counters = CommandCounters() if counters is None else counters
        """The link application's counters: frames FARM-1 took (`commands`) and frames refused (`errors`)."""
        self._saved_state: dict | None = None
        if state_file is not None and state_file.exists():
            self._load_state(state_file)

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
            verdict, plain = self._sdls.process(raw)
            if verdict != SdlsVerdict.ACCEPTED:
                return verdict.name.lower()
        frame = decode_tc_frame(plain, segment_header=True)
        if isinstance(frame, TcReject):
            return frame
        result = self.farm.receive(frame)
        self._save_state()
        if result.data is None:
            return result.outcome
        packets = split_packets(result.data)
        if packets is None:
            return BAD_PACKET
        for packet in packets:
            self._deliver(packet)
        self.counts[DELIVERED] += len(packets)
        return result.outcome

    def _save_state(self) -> None:
        if self._state_file is None:
            return
        arsn = {} if self._sdls is None else {str(s): a.arsn for s, a in self._sdls.associations.items()}
        state = {"arsn": arsn, "vr": self.farm.vr}
        if state == self._saved_state:
            return  # a duplicate or discarded frame of an unsecured channel: nothing moved, nothing to write
        try:
            write_checked(self._state_file, state)
        except OSError:
            self.counts["state_file_unwritable"] += 1
            return
        self._saved_state = state

    def _load_state(self, path: Path) -> None:
        """Restore ARSNs and V(R); an unreadable file is counted and ignored (the ground re-initialises)."""
        try:
            state = read_checked(path)
            arsn = {int(spi): int(value) for spi, value in state["arsn"].items()}
            vr = int(state["vr"]) % SEQUENCE_MODULUS
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.counts["state_file_unreadable"] += 1
            return
        if self._sdls is not None:
            for spi, value in arsn.items():
                if spi in self._sdls.associations:
                    self._sdls.associations[spi].arsn = value
        self.farm.vr = vr
