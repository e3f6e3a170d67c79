"""Telemetry files are appended and rotated, never truncated; the archive reads them all in order, and a
cut tail stays in its own file."""

import json
from pathlib import Path

import pytest

from ground.archive import read_archive, write_archive
from tests.ground.test_archive import split_packets
from zorka.outputs.dictionary_json import dictionary_json
from zorka.outputs.tm_files import TmLog, tm_files
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[list[bytes], dict]:
    """The TM packets of a short mission run by the real code, and its dictionary as the ground reads it."""
    out = tmp_path_factory.mktemp("tm")
    mission = Mission(Scenario(seed=4), 30.0, out_dir=out)
    mission.run()
    mission.close()
    return split_packets((out / "tm.bin").read_bytes()), json.loads(
        dictionary_json(mission.flight.dictionary)
    )


@pytest.fixture
def packets(run) -> list[bytes]:
    return run[0]


@pytest.fixture
def dictionary(run) -> dict:
    return run[1]


def test_each_session_appends_and_the_earlier_ones_are_kept_in_order(tmp_path, packets):
    for session in range(3):
        log = TmLog(tmp_path)
        for packet in packets[session * 10 : session * 10 + 10]:
            log.write(packet)
        log.close()
    assert [p.name for p in tm_files(tmp_path)] == ["tm-0001.bin", "tm-0002.bin", "tm.bin"]
    assert b"".join(p.read_bytes() for p in tm_files(tmp_path)) == b"".join(packets[:30])


def test_a_file_that_would_pass_the_limit_is_rotated_between_whole_packets(tmp_path, packets):
    limit_bytes = 1000
    log = TmLog(tmp_path, limit_bytes=limit_bytes)
    for packet in packets:
        log.write(packet)
    log.close()
    files = tm_files(tmp_path)
    assert len(files) == log.rotations + 1 >= 3
    assert all(p.stat().st_size <= limit_bytes for p in files)
    assert [packet for p in files for packet in split_packets(p.read_bytes())] == packets


def test_the_archive_reads_every_file_and_a_cut_tail_stays_in_its_file(tmp_path, packets, dictionary):
    (tmp_path / "tm-0001.bin").write_bytes(b"".join(packets[:5]) + packets[5][:9])  # a killed session's
    (tmp_path / "tm.bin").write_bytes(b"".join(packets[5:10]))
    count = write_archive(tm_files(tmp_path), dictionary, tmp_path / "a.msgpack")
    read = list(read_archive(tmp_path / "a.msgpack"))
    assert count == len(read) == 11
    assert read[5]["kind"] == "undecodable" and "9 bytes" in read[5]["reason"]
    assert all(r["kind"] != "undecodable" for r in read[6:])
    assert read[:5] == list(read_archive(_archive_of(tmp_path, packets[:5], dictionary)))


def _archive_of(folder: Path, some: list[bytes], dictionary) -> Path:
    (folder / "only.bin").write_bytes(b"".join(some))
    write_archive(folder / "only.bin", dictionary, folder / "only.msgpack")
    return folder / "only.msgpack"
