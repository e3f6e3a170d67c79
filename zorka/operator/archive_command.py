"""`zorka archive`: what the ground received and sent, read back from its archive (ground/tm_store.py).

- `query PARAM [--from T] [--to T]`: CSV `onboard_utc,onboard_unix_s,received_utc,value,text` of one
  housekeeping parameter's samples by onboard time (T: ISO 8601 UTC, e.g. 2026-06-21T12:00:00Z, or unix
  seconds); `text` is the value as the operator reads it (an enum by name);
- `commands [--from T] [--to T] [--limit N]`: CSV of the command history with each command's
  verification stages and outcome;
- `events [--from T] [--to T] [--limit N]`: CSV of the events (onboard time, id, name, severity, text);
- `packets --out FILE [--from T] [--to T]`: the raw TM packets, concatenated as a run's tm.bin, for replay
  or another ground tool;
- `import RUN_DIR`: a run folder's TM files (tm-NNNN.bin ..., tm.bin) into the archive;
- `info`: sessions, packets by kind, the span of onboard time (JSON).

Exit 0, or 2 with one line for a bad command line, a missing or foreign archive file.
"""

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from ccsds.packet_stream import PacketSplitter
from ground.tm_store import (
    DEFAULT_ARCHIVE_NAME,
    HISTORY_STAGES,
    SAMPLE_CSV_HEADER,
    TmStoreError,
    command_history,
    open_readonly,
    parse_utc,
    raw_packets,
    recent_events,
    sample_rows,
    summary,
    utc_text,
)
from zorka.operator.ground_operator import OperatorError, load_dictionary, one_line_failures, open_store

READ_CHUNK_BYTES = 1 << 16
IMPORT_BATCH = 2000


def archive(args: argparse.Namespace) -> int:
    path = args.archive if args.archive is not None else Path(DEFAULT_ARCHIVE_NAME)
    if args.action == "import":
        return _import(args, path)
    start = _time(getattr(args, "start", None), "--from", float("-inf"))
    end = _time(getattr(args, "end", None), "--to", float("inf"))
    if start > end:
        raise OperatorError("argument --from: it is after --to; give the earlier time first", 2)
    try:
        db = open_readonly(path)
    except TmStoreError as problem:
        raise OperatorError(f"argument --archive: {problem}", 2) from None
    with closing(db):
        if args.action == "query":
            return _query(db, args.parameter, start, end)
        if args.action == "commands":
            return _commands(db, start, end, args.limit)
        if args.action == "events":
            return _events(db, start, end, args.limit)
        if args.action == "packets":
            return _packets(db, args.out, start, end)
        print(json.dumps(summary(db), indent=2))
        return 0


def _time(text: str | None, option: str, default: float) -> float:
    if text is None:
        return default
    try:
        return parse_utc(text)
    except ValueError as problem:
        raise OperatorError(f"argument {option}: {text!r}: {problem}", 2) from None


def _query(db, name: str, start: float, end: float) -> int:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    try:
        rows = sample_rows(db, name, start, end)
        first = next(rows, None)
    except KeyError:
        raise OperatorError(
            f"argument PARAM: {name!r} is not a parameter of the archive's dictionary", 2
        ) from None
    writer.writerow(SAMPLE_CSV_HEADER)
    if first is not None:
        writer.writerow(first)
        writer.writerows(rows)
    return 0


def _commands(db, start: float, end: float, limit: int) -> int:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["sent_utc", "request_id", "name", "args", "source", *HISTORY_STAGES, "outcome"])
    for entry in command_history(db, limit, start, end):
        reached = {s["stage"]: s for s in entry.stages if s["success"]}
        writer.writerow(
            [
                utc_text(entry.sent_unix_s),
                entry.request_id,
                entry.name,
                entry.args,
                entry.source,
                *(
                    utc_text(reached[stage]["onboard_unix_s"]) if stage in reached else ""
                    for stage in HISTORY_STAGES
                ),
                entry.outcome,
            ]
        )
    return 0


def _events(db, start: float, end: float, limit: int) -> int:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["onboard_utc", "event_id", "name", "severity", "text"])
    for event in recent_events(db, limit, start, end):
        writer.writerow(
            [
                utc_text(event["onboard_unix_s"]),
                event["event_id"],
                event["name"],
                event["severity"],
                event["text"],
            ]
        )
    return 0


def _packets(db, out: Path, start: float, end: float) -> int:
    count = 0
    try:
        with out.open("wb") as stream:
            for packet in raw_packets(db, start, end):
                stream.write(packet)
                count += 1
    except OSError as problem:
        raise OperatorError(f"argument --out: cannot write {str(out)!r} ({problem.strerror})", 2) from None
    print(f"zorka archive: {count} packets written to {out}", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace, path: Path) -> int:
    from zorka.outputs.tm_files import tm_files

    folder: Path = args.run_dir
    files = tm_files(folder) if folder.is_dir() else []
    if not files:
        raise OperatorError(f"argument RUN_DIR: {str(folder)!r} holds no tm.bin (a `zorka run` folder)", 2)
    store = open_store(path, load_dictionary(args.dict), "import", str(folder))
    stored = duplicates = 0
    try:
        for batch in _batches(files):
            intake = store.add_tm(batch)
            stored += intake.stored
            duplicates += intake.duplicates
    finally:
        store.close()
    print(
        f"zorka archive: {stored} packets of {folder} imported into {path} "
        f"({store.undecodable} undecodable, {duplicates} duplicates skipped)",
        file=sys.stderr,
    )
    return 0


def _batches(files: list[Path]) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for tm_path in files:
        splitter = PacketSplitter()
        with tm_path.open("rb") as tm:
            while chunk := tm.read(READ_CHUNK_BYTES):
                batch += splitter.feed(chunk)
                if len(batch) >= IMPORT_BATCH:
                    yield batch
                    batch = []
    if batch:
        yield batch


archive_command = one_line_failures("archive", archive)
