"""Service 20, parameter management: report (20,1 -> 20,2) and set (20,3) tunable parameters.

A set is validated whole at acceptance (every id known, every value inside its declared type and
range) before any value changes, then applied and persisted atomically (flight/checked_file.py), so
a reset mid-write leaves the old or the new store, never a torn one; on load a store that does not
parse, fails its CRC or holds an unknown or out-of-range value is not loaded at all, and an event
says so.
Values travel as float64 whatever their declared type.
"""

from pathlib import Path

from flight.checked_file import read_checked, write_checked
from flight.dictionary import Arg, Command, Dictionary, EventDef, Failure
from flight.events import EventLog, Severity
from flight.pus.telemetry import TmSender
from flight.pus.verification import RefusalError
from flight.tm_layout import Repeated, ReportLayout

SERVICE = 20
PARAMETER_ID = Arg("parameter_id", "uint", 16)
VALUE = Arg("value", "float", 64)
STORE_CORRUPT = EventDef(
    2001,
    "parameter_store_corrupt",
    Severity.MEDIUM,
    "parameter store not loaded",
    "{file}: parameter store not loaded",
)
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


class ParameterStore:
    def __init__(self, dictionary: Dictionary, tm: TmSender, path: Path, events: EventLog):
        self._dictionary = dictionary
        self._tm = tm
        self._path = Path(path)
        self._events = events
        self._apid = dictionary.tm_apid(SERVICE)
        self.sets = 0
        dictionary.event(STORE_CORRUPT)
        dictionary.bind(REPORT, self._report, self._check)
        dictionary.bind(SET, self._set, self._check)
        self.load_status = self._load()

    def _load(self) -> str:
        """Apply the persisted values: 'loaded', 'absent' (defaults kept) or 'corrupt' (nothing applied)."""
        if not self._path.exists():
            return "absent"
        try:
            values = read_checked(self._path)["values"]
            tunables = [self._dictionary.tunables[name] for name in values]
            ok = all(t.type.valid(values[t.name]) for t in tunables)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            ok = False
        if not ok:
            STORE_CORRUPT.raise_(self._events, 0.0, file=self._path.name)
            return "corrupt"
        for tunable in tunables:
            tunable.setter(values[tunable.name])
        return "loaded"

    def _save(self) -> None:
        values = {
            name: float(t.getter()) if t.type.kind == "float" else int(t.getter())
            for name, t in self._dictionary.tunables.items()
        }
        write_checked(self._path, {"values": values})

    def _check(self, groups: list[dict]) -> None:
        for index, group in enumerate(groups):
            tunable = self._dictionary.tunable_by_id(group["parameter_id"])
            if tunable is None:
                raise RefusalError(Failure.UNKNOWN_ID, index)
            if "value" in group and not tunable.type.valid(group["value"]):
                raise RefusalError(Failure.ARG_OUT_OF_RANGE, index)

    def _report(self, t_s: float, groups: list[dict], progress) -> None:
        tunables = [self._dictionary.tunable_by_id(group["parameter_id"]) for group in groups]
        data = VALUES.pack([(t.id, t.getter()) for t in tunables])
        self._tm.send(self._apid, SERVICE, VALUES.subtype, data, t_s)

    def _set(self, t_s: float, groups: list[dict], progress) -> None:
        for step, group in enumerate(groups, start=1):
            tunable = self._dictionary.tunable_by_id(group["parameter_id"])
            value = group["value"]
            tunable.setter(int(value) if tunable.type.kind != "float" else value)
            progress(step)
        try:
            self._save()
        except OSError:
            raise RefusalError(Failure.STORAGE_FAILED) from None
        self.sets += 1
