"""The telemetry archive of a short run against tm.bin decoded independently (spacepackets + struct by the
dictionary's layout); a cut or damaged archive gives the records before the damage, then `ArchiveError`;
arbitrary bytes as tm.bin or as an archive never raise anything else."""

import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgpack
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacepackets.ecss import PusTm

from ground.archive import KINDS, ArchiveError, housekeeping_columns, read_archive, write_archive
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario

RUN_S = 120.0
CDS_EPOCH = datetime(1958, 1, 1, tzinfo=UTC)


def split_packets(stream: bytes) -> list[bytes]:
    """Raw concatenated space packets, split by their primary header's length field."""
    packets, offset = [], 0
    while offset + 6 <= len(stream):
        end = offset + 7 + int.from_bytes(stream[offset + 4 : offset + 6], "big")
        packets.append(stream[offset:end])
        offset = end
    return packets


@pytest.fixture(scope="module")
def run(tmp_path_factory, dictionary) -> tuple[list[bytes], list[dict], Path]:
    out = tmp_path_factory.mktemp("archive")
    mission = Mission(Scenario(seed=4), RUN_S, out_dir=out)
    mission.run()
    mission.close()
    archive = out / "telemetry.msgpack"
    count = write_archive(out / "tm.bin", dictionary, archive)
    records = list(read_archive(archive))
    assert count == len(records)
    return split_packets((out / "tm.bin").read_bytes()), records, archive


def test_one_record_per_packet_in_order_with_its_onboard_time(run):
    packets, records, _ = run
    assert len(records) == len(packets) > RUN_S
    for packet, record in zip(packets, records, strict=True):
        tm = PusTm.unpack(packet, timestamp_len=7)
        days, ms = struct.unpack_from(">HI", tm.timestamp, 1)
        assert record["time_unix_s"] == (CDS_EPOCH + timedelta(days=days, milliseconds=ms)).timestamp()
        expected = {3: "housekeeping", 5: "event", 1: "verification"}.get(tm.service, "other")
        if tm.service == 3 and tm.message_subtype != 25:
            expected = "other"
        assert record["kind"] == expected, (tm.service, tm.message_subtype)


def test_housekeeping_values_are_the_packets_by_the_dictionary_layout(run, dictionary):
    packets, records, _ = run
    by_id = {p["id"]: p for p in dictionary["parameters"]}
    layout = [by_id[i] for i in dictionary["housekeeping_structures"]["1"]]
    housekeeping = [i for i, r in enumerate(records) if r["kind"] == "housekeeping"]
    assert len(housekeeping) >= RUN_S - 1
    for i in (housekeeping[0], housekeeping[len(housekeeping) // 2], housekeeping[-1]):
        data = bytes(PusTm.unpack(packets[i], timestamp_len=7).source_data)
        offset, values = 2, {}
        for parameter in layout:
            (values[parameter["name"]],) = struct.unpack_from(parameter["encoding"], data, offset)
            offset += struct.calcsize(parameter["encoding"])
        assert offset == len(data)
        assert records[i]["sid"] == int.from_bytes(data[:2], "big")
        assert records[i]["values"] == values
    assert records[housekeeping[-1]]["values"]["t_s"] == pytest.approx(RUN_S, abs=1.0)


def record_spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) byte offsets of each telemetry record on file (the layout entries skipped)."""
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    spans, start = [], 0
    for entry in unpacker:
        end = unpacker.tell()
        if entry["kind"] != "layout":
            spans.append((start, end))
        start = end
    return spans


def test_a_cut_archive_gives_every_whole_record_before_the_cut(run, tmp_path):
    _, records, archive = run
    data = archive.read_bytes()
    start, end = record_spans(data)[7]
    (tmp_path / "cut.msgpack").write_bytes(data[: (start + end) // 2])
    read = []
    with pytest.raises(ArchiveError, match="cut short"):
        read.extend(read_archive(tmp_path / "cut.msgpack"))
    assert read == records[:7]


def test_a_damaged_archive_gives_the_records_before_the_damage(run, tmp_path):
    _, records, archive = run
    data = bytearray(archive.read_bytes())
    data[record_spans(bytes(data))[2][0]] = 0xC1  # never used by msgpack
    (tmp_path / "bad.msgpack").write_bytes(bytes(data))
    read = []
    with pytest.raises(ArchiveError, match="record 2 at byte"):
        read.extend(read_archive(tmp_path / "bad.msgpack"))
    assert read == records[:2]


def test_housekeeping_names_are_on_file_once_per_structure(run, tmp_path):
    """Well under half the size of records that carry their names (as `read_archive` gives them)."""
    _, records, archive = run
    with_names = sum(len(msgpack.packb(r, use_bin_type=True)) for r in records)
    assert archive.stat().st_size < 0.4 * with_names
    entries = list(msgpack.Unpacker(archive.open("rb"), raw=False))
    assert sum(e["kind"] == "layout" for e in entries) == 1
    orphan = {"kind": "housekeeping", "time_unix_s": 0.0, "sid": 1, "values": [1.0]}
    (tmp_path / "orphan.msgpack").write_bytes(msgpack.packb(orphan))
    with pytest.raises(ArchiveError, match="without the layout"):
        list(read_archive(tmp_path / "orphan.msgpack"))


def test_bytes_after_the_last_whole_packet_become_one_undecodable_record(run, dictionary, tmp_path):
    packets, records, _ = run
    (tmp_path / "tm.bin").write_bytes(b"".join(packets[:5]) + packets[5][:9])
    assert write_archive(tmp_path / "tm.bin", dictionary, tmp_path / "a.msgpack") == 6
    read = list(read_archive(tmp_path / "a.msgpack"))
    assert read[:5] == records[:5]
    assert read[5]["kind"] == "undecodable" and "9 bytes" in read[5]["reason"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_as_an_archive_give_records_or_an_archive_error(tmp_path, data):
    path = tmp_path / "any.msgpack"
    path.write_bytes(data)
    try:
        for record in read_archive(path):
            assert record["kind"] in KINDS
    except ArchiveError:
        pass


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_as_tm_bin_give_an_archive_that_reads_back(tmp_path, dictionary, data):
    (tmp_path / "tm.bin").write_bytes(data)
    count = write_archive(tmp_path / "tm.bin", dictionary, tmp_path / "a.msgpack")
    assert len(list(read_archive(tmp_path / "a.msgpack"))) == count


def test_housekeeping_columns_hold_each_reports_values_by_name(run, dictionary):
    """Columns against the named records: each chosen parameter's value per report, NaN for a name no
    structure has, the other records whole and in order."""
    _, records, archive = run
    names = ("eps_battery_soc", "adcs_mode", "wheel2_speed_rad_s", "no_such_parameter")
    columns = housekeeping_columns(archive, names)
    housekeeping = [r for r in records if r["kind"] == "housekeeping"]
    assert columns.time_unix_s.tolist() == [r["time_unix_s"] for r in housekeeping]
    for name in names[:3]:
        assert columns.values[name].tolist() == [r["values"][name] for r in housekeeping]
    assert np.isnan(columns.values["no_such_parameter"]).all()
    assert columns.others == [r for r in records if r["kind"] != "housekeeping"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.fixed_dictionaries({"kind": st.just("layout"), "sid": st.integers(0, 2),
                           "names": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3)}),
    st.fixed_dictionaries({"kind": st.sampled_from(["housekeeping", "event", "bogus"]),
                           "time_unix_s": st.floats(0, 9), "sid": st.integers(0, 2),
                           "values": st.lists(st.floats(0, 9), max_size=3)}),
    st.binary(max_size=4)), max_size=12), st.integers(0, 40))  # fmt: skip
def test_housekeeping_columns_read_any_archive_as_read_archive_does(tmp_path, entries, cut):
    """Arbitrary entries (layouts, records good or bad, junk) and cuts: the columns are what the named
    records hold, or both readers refuse the file with the same ArchiveError."""
    data = b"".join(msgpack.packb(e, use_bin_type=True) for e in entries)
    path = tmp_path / "any.msgpack"
    path.write_bytes(data[: len(data) - cut] if cut < len(data) else data)
    try:
        records = list(read_archive(path))
    except ArchiveError as problem:
        with pytest.raises(ArchiveError) as raised:
            housekeeping_columns(path, ("a", "c"))
        assert str(raised.value) == str(problem)
        return
    columns = housekeeping_columns(path, ("a", "c"))
    housekeeping = [r for r in records if r["kind"] == "housekeeping"]
    assert columns.time_unix_s.tolist() == [r["time_unix_s"] for r in housekeeping]
    for name in ("a", "c"):
        expected = [r["values"].get(name, np.nan) for r in housekeeping]
        assert np.array_equal(columns.values[name], np.array(expected, dtype=float), equal_nan=True)
    assert columns.others == [r for r in records if r["kind"] != "housekeeping"]
