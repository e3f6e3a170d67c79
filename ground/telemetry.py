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
- `OtherReport` for a well-formed packet of any other kind, `Undecodable` for bytes that are not one.

Decoding never raises: bad bytes from a link are reported, not crashed on.
"""

import struct
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spacepackets.ecss import PusTm
from spacepackets.ecss.tm import InvalidTmCrc16Error

from ccsds.time_code import CDS_SHORT_BYTES, cds_short_utc

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
class Undecodable:
    """Bytes that are not a packet of the kind they claim; `reason` says why."""

    reason: str
    data: bytes


Record = VerificationReport | EventReport | HousekeepingReport | OtherReport | Undecodable


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

    def decode(self, raw: bytes) -> Record:
        """One TM packet as a record; `Undecodable` (with the reason) if it is not a PUS-C TM packet."""
        try:
            tm = PusTm.unpack(raw, timestamp_len=TIMESTAMP_BYTES)
        except (ValueError, InvalidTmCrc16Error) as problem:
            return Undecodable(f"not a PUS-C TM packet ({type(problem).__name__})", bytes(raw))
        time = cds_short_utc(tm.timestamp)
        data = bytes(tm.source_data)
        service, subtype = tm.service, tm.message_subtype
        if service == 1 and subtype in STAGES:
            return self._verification(subtype, data, time)
        if service == 5 and subtype in SEVERITIES:
            return self._event(subtype, data, time)
        if service == 3 and subtype == 25:
            return self._housekeeping(data, time)
        if service == 3 and subtype == 10:
            self._learn_structure(data)
        return OtherReport(service, subtype, data, time)

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
        structure = self.structures.get(sid, tuple(self._by_id[i] for i in sorted(self._by_id)))
        if sum(p.size for p in structure) != len(data) - 2:
            return Undecodable(f"TM(3,25) of structure {sid}: unknown layout of {len(data) - 2} bytes", data)
        values, offset = {}, 2
        for parameter in structure:
            (values[parameter.name],) = struct.unpack_from(parameter.encoding, data, offset)
            offset += parameter.size
        return HousekeepingReport(sid, values, time)

    def _learn_structure(self, data: bytes) -> None:
        if len(data) < 7:
            return
        sid, _interval, _enabled, count = struct.unpack_from(">HHBH", data)
        ids = [int.from_bytes(data[7 + 2 * i : 9 + 2 * i], "big") for i in range(count)]
        if len(data) == 7 + 2 * count and all(i in self._by_id for i in ids):
            self.structures[sid] = tuple(self._by_id[i] for i in ids)
