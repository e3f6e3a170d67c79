"""The PUS services of the flight software assembled around one dictionary and one TM sender.

`accept` takes a TC's bytes (event-driven commanding); `tick` is the 1 Hz rate group: time reports,
then the release of scheduled TCs, the monitoring checks, periodic housekeeping, the reports of the
events raised since the last tick and the actions those events trigger — in that order, so a limit
violation found at a tick is reported and acted on at that tick. The time-based schedule persists in
`schedule_file`, by default `schedule.json` beside the parameter store.
"""

from collections.abc import Callable
from pathlib import Path

from flight.dictionary import Dictionary
from flight.events import EventLog
from flight.pus.acceptance import TcAcceptor
from flight.pus.event_action import EventActions
from flight.pus.event_reports import EventReports
from flight.pus.housekeeping_reports import HousekeepingReports
from flight.pus.monitoring import Monitoring
from flight.pus.parameters import ParameterStore
from flight.pus.ping import Ping
from flight.pus.scheduling import Schedule
from flight.pus.telemetry import TmSender
from flight.pus.time_management import TimeManagement
from flight.pus.verification import SERVICE as VERIFICATION
from flight.pus.verification import Verification


class PusServices:
    def __init__(
        self,
        dictionary: Dictionary,
        sink: Callable[[bytes], None],
        epoch_unix_s: float,
        events: EventLog,
        parameter_file: Path,
        schedule_file: Path | None = None,
    ):
        self.dictionary = dictionary
        self.tm = TmSender(sink, epoch_unix_s)
        self.acceptor = TcAcceptor(dictionary, Verification(self.tm, dictionary.tm_apid(VERIFICATION)))
        accept, vet = self.acceptor.accept, self.acceptor.vet
        self.ping = Ping(dictionary, self.tm)
        self.time = TimeManagement(dictionary, self.tm, epoch_unix_s)
        self.housekeeping = HousekeepingReports(dictionary, self.tm)
        self.events = EventReports(dictionary, self.tm, events)
        self.monitoring = Monitoring(dictionary, self.tm, epoch_unix_s, events)
        self.event_actions = EventActions(dictionary, self.tm, events, vet, accept)
        self.parameters = ParameterStore(dictionary, self.tm, parameter_file, events)
        schedule_file = (
            Path(parameter_file).with_name("schedule.json") if schedule_file is None else schedule_file
        )
        self.schedule = Schedule(dictionary, self.tm, epoch_unix_s, events, schedule_file, vet, accept)
        self.schedule.load()

    def accept(self, raw: bytes, t_s: float) -> bool:
        return self.acceptor.accept(raw, t_s)

    def tick(self, t_s: float) -> None:
        self.time.tick(t_s)
        self.schedule.tick(t_s)
        self.monitoring.tick(t_s)
        self.housekeeping.tick(t_s)
        self.events.tick(t_s)
        self.event_actions.tick(t_s)
