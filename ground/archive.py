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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import msgpack

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
    with temporary.open("wb") as archive:
        for tm_path in [tm_paths] if isinstance(tm_paths, Path) else tm_paths:
            splitter = PacketSplitter()
            stream_bytes = packet_bytes = 0
            with tm_path.open("rb") as tm:
                while chunk := tm.read(READ_CHUNK_BYTES):
                    stream_bytes += len(chunk)
                    for packet in splitter.feed(chunk):
                        packet_bytes += len(packet)
                        record = archive_record(decoder.decode(packet))
                        if record["kind"] == "housekeeping":
                            names = tuple(record["values"])
                            if layouts.get(record["sid"]) != names:
                                layouts[record["sid"]] = names
                                layout = {"kind": LAYOUT, "sid": record["sid"], "names": names}
                                archive.write(packer.pack(layout))
                            record["values"] = list(record["values"].values())
                        archive.write(packer.pack(record))
                        count += 1
            if packet_bytes < stream_bytes:
                cut = Undecodable(f"{stream_bytes - packet_bytes} bytes after the last whole packet", b"")
                archive.write(packer.pack(archive_record(cut)))
                count += 1
        archive.flush()
        os.fsync(archive.fileno())
    temporary.replace(archive_path)
    return count


def read_archive(path: Path) -> Iterator[dict[str, Any]]:
    """The records of the archive at `path`, in order. Raises `ArchiveError` (after yielding every
    record before it) where the file stops being an archive: bytes that are not msgpack, a value that
    is not a record, or a record cut short."""
    layouts: dict[Any, list[str]] = {}
    with path.open("rb") as archive:
        unpacker = msgpack.Unpacker(archive, raw=False)
        index = offset = 0
        while True:
            try:
                record = next(unpacker)
            except StopIteration:
                break
            except (ValueError, TypeError, msgpack.UnpackException) as problem:
                raise ArchiveError(
                    f"{path}: record {index} at byte {offset} is not msgpack ({problem})"
                ) from None
            if _is_layout(record):
                layouts[record["sid"]] = record["names"]
            else:
                yield _telemetry_record(record, layouts, f"{path}: record {index} at byte {offset}")
                index += 1
            offset = unpacker.tell()
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


def _telemetry_record(entry: Any, layouts: dict[Any, list[str]], where: str) -> dict[str, Any]:
    """A record as `read_archive` gives it: housekeeping values named by their structure's layout."""
    if not (isinstance(entry, dict) and entry.get("kind") in KINDS and "time_unix_s" in entry):
        raise ArchiveError(f"{where} is not a telemetry record")
    if entry["kind"] == "housekeeping":
        sid, values = entry.get("sid"), entry.get("values")
        names = layouts.get(sid) if isinstance(sid, int) else None
        if names is None or not isinstance(values, list) or len(values) != len(names):
            raise ArchiveError(f"{where}: housekeeping values without the layout of their structure")
        entry["values"] = dict(zip(names, values, strict=True))
    return entry
