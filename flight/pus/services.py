"""The PUS services of the flight software assembled around one dictionary and one TM sender.

`accept` takes a TC's bytes (event-driven commanding); `tick` is the 1 Hz rate group: time reports,
then the release of scheduled TCs, the monitoring checks, periodic housekeeping, the reports of the
events raised since the last tick and the actions those events trigger — in that order, so a limit
violation found at a tick is reported and acted on at that tick. The time-based schedule persists in
`schedule_file`, by default `schedule.json` beside the parameter store.

Each service is an onboard application (flight/application.py): `applications` lists them with the
commands each declared and, for those with 1 Hz work, their `tick` in the order above, for the
executive's table; the verification service's counters are the acceptor's totals over every TC.
Before the parameter store loads `parameter_file`, the monitoring service declares its tunable limits
(flight/pus/monitoring_limits.py) beside the tunables the dictionary holds already.
"""

from collections.abc import Callable
from pathlib import Path

from flight.application import Application, Work
from flight.dictionary import Dictionary
from flight.events import EventLog
from flight.pus import (
    event_action,
    event_reports,
    housekeeping_reports,
    monitoring,
    parameters,
    ping,
    scheduling,
    time_management,
)
from flight.pus.acceptance import TcAcceptor
from flight.pus.event_action import EventActions
from flight.pus.event_reports import EventReports
from flight.pus.housekeeping_reports import HousekeepingReports
from flight.pus.monitoring import Monitoring
from flight.pus.monitoring_limits import bind_monitoring_tunables
from flight.pus.parameters import ParameterStore
from flight.pus.ping import Ping
from flight.pus.scheduling import Schedule
from flight.pus.telemetry import TmSender
from flight.pus.time_management import TimeManagement
from flight.pus.verification import SERVICE as VERIFICATION
from flight.pus.verification import Verification

COMMANDS = {
    name: frozenset(c.name for c in module.COMMANDS)
    for name, module in (
        ("pus_time", time_management),
        ("pus_scheduling", scheduling),
        ("pus_monitoring", monitoring),
        ("pus_housekeeping", housekeeping_reports),
        ("pus_events", event_reports),
        ("pus_event_action", event_action),
        ("pus_ping", ping),
        ("pus_parameters", parameters),
    )
}
"""Each service's application name and the telecommands it declared (its counters count them)."""


class PusServices:
    def __init__(
        self,
        dictionary: Dictionary,
        sink: Callable[[bytes], None],
        epoch_unix_s: float,
        events: EventLog,
        parameter_file: Path,
        schedule_file: Path | None = None,
        group: str = "pus",
    ):
        self.dictionary = dictionary
        self.tm = TmSender(sink, epoch_unix_s)
        self.acceptor = TcAcceptor(dictionary, Verification(self.tm, dictionary.tm_apid(VERIFICATION)))
        accept, vet = self.acceptor.accept, self.acceptor.vet
        self.ping = Ping(dictionary, self.tm)
        self.time = TimeManagement(dictionary, self.tm)
        self.housekeeping = HousekeepingReports(dictionary, self.tm)
        self.events = EventReports(dictionary, self.tm, events)
        self.monitoring = Monitoring(dictionary, self.tm, epoch_unix_s, events)
        bind_monitoring_tunables(dictionary, self.monitoring)
        self.event_actions = EventActions(dictionary, self.tm, events, vet, accept)
        self.parameters = ParameterStore(dictionary, self.tm, parameter_file, events)
        schedule_file = (
            Path(parameter_file).with_name("schedule.json") if schedule_file is None else schedule_file
        )
        self.schedule = Schedule(dictionary, self.tm, epoch_unix_s, events, schedule_file, vet, accept)
        self.schedule.load()
        ticks = {
            "pus_time": self.time.tick,
            "pus_scheduling": self.schedule.tick,
            "pus_monitoring": self.monitoring.tick,
            "pus_housekeeping": self.housekeeping.tick,
            "pus_events": self.events.tick,
            "pus_event_action": self.event_actions.tick,
        }
        self.applications = [
            Application("pus_verification", counters=self.acceptor.counters),
            *(Application(name, (Work(group, tick),), COMMANDS[name]) for name, tick in ticks.items()),
            *(Application(name, (), COMMANDS[name]) for name in ("pus_ping", "pus_parameters")),
        ]
        """The services as applications; their 1 Hz work runs in rate group `group` (`tick`'s order)."""

    def accept(self, raw: bytes, t_s: float) -> bool:
        return self.acceptor.accept(raw, t_s)

    def tick(self, t_s: float) -> None:
        """The services' 1 Hz work at once (what the executive runs from `applications`)."""
        for application in self.applications:
            for work in application.work:
                work.task(t_s)
