"""Service 20, parameter management: report (20,1 -> 20,2) and set (20,3) tunable parameters.

A set is validated whole at acceptance (every id known, every value inside its declared type and
range) before any value changes, then applied and persisted atomically (flight/checked_file.py), so
a reset mid-write leaves the old or the new store, never a torn one; on load a store that does not
parse, fails its CRC, holds an unknown or out-of-range value or is not a readable file is not loaded
at all (the defaults are kept), and an event and a log line say so (flight/stores.py).
Values travel as float64 whatever their declared type.
"""

import math
from pathlib import Path

from flight.checked_file import read_checked, write_checked
from flight.dictionary import Arg, Command, Dictionary, Failure
from flight.events import EventLog
from flight.pus.telemetry import TmSender
from flight.pus.verification import RefusalError
from flight.stores import EVENTS as STORE_EVENTS
from flight.stores import check, note_written, present, refuse, report_missing, why_unreadable
from flight.tm_layout import Repeated, ReportLayout

SERVICE = 20
PARAMETER_ID = Arg(
    "parameter_id", "uint", 16, description="id of a tunable parameter (`zorka dict` lists them)"
)
VALUE = Arg("value", "float", 64, description="the new value, in the parameter's unit and range")
KEPT = "keeping the default values"
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


class ParameterStore:
    def __init__(self, dictionary: Dictionary, tm: TmSender, path: Path, events: EventLog):
        self._dictionary = dictionary
        self._tm = tm
        self._path = Path(path)
        self._events = events
        self._apid = dictionary.tm_apid(SERVICE)
        self.sets = 0
        for event in STORE_EVENTS:
            dictionary.event(event)
        dictionary.bind(REPORT, self._report, self._check)
        dictionary.bind(SET, self._set, self._check)
        self.load_status = self._load()

    def _load(self) -> str:
        """Apply the persisted values: 'loaded', 'absent' (first run), 'missing' (written before, now
        gone) or 'corrupt' (refused whole: nothing applied, the defaults kept)."""
        if not present(self._path):
            return "missing" if report_missing(self._events, 0.0, self._path, KEPT) else "absent"
        try:
            values = read_checked(self._path)["values"]
            check(isinstance(values, dict), "values", type(values).__name__, "an object")
            tunables = []
            for name, value in values.items():
                tunable = self._dictionary.tunables.get(name)
                check(tunable is not None, "parameter", name, "a declared tunable")
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                check(number and math.isfinite(value), name, value, "a finite number")
                allowed = f"{tunable.type.kind} {tunable.type.low}..{tunable.type.high}"
                check(tunable.type.valid(value), name, value, allowed)
                tunables.append(tunable)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as problem:
            refuse(self._events, 0.0, self._path, why_unreadable(problem), KEPT)
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
        note_written(self._path)

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
