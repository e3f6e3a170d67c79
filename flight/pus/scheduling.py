"""Service 11, time-based scheduling: TCs stored with a release time and run when it comes.

Activities are inserted with (11,4): a uint8 count N, then N times a release time and a complete
TC packet. A release time is an absolute CDS short time code, as the TM time stamps carry it (P-field
0x40, uint16 days since 1958-01-01, uint32 ms of day): UTC, so a stored schedule keeps its meaning
across a restart of onboard time. Insertion is all or nothing. Each embedded TC is vetted by the
acceptor (length, CRC, APID, service, arguments) and a bad one refuses the whole TC with its own
failure code and the activity's index; so does a request ID (source ID, APID, sequence count)
already scheduled, and a schedule that would exceed its capacity (SCHEDULE_FULL). A release time
already past fails the TC (RELEASE_TIME_PASSED) and inserts nothing.

Activities are deleted by request ID (11,5), all time-shifted at once (11,15), reported in detail
(11,16 -> 11,10: uint16 N, then release time and TC packet each) or summary (11,17 -> 11,13: uint16
N, then release time and request ID each), and the schedule is emptied (11,3). The release function
is enabled (11,1, the default) or disabled (11,2); while enabled, the 1 Hz tick releases each
activity due, in release order (insertion order among equal times), through the same acceptance
path as a ground TC, so each gets its own verification reports.

The schedule is persisted on every change as the parameter store is: written to a temporary file,
fsynced and renamed over the store, with a CRC-32. `load` (at start) refuses a store that does not
parse, fails its CRC, is not a readable file or holds a field out of range or a TC the acceptor
refuses (an event and a log line say so, flight/stores.py; the schedule starts empty), reports one
written before and now missing, and drops, with an event, activities that came due while the software
was down rather than releasing them late.
"""

import bisect
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ccsds.time_code import DAYS_1958_TO_1970
from flight.checked_file import read_checked, write_checked
from flight.dictionary import Arg, Command, Dictionary, EventDef, Failure
from flight.events import EventLog, Severity
from flight.pus.embedded_tc import PACKET, PacketCommand, request_key
from flight.pus.telemetry import TmSender
from flight.pus.verification import RefusalError
from flight.stores import EVENTS as STORE_EVENTS
from flight.stores import check as check_field
from flight.stores import note_written, present, refuse, report_missing, why_unreadable
from flight.tm_layout import CDS_FIELDS, CDS_SHORT, MS_PER_DAY, CdsTime, Repeated, ReportLayout

SERVICE = 11
CAPACITY = 256
RELEASE_TIME = CDS_FIELDS
REQUEST_ID = (
    Arg("source_id", "uint", 16, description="source id of the scheduled TC (its request id, 1 of 3)"),
    Arg("apid", "uint", 16, 0, 0x7FF, description="APID of the scheduled TC (its request id, 2 of 3)"),
    Arg(
        "seq_count",
        "uint",
        16,
        0,
        0x3FFF,
        description="sequence count of the scheduled TC (request id, 3 of 3)",
    ),
)
KEPT = "starting with an empty schedule"
EXPIRED = EventDef(
    3102,
    "schedule_activities_expired",
    Severity.LOW,
    "activities due while the software was down dropped",
    "{count} activities due while the software was down dropped",
)
STORE_FAILED = EventDef(
    3103,
    "schedule_store_failed",
    Severity.MEDIUM,
    "time-based schedule not persisted",
    "time-based schedule not persisted",
)
EVENTS = (EXPIRED, STORE_FAILED)


def _command(name: str, subtype: int, description: str, args: tuple[Arg, ...] = (), **more) -> Command:
    return Command(name, SERVICE, subtype, args, description=description, **more)


ENABLE = _command("schedule_enable", 1, "release scheduled activities when due")
DISABLE = _command("schedule_disable", 2, "hold scheduled activities (they stay scheduled)")
RESET = _command("schedule_reset", 3, "delete every scheduled activity")
INSERT = PacketCommand(
    "schedule_insert",
    SERVICE,
    4,
    RELEASE_TIME,
    description="activities: a CDS release time, then a complete TC packet",
)
DELETE = _command("schedule_delete", 5, "delete these activities by request ID", REQUEST_ID, repeated=True)
SHIFT_ALL = _command(
    "schedule_shift_all",
    15,
    "shift every release time",
    (Arg("shift", "int", 32, unit="ms", description="added to every release time (negative: earlier)"),),
)
REPORT_DETAIL = _command("schedule_report_detail", 16, "report the activities with their TCs (11,10)")
REPORT_SUMMARY = _command("schedule_report_summary", 17, "report the activities' request IDs (11,13)")
COMMANDS = (ENABLE, DISABLE, RESET, DELETE, SHIFT_ALL, REPORT_DETAIL, REPORT_SUMMARY, INSERT)
COUNT = Arg("count", "uint", 16)
DETAIL = ReportLayout(
    SERVICE, 10, "schedule_detail", (Repeated("activities", COUNT, (CdsTime("release_time"),), tc=True),)
)
SUMMARY = ReportLayout(
    SERVICE, 13, "schedule_summary", (Repeated("activities", COUNT, (CdsTime("release_time"), *REQUEST_ID)),)
)
REPORTS = (DETAIL, SUMMARY)


@dataclass(frozen=True)
class Activity:
    """A TC packet and its release time in ms since 1958-01-01 UTC (the CDS epoch)."""

    release_ms: int
    tc: bytes

    @property
    def key(self) -> tuple[int, int, int]:
        return request_key(self.tc)

    def release_time(self) -> bytes:
        return struct.pack(">BHI", CDS_SHORT, *divmod(self.release_ms, MS_PER_DAY))


class Schedule:
    """`vet` refuses (RefusalError) a TC the acceptor would refuse; `accept` runs a released one."""

    def __init__(
        self,
        dictionary: Dictionary,
        tm: TmSender,
        epoch_unix_s: float,
        events: EventLog,
        path: Path,
        vet: Callable[[bytes], None],
        accept: Callable[[bytes, float], bool],
        capacity: int = CAPACITY,
    ):
        self._tm = tm
        self._apid = dictionary.tm_apid(SERVICE)
        self._epoch_s = epoch_unix_s + DAYS_1958_TO_1970 * 86_400.0  # onboard time 0 since 1958
        self._events = events
        self._path = Path(path)
        self._vet = vet
        self._accept = accept
        self.capacity = capacity
        self.activities: list[Activity] = []  # in release order
        self.enabled = True
        self.released = 0
        self.load_status = "not loaded"
        for event in (*EVENTS, *STORE_EVENTS):
            dictionary.event(event)
        for layout in REPORTS:
            dictionary.report(layout)
        for command, handler, check in (
            (ENABLE, self._enable, None),
            (DISABLE, self._disable, None),
            (RESET, self._reset, None),
            (DELETE, self._delete, self._check_delete),
            (SHIFT_ALL, self._shift, None),
            (REPORT_DETAIL, self._report_detail, None),
            (REPORT_SUMMARY, self._report_summary, None),
            (INSERT, self._insert, self._check_insert),
        ):
            dictionary.bind(command, handler, check)

    def onboard_time(self, activity: Activity) -> float:
        """The onboard time (s) at which `activity` is due."""
        return activity.release_ms / 1000.0 - self._epoch_s

    def load(self, t_s: float = 0.0) -> str:
        """Take up the persisted schedule at start, once every command is declared: 'loaded', 'absent'
        or 'corrupt' (the schedule stays empty); activities already due at `t_s` are dropped."""
        self.load_status = self._load(t_s)
        return self.load_status

    def tick(self, t_s: float) -> None:
        """The 1 Hz rate group: release the activities due, in release order."""
        if not self.enabled or not self.activities or self.onboard_time(self.activities[0]) > t_s:
            return
        due = [a for a in self.activities if self.onboard_time(a) <= t_s]
        self.activities = self.activities[len(due) :]
        try:
            self._save()
        except OSError:
            STORE_FAILED.raise_(self._events, t_s)
        for activity in due:
            self.released += 1
            self._accept(activity.tc, t_s)

    def _load(self, t_s: float) -> str:
        if not present(self._path):
            return "missing" if report_missing(self._events, 0.0, self._path, KEPT) else "absent"
        try:
            body = read_checked(self._path)
            check_field(isinstance(body.get("enabled"), bool), "enabled", body.get("enabled"), "true|false")
            rows = body.get("activities")
            check_field(isinstance(rows, list), "activities", type(rows).__name__, "a list")
            check_field(len(rows) <= self.capacity, "activities", len(rows), f"at most {self.capacity}")
            activities = []
            for index, row in enumerate(rows):
                check_field(
                    isinstance(row, list) and len(row) == 2, f"activity {index}", row, "[release_ms, tc_hex]"
                )
                ms, tc = row
                check_field(
                    type(ms) is int and 0 <= ms < 2**48, f"release_ms of activity {index}", ms, "0..2^48"
                )
                check_field(isinstance(tc, str), f"tc of activity {index}", tc, "a hex string")
                activities.append(Activity(ms, bytes.fromhex(tc)))
            for index, activity in enumerate(activities):
                try:
                    self._vet(activity.tc)
                except RefusalError as refusal:
                    raise ValueError(f"tc of activity {index} refused by the acceptor ({refusal})") from None
            unique = len({a.key for a in activities}) == len(activities)
            check_field(unique, "request IDs", "repeated", "unique")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as problem:
            refuse(self._events, 0.0, self._path, why_unreadable(problem), KEPT)
            return "corrupt"
        self.enabled = body["enabled"]
        self.activities = sorted(activities, key=lambda a: a.release_ms)
        expired = [a for a in self.activities if self.onboard_time(a) < t_s]
        if expired:
            self.activities = self.activities[len(expired) :]
            EXPIRED.raise_(self._events, t_s, count=len(expired))
            try:
                self._save()
            except OSError:
                STORE_FAILED.raise_(self._events, t_s)
        return "loaded"

    def _save(self) -> None:
        body = {"enabled": self.enabled, "activities": [[a.release_ms, a.tc.hex()] for a in self.activities]}
        write_checked(self._path, body)
        note_written(self._path)

    def _persist(self) -> None:
        try:
            self._save()
        except OSError:
            raise RefusalError(Failure.STORAGE_FAILED) from None

    def _check_insert(self, groups: list[dict]) -> None:
        if len(self.activities) + len(groups) > self.capacity:
            raise RefusalError(Failure.SCHEDULE_FULL)
        keys = {a.key for a in self.activities}
        for index, group in enumerate(groups):
            try:
                self._vet(group[PACKET])
            except RefusalError as refusal:
                raise RefusalError(refusal.code, index) from None
            key = request_key(group[PACKET])
            if key in keys:
                raise RefusalError(Failure.DUPLICATE_ID, index)
            keys.add(key)

    def _insert(self, t_s: float, groups: list[dict], progress) -> None:
        new = [Activity(g["days"] * MS_PER_DAY + g["ms_of_day"], g[PACKET]) for g in groups]
        for index, activity in enumerate(new):
            if self.onboard_time(activity) < t_s:
                raise RefusalError(Failure.RELEASE_TIME_PASSED, index)
        for activity in new:
            bisect.insort(self.activities, activity, key=lambda a: a.release_ms)
        self._persist()

    def _check_delete(self, groups: list[dict]) -> None:
        keys = {a.key for a in self.activities}
        for index, group in enumerate(groups):
            if (group["source_id"], group["apid"], group["seq_count"]) not in keys:
                raise RefusalError(Failure.UNKNOWN_ID, index)

    def _delete(self, t_s: float, groups: list[dict], progress) -> None:
        gone = {(g["source_id"], g["apid"], g["seq_count"]) for g in groups}
        self.activities = [a for a in self.activities if a.key not in gone]
        self._persist()

    def _enable(self, t_s: float, values: dict, progress) -> None:
        self.enabled = True
        self._persist()

    def _disable(self, t_s: float, values: dict, progress) -> None:
        self.enabled = False
        self._persist()

    def _reset(self, t_s: float, values: dict, progress) -> None:
        self.activities = []
        self._persist()

    def _shift(self, t_s: float, values: dict, progress) -> None:
        shifted = [Activity(a.release_ms + values["shift"], a.tc) for a in self.activities]
        if shifted and self.onboard_time(shifted[0]) < t_s:
            raise RefusalError(Failure.RELEASE_TIME_PASSED, 0)
        self.activities = shifted
        self._persist()

    def _report_detail(self, t_s: float, values: dict, progress) -> None:
        data = DETAIL.pack([(a.release_time(), a.tc) for a in self.activities])
        self._tm.send(self._apid, SERVICE, DETAIL.subtype, data, t_s)

    def _report_summary(self, t_s: float, values: dict, progress) -> None:
        data = SUMMARY.pack([(a.release_time(), *a.key) for a in self.activities])
        self._tm.send(self._apid, SERVICE, SUMMARY.subtype, data, t_s)
