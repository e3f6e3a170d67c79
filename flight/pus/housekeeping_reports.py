"""Service 3, housekeeping: report structures of declared parameters, sent periodically or on request.

A structure (id, parameter list, collection interval in whole seconds) is defined at wiring time from
declared parameters only; `tick` runs at 1 Hz and sends each enabled structure (3,25) when its
interval has elapsed. The ground enables (3,5) and disables (3,6) periodic generation, asks for
one-shot reports (3,27) and for the structures' definitions (3,9 -> 3,10), and changes intervals
(3,31). Values are packed with the parameter's declared type; a value its type cannot hold is
clamped (ints) rather than crashing. `housekeeping_parameters` declares the columns of the flight
software's housekeeping row (flight/housekeeping.py) from each application's declarations, with
their units; `declare_housekeeping_parameters` binds the row's columns to them.
"""

import struct
from dataclasses import dataclass, replace
from functools import partial
from operator import getitem

from flight.adcs.telemetry import adcs_parameters
from flight.dictionary import Arg, Command, Dictionary, Failure, Parameter
from flight.housekeeping import Housekeeping
from flight.power.telemetry import BATTERY_SOC_LOW_LIMIT, power_parameters
from flight.pus.telemetry import TmSender
from flight.pus.verification import RefusalError
from flight.tm_layout import Repeated, ReportLayout

SERVICE = 3
SID = Arg("sid", "uint", 16, description="housekeeping report structure id")
CHUNK_VALUES = 19
"""Values packed by one `Struct.pack(*values)`: its argument tuple then has at most 19 items, which
CPython 3.11 takes from and gives back to its free lists (a 20-item tuple is put on a free list it never
takes from: one kept per report until 2000, tests/zorka/test_tick_allocation.py)."""
ONBOARD_TIME = (Arg("t_s", "float", 64, unit="s"), "onboard time of the sample")
OVERRUNS = (Arg("overruns", "uint", 32), "control frames that started late (executive)")
LIMITS = {"eps_battery_soc": (BATTERY_SOC_LOW_LIMIT, None), "overruns": (None, 0.5)}
"""Default monitoring limits (service 12 checks them from start-up): a battery below 30 % charge, and
any missed control deadline."""
ENABLE = Command(
    "hk_enable", SERVICE, 5, (SID,), repeated=True, description="send these structures periodically"
)
DISABLE = Command(
    "hk_disable", SERVICE, 6, (SID,), repeated=True, description="stop sending these structures"
)
REPORT_DEFINITIONS = Command(
    "hk_report_definitions", SERVICE, 9, (SID,), repeated=True, description="report these structures (3,10)"
)
ONE_SHOT = Command("hk_one_shot", SERVICE, 27, (SID,), repeated=True, description="one report of each now")
SET_INTERVAL = Command(
    "hk_set_interval",
    SERVICE,
    31,
    (SID, Arg("interval", "uint", 16, 1, 3600, "s", description="collection interval of the structure")),
    repeated=True,
    description="change the collection interval of these structures",
)
COMMANDS = (ENABLE, DISABLE, REPORT_DEFINITIONS, ONE_SHOT, SET_INTERVAL)
DEFINITION = ReportLayout(
    SERVICE,
    10,
    "hk_structure_definition",
    (
        SID,
        Arg("interval", "uint", 16, unit="s"),
        Arg("enabled", "bool", 8),
        Repeated("parameters", Arg("count", "uint", 16), (Arg("parameter_id", "uint", 16),)),
    ),
)
REPORTS = (DEFINITION,)


def housekeeping_parameters(n_wheels: int, first_id: int = 1) -> tuple[Parameter, ...]:
    """The declared columns of the 1 Hz housekeeping row for `n_wheels` reaction wheels: onboard time,
    the ADCS's, the EPS's, the executive's overruns; ids in column order from `first_id`."""
    columns = (ONBOARD_TIME, *adcs_parameters(n_wheels), *power_parameters(), OVERRUNS)
    return tuple(
        Parameter(first_id + i, arg.name, arg, None, *LIMITS.get(arg.name, (None, None)), description=text)
        for i, (arg, text) in enumerate(columns)
    )


def declare_housekeeping_parameters(dictionary: Dictionary, housekeeping: Housekeeping) -> None:
    """Bind every column of the housekeeping row to its declared parameter; ValueError for a column
    that is not declared (its value could not go to the ground)."""
    for column, name in enumerate(housekeeping.names):
        declared = dictionary.parameters.get(name)
        if declared is None:
            raise ValueError(f"housekeeping column {name!r} is not a declared parameter")
        dictionary.parameter(replace(declared, getter=partial(getitem, housekeeping.latest, column)))


@dataclass
class Structure:
    """A report structure: its parameters in wire order, each packed by its type's precompiled `struct`."""

    sid: int
    parameters: tuple[Parameter, ...]
    interval_s: int
    enabled: bool = True
    elapsed_s: int = 0

    def __post_init__(self):
        self._sid = struct.pack(">H", self.sid)
        formats = [p.type.format for p in self.parameters]
        self._chunks = tuple(
            (struct.Struct(">" + "".join(formats[start : start + CHUNK_VALUES])), start, start + CHUNK_VALUES)
            for start in range(0, len(formats), CHUNK_VALUES)
        )
        self._getters = tuple(p.getter for p in self.parameters)
        self._row = _row_slice(self._getters)
        self._integers = tuple(
            (i, p.type.low, p.type.high) for i, p in enumerate(self.parameters) if p.type.kind != "float"
        )

    def pack(self) -> bytes:
        """The structure id and its parameters' values now, each as its type holds a measurement
        (an integer clamped into its range, a non-finite one 0: telemetry never refuses a measurement).

        Precompiled `Struct`s of up to CHUNK_VALUES values each; the values of a structure of
        consecutive columns of one row (the housekeeping row) are that row's slice, taken in one go."""
        if self._row is not None:
            row, start, stop = self._row
            values = row[start:stop]
        else:
            values = [get() for get in self._getters]
        for i, low, high in self._integers:
            value = values[i]
            if value - value != 0:  # NaN or infinite
                values[i] = 0
            else:
                values[i] = int(low if value < low else high if value > high else value)
        chunks = self._chunks
        if len(chunks) == 1:
            return self._sid + chunks[0][0].pack(*values)
        return self._sid + b"".join([layout.pack(*values[start:stop]) for layout, start, stop in chunks])


def _row_slice(getters: tuple) -> tuple[list, int, int] | None:
    """(row, start, stop) if the getters read consecutive columns start..stop-1 of one list (as
    `declare_housekeeping_parameters` binds them), else None."""
    if not getters or not all(
        isinstance(g, partial) and g.func is getitem and len(g.args) == 2 and not g.keywords for g in getters
    ):
        return None
    row, start = getters[0].args
    if not isinstance(row, list) or not isinstance(start, int):
        return None
    for offset, getter in enumerate(getters):
        if getter.args[0] is not row or getter.args[1] != start + offset:
            return None
    return row, start, start + len(getters)


class HousekeepingReports:
    def __init__(self, dictionary: Dictionary, tm: TmSender):
        self._dictionary = dictionary
        self._tm = tm
        self._apid = dictionary.tm_apid(SERVICE)
        self.structures: dict[int, Structure] = {}
        self.reports = 0
        dictionary.report(DEFINITION)
        for command, handler in (
            (ENABLE, self._enable),
            (DISABLE, self._disable),
            (REPORT_DEFINITIONS, self._report_definitions),
            (ONE_SHOT, self._one_shot),
            (SET_INTERVAL, self._set_interval),
        ):
            dictionary.bind(command, handler, self._check_sids)

    def define(self, sid: int, names: list[str], interval_s: int, enabled: bool = True) -> Structure:
        """A report structure of the declared parameters `names`, every `interval_s` seconds."""
        if sid in self.structures:
            raise ValueError(f"housekeeping structure {sid} defined twice")
        undeclared = [n for n in names if n not in self._dictionary.parameters]
        if undeclared:
            raise ValueError(f"housekeeping structure {sid}: parameters not declared: {undeclared}")
        parameters = tuple(self._dictionary.parameters[n] for n in names)
        self.structures[sid] = Structure(sid, parameters, interval_s, enabled)
        return self.structures[sid]

    def tick(self, t_s: float) -> None:
        """The 1 Hz rate group: send the enabled structures whose interval has elapsed."""
        for structure in self.structures.values():
            if not structure.enabled:
                continue
            structure.elapsed_s += 1
            if structure.elapsed_s >= structure.interval_s:
                structure.elapsed_s = 0
                self._report(structure, t_s)

    def _report(self, structure: Structure, t_s: float) -> None:
        self._tm.send(self._apid, SERVICE, 25, structure.pack(), t_s)
        self.reports += 1

    def _check_sids(self, groups: list[dict]) -> None:
        for index, group in enumerate(groups):
            if group["sid"] not in self.structures:
                raise RefusalError(Failure.UNKNOWN_ID, index)

    def _enable(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            self.structures[group["sid"]].enabled = True

    def _disable(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            self.structures[group["sid"]].enabled = False

    def _one_shot(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            self._report(self.structures[group["sid"]], t_s)

    def _set_interval(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            self.structures[group["sid"]].interval_s = group["interval"]

    def _report_definitions(self, t_s: float, groups: list[dict], progress) -> None:
        for group in groups:
            s = self.structures[group["sid"]]
            data = DEFINITION.pack(s.sid, s.interval_s, s.enabled, [(p.id,) for p in s.parameters])
            self._tm.send(self._apid, SERVICE, DEFINITION.subtype, data, t_s)
