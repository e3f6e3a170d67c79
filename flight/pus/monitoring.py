"""Service 12, on-board monitoring: limit checks of housekeeping parameters, run at 1 Hz.

A parameter monitoring definition (PMON) names a declared parameter, a repetition number, a low and
a high limit and the event each limit raises when crossed. A checking status (below the low limit,
above the high limit, within limits, invalid for a non-finite value) takes effect only once the
same status has been found on `repetition` consecutive checks, so a single outlier raises nothing.
Each transition goes into one check transition report (12,12) per tick and raises an event: the
definition's low or high event on a violation, `limit_back_in_range` on a return within limits.
The event text names the PMON, the parameter id and name, the value and the limit.

The ground adds (12,5: pmon id, parameter id, repetition, check type LIMIT, low limit, low event id,
high limit, high event id) and deletes (12,6) definitions, enables (12,1) and disables (12,2) them,
asks for their definitions (12,8 -> 12,9) and statuses (12,13 -> 12,14), and enables (12,15) or
disables (12,16) the monitoring function as a whole. Added definitions start enabled; an enabled
definition cannot be deleted (DEFINITION_ENABLED), as the standard asks. Every parameter the
dictionary declares with a limit gets a default definition (PMON id = parameter id); a missing
limit is infinite.

Reports: 12,9 is the maximum transition reporting delay (uint16 s, always 0: transitions are reported
at the check that finds them), uint16 N, then each definition: pmon id, parameter id (uint16),
enabled (uint8), repetition (uint16), check type (uint8), low limit (float64), low event id
(uint16), high limit (float64), high event id (uint16). 12,12 is uint16 N, then each transition:
pmon id, parameter id (uint16), check type (uint8), the limit crossed (float64, NaN if none),
previous and current checking status (uint8 each) and the time of the check (CDS short, 7 bytes).
12,14 is uint16 N, then pmon id (uint16) and checking status (uint8) each.
"""

import math
from dataclasses import dataclass
from enum import IntEnum

from ccsds.time_code import cds_short
from flight.dictionary import Arg, Command, Dictionary, EventDef, Failure, Parameter
from flight.events import EventLog, Severity
from flight.pus.telemetry import TmSender
from flight.pus.verification import RefusalError
from flight.tm_layout import CdsTime, Repeated, ReportLayout

SERVICE = 12
CAPACITY = 64
DEFAULT_REPETITION = 3
LIMIT_CHECK = 1
PMON_ID = Arg("pmon_id", "uint", 16, description="id of a parameter-monitoring definition")


class CheckStatus(IntEnum):
    """A limit check's status as 12,12 and 12,14 report it (2 and 3 are kept for expected-value checks)."""

    UNCHECKED = 0
    INVALID = 1
    WITHIN_LIMITS = 4
    BELOW_LOW_LIMIT = 5
    ABOVE_HIGH_LIMIT = 6


VIOLATIONS = (CheckStatus.BELOW_LOW_LIMIT, CheckStatus.ABOVE_HIGH_LIMIT)


LIMIT_LOW = EventDef(
    3001, "limit_low_violated", Severity.MEDIUM, "a monitored parameter fell below its low limit"
)
LIMIT_HIGH = EventDef(
    3002, "limit_high_violated", Severity.MEDIUM, "a monitored parameter rose above its high limit"
)
BACK_IN_RANGE = EventDef(
    3003, "limit_back_in_range", Severity.INFO, "a monitored parameter is back within limits"
)
EVENTS = (LIMIT_LOW, LIMIT_HIGH, BACK_IN_RANGE)


def _pmons(name: str, subtype: int, description: str) -> Command:
    return Command(name, SERVICE, subtype, (PMON_ID,), repeated=True, description=description)


ENABLE = _pmons("monitoring_enable", 1, "enable these limit checks")
DISABLE = _pmons("monitoring_disable", 2, "disable these limit checks")
ADD = Command(
    "monitoring_add",
    SERVICE,
    5,
    (
        PMON_ID,
        Arg("parameter_id", "uint", 16, description="id of the housekeeping parameter to monitor"),
        Arg(
            "repetition",
            "uint",
            16,
            1,
            1000,
            description="checks in a row outside a limit before the status changes",
            default=1,
        ),
        Arg(
            "check_type",
            "enum",
            8,
            values=(("LIMIT", LIMIT_CHECK),),
            description="the kind of check",
            default=1,
        ),
        Arg("low_limit", "float", 64, description="a value below this is below the low limit"),
        Arg("low_event_id", "uint", 16, description="event raised when the value goes below the low limit"),
        Arg("high_limit", "float", 64, description="a value above this is above the high limit"),
        Arg("high_event_id", "uint", 16, description="event raised when the value goes above the high limit"),
    ),
    repeated=True,
    description="add limit checks of declared parameters (enabled)",
)
DELETE = _pmons("monitoring_delete", 6, "delete these limit checks (disabled ones only)")
REPORT_DEFINITIONS = _pmons("monitoring_report_definitions", 8, "report these definitions (12,9)")
REPORT_STATUS = Command(
    "monitoring_report_status", SERVICE, 13, description="report every check's status (12,14)"
)
ENABLE_FUNCTION = Command("monitoring_enable_function", SERVICE, 15, description="run the limit checks")
DISABLE_FUNCTION = Command("monitoring_disable_function", SERVICE, 16, description="run no limit check")
COMMANDS = (
    ENABLE,
    DISABLE,
    ADD,
    DELETE,
    REPORT_DEFINITIONS,
    REPORT_STATUS,
    ENABLE_FUNCTION,
    DISABLE_FUNCTION,
)
COUNT = Arg("count", "uint", 16)
PARAMETER_ID = Arg("parameter_id", "uint", 16)
CHECK_TYPE = Arg("check_type", "enum", 8, values=(("LIMIT", LIMIT_CHECK),))
STATUSES = tuple((status.name, int(status)) for status in CheckStatus)
DEFINITIONS = ReportLayout(
    SERVICE,
    9,
    "monitoring_definitions",
    (
        Arg("max_reporting_delay", "uint", 16, unit="s"),
        Repeated(
            "definitions",
            COUNT,
            (
                PMON_ID,
                PARAMETER_ID,
                Arg("enabled", "bool", 8),
                Arg("repetition", "uint", 16),
                CHECK_TYPE,
                Arg("low_limit", "float", 64),
                Arg("low_event_id", "uint", 16),
                Arg("high_limit", "float", 64),
                Arg("high_event_id", "uint", 16),
            ),
        ),
    ),
)
TRANSITIONS = ReportLayout(
    SERVICE,
    12,
    "monitoring_transitions",
    (
        Repeated(
            "transitions",
            COUNT,
            (
                PMON_ID,
                PARAMETER_ID,
                CHECK_TYPE,
                Arg("limit", "float", 64),
                Arg("previous_status", "enum", 8, values=STATUSES),
                Arg("current_status", "enum", 8, values=STATUSES),
                CdsTime("check_time"),
            ),
        ),
    ),
)
STATUS = ReportLayout(
    SERVICE,
    14,
    "monitoring_statuses",
    (Repeated("definitions", COUNT, (PMON_ID, Arg("status", "enum", 8, values=STATUSES))),),
)
REPORTS = (DEFINITIONS, TRANSITIONS, STATUS)


@dataclass
class Definition:
    """A limit check and its state: the status in effect, the candidate one and how often it was seen."""

    pmon_id: int
    parameter: Parameter
    repetition: int
    low: float
    low_event: EventDef
    high: float
    high_event: EventDef
    enabled: bool = True
    status: CheckStatus = CheckStatus.UNCHECKED
    candidate: CheckStatus = CheckStatus.UNCHECKED
    count: int = 0

    def restart(self) -> None:
        self.status = self.candidate = CheckStatus.UNCHECKED
        self.count = 0

    def classify(self, value: float) -> CheckStatus:
        if not math.isfinite(value):
            return CheckStatus.INVALID
        if value < self.low:
            return CheckStatus.BELOW_LOW_LIMIT
        if value > self.high:
            return CheckStatus.ABOVE_HIGH_LIMIT
        return CheckStatus.WITHIN_LIMITS


class Monitoring:
    def __init__(
        self,
        dictionary: Dictionary,
        tm: TmSender,
        epoch_unix_s: float,
        events: EventLog,
        capacity: int = CAPACITY,
    ):
        self._dictionary = dictionary
        self._tm = tm
        self._epoch_unix_s = epoch_unix_s
        self._events = events
        self._apid = dictionary.tm_apid(SERVICE)
        self.capacity = capacity
        self.definitions: dict[int, Definition] = {}
        self.enabled = True
        self.transitions = 0
        for event in EVENTS:
            dictionary.event(event)
        for layout in REPORTS:
            dictionary.report(layout)
        for command, handler, check in (
            (ENABLE, self._enable, self._check_known),
            (DISABLE, self._disable, self._check_known),
            (ADD, self._add, self._check_add),
            (DELETE, self._delete, self._check_delete),
            (REPORT_DEFINITIONS, self._report_definitions, self._check_known),
            (REPORT_STATUS, self._report_status, None),
            (ENABLE_FUNCTION, self._enable_function, None),
            (DISABLE_FUNCTION, self._disable_function, None),
        ):
            dictionary.bind(command, handler, check)
        for parameter in dictionary.parameters.values():
            if parameter.low_limit is not None or parameter.high_limit is not None:
                self.define(
                    parameter.id,
                    parameter,
                    DEFAULT_REPETITION,
                    -math.inf if parameter.low_limit is None else parameter.low_limit,
                    math.inf if parameter.high_limit is None else parameter.high_limit,
                )

    def define(
        self,
        pmon_id: int,
        parameter: Parameter,
        repetition: int,
        low: float,
        high: float,
        low_event: EventDef = LIMIT_LOW,
        high_event: EventDef = LIMIT_HIGH,
    ) -> Definition:
        """An enabled limit-check definition of `parameter`."""
        if pmon_id in self.definitions or len(self.definitions) >= self.capacity or not low < high:
            raise ValueError(f"monitoring definition {pmon_id}: duplicate, table full or low >= high")
        definition = Definition(pmon_id, parameter, repetition, low, low_event, high, high_event)
        self.definitions[pmon_id] = definition
        return definition

    def tick(self, t_s: float) -> None:
        """The 1 Hz check of every enabled definition; transitions reported and raised as events."""
        if not self.enabled:
            return
        changed = None  # a list only in a second that has a transition
        for d in self.definitions.values():
            if not d.enabled:
                continue
            value = float(d.parameter.getter())
            found = d.classify(value)
            if found != d.candidate:
                d.candidate, d.count = found, 0
            d.count += 1
            if found != d.status and d.count >= d.repetition:
                if changed is None:
                    changed = []
                changed.append((d, d.status, value))
                d.status = found
        if changed:
            self._report_transitions(changed, t_s)

    def _report_transitions(self, changed: list[tuple[Definition, CheckStatus, float]], t_s: float) -> None:
        stamp = cds_short(self._epoch_unix_s + t_s)
        entries = []
        for d, previous, value in changed:
            crossed = d.status if d.status in VIOLATIONS else previous
            limit = d.low if crossed == CheckStatus.BELOW_LOW_LIMIT else d.high
            limit = limit if crossed in VIOLATIONS else math.nan
            entries.append((d.pmon_id, d.parameter.id, LIMIT_CHECK, limit, previous, d.status, stamp))
            event = self._event(d, previous)
            if event is not None:
                text = (
                    f"pmon {d.pmon_id} parameter {d.parameter.id} ({d.parameter.name}) = {value:g},"
                    f" limits [{d.low:g}, {d.high:g}]"
                )
                event.raise_text(self._events, t_s, text)
            self.transitions += 1
        self._tm.send(self._apid, SERVICE, TRANSITIONS.subtype, TRANSITIONS.pack(entries), t_s)

    @staticmethod
    def _event(d: Definition, previous: CheckStatus) -> EventDef | None:
        if d.status == CheckStatus.BELOW_LOW_LIMIT:
            return d.low_event
        if d.status == CheckStatus.ABOVE_HIGH_LIMIT:
            return d.high_event
        if d.status == CheckStatus.WITHIN_LIMITS and previous in VIOLATIONS:
            return BACK_IN_RANGE
        return None

    def _check_known(self, groups: list[dict]) -> None:
        for index, group in enumerate(groups):
            if group["pmon_id"] not in self.definitions:
                raise RefusalError(Failure.UNKNOWN_ID, index)

    def _check_add(self, groups: list[dict]) -> None:
        if len(self.definitions) + len(groups) > self.capacity:
            raise RefusalError(Failure.TABLE_FULL)
        ids = set(self.definitions)
        for index, g in enumerate(groups):
            if g["pmon_id"] in ids:
                raise RefusalError(Failure.DUPLICATE_ID, index)
            ids.add(g["pmon_id"])
            known = (
                self._dictionary.parameter_by_id(g["parameter_id"]),
                self._dictionary.event_by_id(g["low_event_id"]),
                self._dictionary.event_by_id(g["high_event_id"]),
            )
            if None in known:
                raise RefusalError(Failure.UNKNOWN_ID, index)
            if not g["low_limit"] < g["high_limit"]:
                raise RefusalError(Failure.ARG_OUT_OF_RANGE, index)

    def _check_delete(self, groups: list[dict]) -> None:
        self._check_known(groups)
        for index, group in enumerate(groups):
            if self.definitions[group["pmon_id"]].enabled:
                raise RefusalError(Failure.DEFINITION_ENABLED, index)

    def _add(self, t_s: float, groups: list[dict], progress) -> None:
        d = self._dictionary
        for g in groups:
            self.define(
                g["pmon_id"],
                d.parameter_by_id(g["parameter_id"]),
                g["repetition"],
                g["low_limit"],
                g["high_limit"],
                d.event_by_id(g["low_event_id"]),
                d.event_by_id(g["high_event_id"]),
            )

    def _delete(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            del self.definitions[group["pmon_id"]]

    def _enable(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            definition = self.definitions[group["pmon_id"]]
            definition.enabled = True
            definition.restart()

    def _disable(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            definition = self.definitions[group["pmon_id"]]
            definition.enabled = False
            definition.restart()

    def _enable_function(self, t_s: float, values: dict, progress) -> None:
        self.enabled = True

    def _disable_function(self, t_s: float, values: dict, progress) -> None:
        self.enabled = False

    def _report_definitions(self, t_s: float, groups: list[dict], progress) -> None:
        entries = []
        for group in groups:
            d = self.definitions[group["pmon_id"]]
            limits = (d.low, d.low_event.id, d.high, d.high_event.id)
            entries.append((d.pmon_id, d.parameter.id, d.enabled, d.repetition, LIMIT_CHECK, *limits))
        self._tm.send(self._apid, SERVICE, DEFINITIONS.subtype, DEFINITIONS.pack(0, entries), t_s)

    def _report_status(self, t_s: float, values: dict, progress) -> None:
        data = STATUS.pack([(d.pmon_id, d.status) for d in self.definitions.values()])
        self._tm.send(self._apid, SERVICE, STATUS.subtype, data, t_s)
