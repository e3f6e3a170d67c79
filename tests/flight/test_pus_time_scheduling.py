"""Services 9 (time management) and 11 (time-based scheduling), TC bytes in and TM bytes out.

Release times and time reports are CDS short time codes made and read by spacepackets, TCs are
spacepackets `PusTc`s, and every TM is decoded by spacepackets.
"""

import json
import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from spacepackets.ccsds.time import CdsShortTimestamp
from spacepackets.ecss import PusTc

from flight.adcs.commands import SET_ADCS_MODE, bind_adcs_functions
from flight.adcs.events import ADCS_EVENTS
from flight.adcs.modes import Mode
from flight.dictionary import Dictionary, Failure
from flight.events import EventLog
from flight.pus.services import PusServices
from tests.flight.pus_packets import APID, decode, failure, kinds, tc

EPOCH = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def build(folder, epoch=EPOCH, log=None, allowed=True):
    """PUS services whose mission functions record their calls in `calls`."""
    calls = []

    def api(name):
        def call(t_s, *args):
            calls.append((name, t_s, *args))
            return allowed

        return call

    log = EventLog() if log is None else log
    d = Dictionary(apid=APID)
    for event in ADCS_EVENTS:
        d.event(event)
    bind_adcs_functions(d, api("request_mode"), api("image"), api("hold_inertial"), api("gains"))
    sent = []
    services = PusServices(d, sent.append, epoch.timestamp(), log, folder / "parameters.json")
    return services, sent, calls, log


def cds(t_s, epoch=EPOCH):
    """The CDS short time code of onboard time `t_s`, made by spacepackets."""
    return CdsShortTimestamp.from_datetime(epoch + timedelta(seconds=t_s)).pack()


def mode_tc(mode, seq):
    return tc(8, 1, struct.pack(">HB", SET_ADCS_MODE, mode), seq=seq)


def insert(*activities):
    """App data of TC(11,4): (onboard release time, TC packet) pairs."""
    return bytes([len(activities)]) + b"".join(cds(t) + packet for t, packet in activities)


# Service 9


def test_time_reports_go_out_every_64_s_by_default_with_the_onboard_time_in_cds(tmp_path):
    services, sent, _, _ = build(tmp_path)
    for second in range(130):
        services.tick(float(second))
    reports = [decode(p) for p in sent]
    assert [(t.service, t.message_subtype) for t in reports] == [(9, 3)] * 3
    for report, t_s in zip(reports, (0, 64, 128), strict=True):
        assert report.source_data[0] == 6
        stamp = CdsShortTimestamp.unpack(report.source_data[1:])
        assert stamp.as_unix_seconds() == pytest.approx(EPOCH.timestamp() + t_s, abs=1e-3)
        assert report.source_data[1:] == cds(t_s)


def test_the_ground_sets_the_time_report_rate_and_asks_for_one_now(tmp_path):
    services, sent, _, _ = build(tmp_path)
    assert services.accept(tc(9, 1, bytes([2])), 0.5)
    assert kinds(sent) == [(1, 1), (1, 3), (1, 7)]
    sent.clear()
    for second in range(1, 9):
        services.tick(float(second))
    assert kinds(sent) == [(9, 3)] * 2 and [decode(p).source_data[0] for p in sent] == [2, 2]
    sent.clear()
    services.accept(tc(9, 128), 9.25)
    assert kinds(sent) == [(1, 1), (1, 3), (9, 3), (1, 7)]
    assert decode(sent[2]).source_data[1:] == cds(9.25)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (tc(9, 1, bytes([9])), Failure.ARG_OUT_OF_RANGE),
        (tc(9, 1), Failure.WRONG_LENGTH),
        (tc(9, 1, bytes([1, 1])), Failure.WRONG_LENGTH),
        (tc(9, 128, b"\0"), Failure.WRONG_LENGTH),
        (tc(9, 4), Failure.UNKNOWN_SUBTYPE),
    ],
)
def test_bad_time_management_tcs_are_rejected_in_1_2(tmp_path, raw, code):
    services, sent, _, _ = build(tmp_path)
    assert not services.accept(raw, 1.0)
    assert failure(sent[0])[:2] == (2, code) and services.time.exponent == 6


# Service 11


def test_scheduled_tcs_are_released_in_time_order_with_their_own_verification(tmp_path):
    services, sent, calls, _ = build(tmp_path)
    ping, sun_safe = tc(17, 1, seq=40), mode_tc(Mode.SUN_SAFE, seq=41)
    assert services.accept(tc(11, 4, insert((5.0, ping), (3.0, sun_safe)), seq=2), 1.0)
    assert kinds(sent) == [(1, 1), (1, 3), (1, 7)] and len(services.schedule.activities) == 2
    sent.clear()
    for second in range(2, 5):
        services.tick(float(second))
    assert calls == [("request_mode", 3.0, Mode.SUN_SAFE)]
    assert kinds(sent) == [(1, 1), (1, 3), (1, 7)]
    assert {decode(p).source_data[:4] for p in sent} == {sun_safe[:4]}
    sent.clear()
    services.tick(5.0)
    assert kinds(sent) == [(1, 1), (1, 3), (17, 2), (1, 7)] and decode(sent[0]).source_data == ping[:4]
    assert services.schedule.activities == [] and services.schedule.released == 2


def test_a_released_tc_that_fails_is_reported_in_1_8(tmp_path):
    services, sent, _, _ = build(tmp_path, allowed=False)
    services.accept(tc(11, 4, insert((2.0, mode_tc(Mode.IMAGING, seq=9)))), 1.0)
    sent.clear()
    services.tick(2.0)
    assert failure(sent[-1]) == (8, Failure.NOT_ALLOWED_IN_MODE, 0)


def test_disabled_release_holds_activities_until_enabled(tmp_path):
    services, _sent, calls, _ = build(tmp_path)
    services.accept(tc(11, 4, insert((2.0, mode_tc(Mode.SUN_SAFE, seq=9)))), 1.0)
    services.accept(tc(11, 2, seq=3), 1.0)
    for second in range(2, 5):
        services.tick(float(second))
    assert calls == [] and not services.schedule.enabled
    services.accept(tc(11, 1, seq=4), 4.5)
    services.tick(5.0)
    assert calls == [("request_mode", 5.0, Mode.SUN_SAFE)]


def test_detail_and_summary_reports_list_the_activities_in_release_order(tmp_path):
    services, sent, _, _ = build(tmp_path)
    ping, sun_safe = tc(17, 1, seq=40), mode_tc(Mode.SUN_SAFE, seq=41)
    services.accept(tc(11, 4, insert((60.0, ping), (30.5, sun_safe))), 1.0)
    sent.clear()
    services.accept(tc(11, 16), 2.0)
    assert kinds(sent) == [(1, 1), (1, 3), (11, 10), (1, 7)]
    data = decode(sent[2]).source_data
    assert struct.unpack_from(">H", data)[0] == 2
    offset, listed = 2, []
    for _ in range(2):
        release = CdsShortTimestamp.unpack(data[offset : offset + 7])
        packet = PusTc.unpack(data[offset + 7 :])
        listed.append((release.as_unix_seconds() - EPOCH.timestamp(), packet.pack()))
        offset += 7 + len(packet.pack())
    assert offset == len(data)
    assert listed == [(pytest.approx(30.5), sun_safe), (pytest.approx(60.0), ping)]
    sent.clear()
    services.accept(tc(11, 17), 2.0)
    summary = decode(sent[2]).source_data
    assert kinds(sent)[2] == (11, 13)
    assert summary == struct.pack(">H", 2) + cds(30.5) + struct.pack(">3H", 0, APID, 41) + cds(
        60.0
    ) + struct.pack(">3H", 0, APID, 40)


def test_activities_are_deleted_by_request_id_and_the_schedule_reset(tmp_path):
    services, sent, _, _ = build(tmp_path)
    packets = [tc(17, 1, seq=s) for s in (10, 11, 12)]
    services.accept(tc(11, 4, insert(*((10.0 + i, p) for i, p in enumerate(packets)))), 1.0)
    assert services.accept(tc(11, 5, struct.pack(">B3H", 1, 0, APID, 11)), 2.0)
    assert [a.tc for a in services.schedule.activities] == [packets[0], packets[2]]
    sent.clear()
    assert not services.accept(tc(11, 5, struct.pack(">B3H3H", 2, 0, APID, 10, 0, APID, 11)), 2.0)
    assert failure(sent[0]) == (2, Failure.UNKNOWN_ID, 1) and len(services.schedule.activities) == 2
    services.accept(tc(11, 3), 3.0)
    assert services.schedule.activities == []


def test_a_time_shift_moves_every_activity_unless_one_would_fall_in_the_past(tmp_path):
    services, sent, calls, _ = build(tmp_path)
    services.accept(tc(11, 4, insert((10.0, mode_tc(Mode.SUN_SAFE, seq=9)))), 1.0)
    services.accept(tc(11, 15, struct.pack(">i", 2500)), 2.0)
    sent.clear()
    services.accept(tc(11, 15, struct.pack(">i", -20_000)), 3.0)
    assert failure(sent[-1]) == (8, Failure.RELEASE_TIME_PASSED, 0)
    for second in range(4, 14):
        services.tick(float(second))
    assert calls == [("request_mode", 13.0, Mode.SUN_SAFE)]


def test_a_release_time_in_the_past_fails_the_insertion_and_inserts_nothing(tmp_path):
    services, sent, _, _ = build(tmp_path)
    data = insert((20.0, tc(17, 1, seq=5)), (9.5, tc(17, 1, seq=6)))
    assert services.accept(tc(11, 4, data), 10.0)
    assert kinds(sent) == [(1, 1), (1, 3), (1, 8)]
    assert failure(sent[-1]) == (8, Failure.RELEASE_TIME_PASSED, 1)
    assert services.schedule.activities == []


def _corrupt(packet, at):
    spoilt = bytearray(packet)
    spoilt[at] ^= 0x01
    return bytes(spoilt)


@pytest.mark.parametrize(
    ("data", "code", "index"),
    [
        (insert((5.0, _corrupt(tc(17, 1, seq=3), -1))), Failure.BAD_CRC, 0),
        (insert((5.0, tc(17, 1, seq=3)), (6.0, tc(17, 1, seq=4, apid=0x70))), Failure.UNKNOWN_APID, 1),
        (insert((5.0, tc(99, 1, seq=3))), Failure.UNKNOWN_SERVICE, 0),
        (insert((5.0, mode_tc(9, seq=3))), Failure.ARG_OUT_OF_RANGE, 0),
        (insert((5.0, tc(17, 1, seq=3)), (6.0, tc(17, 1, seq=3))), Failure.DUPLICATE_ID, 1),
        (insert((5.0, tc(17, 1, seq=3)))[:-1], Failure.WRONG_LENGTH, 0),
        (insert((5.0, tc(17, 1, seq=3))) + b"\0", Failure.WRONG_LENGTH, 3),
        (bytes([1]) + cds(5.0)[:6], Failure.WRONG_LENGTH, 2),
        (bytes([1, 0x41]) + cds(5.0)[1:] + tc(17, 1), Failure.ARG_OUT_OF_RANGE, 0),
        (bytes([1]) + cds(5.0)[:3] + struct.pack(">I", 86_400_000) + tc(17, 1), Failure.ARG_OUT_OF_RANGE, 2),
        (b"", Failure.WRONG_LENGTH, 0),
    ],
)
def test_bad_insertions_are_rejected_in_1_2_with_the_failure_code(tmp_path, data, code, index):
    services, sent, _, _ = build(tmp_path)
    assert not services.accept(tc(11, 4, data), 1.0)
    assert failure(sent[0]) == (2, code, index)
    assert services.schedule.activities == [] and not (tmp_path / "schedule.json").exists()


def test_a_full_schedule_refuses_more_activities(tmp_path):
    services, sent, _, _ = build(tmp_path)
    first = insert(*((100.0 + s, tc(17, 1, seq=s)) for s in range(255)))
    assert services.accept(tc(11, 4, first), 1.0)
    assert services.accept(tc(11, 4, insert((400.0, tc(17, 1, seq=255)))), 1.0)
    assert len(services.schedule.activities) == services.schedule.capacity == 256
    sent.clear()
    assert not services.accept(tc(11, 4, insert((500.0, tc(17, 1, seq=300)))), 1.0)
    assert failure(sent[0]) == (2, Failure.SCHEDULE_FULL, 0)


@pytest.mark.parametrize("subtype", [1, 2, 3, 16, 17])
def test_schedule_tcs_without_arguments_refuse_any(tmp_path, subtype):
    services, sent, _, _ = build(tmp_path)
    assert not services.accept(tc(11, subtype, b"\0"), 1.0)
    assert failure(sent[0])[:2] == (2, Failure.WRONG_LENGTH)


def test_the_schedule_survives_a_restart(tmp_path):
    services, _, _, _ = build(tmp_path)
    sun_safe, ping = mode_tc(Mode.SUN_SAFE, seq=9), tc(17, 1, seq=10)
    services.accept(tc(11, 4, insert((30.0, sun_safe), (40.0, ping))), 1.0)
    services.accept(tc(11, 2), 2.0)
    assert not list(tmp_path.glob("*.tmp"))

    restarted, _sent, calls, log = build(tmp_path)
    assert restarted.schedule.load_status == "loaded" and list(log) == []
    assert [a.tc for a in restarted.schedule.activities] == [sun_safe, ping]
    assert not restarted.schedule.enabled
    restarted.accept(tc(11, 1), 0.0)
    for second in range(1, 31):
        restarted.tick(float(second))
    assert calls == [("request_mode", 30.0, Mode.SUN_SAFE)]


def test_activities_due_while_the_software_was_down_are_dropped_with_an_event(tmp_path):
    services, _, _, _ = build(tmp_path)
    services.accept(tc(11, 4, insert((30.0, tc(17, 1, seq=3)), (90.0, tc(17, 1, seq=4)))), 1.0)
    restarted, _sent, _, log = build(tmp_path, epoch=EPOCH + timedelta(seconds=60))
    assert [a.tc for a in restarted.schedule.activities] == [tc(17, 1, seq=4)]
    assert [e.name for e in log] == ["schedule_activities_expired"] and log.named(
        "schedule_activities_expired"
    )[0].text.startswith("1 ")
    again, _, _, log = build(tmp_path, epoch=EPOCH + timedelta(seconds=60))
    assert len(again.schedule.activities) == 1 and list(log) == []


def _recrc(text, change):
    stored = json.loads(text)
    change(stored)
    body = {"enabled": stored["enabled"], "activities": stored["activities"]}
    return json.dumps({**body, "crc32": zlib.crc32(json.dumps(body, sort_keys=True).encode())})


@pytest.mark.parametrize(
    "spoil",
    [
        lambda text: text.replace("true", "false"),
        lambda text: text[: len(text) // 2],
        lambda text: "[]",
        lambda text: _recrc(text, lambda s: s["activities"][0].__setitem__(1, "zz")),
        lambda text: _recrc(
            text, lambda s: s["activities"][0].__setitem__(1, s["activities"][0][1][:-2] + "00")
        ),
        lambda text: _recrc(text, lambda s: s["activities"][0].__setitem__(0, 1.5)),
        lambda text: _recrc(text, lambda s: s["activities"].append(s["activities"][0])),
    ],
)
def test_a_corrupt_schedule_store_is_reported_and_not_loaded(tmp_path, spoil):
    services, _, _, _ = build(tmp_path)
    services.accept(tc(11, 4, insert((30.0, tc(17, 1, seq=3)))), 1.0)
    path = tmp_path / "schedule.json"
    path.write_text(spoil(path.read_text()))
    restarted, sent, _, log = build(tmp_path)
    assert restarted.schedule.load_status == "corrupt" and restarted.schedule.activities == []
    assert [e.name for e in log] == ["store_refused"]
    restarted.tick(1.0)
    assert kinds(sent) == [(5, 3)] and struct.unpack_from(">H", decode(sent[0]).source_data)[0] == 7001


def test_a_failed_schedule_write_fails_the_tc_in_1_8(tmp_path):
    services, sent, _, _ = build(tmp_path)
    (tmp_path / "schedule.json.tmp").mkdir()
    services.accept(tc(11, 4, insert((30.0, tc(17, 1, seq=3)))), 1.0)
    assert failure(sent[-1]) == (8, Failure.STORAGE_FAILED, 0)
