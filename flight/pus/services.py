"""The PUS services of the flight software assembled around one dictionary and one TM sender.

`accept` takes a TC's bytes (event-driven commanding); `tick` is the 1 Hz rate group that sends
periodic housekeeping and the events raised since the last tick.
"""

from collections.abc import Callable
from pathlib import Path

from flight.dictionary import Dictionary
from flight.events import EventLog
from flight.pus.acceptance import TcAcceptor
from flight.pus.event_reports import EventReports
from flight.pus.housekeeping_reports import HousekeepingReports
from flight.pus.parameters import ParameterStore
from flight.pus.ping import Ping
from flight.pus.telemetry import TmSender
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
    ):
        self.dictionary = dictionary
        self.tm = TmSender(sink, epoch_unix_s)
        self.acceptor = TcAcceptor(dictionary, Verification(self.tm, dictionary.tm_apid(VERIFICATION)))
        self.ping = Ping(dictionary, self.tm)
        self.housekeeping = HousekeepingReports(dictionary, self.tm)
        self.events = EventReports(dictionary, self.tm, events)
        self.parameters = ParameterStore(dictionary, self.tm, parameter_file, events)

    def accept(self, raw: bytes, t_s: float) -> bool:
        return self.acceptor.accept(raw, t_s)

    def tick(self, t_s: float) -> None:
        self.housekeeping.tick(t_s)
        self.events.tick(t_s)
