"""Telemetry packets -> named values, by the dictionary (the JSON of `zorka dict`).

`TelemetryDecoder.decode` turns one PUS-C TM packet (7-byte CDS short time stamp) into a record:

- `VerificationReport` (service 1): the stage of a TC (accepted, started, progress, completed, or the
  failure of one of them) and the TC's request ID; failures carry the failure code by name and its
  data byte (the index of the argument at fault);
- `EventReport` (5,1..5,4): the event by id and name, its severity from the subtype, its text;
- `HousekeepingReport` (3,25): each value by parameter name, for the structures it knows: those the
  dictionary lists as defined at boot, those the spacecraft defined in a 3,10 report it has seen, else
  a row of every dictionary parameter in order (a dictionary without structures), when the length
  matches;
- `LayoutReport` for every other report the dictionary declares a layout of (its `reports`: 3,10, 5,8,
  9,3, 11,10, 11,13, 12,9, 12,12, 12,14, 17,2, 19,7, 20,2, 200,4, 200,7 ...): each field by name in wire
  order, enums by name, CDS times as UTC datetimes, repeated groups as lists of dicts, embedded TC
  packets as bytes (`describe_layout_report` turns one into text);
- `OtherReport` for a well-formed packet of any other kind, `Undecodable` for bytes that are not one.

Decoding never raises: bad bytes from a link are reported, not crashed on.
"""

import binascii
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from spacepackets.ecss import PusTm
from spacepackets.ecss.tm import InvalidTmCrc16Error

from ccsds.time_code import CDS_SHORT_BYTES, DAYS_1958_TO_1970, cds_short_utc

TIMESTAMP_BYTES = CDS_SHORT_BYTES
SEVERITIES = {1: "INFO", 2: "LOW", 3: "MEDIUM", 4: "HIGH"}
STAGES = {
    1: ("accepted", True),
    2: ("acceptance", False),
    3: ("started", True),
    4: ("start", False),
    5: ("progress", True),
    6: ("progress", False),
    7: ("completed", True),
    8: ("completion", False),
}
FAILURE_TAIL = struct.Struct(">HB")
_DAYS_MS = struct.Struct(">HI")
PACKET_HEADER_BYTES = 6
TM_HEADERS = struct.Struct(">4xHBBB")
"""The fields of a PUS-C TM packet's primary and secondary headers the decoder reads: the data length,
the PUS version octet, the service and the subtype."""
TM_MIN_BYTES = PACKET_HEADER_BYTES + 7 + TIMESTAMP_BYTES + 2
"""Primary header, secondary header with its time stamp, CRC."""
STAMP_AT = PACKET_HEADER_BYTES + 7
DATA_AT = STAMP_AT + TIMESTAMP_BYTES
"""Where a PUS-C TM packet's time stamp and source data start."""
UNIX_TIME = "unix_time"
"""A float field named so holds UTC seconds since 1970: shown as an ISO time."""
MAX_UNIX_S = 253402300800.0  # 10000-01-01
TUNABLES_SERVICE = 20
"""Service 20 reports name tunable parameters by id; every other `parameter_id` is a housekeeping one."""


@dataclass(frozen=True)
class VerificationReport:
    """Service 1: `stage` of the TC `request_id`; on failure `code` names the failure code."""

    request_id: bytes
    stage: str
    success: bool
    time: datetime
    code: str = ""
    data: int = 0
    step: int = 0

    @property
    def final(self) -> bool:
        """True when no further report of this TC will come: completed, or failed at any stage."""
        return not self.success or self.stage == "completed"


@dataclass(frozen=True)
class EventReport:
    event_id: int
    name: str
    severity: str
    text: str
    time: datetime


@dataclass(frozen=True)
class HousekeepingReport:
    sid: int
    values: dict[str, Any]
    time: datetime


@dataclass(frozen=True)
class OtherReport:
    service: int
    subtype: int
    data: bytes
    time: datetime


@dataclass(frozen=True)
class LayoutReport:
    """A report decoded by its declared layout: `values` by field name in wire order (a repeated group
    is a list of dicts; an embedded TC packet is bytes under `tc`); `data` the source data as received."""

    service: int
    subtype: int
    name: str
    values: dict[str, Any]
    time: datetime
    data: bytes


@dataclass(frozen=True)
class Undecodable:
    """Bytes that are not a packet of the kind they claim; `reason` says why."""

    reason: str
    data: bytes


Record = VerificationReport | EventReport | HousekeepingReport | LayoutReport | OtherReport | Undecodable


class LayoutError(ValueError):
    """Source data that does not fit its report's layout; the message says where."""


@dataclass(frozen=True)
class FieldSpec:
    """One field of a report layout as the dictionary exports it (flight/tm_layout.py): a `value` (wire
    encoding, unit, enum names), a `cds_time`, or a `repeated` group of `members` after its `count`,
    each entry followed by a TC packet if `tc`."""

    name: str
    field: str
    encoding: str = ""
    kind: str = ""
    unit: str = ""
    values: dict[int, str] = field(default_factory=dict)
    count: "FieldSpec | None" = None
    members: tuple["FieldSpec", ...] = ()
    tc: bool = False

    @classmethod
    def from_json(cls, d: dict) -> "FieldSpec":
        if d["field"] == "cds_time":
            return cls(d["name"], "cds_time")
        if d["field"] == "repeated":
            count = cls.from_json({**d["count"], "field": "value"})
            members = tuple(cls.from_json(m) for m in d["members"])
            return cls(d["name"], "repeated", count=count, members=members, tc=bool(d["tc"]))
        names = {code: name for name, code in (d.get("values") or {}).items()}
        return cls(d["name"], "value", d["encoding"], d["type"], d["unit"], names)

    def read(self, data: bytes, offset: int) -> tuple[Any, int]:
        """The value at `offset` and the offset after it; LayoutError if `data` is too short."""
        if self.field == "cds_time":
            end = offset + TIMESTAMP_BYTES
            if end > len(data):
                raise LayoutError(f"{self.name}: {len(data) - offset} bytes left of a 7-byte CDS time")
            return cds_short_utc(data[offset:end]), end
        if self.field == "repeated":
            count, offset = self.count.read(data, offset)
            entries = []
            for _ in range(count):
                entry: dict[str, Any] = {}
                for member in self.members:
                    entry[member.name], offset = member.read(data, offset)
                if self.tc:
                    entry["tc"], offset = _packet(data, offset, self.name)
                entries.append(entry)
            return entries, offset
        size = struct.calcsize(self.encoding)
        if offset + size > len(data):
            raise LayoutError(f"{self.name}: {len(data) - offset} bytes left of {size}")
        (value,) = struct.unpack_from(self.encoding, data, offset)
        if self.kind == "enum":
            value = self.values.get(value, value)
        elif self.kind == "bool":
            value = bool(value)
        return value, offset + size


@dataclass(frozen=True)
class LayoutSpec:
    """A TM report's declared layout: its name and fields in wire order."""

    service: int
    subtype: int
    name: str
    fields: tuple[FieldSpec, ...]

    @classmethod
    def from_json(cls, d: dict) -> "LayoutSpec":
        return cls(d["service"], d["subtype"], d["name"], tuple(FieldSpec.from_json(f) for f in d["fields"]))

    def decode(self, data: bytes) -> dict[str, Any]:
        """The values of source data `data`; LayoutError if it is short or has bytes left over."""
        values: dict[str, Any] = {}
        offset = 0
        for spec in self.fields:
            values[spec.name], offset = spec.read(data, offset)
        if offset != len(data):
            raise LayoutError(f"{len(data) - offset} bytes after the last field")
        return values


def tm_fields(raw: bytes) -> tuple[int, int, bytes, bytes] | None:
    """(service, subtype, time stamp, source data) of a PUS-C TM packet with the CDS short time stamp
    whose CRC checks, read directly (what `PusTm.unpack` gives, at a tenth of its cost); None for
    anything else, bytes after the packet's length ignored as the library does."""
    if len(raw) < TM_MIN_BYTES:
        return None
    data_len, pus, service, subtype = TM_HEADERS.unpack_from(raw)
    end = PACKET_HEADER_BYTES + 1 + data_len
    if end < TM_MIN_BYTES or end > len(raw) or pus >> 4 != 2 or binascii.crc_hqx(raw[:end], 0xFFFF):
        return None
    return service, subtype, bytes(raw[STAMP_AT:DATA_AT]), bytes(raw[DATA_AT : end - 2])


def _packet(data: bytes, offset: int, group: str) -> tuple[bytes, int]:
    if offset + PACKET_HEADER_BYTES > len(data):
        raise LayoutError(f"{group}: a TC packet header does not fit in {len(data) - offset} bytes")
    end = offset + PACKET_HEADER_BYTES + 1 + int.from_bytes(data[offset + 4 : offset + 6], "big")
    if end > len(data):
        raise LayoutError(f"{group}: a TC packet of {end - offset} bytes does not fit")
    return bytes(data[offset:end]), end


@dataclass(frozen=True)
class ParameterSpec:
    """A housekeeping parameter of the dictionary: wire encoding, unit, limits, enum names if any."""

    id: int
    name: str
    kind: str
    encoding: str
    unit: str
    low_limit: float | None
    high_limit: float | None
    values: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: dict) -> "ParameterSpec":
        return cls(
            d["id"],
            d["name"],
            d["type"],
            d["encoding"],
            d["unit"],
            d["low_limit"],
            d["high_limit"],
            dict(d.get("values") or {}),
        )

    @property
    def size(self) -> int:
        return struct.calcsize(self.encoding)

    def display(self, value: Any) -> str:
        """The value as an operator reads it: an enum by name, floats to 6 significant figures."""
        names = {v: k for k, v in self.values.items()}
        if value in names:
            return names[value]
        return f"{value:.6g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class RowLayout:
    """How a housekeeping structure's reports unpack: its parameters' names, its bytes, and one Struct for
    a whole report when every encoding has the same standard byte order (the wire's big-endian; a
    standard size never pads), else None (a dictionary that mixes them: unpacked one by one)."""

    structure: tuple[ParameterSpec, ...]
    names: tuple[str, ...]
    size: int
    row: struct.Struct | None
    distinct: bool
    """No parameter name twice (a repeated one keeps its last value in `values`)."""

    @classmethod
    def of(cls, structure: tuple[ParameterSpec, ...]) -> "RowLayout":
        orders = {p.encoding[:1] for p in structure}
        row = None
        if len(orders) == 1 and orders <= set("<>!="):
            row = struct.Struct(orders.pop() + "".join(p.encoding[1:] for p in structure))
        names = tuple(p.name for p in structure)
        return cls(structure, names, sum(p.size for p in structure), row, len(set(names)) == len(names))

    def values(self, data: bytes, offset: int) -> dict[str, Any]:
        """Name -> value of the report whose values start at `offset` of `data` (its length checked)."""
        if self.row is not None:
            return dict(zip(self.names, self.row.unpack_from(data, offset), strict=True))
        values = {}
        for parameter in self.structure:
            (values[parameter.name],) = struct.unpack_from(parameter.encoding, data, offset)
            offset += parameter.size
        return values


class TelemetryDecoder:
    """Decodes TM packets by one dictionary; learns housekeeping structures from 3,10 reports."""

    def __init__(self, dictionary: dict[str, Any]):
        self.failure_codes = {code: name for name, code in dictionary["failure_codes"].items()}
        self.events = {e["id"]: e for e in dictionary["events"]}
        self.parameters = {p["name"]: ParameterSpec.from_json(p) for p in dictionary["parameters"]}
        self._by_id = {p.id: p for p in self.parameters.values()}
        self.structures: dict[int, tuple[ParameterSpec, ...]] = {
            int(sid): tuple(self._by_id[i] for i in ids)
            for sid, ids in dictionary.get("housekeeping_structures", {}).items()
        }
        self.layouts: dict[tuple[int, int], LayoutSpec] = {
            (r["service"], r["subtype"]): LayoutSpec.from_json(r) for r in dictionary.get("reports", [])
        }
        self.tunable_names = {t["id"]: t["name"] for t in dictionary.get("tunables", [])}
        self._names_by_id = {p.id: p.name for p in self.parameters.values()}
        self._rows: dict[int, RowLayout] = {}
        """Each structure id's layout as last used (forgotten when a 3,10 report redefines it)."""

    def decode(self, raw: bytes) -> Record:
        """One TM packet as a record; `Undecodable` (with the reason) if it is not a PUS-C TM packet."""
        fields = tm_fields(raw)
        if fields is None:  # not a well-formed packet: the library says what is wrong with it
            try:
                tm = PusTm.unpack(raw, timestamp_len=TIMESTAMP_BYTES)
            except (ValueError, InvalidTmCrc16Error) as problem:
                return Undecodable(f"not a PUS-C TM packet ({type(problem).__name__})", bytes(raw))
            fields = tm.service, tm.message_subtype, tm.timestamp, bytes(tm.source_data)
        service, subtype, stamp, data = fields
        time = cds_short_utc(stamp)
        if service == 1 and subtype in STAGES:
            return self._verification(subtype, data, time)
        if service == 5 and subtype in SEVERITIES:
            return self._event(subtype, data, time)
        if service == 3 and subtype == 25:
            return self._housekeeping(data, time)
        if service == 3 and subtype == 10:
            self._learn_structure(data)
        layout = self.layouts.get((service, subtype))
        if layout is None:
            return OtherReport(service, subtype, data, time)
        try:
            return LayoutReport(service, subtype, layout.name, layout.decode(data), time, data)
        except LayoutError as problem:
            return Undecodable(f"TM({service},{subtype}) {layout.name}: {problem}", data)

    def _verification(self, subtype: int, data: bytes, time: datetime) -> Record:
        stage, success = STAGES[subtype]
        request_id = data[:4]
        if len(request_id) < 4:
            return Undecodable(f"TM(1,{subtype}) shorter than a request ID", data)
        if not success:
            if len(data) < 4 + FAILURE_TAIL.size:
                return Undecodable(f"TM(1,{subtype}) without a failure code", data)
            code, info = FAILURE_TAIL.unpack_from(data, 4)
            name = self.failure_codes.get(code, f"code {code}")
            return VerificationReport(request_id, stage, False, time, name, info)
        step = data[4] if subtype == 5 and len(data) > 4 else 0
        return VerificationReport(request_id, stage, True, time, step=step)

    def _event(self, subtype: int, data: bytes, time: datetime) -> Record:
        if len(data) < 3 or len(data) < 3 + data[2]:
            return Undecodable(f"TM(5,{subtype}) shorter than its text", data)
        event_id = int.from_bytes(data[:2], "big")
        text = data[3 : 3 + data[2]].decode("utf-8", errors="replace")
        name = self.events[event_id]["name"] if event_id in self.events else f"event {event_id}"
        return EventReport(event_id, name, SEVERITIES[subtype], text, time)

    def _housekeeping(self, data: bytes, time: datetime) -> Record:
        if len(data) < 2:
            return Undecodable("TM(3,25) without a structure id", data)
        sid = int.from_bytes(data[:2], "big")
        layout = self._row_layout(sid)
        if layout.size != len(data) - 2:
            return Undecodable(f"TM(3,25) of structure {sid}: unknown layout of {len(data) - 2} bytes", data)
        return HousekeepingReport(sid, layout.values(data, 2), time)

    def _row_layout(self, sid: int) -> RowLayout:
        layout = self._rows.get(sid)
        if layout is None:
            structure = self.structures.get(sid, tuple(self._by_id[i] for i in sorted(self._by_id)))
            layout = self._rows[sid] = RowLayout.of(structure)
        return layout

    def housekeeping_packet(self, raw: bytes) -> tuple[float, int, tuple[str, ...], tuple] | None:
        """(time_unix_s, sid, parameter names, values in their order) of a whole PUS-C TM(3,25) packet
        whose CRC checks, read in place (`tm_fields`' checks, no copies) and unpacked by one Struct, for
        a structure of one byte order whose names are all different: what `decode` gives as a
        HousekeepingReport (`time.timestamp()` and its values), without the report, its dict and its
        datetime (a day's 86,400 reports in the archive). None for any other packet (`decode` then says
        what it is)."""
        if len(raw) < TM_MIN_BYTES:
            return None
        data_len, pus, service, subtype = TM_HEADERS.unpack_from(raw)
        if service != 3 or subtype != 25 or pus >> 4 != 2:
            return None
        end = PACKET_HEADER_BYTES + 1 + data_len
        if end < DATA_AT + 2 + 2 or end > len(raw) or binascii.crc_hqx(raw[:end], 0xFFFF):
            return None
        sid = int.from_bytes(raw[DATA_AT : DATA_AT + 2], "big")
        layout = self._row_layout(sid)
        if layout.row is None or not layout.distinct or layout.size != end - 2 - DATA_AT - 2:
            return None
        days, ms = _DAYS_MS.unpack_from(raw, STAMP_AT + 1)
        unix_s = ((days - DAYS_1958_TO_1970) * 86_400_000 + ms) / 1000
        return unix_s, sid, layout.names, layout.row.unpack_from(raw, DATA_AT + 2)

    def _learn_structure(self, data: bytes) -> None:
        if len(data) < 7:
            return
        sid, _interval, _enabled, count = struct.unpack_from(">HHBH", data)
        ids = [int.from_bytes(data[7 + 2 * i : 9 + 2 * i], "big") for i in range(count)]
        if len(data) == 7 + 2 * count and all(i in self._by_id for i in ids):
            self.structures[sid] = tuple(self._by_id[i] for i in ids)
            self._rows.pop(sid, None)

    def describe(self, report: LayoutReport, describe_tc: Callable[[bytes], str] | None = None) -> str:
        """`report` as the operator reads it: `name TM(s,t): field=value ...`, then one indented line per
        entry of each repeated group; ids of events and parameters by name, times in ISO UTC, embedded
        TCs through `describe_tc` (else hex)."""
        scalars: list[str] = []
        groups: list[str] = []
        for name, value in report.values.items():
            if isinstance(value, list):
                groups.append(f"  {name}: {len(value)}")
                groups += (
                    f"    {n}. " + " ".join(self._item(report, k, v, describe_tc) for k, v in entry.items())
                    for n, entry in enumerate(value, start=1)
                )
            else:
                scalars.append(self._item(report, name, value, describe_tc))
        head = f"{report.name} TM({report.service},{report.subtype})"
        return "\n".join([head + (": " + " ".join(scalars) if scalars else ""), *groups])

    def _item(
        self, report: LayoutReport, name: str, value: Any, describe_tc: Callable[[bytes], str] | None
    ) -> str:
        if isinstance(value, bytes):
            return f"tc=[{describe_tc(value)}]" if describe_tc is not None else f"tc={value.hex()}"
        if isinstance(value, float) and name.endswith(UNIX_TIME) and 0.0 <= value < MAX_UNIX_S:
            value = datetime.fromtimestamp(value, UTC)
        if isinstance(value, datetime):
            return f"{name}={value:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z"
        if isinstance(value, float):
            return f"{name}={value:.6g}"
        if isinstance(value, int) and not isinstance(value, bool):
            if name.endswith("event_id") and value in self.events:
                return f"{name}={self.events[value]['name']}"
            if name == "parameter_id":
                names = self.tunable_names if report.service == TUNABLES_SERVICE else self._names_by_id
                if value in names:
                    return f"{name}={names[value]}"
        return f"{name}={value}"
