"""The ground's archive that remembers: every TM packet received and every TC sent, across sessions,
in one SQLite file that standard tools read (`sqlite3`, pandas `read_sql`, DuckDB's sqlite scanner).

One file, many writers over time (`zorka ground`, `zorka console`, `zorka send`, `zorka archive import`),
readers at any time: WAL journal mode, so the web page and `zorka archive query` read while a session
writes; a writer waits up to `BUSY_TIMEOUT_MS` for another's transaction. Tables (times are UTC seconds
since 1970-01-01; `onboard_unix_s` is a packet's CDS time stamp, `received_unix_s` the ground's clock):

- `sessions`: id, started_unix_s, program (`ground`, `console`, `send`, `import`), link, dictionary (sha256);
- `dictionaries`: sha256, json — the dictionary each session decoded by (enum names for the readers);
- `packets`: id, session, received_unix_s, onboard_unix_s, apid, service, subtype, kind, data (the raw
  packet: `zorka archive packets` writes them back out as a tm.bin for replay), digest;
- `parameters`: id, name — the parameters seen, so that each sample names its parameter in a few bytes;
- `samples`: parameter, onboard_unix_s, packet, value — one per housekeeping parameter per report,
  stored in (parameter, onboard_unix_s) order (the primary key of a WITHOUT ROWID table: no second copy
  as an index; a day of 1 Hz housekeeping is ~57 MB); the view `parameter_samples` (name,
  onboard_unix_s, value, received_unix_s) is what a reader queries by name;
- `events`: packet, onboard_unix_s, event_id, name, severity, text;
- `reports`: packet, onboard_unix_s, name, fields (JSON) — any other TM report the decoder names and
  decodes into fields (kind `report`; a packet it does not decode further is kind `other`);
- `commands`: id, session, sent_unix_s, request_id (hex), name, args (`k=v ...`), source, data (the TC);
- `verifications`: packet, command (the latest command sent with that request ID, or NULL for another
  ground's), request_id, stage, success, failure, data, step, onboard_unix_s, received_unix_s.

Two ground processes on one link receive the same packets: a packet whose bytes the store received in
the last `DUPLICATE_WINDOW_S` is counted as a duplicate and kept once. Bytes that are not a TM packet are
kept as `kind = 'undecodable'` and counted. A file that is not such an archive is refused with one line
(`TmStoreError`), never overwritten.
"""

import hashlib
import json
import math
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ground.commands import CommandBook
from ground.tc_words import tc_words
from ground.telemetry import (
    EventReport,
    HousekeepingReport,
    ParameterSpec,
    Record,
    TelemetryDecoder,
    Undecodable,
    VerificationReport,
)

SCHEMA_VERSION = 1
APPLICATION_ID = 0x5A4F524B  # "ZORK": marks the SQLite file as a Zorka archive
BUSY_TIMEOUT_MS = 10_000
DUPLICATE_WINDOW_S = 120.0
DEFAULT_ARCHIVE_NAME = "zorka-archive.sqlite"
HISTORY_STAGES = ("accepted", "started", "progress", "completed")

SCHEMA = """
CREATE TABLE IF NOT EXISTS dictionaries (sha256 TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY, started_unix_s REAL NOT NULL, program TEXT NOT NULL, link TEXT NOT NULL,
    dictionary TEXT REFERENCES dictionaries(sha256));
CREATE TABLE IF NOT EXISTS packets (
    id INTEGER PRIMARY KEY, session INTEGER NOT NULL REFERENCES sessions(id), received_unix_s REAL,
    onboard_unix_s REAL, apid INTEGER, service INTEGER, subtype INTEGER, kind TEXT NOT NULL,
    data BLOB NOT NULL, digest BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS packets_onboard ON packets(onboard_unix_s);
CREATE INDEX IF NOT EXISTS packets_digest ON packets(digest);
CREATE TABLE IF NOT EXISTS parameters (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS samples (
    parameter INTEGER NOT NULL REFERENCES parameters(id), onboard_unix_s REAL NOT NULL,
    packet INTEGER NOT NULL REFERENCES packets(id), value,
    PRIMARY KEY (parameter, onboard_unix_s, packet)) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS parameter_samples AS
    SELECT n.name, s.onboard_unix_s, s.value, p.received_unix_s FROM samples s
    JOIN parameters n ON n.id = s.parameter JOIN packets p ON p.id = s.packet;
CREATE TABLE IF NOT EXISTS events (
    packet INTEGER NOT NULL REFERENCES packets(id), onboard_unix_s REAL NOT NULL, event_id INTEGER NOT NULL,
    name TEXT NOT NULL, severity TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_time ON events(onboard_unix_s);
CREATE TABLE IF NOT EXISTS reports (
    packet INTEGER NOT NULL REFERENCES packets(id), onboard_unix_s REAL NOT NULL, name TEXT NOT NULL,
    fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commands (
    id INTEGER PRIMARY KEY, session INTEGER NOT NULL REFERENCES sessions(id), sent_unix_s REAL NOT NULL,
    request_id TEXT NOT NULL, name TEXT NOT NULL, args TEXT NOT NULL, source TEXT NOT NULL,
    data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS commands_request ON commands(request_id);
CREATE TABLE IF NOT EXISTS verifications (
    packet INTEGER NOT NULL REFERENCES packets(id), command INTEGER REFERENCES commands(id),
    request_id TEXT NOT NULL, stage TEXT NOT NULL, success INTEGER NOT NULL, failure TEXT NOT NULL,
    data INTEGER NOT NULL, step INTEGER NOT NULL, onboard_unix_s REAL NOT NULL, received_unix_s REAL);
CREATE INDEX IF NOT EXISTS verifications_command ON verifications(command);
"""


class TmStoreError(ValueError):
    """The archive file cannot be used; the message is one line naming the file and why."""


@dataclass
class Intake:
    """What the store made of the packets it was given, for the session's counters."""

    stored: int = 0
    duplicates: int = 0
    undecodable: int = 0
    records: list[tuple[Record, int | None]] = field(default_factory=list)  # (record, command id)


@dataclass(frozen=True)
class Sample:
    onboard_unix_s: float
    received_unix_s: float | None
    value: Any


@dataclass
class CommandEntry:
    """One command of the history and its verification stages so far."""

    id: int
    sent_unix_s: float
    request_id: str
    name: str
    args: str
    source: str
    session: int
    stages: list[dict[str, Any]]

    @property
    def outcome(self) -> str:
        """`completed`, `failed at STAGE: CODE`, or `pending` while no final report has come."""
        for stage in self.stages:
            if not stage["success"]:
                return f"failed at {stage['stage']}: {stage['failure']}"
        return "completed" if any(s["stage"] == "completed" for s in self.stages) else "pending"

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "outcome": self.outcome}


def parse_utc(text: str) -> float:
    """Unix seconds of an ISO 8601 time (naive means UTC; `Z` allowed) or of a number of unix seconds
    (`inf`, `-inf` for no bound); ValueError saying the form otherwise."""
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if math.isnan(value):
            raise ValueError("nan is not a time")
        return value
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("use an ISO 8601 UTC time, e.g. 2026-12-07T18:00:00Z, or unix seconds") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def utc_text(unix_s: float | None) -> str:
    """ISO 8601 UTC with milliseconds and a Z, or "" for None."""
    if unix_s is None:
        return ""
    return datetime.fromtimestamp(unix_s, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def open_readonly(path: Path) -> sqlite3.Connection:
    """A reading connection to the archive at `path` (TmStoreError if it is missing or not one)."""
    if not path.is_file():
        raise TmStoreError(f"{path}: no archive there (`zorka ground`, `console` or `send` make one)")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        _check(connection, path)
    except sqlite3.DatabaseError as problem:
        raise TmStoreError(f"{path}: not a Zorka archive ({problem})") from None
    return connection


def _check(connection: sqlite3.Connection, path: Path) -> None:
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if application_id != APPLICATION_ID:
        raise TmStoreError(f"{path}: not a Zorka archive (a SQLite file of something else)")
    if version != SCHEMA_VERSION:
        raise TmStoreError(f"{path}: archive schema {version}, this zorka reads {SCHEMA_VERSION}")


class TmStore:
    """A writing session on the archive at `path` (made if missing): packets in, queries out."""

    def __init__(
        self,
        path: Path,
        dictionary: dict[str, Any],
        program: str,
        link: str = "",
        clock: Any = time.time,
    ):
        self.path = path
        self.dictionary = dictionary
        self.decoder = TelemetryDecoder(dictionary)
        self.book = CommandBook(dictionary)
        self._clock = clock
        self.undecodable = 0
        self.duplicates = 0
        self._parameters: dict[str, int] = {}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            self._create()
        except (OSError, sqlite3.DatabaseError) as problem:
            raise TmStoreError(f"{path}: cannot open the archive ({problem})") from None
        self.session = self._start_session(program, link)

    def _create(self) -> None:
        db = self.db
        fresh = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        if fresh:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        _check(db, self.path)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.executescript(SCHEMA)

    def _start_session(self, program: str, link: str) -> int:
        text = json.dumps(self.dictionary, sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO dictionaries VALUES (?, ?)", (digest, text))
            cursor = self.db.execute(
                "INSERT INTO sessions (started_unix_s, program, link, dictionary) VALUES (?, ?, ?, ?)",
                (self._clock(), program, link, digest),
            )
        return int(cursor.lastrowid)

    def close(self) -> None:
        self.db.close()

    def add_tm(self, packets: Iterable[bytes], received_unix_s: float | None = None) -> Intake:
        """Decode and keep `packets` (raw TM packets, any bytes) in one transaction. `received_unix_s`
        None: now by the store's clock (`import` passes its own)."""
        intake = Intake()
        now_s = self._clock()
        received = now_s if received_unix_s is None else received_unix_s
        with self.db:
            # the write lock before the duplicate check: two ground programs on one link take the same
            # packet at the same moment, and a check outside the lock let both of them keep it
            self.db.execute("BEGIN IMMEDIATE")
            for raw in packets:
                data = bytes(raw)
                digest = hashlib.blake2b(data, digest_size=16).digest()
                if self._seen(digest, now_s):
                    intake.duplicates += 1
                    continue
                record = self.decoder.decode(data)
                command = self._keep(data, digest, record, received)
                intake.stored += 1
                intake.undecodable += isinstance(record, Undecodable)
                intake.records.append((record, command))
        self.undecodable += intake.undecodable
        self.duplicates += intake.duplicates
        return intake

    def _seen(self, digest: bytes, now_s: float) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM packets WHERE digest = ? AND received_unix_s > ? LIMIT 1",
                (digest, now_s - DUPLICATE_WINDOW_S),
            ).fetchone()
            is not None
        )

    def _keep(self, data: bytes, digest: bytes, record: Record, received: float) -> int | None:
        """Insert the packet and its decoded rows; the command a verification report belongs to."""
        undecodable = isinstance(record, Undecodable)
        onboard = None if undecodable else record.time.timestamp()
        apid = int.from_bytes(data[:2], "big") & 0x7FF if len(data) >= 2 else None
        service, subtype = (None, None) if undecodable else (data[7], data[8])
        cursor = self.db.execute(
            "INSERT INTO packets (session, received_unix_s, onboard_unix_s, apid, service, subtype, kind, "
            "data, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.session, received, onboard, apid, service, subtype, _kind(record), data, digest),
        )
        packet = cursor.lastrowid
        if isinstance(record, HousekeepingReport):
            self.db.executemany(
                "INSERT INTO samples VALUES (?, ?, ?, ?)",
                [(self._parameter(name), onboard, packet, value) for name, value in record.values.items()],
            )
        elif isinstance(record, EventReport):
            self.db.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
                (packet, onboard, record.event_id, record.name, record.severity, record.text),
            )
        elif isinstance(record, VerificationReport):
            request = record.request_id.hex()
            row = self.db.execute("SELECT max(id) FROM commands WHERE request_id = ?", (request,)).fetchone()
            command = row[0]
            self.db.execute(
                "INSERT INTO verifications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    packet,
                    command,
                    request,
                    record.stage,
                    int(record.success),
                    record.code,
                    record.data,
                    record.step,
                    onboard,
                    received,
                ),
            )
            return command
        elif _kind(record) == "report":
            fields = json.dumps(record.values, default=_json_field)
            self.db.execute("INSERT INTO reports VALUES (?, ?, ?, ?)", (packet, onboard, record.name, fields))
        return None

    def _parameter(self, name: str) -> int:
        """The id of parameter `name` in this file (added the first time it is seen)."""
        if name not in self._parameters:
            self.db.execute("INSERT OR IGNORE INTO parameters (name) VALUES (?)", (name,))
            (self._parameters[name],) = self.db.execute(
                "SELECT id FROM parameters WHERE name = ?", (name,)
            ).fetchone()
        return self._parameters[name]

    def add_tc(self, packet: bytes, source: str) -> int:
        """Keep one telecommand as sent now by `source`; its id in the command history."""
        name, words = tc_words(packet, self.book)
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO commands (session, sent_unix_s, request_id, name, args, source, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.session, self._clock(), bytes(packet[:4]).hex(), name, " ".join(words), source, packet),
            )
        return int(cursor.lastrowid)


def _kind(record: Record) -> str:
    """The record's kind; a report the decoder names and decodes into fields (whatever its class) is a
    `report`."""
    if isinstance(record, HousekeepingReport):
        return "housekeeping"
    if isinstance(record, EventReport):
        return "event"
    if isinstance(record, VerificationReport):
        return "verification"
    if isinstance(record, Undecodable):
        return "undecodable"
    if isinstance(getattr(record, "name", None), str) and isinstance(getattr(record, "values", None), dict):
        return "report"
    return "other"


def _json_field(value: Any) -> str:
    """A decoded field JSON has no type for: bytes in hex, times in ISO 8601, anything else as text."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def samples(
    db: sqlite3.Connection, name: str, from_unix_s: float, to_unix_s: float, limit: int | None = None
) -> list[Sample]:
    """The samples of parameter `name` with onboard times in [from, to], in time order; at most `limit`
    (the first ones) if given."""
    rows = db.execute(
        "SELECT s.onboard_unix_s, p.received_unix_s, s.value FROM samples s "
        "JOIN packets p ON p.id = s.packet "
        "WHERE s.parameter = (SELECT id FROM parameters WHERE name = ?) AND s.onboard_unix_s BETWEEN ? AND ? "
        "ORDER BY s.onboard_unix_s, s.packet" + ("" if limit is None else f" LIMIT {int(limit)}"),
        (name, from_unix_s, to_unix_s),
    )
    return [Sample(*row) for row in rows]


SAMPLE_CSV_HEADER = ("onboard_utc", "onboard_unix_s", "received_utc", "value", "text")


def sample_rows(db: sqlite3.Connection, name: str, from_unix_s: float, to_unix_s: float) -> Iterator[tuple]:
    """`samples` as the CSV rows `zorka archive query` and the page's download give: onboard time in ISO
    8601 UTC and in unix seconds (for a spreadsheet or pandas), ground time in ISO 8601 UTC, the value, and
    the value as the operator reads it (an enum by name, by the dictionary of the archive's latest
    session). KeyError if `name` is not a parameter of that dictionary."""
    dictionary = latest_dictionary(db) or {"parameters": []}
    spec = {p["name"]: ParameterSpec.from_json(p) for p in dictionary["parameters"]}[name]
    for sample in samples(db, name, from_unix_s, to_unix_s):
        yield (
            utc_text(sample.onboard_unix_s),
            sample.onboard_unix_s,
            utc_text(sample.received_unix_s),
            sample.value,
            spec.display(sample.value),
        )


def parameter_names(db: sqlite3.Connection) -> list[str]:
    return [row[0] for row in db.execute("SELECT name FROM parameters ORDER BY name")]


def latest_dictionary(db: sqlite3.Connection) -> dict[str, Any] | None:
    """The dictionary of the latest session, for enum names (None for an empty archive)."""
    row = db.execute(
        "SELECT d.json FROM sessions s JOIN dictionaries d ON d.sha256 = s.dictionary "
        "ORDER BY s.id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else json.loads(row[0])


def command_history(
    db: sqlite3.Connection,
    limit: int = 100,
    from_unix_s: float = float("-inf"),
    to_unix_s: float = float("inf"),
) -> list[CommandEntry]:
    """The latest `limit` commands sent in [from, to], oldest first, each with its verification stages."""
    rows = db.execute(
        "SELECT id, sent_unix_s, request_id, name, args, source, session FROM commands "
        "WHERE sent_unix_s BETWEEN ? AND ? ORDER BY id DESC LIMIT ?",
        (from_unix_s, to_unix_s, limit),
    ).fetchall()
    entries = {row[0]: CommandEntry(*row, stages=[]) for row in reversed(rows)}
    if entries:
        marks = ",".join("?" * len(entries))
        stages = db.execute(
            "SELECT command, stage, success, failure, data, step, onboard_unix_s FROM verifications "
            f"WHERE command IN ({marks}) ORDER BY onboard_unix_s, rowid",
            list(entries),
        )
        for command, stage, success, failure, data, step, onboard in stages:
            entries[command].stages.append(
                {
                    "stage": stage,
                    "success": bool(success),
                    "failure": failure,
                    "data": data,
                    "step": step,
                    "onboard_unix_s": onboard,
                }
            )
    return list(entries.values())


def recent_events(
    db: sqlite3.Connection,
    limit: int = 100,
    from_unix_s: float = float("-inf"),
    to_unix_s: float = float("inf"),
) -> list[dict[str, Any]]:
    """The latest `limit` events with onboard times in [from, to], oldest first."""
    rows = db.execute(
        "SELECT onboard_unix_s, event_id, name, severity, text FROM events "
        "WHERE onboard_unix_s BETWEEN ? AND ? ORDER BY rowid DESC LIMIT ?",
        (from_unix_s, to_unix_s, limit),
    ).fetchall()
    keys = ("onboard_unix_s", "event_id", "name", "severity", "text")
    return [dict(zip(keys, row, strict=True)) for row in reversed(rows)]


def raw_packets(
    db: sqlite3.Connection, from_unix_s: float = float("-inf"), to_unix_s: float = float("inf")
) -> Iterator[bytes]:
    """The decodable packets with onboard times in [from, to], in the order they were received."""
    rows = db.execute(
        "SELECT data FROM packets WHERE onboard_unix_s BETWEEN ? AND ? ORDER BY id", (from_unix_s, to_unix_s)
    )
    for (data,) in rows:
        yield bytes(data)


def summary(db: sqlite3.Connection) -> dict[str, Any]:
    """Sessions, packets by kind and the span of onboard time: what `zorka archive info` prints."""
    sessions = [
        dict(zip(("id", "started_unix_s", "program", "link", "packets"), row, strict=True))
        for row in db.execute(
            "SELECT s.id, s.started_unix_s, s.program, s.link, count(p.id) FROM sessions s "
            "LEFT JOIN packets p ON p.session = s.id GROUP BY s.id ORDER BY s.id"
        )
    ]
    kinds = dict(db.execute("SELECT kind, count(*) FROM packets GROUP BY kind").fetchall())
    commands = db.execute("SELECT count(*) FROM commands").fetchone()[0]
    return {
        "sessions": sessions,
        "packets": kinds,
        "commands": commands,
        "onboard_span_unix_s": onboard_span(db),
    }


def onboard_span(db: sqlite3.Connection) -> list[float | None]:
    """The first and last onboard time of the packets kept ([None, None] for none)."""
    return list(db.execute("SELECT min(onboard_unix_s), max(onboard_unix_s) FROM packets").fetchone())
