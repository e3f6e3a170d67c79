"""Every onboard store, damaged every way: refused cleanly (no traceback), an event and a log line name
the file, and the software keeps what the event says.

"Unreadable" must hold when the tests run as root (CI), where chmod 000 does not stop a read: it is a
symlink loop (ELOOP on open), as a folder where the file should be is a second kind, and invalid UTF-8
a third. Each store is first written by the real code (so the ledger knows it), then damaged.
"""

import json
import logging
import math
import os
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from flight.checked_file import CRC_KEY, write_checked
from flight.events import EventLog
from flight.payload.mass_memory import INDEX_NAME, MassMemory
from flight.payload.request_book import RequestBook, RequestState
from flight.payload.requests import ImagingRequest
from flight.stores import LEDGER_NAME
from tests.flight.pus_packets import tc
from tests.flight.test_pus_services import build as build_parameters
from tests.flight.test_pus_time_scheduling import build as build_schedule
from tests.flight.test_pus_time_scheduling import insert, mode_tc

SEED = 20261207


def request(rid: str = "R12", **changes) -> ImagingRequest:
    fields = dict(
        id=rid,
        lat_rad=0.8,
        lon_rad=0.3,
        priority=7,
        duration_s=8.0,
        max_off_nadir_rad=0.5,
        min_sun_elevation_rad=0.2,
    )
    return ImagingRequest(**{**fields, **changes})


def rewrite_body(path: Path, change) -> None:
    """Change the stored body and write it back with a correct CRC (what a bad writer would do)."""
    body = json.loads(path.read_text())
    body.pop(CRC_KEY)
    change(body)
    write_checked(path, body)


@dataclass
class Store:
    """One onboard store: how to write it, reopen it, and what a refused or missing one keeps."""

    name: str
    write: object  # (folder) -> path of the store
    reopen: object  # (folder, log) -> what was kept, as a value to compare
    kept_when_refused: object
    out_of_range: object  # (body) -> None: a change that passes the CRC but not the field checks
    bad_field: str  # what the log line must name for that change


def _book_write(folder):
    book = RequestBook(folder / "requests.json")
    book.add(request())
    book.add(request("R13"))
    book.set_state("R12", RequestState.CAPTURED)
    return folder / "requests.json"


def _book_reopen(folder, log):
    book = RequestBook(folder / "requests.json", events=log)
    return sorted((rid, e.state.value) for rid, e in book.entries.items())


def _priority_1e30(body):
    body["requests"][0]["request"]["priority"] = 1e30


def _parameters_write(folder):
    services, *_ = build_parameters(folder)
    services.accept(tc(20, 3, struct.pack(">BHdHd", 2, 1, 1.5, 2, 7.0)), 1.0)
    return folder / "parameters.json"


def _parameters_reopen(folder, log):
    _, _, craft, _ = build_parameters(folder, log=log)
    return (craft.gain, craft.count)


def _gain_nan(body):
    body["values"]["gain"] = math.nan


def _schedule_write(folder):
    services, *_ = build_schedule(folder)
    services.accept(tc(11, 4, insert((30.0, mode_tc(1, seq=9)))), 1.0)
    return folder / "schedule.json"


def _schedule_reopen(folder, log):
    services, *_ = build_schedule(folder, log=log)
    return (len(services.schedule.activities), services.schedule.enabled)


def _release_negative(body):
    body["activities"][0][0] = -5


def _memory_write(folder):
    memory = MassMemory(folder / "mass_memory", 1 << 20)
    memory.store("R12-1", b"image bytes", {"request_id": "R12"})
    return folder / "mass_memory" / INDEX_NAME


def _memory_reopen(folder, log):
    memory = MassMemory(folder / "mass_memory", 1 << 20, log)
    return memory.pending()


def _sha256_garbled(body):
    body["products"]["R12-1"]["sha256"] = "not a checksum"


STORES = (
    Store("requests.json", _book_write, _book_reopen, [], _priority_1e30, "priority of R12 is 1e+30"),
    Store("parameters.json", _parameters_write, _parameters_reopen, (0.5, 3), _gain_nan, "gain is nan"),
    Store("schedule.json", _schedule_write, _schedule_reopen, (0, True), _release_negative, "release_ms"),
    # the mass memory rebuilds a refused index from the products' sidecars: the product is kept
    Store(INDEX_NAME, _memory_write, _memory_reopen, ["R12-1"], _sha256_garbled, "sha256 of R12-1"),
)


def _garbage(path):
    path.write_bytes(bytes(random.Random(SEED).randrange(256) for _ in range(300)) + b"\xff\xfe")


def _symlink_loop(path):
    path.unlink()
    os.symlink(path.name, path)  # points at itself: ELOOP on open, for root too


def _folder(path):
    path.unlink()
    path.mkdir()
    (path / "inside").write_text("someone's")


DAMAGES = {
    "empty": lambda path: path.write_bytes(b""),
    "truncated": lambda path: path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2]),
    "garbage": _garbage,
    "invalid_utf8": lambda path: path.write_bytes(b'{"values": "\xc3\x28"}'),
    "bad_crc": lambda path: path.write_text(path.read_text().replace('"crc32": ', '"crc32": 1')),
    "folder": _folder,
    "unreadable_symlink_loop": _symlink_loop,
}


@pytest.mark.parametrize("store", STORES, ids=lambda s: s.name)
def test_each_store_reads_back_whole_when_undamaged(tmp_path, store):
    store.write(tmp_path)
    log = EventLog()
    kept = store.reopen(tmp_path, log)
    assert kept != store.kept_when_refused or store.name == INDEX_NAME
    assert list(log) == []


@pytest.mark.parametrize("damage", DAMAGES, ids=str)
@pytest.mark.parametrize("store", STORES, ids=lambda s: s.name)
def test_a_damaged_store_is_refused_with_an_event_and_a_log_line(tmp_path, caplog, store, damage):
    path = store.write(tmp_path)
    DAMAGES[damage](path)
    log = EventLog()
    with caplog.at_level(logging.WARNING, logger="zorka.stores"):
        kept = store.reopen(tmp_path, log)
    assert kept == store.kept_when_refused
    refused = log.named("store_refused")
    assert refused and refused[0].text.startswith(f"{store.name}: ") and "file refused" in refused[0].text
    lines = [r.getMessage() for r in caplog.records]
    assert lines and lines[0] == refused[0].text and "\n" not in lines[0]
    if damage == "folder":
        assert (path / "inside").read_text() == "someone's"  # not ours: never deleted


@pytest.mark.parametrize("store", STORES, ids=lambda s: s.name)
def test_a_valid_crc_with_a_field_out_of_range_is_refused_naming_the_field(tmp_path, caplog, store):
    path = store.write(tmp_path)
    rewrite_body(path, store.out_of_range)
    log = EventLog()
    with caplog.at_level(logging.WARNING, logger="zorka.stores"):
        kept = store.reopen(tmp_path, log)
    assert kept == store.kept_when_refused
    [event] = log.named("store_refused")
    assert event.text.startswith(f"{store.name}: {store.bad_field}")
    assert caplog.records[0].getMessage() == event.text


def test_a_refused_book_names_the_request_the_priority_and_what_was_kept(tmp_path):
    path = _book_write(tmp_path)
    rewrite_body(path, _priority_1e30)
    log = EventLog()
    _book_reopen(tmp_path, log)
    assert [e.text for e in log] == [
        "requests.json: priority of R12 is 1e+30 (allowed 1..1000): file refused, starting with an empty book"
    ]


@pytest.mark.parametrize("store", STORES, ids=lambda s: s.name)
def test_a_deleted_store_is_reported_missing_but_a_first_run_is_not(tmp_path, caplog, store):
    (tmp_path / "first").mkdir()
    first = EventLog()
    store.reopen(tmp_path / "first", first)
    assert list(first) == []
    path = store.write(tmp_path)
    path.unlink()
    log = EventLog()
    with caplog.at_level(logging.WARNING, logger="zorka.stores"):
        store.reopen(tmp_path, log)
    [event] = log.named("store_missing")
    assert event.text.startswith(f"{store.name}: missing (written before)")
    assert caplog.records[0].getMessage() == event.text
    assert (tmp_path / LEDGER_NAME).exists() or (tmp_path / "mass_memory" / LEDGER_NAME).exists()


def test_a_mass_memory_folder_that_is_a_file_is_refused_and_left_alone(tmp_path, caplog):
    (tmp_path / "mass_memory").write_text("a user's file")
    log = EventLog()
    with caplog.at_level(logging.WARNING, logger="zorka.stores"):
        memory = MassMemory(tmp_path / "mass_memory", 1 << 20, log)
    assert [e.text for e in log] == ["mass_memory: is not a folder: file refused, no product will be stored"]
    assert memory.free_bytes == 0 and memory.pending() == [] and not memory.usable
    assert (tmp_path / "mass_memory").read_text() == "a user's file"


def test_a_book_that_cannot_be_written_reports_it_once_and_goes_on_in_memory(tmp_path):
    (tmp_path / "requests.json").mkdir()
    log = EventLog()
    book = RequestBook(tmp_path / "requests.json", events=log)
    assert book.add(request()) and book.add(request("R13"))
    assert [e.name for e in log] == ["store_refused", "store_not_persisted"]
    assert len(book) == 2


def test_the_crc_is_the_stores_own_so_a_rewritten_body_is_a_valid_crc(tmp_path):
    """The out-of-range cases above really pass the CRC: only the field checks refuse them."""
    path = _book_write(tmp_path)
    rewrite_body(path, _priority_1e30)
    stored = json.loads(path.read_text())
    crc = stored.pop(CRC_KEY)
    assert crc == zlib.crc32(json.dumps(stored, sort_keys=True).encode())
