"""Service 20's telecommands and report, declared for the dictionary: report (20,1 -> 20,2) and set
(20,3) tunable parameters. flight/pus/parameters.py serves them (binds its handlers and checks)."""

from flight.dictionary import Arg, Command
from flight.pus.parameters import PARAMETER_ID, SERVICE, STORE_CORRUPT, VALUE
from flight.tm_layout import Repeated, ReportLayout

REPORT = Command(
    "parameters_report",
    SERVICE,
    1,
    (PARAMETER_ID,),
    repeated=True,
    description="report these tunable parameters' values (20,2)",
)
SET = Command(
    "parameters_set",
    SERVICE,
    3,
    (PARAMETER_ID, VALUE),
    repeated=True,
    description="set these tunable parameters (validated whole, then persisted)",
)
COMMANDS = (REPORT, SET)
VALUES = ReportLayout(
    SERVICE, 2, "parameter_values", (Repeated("values", Arg("count", "uint", 8), (PARAMETER_ID, VALUE)),)
)
REPORTS = (VALUES,)
EVENTS = (STORE_CORRUPT,)
