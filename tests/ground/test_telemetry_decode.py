"""Telemetry decoded by the dictionary, from packets the flight software's own TM code makes:
verification with failure codes by name, events by name and severity, housekeeping by parameter
name (the default row and structures learned from 3,10); arbitrary bytes never raise."""

import binascii
import dataclasses
import json
import struct
from datetime import UTC, datetime
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacepackets.ecss import PusTc, PusTm

from ccsds.time_code import cds_short
from flight.dictionary import Failure
from flight.pus.housekeeping_reports import Structure
from flight.pus.payload_requests import ACTIVITY_CODES, TIMELINE_REPORT
from flight.pus.scheduling import DETAIL, SUMMARY
from flight.pus.telemetry import TmSender
from flight.pus.verification import RefusalError, Verification
from ground.commands import CommandBook
from ground.telemetry import (
    EventReport,
    HousekeepingReport,
    LayoutReport,
    OtherReport,
    TelemetryDecoder,
    Undecodable,
    VerificationReport,
    tm_fields,
)

EPOCH_UNIX_S = datetime(2026, 6, 21, tzinfo=UTC).timestamp()
REQUEST = bytes.fromhex("1900c001")


@pytest.fixture
def sent() -> tuple[TmSender, list[bytes]]:
    packets: list[bytes] = []
    return TmSender(packets.append, EPOCH_UNIX_S), packets


def test_verification_reports_name_the_stage_and_the_failure_code(dictionary, sent):
    tm, packets = sent
    verification = Verification(tm, dictionary["apid"])
    verification.accepted(REQUEST, 0b1111, 1.0)
    verification.started(REQUEST, 0b1111, 1.0)
    verification.progress(REQUEST, 0b1111, 3, 1.5)
    verification.completed(REQUEST, 0b1111, 2.0)
    verification.rejected(REQUEST, RefusalError(Failure.ARG_OUT_OF_RANGE, 2), 2.5)
    verification.failed(REQUEST, RefusalError(Failure.NOT_ALLOWED_IN_MODE), 3.0)
    decoder = TelemetryDecoder(dictionary)
    reports = [decoder.decode(p) for p in packets]
    assert all(isinstance(r, VerificationReport) and r.request_id == REQUEST for r in reports)
    assert [(r.stage, r.success, r.final) for r in reports] == [
        ("accepted", True, False),
        ("started", True, False),
        ("progress", True, False),
        ("completed", True, True),
        ("acceptance", False, True),
        ("completion", False, True),
    ]
    assert reports[2].step == 3
    assert (reports[4].code, reports[4].data) == ("ARG_OUT_OF_RANGE", 2)
    assert reports[5].code == "NOT_ALLOWED_IN_MODE"
    assert reports[3].time == datetime(2026, 6, 21, 0, 0, 2, tzinfo=UTC)


def test_events_come_with_their_declared_name_and_the_subtype_severity(dictionary, sent):
    tm, packets = sent
    wheel = next(e for e in dictionary["events"] if e["name"] == "wheel_failed")
    for event_id, subtype, text in ((wheel["id"], 4, "wheel 2 out"), (0xFFFF, 1, "x: y")):
        body = text.encode()
        tm.send(dictionary["apid"], 5, subtype, struct.pack(">HB", event_id, len(body)) + body, 0.0)
    decoder = TelemetryDecoder(dictionary)
    first, second = (decoder.decode(p) for p in packets)
    assert first == EventReport(wheel["id"], "wheel_failed", "HIGH", "wheel 2 out", first.time)
    assert (second.name, second.severity, second.text) == ("event 65535", "INFO", "x: y")


def housekeeping_data(flight_dictionary, sid: int, names: list[str]) -> tuple[bytes, dict]:
    """A 3,25 body packed as the flight software packs it, and the values it holds."""
    values = {name: float(index) + 0.25 for index, name in enumerate(names)}
    values["adcs_mode"] = 2.0
    parameters = tuple(
        dataclasses.replace(flight_dictionary.parameters[n], getter=partial(float, values[n])) for n in names
    )
    return Structure(sid, parameters, interval_s=1).pack(), values


def test_the_default_housekeeping_row_is_read_by_parameter_name(dictionary, flight_dictionary, sent):
    tm, packets = sent
    by_id = {p["id"]: p for p in dictionary["parameters"]}
    layout = [by_id[i] for i in dictionary["housekeeping_structures"]["1"]]
    data, values = housekeeping_data(flight_dictionary, 1, [p["name"] for p in layout])
    tm.send(dictionary["apid"], 3, 25, data, 0.0)
    report = TelemetryDecoder(dictionary).decode(packets[0])
    assert isinstance(report, HousekeepingReport) and report.sid == 1
    assert report.values["adcs_mode"] == 2 and report.values["t_s"] == values["t_s"]
    for parameter in layout:
        expected = values[parameter["name"]]
        if parameter["type"] == "float":
            (expected,) = struct.unpack(parameter["encoding"], struct.pack(parameter["encoding"], expected))
        else:
            expected = int(expected)
        assert report.values[parameter["name"]] == expected


def test_a_structure_defined_by_a_3_10_report_is_decoded_by_its_own_layout(
    dictionary, flight_dictionary, sent
):
    tm, packets = sent
    chosen = ["adcs_mode", "eps_battery_soc"]
    ids = [flight_dictionary.parameters[n].id for n in chosen]
    decoder = TelemetryDecoder(dictionary)
    data, _ = housekeeping_data(flight_dictionary, 7, chosen)
    tm.send(dictionary["apid"], 3, 25, data, 0.0)
    assert isinstance(decoder.decode(packets[-1]), Undecodable)
    tm.send(dictionary["apid"], 3, 10, struct.pack(">HHBH2H", 7, 5, 1, 2, *ids), 0.0)
    definition = decoder.decode(packets[-1])
    assert isinstance(definition, LayoutReport) and definition.name == "hk_structure_definition"
    assert definition.values["sid"] == 7 and definition.values["enabled"] is True
    assert [p["parameter_id"] for p in definition.values["parameters"]] == ids
    report = decoder.decode(packets[-2])
    assert report.values == {"adcs_mode": 2, "eps_battery_soc": pytest.approx(1.25)}


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=120))
def test_arbitrary_bytes_never_raise(dictionary, raw):
    assert isinstance(
        TelemetryDecoder(dictionary).decode(raw),
        (Undecodable, OtherReport, LayoutReport, VerificationReport, EventReport, HousekeepingReport),
    )


@settings(max_examples=500, deadline=None)
@given(st.sampled_from([1, 3, 5, 17, 20]), st.integers(0, 12), st.binary(max_size=120))
def test_well_formed_packets_with_any_body_never_raise(dictionary, service, subtype, body):
    raw = PusTm(
        service=service, message_subtype=subtype, timestamp=bytes(7), source_data=body, apid=256
    ).pack()
    decoder = TelemetryDecoder(dictionary)
    decoder.decode(raw)
    assert decoder.decode(raw[:-1]).reason.startswith("not a PUS-C TM packet")


LAYOUT_KINDS = [(3, 10), (5, 8), (9, 3), (11, 10), (11, 13), (12, 9), (12, 12), (12, 14), (17, 2), (19, 7)]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from([*LAYOUT_KINDS, (20, 2), (200, 4), (200, 7)]), st.binary(max_size=160))
def test_any_body_of_a_declared_report_decodes_or_is_undecodable_and_describes(dictionary, kind, body):
    raw = PusTm(
        service=kind[0], message_subtype=kind[1], timestamp=bytes(7), source_data=body, apid=256
    ).pack()
    decoder = TelemetryDecoder(dictionary)
    record = decoder.decode(raw)
    assert isinstance(record, (LayoutReport, Undecodable))
    if isinstance(record, LayoutReport):
        assert "\n" not in decoder.describe(record).splitlines()[0]


def test_declared_reports_decode_into_named_values_as_the_flight_software_packs_them(dictionary, sent):
    tm, packets = sent
    decoder = TelemetryDecoder(dictionary)
    activity = PusTc(apid=256, service=17, message_subtype=1, seq_count=7).pack()
    release = cds_short(datetime(2026, 6, 21, 10, 0, 30, tzinfo=UTC).timestamp())
    tm.send(256, 11, 10, DETAIL.pack([(release, activity)]), 0.0)
    tm.send(256, 11, 13, SUMMARY.pack([(release, 0, 256, 7)]), 0.0)
    tm.send(256, 200, 7, TIMELINE_REPORT.pack([(ACTIVITY_CODES["point"], 42, 1782036000.5)]), 0.0)
    detail, summary, timeline = (decoder.decode(p) for p in packets[-3:])
    moment = datetime(2026, 6, 21, 10, 0, 30, tzinfo=UTC)
    assert detail.values == {"activities": [{"release_time": moment, "tc": bytes(activity)}]}
    assert summary.values == {
        "activities": [{"release_time": moment, "source_id": 0, "apid": 256, "seq_count": 7}]
    }
    assert timeline.values == {"activities": [{"kind": "point", "request_id": 42, "unix_time": 1782036000.5}]}
    shown = decoder.describe(detail, CommandBook(dictionary).describe_packet)
    assert shown.splitlines() == [
        "schedule_detail TM(11,10)",
        "  activities: 1",
        "    1. release_time=2026-06-21T10:00:30.000Z tc=[ping]",
    ]
    assert "unix_time=2026-06-21T10:00:00.500Z" in decoder.describe(timeline)


def library_fields(raw: bytes) -> tuple[int, int, bytes, bytes] | None:
    """What spacepackets reads from `raw` (service, subtype, time stamp, source data), None if it refuses."""
    try:
        tm = PusTm.unpack(raw, timestamp_len=7)
    except ValueError:
        return None
    return tm.service, tm.message_subtype, tm.timestamp, bytes(tm.source_data)


@settings(max_examples=1000, deadline=None)
@given(
    st.binary(min_size=6, max_size=48),
    st.one_of(st.just(0x20), st.integers(0, 255)),
    st.booleans(),
    st.one_of(st.just(0), st.integers(-3, 3)),
)
def test_the_direct_header_read_agrees_with_spacepackets_on_any_bytes(body, version_octet, fix, length_off):
    """The decoder reads well-formed packets' headers itself; whatever it reads, the library reads the same,
    and every packet the library accepts with a whole time stamp and a CRC is read directly."""
    raw = bytearray(body)
    if fix:  # a packet whose length field and CRC are right for its bytes, any header bits
        raw = raw + bytes(2)
        if len(raw) > 6:
            raw[6] = version_octet
        raw[4:6] = max(0, len(raw) - 7 + length_off).to_bytes(2, "big")
        end = min(len(raw), len(raw) + length_off)
        raw[end - 2 : end] = binascii.crc_hqx(bytes(raw[: end - 2]), 0xFFFF).to_bytes(2, "big")
    raw = bytes(raw)
    direct, library = tm_fields(raw), library_fields(raw)
    if direct is not None:
        assert direct == library

    elif library is not None:
        packet_bytes = 7 + int.from_bytes(raw[4:6], "big")
        assert packet_bytes < 22 or (raw[6] >> 4) != 2


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 255), st.integers(0, 255), st.binary(min_size=7, max_size=7), st.binary(max_size=80))
def test_packets_spacepackets_packs_are_read_directly_as_it_reads_them(service, subtype, stamp, body):
    raw = PusTm(service=service, message_subtype=subtype, timestamp=stamp, source_data=body, apid=256).pack()
    assert tm_fields(raw) == library_fields(raw) == (service, subtype, stamp, body)


def test_a_dictionary_mixing_byte_orders_decodes_each_parameter_by_its_own(dictionary):
    """One Struct per report serves a dictionary of one byte order; a mixed one is read parameter by
    parameter, each value as struct reads its encoding alone."""
    mixed = json.loads(json.dumps(dictionary))
    layout = mixed["housekeeping_structures"]["1"]
    by_id = {p["id"]: p for p in mixed["parameters"]}
    by_id[layout[0]]["encoding"] = "<" + by_id[layout[0]]["encoding"][1:]
    body = bytes(range(7, 7 + sum(struct.calcsize(by_id[i]["encoding"]) for i in layout)))
    raw = PusTm(service=3, message_subtype=25, timestamp=bytes(7), source_data=(1).to_bytes(2, "big") + body,
                apid=256).pack()  # fmt: skip
    report = TelemetryDecoder(mixed).decode(raw)
    offset = 0
    for i in layout:
        encoding = by_id[i]["encoding"]
        assert report.values[by_id[i]["name"]] == struct.unpack_from(encoding, body, offset)[0]
        offset += struct.calcsize(encoding)


@settings(max_examples=500, deadline=None)
@given(st.data(), st.sampled_from([1, 2, 7, 0xFFFF]), st.booleans(), st.integers(0, 2**32 - 1))
def test_the_archive_read_of_any_housekeeping_packet_is_the_reports_or_none(dictionary, draw, sid, fit, ms):
    """`housekeeping_packet` (the archive's fast path) on well-formed 3,25 packets of arbitrary source
    data (of its structure's length, or any) and any time stamp: None, or the time, sid, names and values
    of the HousekeepingReport `decode` makes of the packet."""
    decoder = TelemetryDecoder(dictionary)
    size = decoder._row_layout(sid).size
    body = draw.draw(st.binary(min_size=size, max_size=size) if fit else st.binary(max_size=200))
    packets: list[bytes] = []
    TmSender(packets.append, 0.0).send(dictionary["apid"], 3, 25, sid.to_bytes(2, "big") + body, ms / 1e3)
    read = decoder.housekeeping_packet(packets[0])
    report = decoder.decode(packets[0])
    assert (read is not None) == (len(body) == size)
    if read is not None:
        assert isinstance(report, HousekeepingReport)
        values = {name: repr(value) for name, value in zip(read[2], read[3], strict=True)}  # NaN as NaN
        assert (read[0], read[1], values) == (
            report.time.timestamp(),
            report.sid,
            {name: repr(value) for name, value in report.values.items()},
        )
        assert len(set(read[2])) == len(read[2])


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=120))
def test_the_archive_read_of_arbitrary_bytes_is_none_or_the_reports(dictionary, raw):
    decoder = TelemetryDecoder(dictionary)
    read = decoder.housekeeping_packet(raw)
    if read is not None:
        report = decoder.decode(raw)
        assert isinstance(report, HousekeepingReport) and (read[0], read[1]) == (
            report.time.timestamp(),
            report.sid,
        )


def test_the_archive_read_of_a_whole_default_structure(dictionary, flight_dictionary, sent):
    tm, packets = sent
    by_id = {p["id"]: p for p in dictionary["parameters"]}
    names = [by_id[i]["name"] for i in dictionary["housekeeping_structures"]["1"]]
    data, values = housekeeping_data(flight_dictionary, 1, names)
    tm.send(dictionary["apid"], 3, 25, data, 12.5)
    unix_s, sid, row_names, row = TelemetryDecoder(dictionary).housekeeping_packet(packets[0])
    assert (unix_s, sid, list(row_names)) == (EPOCH_UNIX_S + 12.5, 1, names)
    assert dict(zip(row_names, row, strict=True))["t_s"] == values["t_s"]
