"""Service 17, test: an are-you-alive (17,1) answered by a report (17,2)."""

from flight.dictionary import Command, Dictionary
from flight.pus.telemetry import TmSender
from flight.tm_layout import ReportLayout

SERVICE = 17
PING = Command("ping", SERVICE, 1, description="are you alive")
COMMANDS = (PING,)
REPLY = ReportLayout(SERVICE, 2, "ping_reply")
REPORTS = (REPLY,)


class Ping:
    def __init__(self, dictionary: Dictionary, tm: TmSender):
        self._tm = tm
        self._apid = dictionary.tm_apid(SERVICE)
        self.pings = 0
        dictionary.report(REPLY)
        dictionary.bind(PING, self._ping)

    def _ping(self, t_s: float, values: dict, progress) -> None:
        self.pings += 1
        self._tm.send(self._apid, SERVICE, REPLY.subtype, REPLY.pack(), t_s)
