"""The one command/telemetry dictionary: what every onboard application declares it offers.

Each application declares, once and as module constants of its own package, its commands (PUS
service/subtype, or a service-8 function id, with typed, ranged arguments and a description),
events (flight/events.py), housekeeping parameters (with units), tunable parameters and TM report
layouts (flight/tm_layout.py); flight/onboard_dictionary.py collects them for a spacecraft's shape
without building any application. When the flight software is wired, each application binds its
callables to its declarations: declaring again a declaration that has none yet, equal in everything
but the callables, binds them (the handler and acceptance check of a command, the getter of a
parameter, the getter and setter of a tunable); anything else declared twice is an error. The
dispatcher decodes telecommands from these declarations, and `export` gives the same declarations to
the ground as a JSON-able dict, so the two can never disagree (F Prime's one-declaration dictionary).
Arguments travel big-endian at fixed widths; decoding checks length and ranges and names the
argument that failed.
"""

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

from flight.events import EventDef


class Failure(IntEnum):
    """Failure codes carried in service-1 failure reports (1,2 and 1,8), exported to the ground."""

    WRONG_LENGTH = 1
    BAD_VERSION = 2
    BAD_PACKET_TYPE = 3
    NO_SECONDARY_HEADER = 4
    BAD_CRC = 5
    UNKNOWN_APID = 6
    BAD_PUS_VERSION = 7
    UNKNOWN_SERVICE = 8
    UNKNOWN_SUBTYPE = 9
    ARG_OUT_OF_RANGE = 10
    UNKNOWN_FUNCTION = 11
    NOT_ALLOWED_IN_MODE = 12
    UNKNOWN_ID = 13
    STORAGE_FAILED = 14
    EXECUTION_ERROR = 15
    SCHEDULE_FULL = 16
    RELEASE_TIME_PASSED = 17
    DUPLICATE_ID = 18
    TABLE_FULL = 19
    DEFINITION_ENABLED = 20


_FORMATS = {
    ("int", 8): "b",
    ("int", 16): "h",
    ("int", 32): "i",
    ("int", 64): "q",
    ("uint", 8): "B",
    ("uint", 16): "H",
    ("uint", 32): "I",
    ("uint", 64): "Q",
    ("float", 32): "f",
    ("float", 64): "d",
    ("enum", 8): "B",
    ("enum", 16): "H",
    ("bool", 8): "B",
}


class ArgumentError(Exception):
    """An argument that cannot be decoded: the failure code and the index of the argument at fault."""

    def __init__(self, code: Failure, index: int, name: str):
        super().__init__(f"{code.name}: argument {index} ({name})")
        self.code = code
        self.index = index
        self.name = name


@dataclass(frozen=True)
class Arg:
    """A typed value on the wire: kind int/uint/float/enum/bool, a fixed width, a range and a unit; what it
    means (`description`), and for a command argument the value the ground fills in when the operator
    leaves it out (`default`, None: the argument must be given). Defaults are the ground's: the TC on the
    wire always carries every argument."""

    name: str
    kind: str
    bits: int = 32
    low: float | None = None
    high: float | None = None
    unit: str = ""
    values: tuple[tuple[str, int], ...] = ()
    description: str = ""
    default: float | None = None

    def __post_init__(self):
        if (self.kind, self.bits) not in _FORMATS:
            raise ValueError(f"{self.name}: no {self.bits}-bit {self.kind}")
        if self.kind == "enum" and not self.values:
            raise ValueError(f"{self.name}: an enum needs values")
        if self.kind in ("int", "uint"):
            lo, hi = (
                (0, 2**self.bits - 1)
                if self.kind == "uint"
                else (-(2 ** (self.bits - 1)), 2 ** (self.bits - 1) - 1)
            )
            object.__setattr__(self, "low", lo if self.low is None else self.low)
            object.__setattr__(self, "high", hi if self.high is None else self.high)
        elif self.kind in ("enum", "bool"):
            codes = [v for _, v in self.values] if self.kind == "enum" else [0, 1]
            object.__setattr__(self, "low", min(codes) if self.low is None else self.low)
            object.__setattr__(self, "high", max(codes) if self.high is None else self.high)
        object.__setattr__(self, "_struct", struct.Struct(">" + _FORMATS[(self.kind, self.bits)]))

    @property
    def size(self) -> int:
        return self._struct.size

    def valid(self, value: Any) -> bool:
        """True if `value` is inside this argument's type and range."""
        if self.kind == "bool":
            return value in (0, 1)
        if self.kind == "enum":
            return value in {v for _, v in self.values}
        if self.kind == "float" and not math.isfinite(value):
            return False
        if self.kind in ("int", "uint") and value != int(value):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def encode(self, value: Any) -> bytes:
        if not self.valid(value):
            raise ValueError(f"{self.name}: {value!r} out of range")
        return self._struct.pack(float(value) if self.kind == "float" else int(value))

    @property
    def format(self) -> str:
        """The `struct` format character of the type on the wire (big-endian)."""
        return self._struct.format[1:]

    @property
    def packer(self) -> struct.Struct:
        """The precompiled `struct` of the type on the wire (its value as is: no range check, no cast)."""
        return self._struct

    def decode(self, data: bytes, offset: int, index: int) -> Any:
        """The value at `offset`; ArgumentError naming argument `index` if short or out of range."""
        if len(data) - offset < self.size:
            raise ArgumentError(Failure.WRONG_LENGTH, index, self.name)
        (value,) = self._struct.unpack_from(data, offset)
        if not self.valid(value):
            raise ArgumentError(Failure.ARG_OUT_OF_RANGE, index, self.name)
        return bool(value) if self.kind == "bool" else value

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "type": self.kind,
            "bits": self.bits,
            "encoding": self._struct.format,
            "min": self.low,
            "max": self.high,
            "unit": self.unit,
            "values": dict(self.values),
            "description": self.description,
            "default": self.default,
        }

    @classmethod
    def from_json(cls, d: dict) -> "Arg":
        return cls(
            d["name"],
            d["type"],
            d["bits"],
            d["min"],
            d["max"],
            d["unit"],
            tuple(d["values"].items()),
            d.get("description", ""),
            d.get("default"),
        )


Handler = Callable[[float, Any, Callable[[int], None]], None]


@dataclass(frozen=True)
class Command:
    """A telecommand. `repeated`: the arguments form a group sent N times after a uint8 count N.

    `check` (optional) validates the decoded values at acceptance, raising `RefusalError`. The handler
    gets the onboard time, the decoded values (a dict, or a list of dicts if repeated) and a
    `progress(step)` callable, and raises `RefusalError` when it cannot do what was asked.
    """

    name: str
    service: int
    subtype: int
    args: tuple[Arg, ...] = ()
    handler: Handler | None = None
    function_id: int | None = None
    repeated: bool = False
    description: str = ""
    check: Callable[[Any], None] | None = None

    def decode(self, data: bytes, offset: int = 0) -> Any:
        """The argument values of app data `data[offset:]`; ArgumentError on any mismatch."""
        if not self.repeated:
            values, end = self._decode_group(data, offset)
        else:
            if len(data) <= offset:
                raise ArgumentError(Failure.WRONG_LENGTH, 0, "count")
            values, end = [], offset + 1
            for _ in range(data[offset]):
                group, end = self._decode_group(data, end)
                values.append(group)
        if end != len(data):
            raise ArgumentError(Failure.WRONG_LENGTH, len(self.args), "end")
        return values

    def encode(self, values: Any) -> bytes:
        """App data for `values` (the inverse of `decode`), function id first for a service-8 function."""
        head = b"" if self.function_id is None else struct.pack(">H", self.function_id)
        if not self.repeated:
            return head + self._encode_group(values)
        return head + bytes([len(values)]) + b"".join(self._encode_group(v) for v in values)

    def _decode_group(self, data: bytes, offset: int) -> tuple[dict, int]:
        values = {}
        for index, arg in enumerate(self.args):
            values[arg.name] = arg.decode(data, offset, index)
            offset += arg.size
        return values, offset

    def _encode_group(self, values: dict) -> bytes:
        return b"".join(arg.encode(values[arg.name]) for arg in self.args)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "service": self.service,
            "subtype": self.subtype,
            "function_id": self.function_id,
            "repeated": self.repeated,
            "args": [a.to_json() for a in self.args],
            "description": self.description,
        }


@dataclass(frozen=True)
class Parameter:
    """A housekeeping parameter: its wire type (an Arg without range checks; its unit is the
    parameter's), limits and a getter (None until the application that samples it is wired)."""

    id: int
    name: str
    type: Arg
    getter: Callable[[], float] | None = None
    low_limit: float | None = None
    high_limit: float | None = None
    description: str = ""

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type.kind,
            "bits": self.type.bits,
            "encoding": self.type.to_json()["encoding"],
            "unit": self.type.unit,
            "values": dict(self.type.values),
            "low_limit": self.low_limit,
            "high_limit": self.high_limit,
            "description": self.description,
        }


@dataclass(frozen=True)
class Tunable:
    """A parameter the ground may read and set (service 20): type, range and unit as an Arg, a default,
    and a one-line description of what it does. Declared with no getter, setter or default (the value
    configured at start); the application that uses it binds them when it is wired."""

    id: int
    type: Arg
    default: float | None
    getter: Callable[[], float] | None = None
    setter: Callable[[float], None] | None = None
    description: str = ""

    @property
    def name(self) -> str:
        return self.type.name

    def to_json(self) -> dict:
        return {
            "id": self.id,
            **self.type.to_json(),
            "default": self.default,
            "description": self.description,
        }


@dataclass
class Dictionary:
    """Collects the declarations of every onboard function; rejects duplicate names and ids."""

    apid: int
    tm_apids: dict[int, int] = field(default_factory=dict)
    other_apids: dict[str, int] = field(default_factory=dict)
    """APIDs of other traffic by what it is (e.g. "cfdp": file transfer PDUs, no PUS header)."""
    commands: dict[str, Command] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    events: dict[str, EventDef] = field(default_factory=dict)
    tunables: dict[str, Tunable] = field(default_factory=dict)
    reports: dict[tuple[int, int], Any] = field(default_factory=dict)
    """TM report layouts (flight/tm_layout.py `ReportLayout`) by (service, subtype)."""
    housekeeping_structures: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """The report structures defined at boot (structure id -> parameter ids in wire order), so the ground
    decodes them without first asking for their definitions (3,9)."""

    def __post_init__(self):
        self._by_type: dict[tuple[int, int], Command] = {}
        self._by_function: dict[int, Command] = {}
        self._parameter_ids: dict[int, Parameter] = {}
        self._event_ids: dict[int, EventDef] = {}
        self._tunable_ids: dict[int, Tunable] = {}

    def tm_apid(self, service: int) -> int:
        """The APID that carries TM of `service` (the onboard APID unless declared otherwise)."""
        return self.tm_apids.get(service, self.apid)

    def command(self, command: Command) -> Command:
        """Declare `command`, or bind its handler and check to its declaration (see the module)."""
        if command.name in self.commands:
            return self._bind(self.commands, command, ("handler", "check"), "command")
        if command.function_id is not None:
            if command.function_id in self._by_function:
                raise ValueError(f"function id {command.function_id} declared twice")
            self._by_function[command.function_id] = command
        else:
            if (command.service, command.subtype) in self._by_type:
                raise ValueError(f"TC({command.service},{command.subtype}) declared twice")
            self._by_type[(command.service, command.subtype)] = command
        self.commands[command.name] = command
        return command

    def bind(self, command: Command, handler: Handler, check: Callable[[Any], None] | None = None) -> Command:
        """Bind `handler` (and an acceptance `check`) to the declared `command`, declaring it if need be."""
        return self.command(replace(command, handler=handler, check=check or command.check))

    def parameter(self, parameter: Parameter) -> Parameter:
        """Declare `parameter`, or bind its getter to its declaration."""
        if parameter.name in self.parameters:
            bound = self._bind(self.parameters, parameter, ("getter",), "parameter")
            self._parameter_ids[bound.id] = bound
            return bound
        _add(self.parameters, self._parameter_ids, parameter, "parameter")
        return parameter

    def event(self, event: EventDef) -> EventDef:
        """Declare `event` (declaring the same declaration again changes nothing)."""
        if self.events.get(event.name) == event:
            return self.events[event.name]
        _add(self.events, self._event_ids, event, "event")
        return event

    def tunable(self, tunable: Tunable) -> Tunable:
        """Declare `tunable`, or bind its getter, setter and default (the value it has when the application
        is wired) to its declaration."""
        if tunable.default is not None and not tunable.type.valid(tunable.default):
            raise ValueError(f"tunable {tunable.name!r}: default out of range")
        if tunable.name in self.tunables:
            bound = self._bind(self.tunables, tunable, ("getter", "setter", "default"), "tunable")
            self._tunable_ids[bound.id] = bound
            return bound
        _add(self.tunables, self._tunable_ids, tunable, "tunable")
        return tunable

    def report(self, layout: Any) -> Any:
        """Declare a TM report layout (declaring the same one again changes nothing)."""
        key = (layout.service, layout.subtype)
        if self.reports.get(key, layout) != layout:
            raise ValueError(f"TM({key[0]},{key[1]}) layout declared twice")
        self.reports[key] = layout
        return layout

    def unbound(self) -> list[str]:
        """What is declared but not served: commands without a handler, parameters without a getter,
        tunables without a getter and setter. Empty once the flight software is wired."""
        return [
            *(f"command {c.name}" for c in self.commands.values() if c.handler is None),
            *(f"parameter {p.name}" for p in self.parameters.values() if p.getter is None),
            *(f"tunable {t.name}" for t in self.tunables.values() if t.getter is None or t.setter is None),
        ]

    def _bind(self, by_name: dict, item: Any, callables: tuple[str, ...], what: str) -> Any:
        """`item` in place of its declaration, which must have no `callables[0]` yet and equal it in
        all but `callables`. A command's declared acceptance check and description stay unless `item`
        brings its own."""
        declared = by_name[item.name]
        if isinstance(item, Command) and not item.description:
            item = replace(item, description=declared.description)
        bare = dict.fromkeys(callables)
        if getattr(declared, callables[0]) is not None or replace(item, **bare) != replace(declared, **bare):
            raise ValueError(f"{what} {item.name!r} declared twice")
        if isinstance(item, Command):
            item = replace(item, check=item.check or declared.check)
            if item.function_id is not None:
                self._by_function[item.function_id] = item
            else:
                self._by_type[(item.service, item.subtype)] = item
        by_name[item.name] = item
        return item

    def find_command(self, service: int, subtype: int) -> Command | None:
        return self._by_type.get((service, subtype))

    def find_function(self, function_id: int) -> Command | None:
        return self._by_function.get(function_id)

    def knows_service(self, service: int) -> bool:
        return any(s == service for s, _ in self._by_type) or (service == 8 and bool(self._by_function))

    def parameter_by_id(self, id: int) -> Parameter | None:
        return self._parameter_ids.get(id)

    def event_by_id(self, id: int) -> EventDef | None:
        return self._event_ids.get(id)

    def tunable_by_id(self, id: int) -> Tunable | None:
        return self._tunable_ids.get(id)

    def export(self) -> dict:
        """The declarations as a JSON-able dict: what a ground segment needs to encode and decode."""
        return {
            "apid": self.apid,
            "tm_apids": {str(s): a for s, a in sorted(self.tm_apids.items())},
            "other_apids": dict(sorted(self.other_apids.items())),
            "failure_codes": {f.name: int(f) for f in Failure},
            "commands": [c.to_json() for c in self.commands.values()],
            "parameters": [p.to_json() for p in self.parameters.values()],
            "events": [e.to_json() for e in self.events.values()],
            "tunables": [t.to_json() for t in self.tunables.values()],
            "housekeeping_structures": {str(s): list(ids) for s, ids in self.housekeeping_structures.items()},
            "reports": [layout.to_json() for _, layout in sorted(self.reports.items())],
        }


def _add(by_name: dict, by_id: dict, item: Any, what: str) -> None:
    if item.name in by_name:
        raise ValueError(f"{what} {item.name!r} declared twice")
    if item.id in by_id:
        raise ValueError(f"{what} id {item.id} declared twice")
    by_name[item.name] = item
    by_id[item.id] = item
