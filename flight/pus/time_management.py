"""Service 9, time management: the onboard time reported to the ground as CDS time reports (9,3).

A time report is the exponential generation rate N (uint8) and the onboard time as a CDS short
time code (P-field 0x40, days since 1958, ms of day: 7 bytes, as the TM time stamps). Reports go out
at the 1 Hz tick whenever the onboard time in whole seconds is a multiple of 2**N, so the ground
can predict them; the ground sets N (9,1, N in 0..8: every 1 s to every 256 s) and may ask for one
report now with the mission-specific TC (9,128).
"""

from flight.dictionary import Arg, Command, Dictionary
from flight.pus.telemetry import TmSender
from flight.tm_layout import CdsTime, ReportLayout

SERVICE = 9
CDS_TIME_REPORT = 3
REPORT_NOW = 128
MAX_RATE_EXPONENT = 8
DEFAULT_RATE_EXPONENT = 6
RATE_EXPONENT = Arg(
    "rate_exponent",
    "uint",
    8,
    0,
    MAX_RATE_EXPONENT,
    "log2 s",
    description="a time report every 2**rate_exponent s",
)
SET_REPORT_RATE = Command(
    "time_set_report_rate",
    SERVICE,
    1,
    (RATE_EXPONENT,),
    description="a CDS time report every 2**rate_exponent s",
)
REPORT_NOW_COMMAND = Command("time_report_now", SERVICE, REPORT_NOW, description="one CDS time report now")
COMMANDS = (SET_REPORT_RATE, REPORT_NOW_COMMAND)
TIME_REPORT = ReportLayout(SERVICE, CDS_TIME_REPORT, "time_report", (RATE_EXPONENT, CdsTime("onboard_time")))
REPORTS = (TIME_REPORT,)


class TimeManagement:
    def __init__(self, dictionary: Dictionary, tm: TmSender, exponent: int = DEFAULT_RATE_EXPONENT):
        """Time reports of `tm`'s onboard time: stamped from its epoch, as its packets are."""
        self._tm = tm
        self._apid = dictionary.tm_apid(SERVICE)
        self.exponent = exponent
        self.reports = 0
        dictionary.report(TIME_REPORT)
        dictionary.bind(SET_REPORT_RATE, self._set_rate)
        dictionary.bind(REPORT_NOW_COMMAND, lambda t_s, values, progress: self.report(t_s))

    def tick(self, t_s: float) -> None:
        """The 1 Hz rate group: a report when the onboard second is a multiple of the period."""
        if round(t_s) % (1 << self.exponent) == 0:
            self.report(t_s)

    def report(self, t_s: float) -> None:
        """Send a CDS time report (9,3) of onboard time `t_s`."""
        data = TIME_REPORT.pack(self.exponent, self._tm.stamp(t_s))
        self._tm.send(self._apid, SERVICE, CDS_TIME_REPORT, data, t_s)
        self.reports += 1

    def _set_rate(self, t_s: float, values: dict, progress) -> None:
        self.exponent = values["rate_exponent"]
