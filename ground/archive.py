"""The telemetry archive: the ground's decoded view of a TM stream, one msgpack map per packet.

`write_archive` splits a file of raw concatenated CCSDS space packets (a run's tm.bin), decodes each
packet with `TelemetryDecoder` and appends one record to the archive; `read_archive` yields them back.
Every record has `kind` (one of `KINDS`) and `time_unix_s`, the packet's onboard time (its CDS time
stamp) as UTC seconds since 1970-01-01 (float, millisecond resolution; nil for an undecodable packet),
and by kind:

- housekeeping: `sid`, `values` {parameter name: value} (`read_archive` gives them so; on file, a
  `layout` entry names a structure's parameters once, before its first report and again if it changes,
  and each report holds only its values in that order: a day's archive is 16 MB, not 42 MB with the
  names in every record);
- event: `id`, `name`, `severity`, `text`;
- verification: `request_id` (4 bytes), `stage`, `success`, `failure` (the failure code's name, or "");
- other: `service`, `subtype`, `data` (the source data bytes);
- undecodable: `reason`, `data` (the bytes).

Bytes after the last whole packet (a cut stream) become one last undecodable record.
"""

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import msgpack
import numpy as np

from ccsds.packet_stream import PacketSplitter
from ground.telemetry import (
    EventReport,
    HousekeepingReport,
    Record,
    TelemetryDecoder,
    Undecodable,
    VerificationReport,
)

KINDS = ("housekeeping", "event", "verification", "other", "undecodable")
LAYOUT = "layout"  # on file only: {"kind": "layout", "sid": ..., "names": [...]}
READ_CHUNK_BYTES = 1 << 16
BLOCK_REPORTS = 4096
"""Housekeeping reports `housekeeping_columns` gathers before numpy picks their columns."""


class ArchiveError(ValueError):
    """The archive is damaged or cut: the records before the damage were read, nothing after it."""


def archive_record(record: Record) -> dict[str, Any]:
    """A decoded TM record as the archive stores it (see the module's docstring)."""
    if isinstance(record, Undecodable):
        return {"kind": "undecodable", "time_unix_s": None, "reason": record.reason, "data": record.data}
    fields: dict[str, Any]
    if isinstance(record, HousekeepingReport):
        fields = {"kind": "housekeeping", "sid": record.sid, "values": record.values}
    elif isinstance(record, EventReport):
        fields = {
            "kind": "event",
            "id": record.event_id,
            "name": record.name,
            "severity": record.severity,
            "text": record.text,
        }
    elif isinstance(record, VerificationReport):
        fields = {
            "kind": "verification",
            "request_id": record.request_id,
            "stage": record.stage,
            "success": record.success,
            "failure": record.code,
        }
    else:
        fields = {"kind": "other", "service": record.service, "subtype": record.subtype, "data": record.data}
    return {"time_unix_s": record.time.timestamp(), **fields}


def write_archive(tm_paths: Path | Sequence[Path], dictionary: dict[str, Any], archive_path: Path) -> int:
    """Decode the packets of `tm_paths` (one file, or several in stream order, each split on its own so
    that a cut tail stays in its file) by `dictionary` (the JSON of `zorka dict`, parsed) into the
    archive at `archive_path`, written whole or not at all (a temporary file, then renamed). The number
    of records written."""
    decoder = TelemetryDecoder(dictionary)
    packer = msgpack.Packer(use_bin_type=True)
    temporary = archive_path.with_name(archive_path.name + ".part")
    count = 0
    layouts: dict[int, tuple[str, ...]] = {}
    pack = packer.pack
    with temporary.open("wb") as archive:
        for tm_path in [tm_paths] if isinstance(tm_paths, Path) else tm_paths:
            splitter = PacketSplitter()
            stream_bytes = packet_bytes = 0
            with tm_path.open("rb") as tm:
                while chunk := tm.read(READ_CHUNK_BYTES):
                    stream_bytes += len(chunk)
                    packed = []
                    for packet in splitter.feed(chunk):
                        packet_bytes += len(packet)
                        record, names = _housekeeping_record(decoder, packet)
                        if record is None:
                            record = archive_record(decoder.decode(packet))
                            if record["kind"] == "housekeeping":
                                names = tuple(record["values"])
                                record["values"] = list(record["values"].values())
                        if names is not None and layouts.get(record["sid"]) != names:
                            layouts[record["sid"]] = names
                            packed.append(pack({"kind": LAYOUT, "sid": record["sid"], "names": names}))
                        packed.append(pack(record))
                        count += 1
                    archive.write(b"".join(packed))
            if packet_bytes < stream_bytes:
                cut = Undecodable(f"{stream_bytes - packet_bytes} bytes after the last whole packet", b"")
                archive.write(packer.pack(archive_record(cut)))
                count += 1
        archive.flush()
        os.fsync(archive.fileno())
    temporary.replace(archive_path)
    return count


def _housekeeping_record(
    decoder: TelemetryDecoder, packet: bytes
) -> tuple[dict[str, Any], tuple[str, ...]] | tuple[None, None]:
    """A housekeeping report as `archive_record` stores it, values in a list, and its layout's names,
    made straight from the packet (`TelemetryDecoder.housekeeping_packet`): the same record at a third
    of the cost. (None, None) for any other packet."""
    read = decoder.housekeeping_packet(packet)
    if read is None:
        return None, None
    unix_s, sid, names, values = read
    return {"time_unix_s": unix_s, "kind": "housekeeping", "sid": sid, "values": list(values)}, names


def read_archive(path: Path) -> Iterator[dict[str, Any]]:
    """The records of the archive at `path`, in order. Raises `ArchiveError` (after yielding every
    record before it) where the file stops being an archive: bytes that are not msgpack, a value that
    is not a record, or a record cut short."""
    for record, names, at in _entries(path):
        yield _telemetry_record(record, names, at)


@dataclass
class HousekeepingColumns:
    """Chosen housekeeping parameters of an archive as columns: `time_unix_s` of every housekeeping
    report, `values` name -> one value per report (NaN where the report's structure lacks it), and
    `others`: every record of another kind, as `read_archive` yields it."""

    time_unix_s: np.ndarray
    values: dict[str, np.ndarray]
    others: list[dict[str, Any]]


def housekeeping_columns(path: Path, names: Sequence[str]) -> HousekeepingColumns:
    """The parameters `names` of the archive at `path` as columns, the other records as records: what a
    plot of a day's 86,400 reports needs, without a dict of every report's values (a quarter of the CPU
    and none of the memory of `read_archive`). Raises `ArchiveError` where `read_archive` would."""
    parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
    times: list[float] = []
    others: list[dict[str, Any]] = []
    block: list[tuple[float, ...]] = []  # the chosen values of consecutive reports of one layout
    block_layout: list[str] = []
    block_names: list[str] = []
    pick: Callable[[list[float]], tuple[float, ...]] = tuple  # a report's values -> the chosen ones

    def flush() -> None:
        if block:
            rows = np.array(block, dtype=float).reshape(len(block), len(block_names))
            for name in names:
                parts[name].append(rows[:, block_names.index(name)] if name in block_names
                                   else np.full(len(block), np.nan))  # fmt: skip
            block.clear()

    for record, layout, at in _entries(path):
        if not (isinstance(record, dict) and record.get("kind") == "housekeeping"):
            others.append(_telemetry_record(record, layout, at))
            continue
        values = record.get("values")
        if (
            layout is None
            or not isinstance(values, list)
            or len(values) != len(layout)
            or "time_unix_s" not in record
        ):
            _telemetry_record(record, layout, at)  # raises, saying what is wrong
        if layout is not block_layout or len(block) == BLOCK_REPORTS:
            flush()
            if layout is not block_layout:
                where = {name: i for i, name in enumerate(layout)}  # a repeated name: its last, as a dict
                block_layout, block_names = layout, [n for n in names if n in where]
                indices = [where[n] for n in block_names]
                pick = _picker(indices)
        block.append(pick(values))
        times.append(record["time_unix_s"])
    flush()
    return HousekeepingColumns(
        np.asarray(times, dtype=float),
        {name: np.concatenate(parts[name]) if parts[name] else np.zeros(0) for name in names},
        others,
    )


def _picker(indices: list[int]) -> Callable[[list[float]], tuple[float, ...]]:
    """values -> (values[i] for i in indices) as a tuple: operator.itemgetter, in C, for two or more (it
    gives one index's value bare)."""
    if len(indices) > 1:
        return itemgetter(*indices)
    return lambda values: tuple(values[i] for i in indices)


def _entries(path: Path) -> Iterator[tuple[Any, list[str] | None, tuple[Path, int, int]]]:
    """Each record of the archive at `path` as stored (housekeeping values in a list), with the layout
    its structure had there (None if none) and where it is (path, record index, byte offset: an error
    message's words, made only for an error); the layouts and the file's end checked as `read_archive`
    says."""
    layouts: dict[Any, list[str]] = {}
    with path.open("rb") as archive:
        unpacker = msgpack.Unpacker(archive, raw=False)
        index = offset = 0
        try:
            for record in unpacker:
                is_dict = isinstance(record, dict)
                sid = record.get("sid") if is_dict else None
                if is_dict and record.get("kind") == LAYOUT and _is_layout(record):
                    layouts[sid] = record["names"]
                else:
                    yield record, layouts.get(sid) if isinstance(sid, int) else None, (path, index, offset)
                    index += 1
                offset = unpacker.tell()
        except (ValueError, TypeError, msgpack.UnpackException) as problem:
            raise ArchiveError(
                f"{path}: record {index} at byte {offset} is not msgpack ({problem})"
            ) from None
        size = archive.seek(0, os.SEEK_END)
    if offset < size:
        raise ArchiveError(f"{path}: cut short: record {index} at byte {offset} is incomplete")


def _is_layout(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and entry.get("kind") == LAYOUT
        and isinstance(entry.get("sid"), int)
        and isinstance(entry.get("names"), list)
        and all(isinstance(name, str) for name in entry["names"])
    )


def _telemetry_record(entry: Any, names: list[str] | None, at: tuple[Path, int, int]) -> dict[str, Any]:
    """A record as `read_archive` gives it: housekeeping values named by their structure's layout
    (`names`, the layout of its sid where it stands, `at` (path, index, offset) in the file)."""
    where = "{}: record {} at byte {}"
    if not (isinstance(entry, dict) and entry.get("kind") in KINDS and "time_unix_s" in entry):
        raise ArchiveError(f"{where.format(*at)} is not a telemetry record")
    if entry["kind"] == "housekeeping":
        values = entry.get("values")
        if names is None or not isinstance(values, list) or len(values) != len(names):
            raise ArchiveError(
                f"{where.format(*at)}: housekeeping values without the layout of their structure"
            )
        entry["values"] = dict(zip(names, values, strict=True))
    return entry
