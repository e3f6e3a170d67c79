"""One ground session over one link: numbers and sends telecommands, decodes what comes back.

The link is any `Transport` (the raw packet port's `PacketClient`, or the authenticated frame link):
the session only sends TC packets and receives TM packets through it. It keeps this client's TC
sequence count (starting at a random value, so two clients on one packet port rarely share request
IDs), the verification reports of each TC it sent, the latest housekeeping values and recent events.
Waiting is done by pumping the link against an injectable clock; every record received goes to the
observer, so the console and scripts print telemetry as it arrives.

A telecommand frame the spacecraft's link refuses (wrong key, anti-replay number outside its window,
lost link state) never gets a verification report; the spacecraft says so in a `link_frame_refused` or
`link_state_lost` event instead. The session keeps those (`refusals`), waiting for an outcome stops at
one, and `describe` turns it into what the operator should do (`resync_hint`: the command line of
`zorka resync` for this link).
"""

import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ground.commands import MAX_SEQUENCE_COUNT, SCHEDULE_INSERT, CommandBook, CommandSpec, request_id
from ground.telemetry import (
    EventReport,
    HousekeepingReport,
    LayoutReport,
    OtherReport,
    Record,
    TelemetryDecoder,
    Undecodable,
    VerificationReport,
)

PUMP_SLICE_S = 0.05
KEPT_EVENTS = 200
KEPT_REQUESTS = 1000
ARGUMENT_FAILURES = ("ARG_OUT_OF_RANGE", "WRONG_LENGTH", "DUPLICATE_ID")
APID_MASK = 0x7FF
FRAME_REFUSED = "link_frame_refused"
STATE_LOST = "link_state_lost"
REFUSAL_REASON = re.compile(r"refused: (\w+)")
KEY_REASONS = {
    "bad_mac": "bad MAC (the key is not the spacecraft's)",
    "spi_unknown": "unknown security parameter index",
    "bad_crc": "bad frame CRC",
    "malformed": "malformed security header",
}
RESYNC_REASONS = {
    "arsn_outside_window": "anti-replay sequence number (ARSN) outside the onboard window",
    "sa_not_operational": "security association not operational",
    "refused_link_state_lost": "the spacecraft lost its anti-replay state",
    "refused_master_state_lost": "the spacecraft lost its master-key state",
    "refused_state_unwritable": "the spacecraft cannot write its anti-replay state",
}
DEFAULT_RESYNC = "zorka resync --link-port N --keys FILE"


class Transport(Protocol):
    """A link to the spacecraft that carries TC packets out and TM packets in."""

    def send(self, packet: bytes) -> None: ...

    def receive(self, timeout_s: float) -> list[bytes]: ...

    def close(self) -> None: ...


@dataclass
class Request:
    """A TC this session sent and the verification reports received for it so far."""

    spec: CommandSpec
    request_id: bytes
    reports: list[VerificationReport] = field(default_factory=list)
    release: datetime | None = None
    """For a TC scheduled onboard (`Session.send_at`): the UTC time it is to be released at."""

    @property
    def outcome(self) -> VerificationReport | None:
        """The report that ends this TC (completed, or a failure), once it has come."""
        return next((r for r in self.reports if r.final), None)


class Session:
    def __init__(
        self,
        transport: Transport,
        dictionary: dict[str, Any],
        observer: Callable[[Record], None] | None = None,
        first_sequence_count: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.transport = transport
        self.dictionary = dictionary
        self.commands = CommandBook(dictionary)
        self.decoder = TelemetryDecoder(dictionary)
        self.observer = observer
        self._clock = clock
        self._sequence_count = (
            random.randrange(MAX_SEQUENCE_COUNT) if first_sequence_count is None else first_sequence_count
        )
        self.requests: dict[bytes, Request] = {}
        self.housekeeping: dict[str, Any] = {}
        self.housekeeping_reports = 0
        self.events: deque[EventReport] = deque(maxlen=KEPT_EVENTS)
        self.refusals: list[EventReport] = []
        self._other_apids = {apid: name for name, apid in dictionary.get("other_apids", {}).items()}
        self.other_packets: Counter[str] = Counter()
        """Packets of the dictionary's non-PUS APIDs (`other_apids`) received, by what they are."""
        self.onboard_time: datetime | None = None
        """The time stamp of the latest TM packet: the spacecraft's clock as last heard (UTC)."""
        self.resync_hint = DEFAULT_RESYNC
        self.undecodable = 0

    def send(self, name: str, words: list[str]) -> Request:
        """Encode and send `name k=v ...` (CommandError if the dictionary refuses it)."""
        packet = self.commands.packet(name, words, self._sequence_count)
        self._sequence_count = (self._sequence_count + 1) % MAX_SEQUENCE_COUNT
        request = Request(self.commands.spec(name), request_id(packet))
        self._keep(request)
        self.transport.send(packet)
        return request

    def send_at(self, release_unix_s: float, name: str, words: list[str]) -> tuple[Request, Request]:
        """Schedule `name k=v ...` onboard for `release_unix_s` (UTC) by a TC(11,4) insert: the insert's
        request, and the scheduled TC's, whose reports come when the spacecraft releases it."""
        insert, inner = self.commands.time_tagged(release_unix_s, name, words, self._sequence_count)
        self._sequence_count = (self._sequence_count + 2) % MAX_SEQUENCE_COUNT
        requests = (
            Request(self.commands.spec(SCHEDULE_INSERT), request_id(insert)),
            Request(self.commands.spec(name), request_id(inner), release=_utc(release_unix_s)),
        )
        for request in requests:
            self._keep(request)
        self.transport.send(insert)
        return requests

    def _keep(self, request: Request) -> None:
        self.requests.pop(request.request_id, None)
        self.requests[request.request_id] = request
        if len(self.requests) > KEPT_REQUESTS:
            del self.requests[next(iter(self.requests))]

    def pump(self, timeout_s: float) -> list[Record]:
        """Receive what TM comes within `timeout_s`, file it, and pass each record to the observer;
        packets of the non-PUS APIDs are only counted (`other_packets`)."""
        records = []
        for raw in self.transport.receive(timeout_s):
            other = self._other_apids.get(int.from_bytes(raw[:2], "big") & APID_MASK)
            if other is not None:
                self.other_packets[other] += 1  # e.g. CFDP PDUs of a file downlink: not PUS reports
                continue
            records.append(self.decoder.decode(raw))
        for record in records:
            if not isinstance(record, Undecodable):
                self.onboard_time = record.time
            if isinstance(record, VerificationReport) and record.request_id in self.requests:
                self.requests[record.request_id].reports.append(record)
            elif isinstance(record, HousekeepingReport):
                self.housekeeping.update(record.values)
                self.housekeeping_reports += 1
            elif isinstance(record, EventReport):
                self.events.append(record)
                if record.name in (FRAME_REFUSED, STATE_LOST):
                    self.refusals.append(record)
            elif isinstance(record, Undecodable):
                self.undecodable += 1
            if self.observer is not None:
                self.observer(record)
        return records

    def wait_until(self, done: Callable[[], bool], timeout_s: float) -> bool:
        """Pump the link until `done()` or `timeout_s` has passed; whether `done()` came true."""
        deadline = self._clock() + timeout_s
        while not done():
            left = deadline - self._clock()
            if left <= 0:
                return False
            self.pump(min(left, PUMP_SLICE_S))
        return True

    def wait_for_outcome(self, request: Request, timeout_s: float) -> VerificationReport | None:
        """The report that ends `request` (completed or failed), or None if none came in time or the
        link refused a frame meanwhile (then `refusals` grew: `refusal_since` says why)."""
        seen = len(self.refusals)
        self.wait_until(lambda: request.outcome is not None or len(self.refusals) > seen, timeout_s)
        return request.outcome

    def refusal_since(self, seen: int) -> str | None:
        """What to tell the operator about the first link refusal after the first `seen`, or None."""
        return None if len(self.refusals) <= seen else self.explain_refusal(self.refusals[seen])

    def explain_refusal(self, event: EventReport) -> str:
        """A link refusal event as the operator's next step."""
        match = REFUSAL_REASON.search(event.text)
        reason = (
            "refused_link_state_lost" if event.name == STATE_LOST else match.group(1) if match else "unknown"
        )
        if reason in KEY_REASONS:
            return (
                f"authentication refused by the spacecraft: {KEY_REASONS[reason]} — check --keys "
                "(it must hold the key `zorka serve` was given)"
            )
        why = RESYNC_REASONS.get(reason, reason.replace("_", " "))
        return f"authentication refused by the spacecraft: {why} — to re-synchronise run `{self.resync_hint}`"

    def describe(self, record: Record) -> str | None:
        """One line for the operator about `record`; None for housekeeping and others' TCs."""
        if isinstance(record, VerificationReport):
            request = self.requests.get(record.request_id)
            return None if request is None else describe_verification(request, record)
        if isinstance(record, EventReport):
            line = f"event {record.name} ({record.severity}): {record.text}"
            return (
                line
                if record.name not in (FRAME_REFUSED, STATE_LOST)
                else f"{line}\n{self.explain_refusal(record)}"
            )
        if isinstance(record, LayoutReport):
            return self.decoder.describe(record, self.commands.describe_packet)
        if isinstance(record, OtherReport):
            return f"TM({record.service},{record.subtype}): {record.data.hex(' ') or 'no data'}"
        if isinstance(record, Undecodable):
            return f"undecodable TM: {record.reason}"
        return None


def describe_verification(request: Request, report: VerificationReport) -> str:
    """`name [request id]: stage`, or the failure code by name and the argument at fault; for a TC
    released from the onboard schedule, the onboard time of the report and the release time asked for."""
    head = f"{request.spec.name} [{request.request_id.hex()}]"
    if report.success:
        step = f" step {report.step}" if report.stage == "progress" else ""
        when = (
            ""
            if request.release is None
            else f" at {_iso(report.time)} (scheduled for {_iso(request.release)})"
        )
        return f"{head}: {report.stage}{step}{when}"
    detail = f"data {report.data}"
    args = request.spec.args
    if report.code in ARGUMENT_FAILURES and report.data < len(args):
        detail = f"argument {args[report.data].name}"
    return f"{head}: failed at {report.stage}: {report.code} ({detail})"


def _utc(unix_s: float) -> datetime:
    return datetime.fromtimestamp(unix_s, UTC)


def _iso(moment: datetime) -> str:
    """`2026-06-21T10:00:00.000Z`."""
    return f"{moment:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z"
