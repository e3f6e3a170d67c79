"""Service 17, test: an are-you-alive (17,1) answered by a report (17,2)."""

from flight.dictionary import Command, Dictionary
from flight.pus.telemetry import TmSender

SERVICE = 17


class Ping:
    def __init__(self, dictionary: Dictionary, tm: TmSender):
        self._tm = tm
        self._apid = dictionary.tm_apid(SERVICE)
        self.pings = 0
        dictionary.command(Command("ping", SERVICE, 1, handler=self._ping, description="are you alive"))

    def _ping(self, t_s: float, values: dict, progress) -> None:
        self.pings += 1
        self._tm.send(self._apid, SERVICE, 2, b"", t_s)
