"""Service 19, event-action: a TC packet run onboard when a given event is raised.

A definition is keyed by the application process that raises the event (this software's APID) and
the event's declared id, and holds one complete TC packet, vetted by the acceptor when added. The
ground adds (19,1: uint8 N, then N times apid, event id and a TC packet) and deletes (19,2)
definitions, enables (19,4) and disables (19,5) them, asks for them (19,6 -> 19,7: uint16 N, then
apid, event id (uint16 each), enabled (uint8) and the TC packet each; 19,6 with no ids reports all),
and enables (19,8, the default) or disables (19,9) the function as a whole. As the standard asks, a
definition is added disabled, and an enabled one cannot be deleted (DEFINITION_ENABLED).

`tick` (1 Hz, after the services that raise events) runs, through the same acceptance path as a
ground TC, the action of each enabled definition whose event was raised since the last tick, so a
monitoring violation found at a tick is acted on in that tick. Events the actions raise are seen
at the next tick, so an action that raises its own event repeats at most once a second.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flight.dictionary import Arg, Command, Dictionary, Failure
from flight.events import EventLog
from flight.pus.embedded_tc import PACKET, PacketCommand
from flight.pus.telemetry import TmSender
from flight.pus.verification import RefusalError
from flight.tm_layout import Repeated, ReportLayout

SERVICE = 19
CAPACITY = 64
KEY = (
    Arg("apid", "uint", 16, 0, 0x7FF, description="APID of the application that raises the event"),
    Arg("event_id", "uint", 16, description="id of the event that triggers the action"),
)
ADD = PacketCommand(
    "event_action_add",
    SERVICE,
    1,
    KEY,
    description="definitions: apid, event id, then a complete TC packet",
)


def _keyed(name: str, subtype: int, description: str) -> Command:
    return Command(name, SERVICE, subtype, KEY, repeated=True, description=description)


DELETE = _keyed("event_action_delete", 2, "delete these definitions (disabled ones only)")
ENABLE = _keyed("event_action_enable", 4, "enable these definitions")
DISABLE = _keyed("event_action_disable", 5, "disable these definitions")
REPORT = _keyed("event_action_report", 6, "report these definitions (19,7)")
ENABLE_FUNCTION = Command(
    "event_action_enable_function", SERVICE, 8, description="run the actions of enabled definitions"
)
DISABLE_FUNCTION = Command(
    "event_action_disable_function", SERVICE, 9, description="run no event action at all"
)
COMMANDS = (ADD, DELETE, ENABLE, DISABLE, REPORT, ENABLE_FUNCTION, DISABLE_FUNCTION)
DEFINITIONS = ReportLayout(
    SERVICE,
    7,
    "event_action_definitions",
    (Repeated("definitions", Arg("count", "uint", 16), (*KEY, Arg("enabled", "bool", 8)), tc=True),),
)
REPORTS = (DEFINITIONS,)


@dataclass
class EventAction:
    apid: int
    event_id: int
    tc: bytes
    enabled: bool = False


class EventActions:
    """`vet` refuses (RefusalError) a TC the acceptor would refuse; `accept` runs an action."""

    def __init__(
        self,
        dictionary: Dictionary,
        tm: TmSender,
        log: EventLog,
        vet: Callable[[bytes], None],
        accept: Callable[[bytes, float], bool],
        capacity: int = CAPACITY,
    ):
        self._dictionary = dictionary
        self._tm = tm
        self._log = log
        self._vet = vet
        self._accept = accept
        self._apid = dictionary.tm_apid(SERVICE)
        self._seen = log.raised
        self.capacity = capacity
        self.definitions: dict[tuple[int, int], EventAction] = {}
        self.enabled = True
        self.executed = 0
        dictionary.report(DEFINITIONS)
        for command, handler, check in (
            (ADD, self._add, self._check_add),
            (DELETE, self._delete, self._check_delete),
            (ENABLE, self._enable, self._check_known),
            (DISABLE, self._disable, self._check_known),
            (REPORT, self._report, self._check_known),
            (ENABLE_FUNCTION, self._enable_function, None),
            (DISABLE_FUNCTION, self._disable_function, None),
        ):
            dictionary.bind(command, handler, check)

    def tick(self, t_s: float) -> None:
        """Run the actions of the events raised since the last call."""
        new = self._log.raised - self._seen
        self._seen = self._log.raised
        if new == 0 or not self.enabled or not self.definitions:
            return
        apid = self._dictionary.apid
        for event in tuple(self._log)[-new:]:
            declared = self._dictionary.events.get(event.name)
            action = None if declared is None else self.definitions.get((apid, declared.id))
            if action is not None and action.enabled:
                self.executed += 1
                self._accept(action.tc, t_s)

    @staticmethod
    def _key(group: dict) -> tuple[int, int]:
        return group["apid"], group["event_id"]

    def _check_add(self, groups: list[dict]) -> None:
        if len(self.definitions) + len(groups) > self.capacity:
            raise RefusalError(Failure.TABLE_FULL)
        keys = set(self.definitions)
        for index, group in enumerate(groups):
            key = self._key(group)
            if (
                group["apid"] != self._dictionary.apid
                or self._dictionary.event_by_id(group["event_id"]) is None
            ):
                raise RefusalError(Failure.UNKNOWN_ID, index)
            if key in keys:
                raise RefusalError(Failure.DUPLICATE_ID, index)
            keys.add(key)
            try:
                self._vet(group[PACKET])
            except RefusalError as refusal:
                raise RefusalError(refusal.code, index) from None

    def _check_known(self, groups: list[dict]) -> None:
        for index, group in enumerate(groups):
            if self._key(group) not in self.definitions:
                raise RefusalError(Failure.UNKNOWN_ID, index)

    def _check_delete(self, groups: list[dict]) -> None:
        self._check_known(groups)
        for index, group in enumerate(groups):
            if self.definitions[self._key(group)].enabled:
                raise RefusalError(Failure.DEFINITION_ENABLED, index)

    def _add(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            self.definitions[self._key(group)] = EventAction(group["apid"], group["event_id"], group[PACKET])

    def _delete(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            del self.definitions[self._key(group)]

    def _enable(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            self.definitions[self._key(group)].enabled = True

    def _disable(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            self.definitions[self._key(group)].enabled = False

    def _enable_function(self, t_s: float, values: dict, progress) -> None:
        self.enabled = True

    def _disable_function(self, t_s: float, values: dict, progress) -> None:
        self.enabled = False

    def _report(self, t_s: float, groups: list[dict], progress) -> None:
        chosen = [self.definitions[self._key(g)] for g in groups] or list(self.definitions.values())
        data = DEFINITIONS.pack([(a.apid, a.event_id, a.enabled, a.tc) for a in chosen])
        self._tm.send(self._apid, SERVICE, DEFINITIONS.subtype, data, t_s)
