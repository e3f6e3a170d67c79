"""Service 3, housekeeping: report structures of declared parameters, sent periodically or on request.

A structure (id, parameter list, collection interval in whole seconds) is defined at wiring time;
`tick` runs at 1 Hz and sends each enabled structure (3,25) when its interval has elapsed. The ground
enables (3,5) and disables (3,6) periodic generation, asks for one-shot reports (3,27) and for the
structures' definitions (3,9 -> 3,10), and changes intervals (3,31). Values are packed with the
parameter's declared type; a value its type cannot hold is clamped (ints) rather than crashing.
`declare_housekeeping_parameters` declares the columns of the flight software's housekeeping row.
"""

import struct
from dataclasses import dataclass
from functools import partial
from operator import getitem

from flight.adcs.modes import Mode
from flight.dictionary import Arg, Command, Dictionary, Failure, Parameter
from flight.housekeeping import Housekeeping
from flight.pus.telemetry import TmSender
from flight.pus.verification import RefusalError

SERVICE = 3
SID = Arg("sid", "uint", 16)
COUNTERS = ("gyro_misses", "star_tracker_misses", "gnss_fixes", "overruns")
LIMITS = {"eps_battery_soc": (0.3, None), "overruns": (None, 0.5)}
"""Default monitoring limits (service 12 checks them from start-up): a battery below 30 % charge, and
any missed control deadline."""
UNITS = (
    ("_deg_s", "deg/s"),
    ("_rad_s", "rad/s"),
    ("_deg", "deg"),
    ("_arcsec", "arcsec"),
    ("_v", "V"),
    ("_w", "W"),
)


def _wire_type(name: str) -> Arg:
    if name == "t_s":
        return Arg(name, "float", 64, unit="s")
    if name == "adcs_mode":
        return Arg(name, "enum", 8, values=tuple((m.name, int(m)) for m in Mode))
    if name in COUNTERS:
        return Arg(name, "uint", 32)
    if name == "eps_flags":
        return Arg(name, "uint", 16)
    unit = next((u for suffix, u in UNITS if name.endswith(suffix)), "")
    return Arg(name, "float", 32, unit=unit)


def declare_housekeeping_parameters(
    dictionary: Dictionary, housekeeping: Housekeeping, first_id: int = 1
) -> None:
    """Declare every column of the 1 Hz housekeeping row as a parameter, ids in column order."""
    for column, name in enumerate(housekeeping.names):
        getter = partial(getitem, housekeeping.latest, column)
        low, high = LIMITS.get(name, (None, None))
        dictionary.parameter(Parameter(first_id + column, name, _wire_type(name), getter, low, high))


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
        self._packers = tuple(struct.Struct(">" + p.type.format) for p in self.parameters)
        self._getters = tuple(p.getter for p in self.parameters)
        self._integers = tuple((i, p.type) for i, p in enumerate(self.parameters) if p.type.kind != "float")

    def pack(self) -> bytes:
        """The structure id and its parameters' values now, each as its type holds a measurement.

        One `Struct.pack` per value through `map`, not one call with *values: that builds a tuple of the
        structure's length per report, and tests/zorka/test_tick_allocation.py saw one kept per report
        (CPython's tuple free list, up to 2000 of a size)."""
        values = [get() for get in self._getters]
        for i, arg in self._integers:
            values[i] = arg.measured(values[i])
        return self._sid + b"".join(map(struct.Struct.pack, self._packers, values))


class HousekeepingReports:
    def __init__(self, dictionary: Dictionary, tm: TmSender):
        self._dictionary = dictionary
        self._tm = tm
        self._apid = dictionary.tm_apid(SERVICE)
        self.structures: dict[int, Structure] = {}
        self.reports = 0
        for name, subtype, args, handler in (
            ("hk_enable", 5, (SID,), self._enable),
            ("hk_disable", 6, (SID,), self._disable),
            ("hk_report_definitions", 9, (SID,), self._report_definitions),
            ("hk_one_shot", 27, (SID,), self._one_shot),
            ("hk_set_interval", 31, (SID, Arg("interval", "uint", 16, 1, 3600, "s")), self._set_interval),
        ):
            dictionary.command(
                Command(name, SERVICE, subtype, args, handler, repeated=True, check=self._check_sids)
            )

    def define(self, sid: int, names: list[str], interval_s: int, enabled: bool = True) -> Structure:
        """A report structure of the declared parameters `names`, every `interval_s` seconds."""
        if sid in self.structures:
            raise ValueError(f"housekeeping structure {sid} defined twice")
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
            ids = [p.id for p in s.parameters]
            data = struct.pack(f">HHBH{len(ids)}H", s.sid, s.interval_s, s.enabled, len(ids), *ids)
            self._tm.send(self._apid, SERVICE, 10, data, t_s)
