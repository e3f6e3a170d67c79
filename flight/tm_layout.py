"""TM report layouts: the source data of a PUS report declared once, as typed fields in wire order,
from which the service packs the report and zorka/outputs/xtce.py describes it to ground tools.

A field is an `Arg` (a number at its declared width, big-endian), a `CdsTime` (a CDS short time code,
7 bytes, packed by flight/pus/telemetry.py and described as its three fields) or a `Repeated` group (a
count, then that many entries of its members, each followed by a complete TC packet if `tc`). A field
whose name ends in `event_id` holds a declared event's id (the XTCE export enumerates it by name).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flight.dictionary import Arg

CDS_SHORT = 0x40
MS_PER_DAY = 86_400_000
CDS_FIELDS = (
    Arg(
        "time_code",
        "enum",
        8,
        values=(("CDS_SHORT", CDS_SHORT),),
        description="P-field of the time code",
        default=CDS_SHORT,
    ),
    Arg("days", "uint", 16, unit="d", description="days since 1958-01-01 UTC"),
    Arg("ms_of_day", "uint", 32, 0, MS_PER_DAY - 1, "ms", description="milliseconds of the UTC day"),
)
"""A CDS short time code as its three fields: P-field, days since 1958, ms of day."""


@dataclass(frozen=True)
class CdsTime:
    """A CDS short time code (7 bytes), given to `pack` already packed."""

    name: str = "time"

    def to_json(self) -> dict:
        return {"name": self.name, "field": "cds_time"}


@dataclass(frozen=True)
class Repeated:
    """`count` entries of `members`, each followed by a complete TC packet (bytes) if `tc`."""

    name: str
    count: Arg
    members: tuple[Arg | CdsTime, ...]
    tc: bool = False

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "field": "repeated",
            "count": self.count.to_json(),
            "members": [_field_json(m) for m in self.members],
            "tc": self.tc,
        }


Field = Arg | CdsTime | Repeated


@dataclass(frozen=True)
class ReportLayout:
    """The source data of TM report (`service`, `subtype`), named `name` for the ground."""

    service: int
    subtype: int
    name: str
    fields: tuple[Field, ...] = ()

    def pack(self, *values: Any) -> bytes:
        """The report's source data: one value per field (a number; the packed bytes of a `CdsTime`;
        for a `Repeated`, a sequence of entries, each a tuple of its members' values, then the TC)."""
        if len(values) != len(self.fields):
            raise ValueError(f"{self.name}: {len(values)} values for {len(self.fields)} fields")
        return b"".join(_pack(f, v) for f, v in zip(self.fields, values, strict=True))

    def to_json(self) -> dict:
        """The layout as the ground decodes it: fields in wire order, each a value (an Arg's JSON with
        `field: value`), a `cds_time` or a `repeated` group (its count, members, and whether a TC follows)."""
        return {
            "service": self.service,
            "subtype": self.subtype,
            "name": self.name,
            "fields": [_field_json(f) for f in self.fields],
        }


def _field_json(field: Field) -> dict:
    return {**field.to_json(), "field": "value"} if isinstance(field, Arg) else field.to_json()


def _pack(field: Field, value: Any) -> bytes:
    if isinstance(field, Arg):
        return field.packer.pack(value)
    if isinstance(field, CdsTime):
        if len(value) != 7:
            raise ValueError(f"{field.name}: a CDS short time code is 7 bytes")
        return bytes(value)
    return _pack(field.count, len(value)) + b"".join(_entry(field, entry) for entry in value)


def _entry(group: Repeated, entry: Sequence[Any]) -> bytes:
    n = len(group.members)
    if len(entry) != n + group.tc:
        raise ValueError(f"{group.name}: {len(entry)} values for {n} members{' and a TC' * group.tc}")
    data = b"".join(_pack(f, v) for f, v in zip(group.members, entry[:n], strict=True))
    return data + bytes(entry[n]) if group.tc else data
