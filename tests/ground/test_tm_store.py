"""The ground's SQLite archive against packets built here independently (spacepackets PUS-C TM, CDS time
stamps and housekeeping bodies packed with struct by the dictionary's layout): queries by name and time
range return exactly the samples put in, the command history joins each TC with its verification
reports, a second session on the same file sees the first's, pandas and the sqlite3 command-line tool read
the file, a foreign file is refused untouched, and arbitrary bytes into the intake never raise."""

import shutil
import sqlite3
import struct
import subprocess
import threading
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacepackets.ecss import PusTm

from ground.commands import CommandBook
from ground.tc_words import tc_words
from ground.tm_store import (
    TmStore,
    TmStoreError,
    command_history,
    open_readonly,
    parse_utc,
    raw_packets,
    recent_events,
    samples,
    summary,
)

CDS_EPOCH = datetime(1958, 1, 1, tzinfo=UTC)
T0 = datetime(2026, 6, 21, 12, 0, 0, tzinfo=UTC)
REPORTS = 60
ADCS_SID = 1


def cds(moment: datetime) -> bytes:
    """CCSDS CDS short time code with its P-field (0x40: 16-bit days, ms of day), as the flight emits."""
    since = moment - CDS_EPOCH
    ms = round((since - timedelta(days=since.days)).total_seconds() * 1000)
    return b"\x40" + struct.pack(">HI", since.days, ms)


def tm(service: int, subtype: int, data: bytes, moment: datetime, count: int, apid: int) -> bytes:
    return PusTm(
        service=service,
        message_subtype=subtype,
        timestamp=cds(moment),
        source_data=data,
        apid=apid,
        seq_count=count % 16384,
    ).pack()


def housekeeping_packets(dictionary: dict) -> tuple[list[bytes], list[tuple[float, dict]]]:
    """REPORTS reports of structure 1 at 1 s spacing from T0: the packets and (unix time, values)."""
    by_id = {p["id"]: p for p in dictionary["parameters"]}
    layout = [by_id[i] for i in dictionary["housekeeping_structures"][str(ADCS_SID)]]
    packets, expected = [], []
    for k in range(REPORTS):
        values = {}
        for parameter in layout:
            if parameter["name"] == "adcs_mode":
                values["adcs_mode"] = k % 4
            elif parameter["type"] == "float":
                values[parameter["name"]] = float(k) * 0.5
            else:
                values[parameter["name"]] = k
        body = struct.pack(">H", ADCS_SID) + b"".join(
            struct.pack(p["encoding"], values[p["name"]]) for p in layout
        )
        moment = T0 + timedelta(seconds=k)
        packets.append(tm(3, 25, body, moment, k, dictionary["apid"]))
        expected.append((moment.timestamp(), values))
    return packets, expected


@pytest.fixture
def store(tmp_path, dictionary):
    opened = TmStore(tmp_path / "archive.sqlite", dictionary, "test", "here")
    yield opened
    opened.close()


def test_a_query_by_name_and_time_range_returns_exactly_those_samples(store, dictionary):
    packets, expected = housekeeping_packets(dictionary)
    intake = store.add_tm(packets)
    assert (intake.stored, intake.duplicates, intake.undecodable) == (REPORTS, 0, 0)
    start, end = expected[10][0], expected[19][0]
    with closing(open_readonly(store.path)) as db:
        found = samples(db, "adcs_mode", start, end)
        assert [s.onboard_unix_s for s in found] == [t for t, _ in expected[10:20]]
        assert [s.value for s in found] == [v["adcs_mode"] for _, v in expected[10:20]]
        floats = samples(db, "wheel0_speed_rad_s", float("-inf"), float("inf"))
        assert [s.value for s in floats] == [v["wheel0_speed_rad_s"] for _, v in expected]
        assert samples(db, "adcs_mode", end + 0.5, end + 0.9) == []
        assert list(raw_packets(db)) == packets


def test_the_command_history_carries_each_verification_stage_and_the_outcome(store, dictionary):
    book = CommandBook(dictionary)
    sent = [book.packet("set_adcs_mode", ["mode=SUN_SAFE"], 7), book.packet("ping", [], 8)]
    ids = [store.add_tc(packet, "web") for packet in sent]
    apid, failure_code = dictionary["apid"], next(iter(dictionary["failure_codes"].values()))
    reports = [
        tm(1, 1, sent[0][:4], T0, 0, apid),
        tm(1, 3, sent[0][:4], T0, 1, apid),
        tm(1, 7, sent[0][:4], T0 + timedelta(seconds=1), 2, apid),
        tm(1, 1, sent[1][:4], T0, 3, apid),
        tm(1, 8, sent[1][:4] + struct.pack(">HB", failure_code, 0), T0, 4, apid),
        tm(1, 1, b"\x19\x99\x00\x01", T0, 5, apid),  # another ground's TC: kept, belongs to none of ours
    ]
    store.add_tm(reports)
    with closing(open_readonly(store.path)) as db:
        history = command_history(db)
        orphans = db.execute("SELECT count(*) FROM verifications WHERE command IS NULL").fetchone()[0]
    assert [entry.id for entry in history] == ids
    assert (history[0].name, history[0].args, history[0].source) == ("set_adcs_mode", "mode=SUN_SAFE", "web")
    assert [s["stage"] for s in history[0].stages] == ["accepted", "started", "completed"]
    assert history[0].outcome == "completed"
    code_name = {v: k for k, v in dictionary["failure_codes"].items()}[failure_code]
    assert history[1].outcome == f"failed at completion: {code_name}"
    assert orphans == 1


def test_a_second_session_on_the_file_sees_the_first_and_duplicates_are_kept_once(tmp_path, dictionary):
    path = tmp_path / "archive.sqlite"
    packets, expected = housekeeping_packets(dictionary)
    first = TmStore(path, dictionary, "console", "a")
    first.add_tm(packets[:30])
    first.close()
    second = TmStore(path, dictionary, "ground", "b")
    again = second.add_tm(packets[25:])
    second.close()
    assert (again.stored, again.duplicates) == (REPORTS - 30, 5)
    with closing(open_readonly(path)) as db:
        found = samples(db, "t_s", float("-inf"), float("inf"))
        assert [s.onboard_unix_s for s in found] == [t for t, _ in expected]
        assert [s["packets"] for s in summary(db)["sessions"]] == [30, REPORTS - 30]


def _take_one_by_one(path: Path, dictionary: dict, packets: list[bytes], start, results) -> None:
    """A ground program of its own (a thread with its own connection) taking the packets one at a time."""
    store = TmStore(path, dictionary, "ground", "threaded")
    start.wait()
    results.append(sum(store.add_tm([packet]).stored for packet in packets))
    store.close()


def test_two_programs_taking_the_same_packets_at_once_keep_each_once(tmp_path, dictionary):
    """Two ground programs on one link receive every packet at the same moment: each packet is kept once,
    the duplicate check made under the write lock."""
    path = tmp_path / "archive.sqlite"
    packets, expected = housekeeping_packets(dictionary)
    TmStore(path, dictionary, "setup", "none").close()
    start, results = threading.Barrier(2), []
    takers = [
        threading.Thread(target=_take_one_by_one, args=(path, dictionary, packets, start, results))
        for _ in range(2)
    ]
    for taker in takers:
        taker.start()
    for taker in takers:
        taker.join(timeout=60)
    assert sum(results) == REPORTS
    with closing(open_readonly(path)) as db:
        found = samples(db, "t_s", float("-inf"), float("inf"))
        assert [s.onboard_unix_s for s in found] == [t for t, _ in expected]


def test_pandas_and_the_sqlite3_tool_read_the_archive(store, dictionary):
    pandas = pytest.importorskip("pandas")
    packets, expected = housekeeping_packets(dictionary)
    store.add_tm(packets)
    with closing(sqlite3.connect(store.path)) as db:
        frame = pandas.read_sql(
            "SELECT onboard_unix_s, value FROM parameter_samples WHERE name = 'adcs_mode' "
            "ORDER BY onboard_unix_s",
            db,
        )
    assert frame["value"].tolist() == [v["adcs_mode"] for _, v in expected]
    if shutil.which("sqlite3") is None:
        pytest.skip("needs the sqlite3 tool: apt-get install --no-install-recommends sqlite3")
    shell = subprocess.run(
        [
            "sqlite3",
            "-readonly",
            str(store.path),
            "SELECT count(*) FROM parameter_samples WHERE name = 't_s'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert shell.stdout.strip() == str(REPORTS)
    with closing(open_readonly(store.path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_events_are_kept_with_their_names(store, dictionary):
    event = dictionary["events"][0]
    text = b"ready"
    body = struct.pack(">HB", event["id"], len(text)) + text
    store.add_tm([tm(5, 2, body, T0, 0, dictionary["apid"])])
    with closing(open_readonly(store.path)) as db:
        (kept,) = recent_events(db)
    assert kept == {
        "onboard_unix_s": T0.timestamp(),
        "event_id": event["id"],
        "name": event["name"],
        "severity": "LOW",
        "text": "ready",
    }


def test_a_foreign_file_is_refused_in_one_line_and_left_as_it_was(tmp_path, dictionary):
    text_file = tmp_path / "notes.sqlite"
    text_file.write_bytes(b"not a database at all, just words" * 100)
    other = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE t (x)")
        db.commit()
    before = {path: path.read_bytes() for path in (text_file, other)}
    for path in (text_file, other):
        with pytest.raises(TmStoreError) as problem:
            TmStore(path, dictionary, "test")
        assert str(path) in str(problem.value) and "\n" not in str(problem.value)
        assert path.read_bytes() == before[path]
    with pytest.raises(TmStoreError, match="no archive there"):
        open_readonly(tmp_path / "missing.sqlite")


def test_times_are_read_as_iso_utc_or_unix_seconds():
    assert parse_utc("2026-06-21T12:00:00Z") == T0.timestamp()
    assert parse_utc("2026-06-21T12:00:00") == T0.timestamp()
    assert parse_utc("2026-06-21T14:00:00+02:00") == T0.timestamp()
    assert parse_utc(str(T0.timestamp())) == T0.timestamp()
    for bad in ("yesterday", "nan", "2026-13-01"):
        with pytest.raises(ValueError):
            parse_utc(bad)


def test_a_telecommand_reads_back_as_the_words_that_made_it(dictionary):
    book = CommandBook(dictionary)
    assert tc_words(book.packet("set_adcs_mode", ["mode=sun_safe"], 1), book) == (
        "set_adcs_mode",
        ["mode=SUN_SAFE"],
    )
    assert tc_words(book.packet("ping", [], 2), book) == ("ping", [])
    float_command = next(
        c for c in dictionary["commands"] if c["args"] and all(a["type"] == "float" for a in c["args"])
    )
    words = [
        f"{a['name']}={(a['min'] + a['max']) / 2 if a['min'] is not None else 0.25}"
        for a in float_command["args"]
    ]
    name, read = tc_words(book.packet(float_command["name"], words, 3), book)
    assert name == float_command["name"]
    for arg, word in zip(float_command["args"], read, strict=True):
        key, value = word.split("=")
        wanted = float(next(w for w in words if w.startswith(key + "=")).split("=")[1])
        assert (
            key == arg["name"]
            and float(value) == struct.unpack(arg["encoding"], struct.pack(arg["encoding"], wanted))[0]
        )
    assert tc_words(b"\x18\x01", book) == ("TC(?)", ["data=1801"])


MIN_TM_BYTES = 6 + 9 + 2  # primary header, PUS-C TM secondary header with a 7-byte time stamp, CRC


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_arbitrary_bytes_into_the_intake_never_raise_and_are_counted(dictionary, blobs):
    store = TmStore(Path(":memory:"), dictionary, "test")
    intake = store.add_tm(blobs)
    kept = store.db.execute("SELECT kind, data FROM packets ORDER BY id").fetchall()
    store.close()
    first_seen = list(dict.fromkeys(blobs))
    assert (intake.stored, intake.duplicates) == (len(first_seen), len(blobs) - len(first_seen))
    assert [bytes(data) for _, data in kept] == first_seen
    assert sum(kind == "undecodable" for kind, _ in kept) == intake.undecodable
    for blob, (kind, _) in zip(first_seen, kept, strict=True):
        if len(blob) < MIN_TM_BYTES or blob[0] >> 5 != 0 or not blob[0] & 0x08:
            assert kind == "undecodable", blob.hex()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_telecommand_bytes_read_back_as_some_words(dictionary, packet):
    name, words = tc_words(packet, CommandBook(dictionary))
    assert name and all("=" in word for word in words)
