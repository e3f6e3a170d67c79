"""Mission service 200 (imaging requests) and the request book behind it: add, delete, report and re-plan
by TC bytes, every failure path with its code in TM(1,2)/(1,8), and a book that survives a restart."""

import math
import struct
from datetime import UTC, datetime

import pytest
from spacepackets.ecss import PusTc, PusTm

from flight.dictionary import Dictionary, Failure
from flight.events import EventLog
from flight.payload.request_book import RequestBook, RequestState
from flight.payload.requests import ImagingRequest
from flight.pus.payload_requests import REQUEST_ARGS, SERVICE, bind_payload_requests
from flight.pus.services import PusServices

APID = 0x100
EPOCH = datetime(2026, 6, 21, tzinfo=UTC).timestamp()


class Payload:
    """The payload application's calls, over a real request book."""

    def __init__(self, book: RequestBook):
        self.book = book
        self.replans: list[float] = []

    def add(self, t_s, request):
        return self.book.add(request)

    def delete(self, t_s, request_id):
        return self.book.delete(request_id)


def build(tmp_path, capacity=3):
    payload = Payload(RequestBook(tmp_path / "requests.json", capacity))
    dictionary = Dictionary(apid=APID)
    sent = []
    services = PusServices(dictionary, sent.append, EPOCH, EventLog(), tmp_path / "parameters.json")
    bind_payload_requests(
        dictionary,
        services.tm,
        EPOCH,
        payload.add,
        payload.delete,
        lambda: payload.book.entries.values(),
        payload.replans.append,
        lambda: [("point", 100.0, "7"), ("capture_on", 130.5, "7"), ("capture_off", 138.5, "7")],
    )
    return services, sent, payload


def values(**changes):
    base = {
        "request_id": 7,
        "lat": math.radians(53.9),
        "lon": math.radians(27.56),
        "alt": 220.0,
        "priority": 9,
        "duration": 8.0,
        "max_off_nadir": math.radians(40.0),
        "min_sun_elevation": math.radians(12.0),
        "window_start": EPOCH + 3600.0,
        "window_end": 0.0,
    }
    return base | changes


def tc(subtype, data=b"", seq=1):
    return PusTc(apid=APID, service=SERVICE, message_subtype=subtype, app_data=data, seq_count=seq).pack()


def add_tc(services, **changes):
    return tc(1, services.dictionary.commands["imaging_request_add"].encode(values(**changes)))


def outcome(sent):
    """(subtype, failure code or None) of the last verification report."""
    for raw in reversed(sent):
        tm = PusTm.unpack(raw, timestamp_len=7)
        if tm.service == 1 and tm.message_subtype in (2, 7, 8):
            code = struct.unpack_from(">H", tm.source_data, 4)[0] if tm.message_subtype != 7 else None
            return tm.message_subtype, code
    raise AssertionError("no verification report")


def test_a_request_is_added_in_si_with_its_window_in_onboard_time_and_reported(tmp_path):
    services, sent, payload = build(tmp_path)
    assert services.accept(add_tc(services), 5.0)
    assert outcome(sent) == (7, None)
    (entry,) = payload.book.entries.values()
    assert entry.request == ImagingRequest(
        id="7",
        lat_rad=math.radians(53.9),
        lon_rad=math.radians(27.56),
        alt_m=220.0,
        priority=9,
        duration_s=8.0,
        max_off_nadir_rad=pytest.approx(math.radians(40.0), rel=1e-6),
        min_sun_elevation_rad=pytest.approx(math.radians(12.0), rel=1e-6),
        window_start_s=3600.0,
        window_end_s=None,
    )
    assert services.accept(tc(3), 6.0)
    report = next(
        PusTm.unpack(r, timestamp_len=7) for r in sent if PusTm.unpack(r, timestamp_len=7).service == 200
    )
    assert report.message_subtype == 4
    assert struct.unpack(">HIBBH", report.source_data) == (1, 7, 0, 0, 9)
    assert services.accept(tc(5), 7.0) and payload.replans == [7.0]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (
            lambda s: tc(1, s.dictionary.commands["imaging_request_add"].encode(values())[:-1]),
            Failure.WRONG_LENGTH,
        ),
        (lambda s: add_tc(s, window_start=EPOCH + 10.0, window_end=EPOCH + 5.0), Failure.ARG_OUT_OF_RANGE),
        (lambda s: tc(2, struct.pack(">I", 99)), Failure.UNKNOWN_ID),
        (lambda s: tc(9), Failure.UNKNOWN_SUBTYPE),
    ],
)
def test_failures_come_back_with_their_code(tmp_path, raw, code):
    services, sent, _ = build(tmp_path)
    services.accept(raw(services), 1.0)
    assert outcome(sent)[1] == code


def test_a_latitude_out_of_range_is_refused_at_acceptance_naming_the_argument(tmp_path):
    services, sent, payload = build(tmp_path)
    command = services.dictionary.commands["imaging_request_add"]
    data = bytearray(command.encode(values()))
    struct.pack_into(">d", data, 4, 2.0)  # latitude of 2 rad
    assert not services.accept(tc(1, bytes(data)), 1.0)
    tm = PusTm.unpack(sent[-1], timestamp_len=7)
    assert (tm.message_subtype, *struct.unpack_from(">HB", tm.source_data, 4)) == (
        2,
        Failure.ARG_OUT_OF_RANGE,
        1,
    )
    assert len(payload.book) == 0 and REQUEST_ARGS[1].name == "lat"


def test_a_full_book_refuses_with_table_full_and_keeps_what_it_had(tmp_path):
    services, sent, payload = build(tmp_path, capacity=2)
    for k in (1, 2):
        services.accept(add_tc(services, request_id=k), 1.0)
    services.accept(add_tc(services, request_id=3), 1.0)
    assert outcome(sent) == (8, Failure.TABLE_FULL)
    assert sorted(payload.book.entries) == ["1", "2"]


def test_the_book_survives_a_restart_with_states_and_refuses_a_corrupt_file(tmp_path):
    services, _, payload = build(tmp_path, capacity=10)
    for k in (1, 2, 3):
        services.accept(add_tc(services, request_id=k, priority=k), 1.0)
    payload.book.set_state("2", RequestState.CAPTURED, attempted=True)
    payload.book.delete("3")
    again = RequestBook(tmp_path / "requests.json")
    assert again.load_status == "loaded"
    assert {k: (e.state, e.attempts) for k, e in again.entries.items()} == {
        "1": (RequestState.WAITING, 0),
        "2": (RequestState.CAPTURED, 1),
    }
    assert [r.id for r in again.open_requests()] == ["1"]
    path = tmp_path / "requests.json"
    path.write_text(path.read_text().replace('"priority": 1', '"priority": 5'))
    spoiled = RequestBook(path)
    assert spoiled.load_status == "corrupt" and len(spoiled) == 0


def test_the_timeline_is_reported_as_activities_in_utc(tmp_path):
    services, sent, _ = build(tmp_path)
    assert services.accept(tc(6), 1.0)
    report = next(
        tm
        for tm in (PusTm.unpack(r, timestamp_len=7) for r in sent)
        if (tm.service, tm.message_subtype) == (200, 7)
    )
    (count,) = struct.unpack_from(">H", report.source_data)
    rows = [struct.unpack_from(">BId", report.source_data, 2 + 13 * k) for k in range(count)]
    assert rows == [(1, 7, EPOCH + 100.0), (2, 7, EPOCH + 130.5), (3, 7, EPOCH + 138.5)]


def test_a_strip_is_added_with_its_end_point(tmp_path):
    services, sent, payload = build(tmp_path)
    command = services.dictionary.commands["imaging_strip_add"]
    data = command.encode(
        values(request_id=8) | {"end_lat": math.radians(54.1), "end_lon": math.radians(27.6)}
    )
    assert services.accept(tc(8, data), 1.0) and outcome(sent) == (7, None)
    request = payload.book.entries["8"].request
    assert request.is_strip and request.end_lat_rad == math.radians(54.1)
    assert request.centre() == pytest.approx((math.radians(54.0), math.radians(27.58)))
    assert request.half_length_m() == pytest.approx(0.5 * 6371e3 * math.hypot(
        math.radians(0.2), math.radians(0.04) * math.cos(math.radians(54.0))), rel=1e-3)  # fmt: skip


def test_a_request_id_already_in_the_book_fails_with_duplicate_id_naming_the_argument(tmp_path):
    services, sent, payload = build(tmp_path)
    assert services.accept(add_tc(services), 1.0)
    assert outcome(sent) == (7, None)
    services.accept(add_tc(services, lat=math.radians(10.0)), 2.0)
    assert outcome(sent) == (8, Failure.DUPLICATE_ID)
    failure = PusTm.unpack(sent[-1], timestamp_len=7)
    assert failure.source_data[6] == 0  # the data byte: the argument at fault, request_id
    assert payload.book.entries["7"].request.lat_rad == pytest.approx(math.radians(53.9))
