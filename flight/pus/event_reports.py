"""Service 5, event reporting: the events of the flight software's EventLog as event reports.

`tick` (1 Hz) reports every event raised since the last tick as 5,1..5,4 by severity (INFO, LOW,
MEDIUM, HIGH): event id (uint16), then the event's text (uint8 length + UTF-8, at most 255 bytes).
An event not declared in the dictionary goes out with id UNDECLARED and its name in the text.
The ground disables (5,6) and enables (5,5) reports per event id and lists the disabled ones
(5,7 -> 5,8). Events the bounded log dropped before a tick are counted as missed.
"""

import struct

from flight.dictionary import Arg, Command, Dictionary, Failure
from flight.events import EventLog
from flight.pus.telemetry import TmSender
from flight.pus.verification import RefusalError
from flight.tm_layout import Repeated, ReportLayout

SERVICE = 5
UNDECLARED = 0xFFFF
EVENT_ID = Arg("event_id", "uint", 16, description="id of a declared event (`zorka dict` lists them)")
ENABLE = Command("events_enable", SERVICE, 5, (EVENT_ID,), repeated=True, description="report these events")
DISABLE = Command(
    "events_disable", SERVICE, 6, (EVENT_ID,), repeated=True, description="stop reporting these events"
)
REPORT_DISABLED = Command(
    "events_report_disabled", SERVICE, 7, description="list the events not reported (5,8)"
)
COMMANDS = (ENABLE, DISABLE, REPORT_DISABLED)
DISABLED_LIST = ReportLayout(
    SERVICE, 8, "event_disabled_list", (Repeated("events", Arg("count", "uint", 16), (EVENT_ID,)),)
)
REPORTS = (DISABLED_LIST,)


class EventReports:
    def __init__(self, dictionary: Dictionary, tm: TmSender, log: EventLog):
        self._dictionary = dictionary
        self._tm = tm
        self._log = log
        self._apid = dictionary.tm_apid(SERVICE)
        self._seen = 0  # the log's events from boot on: a store refused while the software was built too
        self.disabled: set[int] = set()
        self.reported = 0
        self.suppressed = 0
        self.missed = 0
        dictionary.report(DISABLED_LIST)
        for command, handler, check in (
            (ENABLE, self._enable, self._check),
            (DISABLE, self._disable, self._check),
            (REPORT_DISABLED, self._report_disabled, None),
        ):
            dictionary.bind(command, handler, check)

    def tick(self, t_s: float) -> None:
        """Report the events raised since the last call."""
        new = self._log.raised - self._seen
        self._seen = self._log.raised
        if new == 0:
            return
        events = tuple(self._log)[-new:]
        self.missed += new - len(events)
        for event in events:
            declared = self._dictionary.events.get(event.name)
            if declared is None:
                event_id, text = UNDECLARED, f"{event.name}: {event.text}"
            else:
                event_id, text = declared.id, event.text
            if event_id in self.disabled:
                self.suppressed += 1
                continue
            body = text.encode()[:255]
            data = struct.pack(">HB", event_id, len(body)) + body
            self._tm.send(self._apid, SERVICE, int(event.severity), data, t_s)
            self.reported += 1

    def _check(self, groups: list[dict]) -> None:
        for index, group in enumerate(groups):
            if self._dictionary.event_by_id(group["event_id"]) is None:
                raise RefusalError(Failure.UNKNOWN_ID, index)

    def _enable(self, t_s: float, groups: list[dict], progress) -> None:
        self.disabled.difference_update(g["event_id"] for g in groups)

    def _disable(self, t_s: float, groups: list[dict], progress) -> None:
        self.disabled.update(g["event_id"] for g in groups)

    def _report_disabled(self, t_s: float, values: dict, progress) -> None:
        data = DISABLED_LIST.pack([(event_id,) for event_id in sorted(self.disabled)])
        self._tm.send(self._apid, SERVICE, DISABLED_LIST.subtype, data, t_s)
