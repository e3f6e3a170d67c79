"""The boot counter: one more at each start on the same onboard stores, reported in housekeeping, kept
through a torn or corrupt store by starting over (never by crashing)."""

import json

from flight.boot_count import BOOT_SID, FILE_NAME, count_boot
from flight.checked_file import write_checked
from flight.events import EventLog
from ground.archive import read_archive, write_archive
from zorka.outputs.dictionary_json import dictionary_document
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario


def test_each_start_on_the_same_stores_counts_one_more(tmp_path):
    events = EventLog()
    assert [count_boot(tmp_path, events) for _ in range(3)] == [1, 2, 3]
    assert json.loads((tmp_path / FILE_NAME).read_text())["boots"] == 3
    assert not list(events), "a first run and its restarts report nothing"


def test_a_damaged_or_lost_store_is_reported_and_the_count_starts_over(tmp_path):
    events = EventLog()
    count_boot(tmp_path, events)
    (tmp_path / FILE_NAME).write_text('{"boots": 7, "crc32": 1}')
    assert count_boot(tmp_path, events) == 1
    write_checked(tmp_path / FILE_NAME, {"boots": -3})  # a valid CRC, a count out of range
    assert count_boot(tmp_path, events) == 1
    (tmp_path / FILE_NAME).unlink()
    assert count_boot(tmp_path, events) == 1
    said = [(e.name, e.text) for e in events]
    assert [name for name, _ in said] == ["store_refused", "store_refused", "store_missing"]
    assert all(FILE_NAME in text for _, text in said) and "boots" in said[1][1]


def test_the_flight_software_reports_its_boot_in_housekeeping_after_a_restart(tmp_path):
    """The first boot sends what it always sent; a restart enables the boot structure, whose reports in
    tm.bin (decoded by the ground's archive) carry the count."""
    for boot in (1, 2):
        mission = Mission(Scenario(seed=2), 25.0, out_dir=tmp_path)
        mission.run()
        mission.close()
        assert mission.flight.boot_count == boot
        write_archive(tmp_path / "tm.bin", dictionary_document(mission.flight.dictionary), tmp_path / "a")
        reports = [
            r for r in read_archive(tmp_path / "a") if r["kind"] == "housekeeping" and r["sid"] == BOOT_SID
        ]
        assert [r["values"]["boot_count"] for r in reports] == ([] if boot == 1 else [2, 2])  # every 10 s
