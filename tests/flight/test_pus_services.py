"""The onboard PUS services, TC bytes in and TM bytes out, every TM decoded by spacepackets."""

import json
import math
import struct
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacepackets.ccsds.time import CdsShortTimestamp
from spacepackets.ecss import PusTc

from flight.adcs.commands import (
    HOLD_INERTIAL,
    IMAGE_TARGET,
    SET_ADCS_MODE,
    SET_POINTING_GAINS,
    bind_adcs_functions,
)
from flight.adcs.modes import Mode
from flight.dictionary import Arg, Dictionary, EventDef, Failure, Parameter, Tunable
from flight.events import EventLog, Severity
from flight.pus.housekeeping_reports import (
    HousekeepingReports,
    declare_housekeeping_parameters,
    housekeeping_parameters,
)
from flight.pus.services import PusServices
from tests.flight.pus_packets import APID, decode, failure, kinds, tc
from zorka.outputs.dictionary_json import dictionary_json
from zorka.outputs.xtce import xtce

HK_APID = 0x66
ROOT = Path(__file__).resolve().parents[2]
EPOCH = datetime(2026, 11, 25, 10, 0, tzinfo=UTC).timestamp()


class Spacecraft:
    """Stand-ins for the flight APIs the services are bound to, recording every call."""

    def __init__(self):
        self.calls = []
        self.allowed = True
        self.gain = 0.5
        self.count = 3

    def api(self, name):
        def call(t_s, *args):
            self.calls.append((name, *args))
            return self.allowed

        return call

    def set_gain(self, value):
        self.gain = value

    def set_count(self, value):
        self.count = value


def build(tmp_path, craft=None, log=None):
    craft = craft or Spacecraft()
    log = EventLog() if log is None else log
    d = Dictionary(apid=APID, tm_apids={3: HK_APID})
    d.parameter(Parameter(1, "battery_v", Arg("battery_v", "float", 32, unit="V"), lambda: 7.25))
    d.parameter(Parameter(2, "mode", Arg("mode", "uint", 8), lambda: 2))
    d.parameter(Parameter(3, "wild", Arg("wild", "int", 16), lambda: 1e9))
    d.event(EventDef(100, "mode_change", Severity.INFO, "mode changed"))
    d.event(EventDef(101, "wheel_failed", Severity.HIGH, "wheel failed"))
    d.tunable(
        Tunable(1, Arg("gain", "float", 64, 0.0, 2.0, "rad/s"), 0.5, lambda: craft.gain, craft.set_gain)
    )
    d.tunable(Tunable(2, Arg("count", "uint", 8, 1, 10), 3, lambda: craft.count, craft.set_count))
    bind_adcs_functions(
        d,
        craft.api("request_mode"),
        craft.api("image"),
        craft.api("hold_inertial"),
        craft.api("set_pointing_gains"),
    )
    sent = []
    services = PusServices(d, sent.append, EPOCH, log, tmp_path / "parameters.json")
    services.housekeeping.define(1, ["battery_v", "mode", "wild"], 2)
    services.housekeeping.define(2, ["battery_v"], 5, enabled=False)
    return services, sent, craft, log


def test_ping_is_answered_and_verified_with_a_cds_time_and_the_request_id(tmp_path):
    services, sent, _, _ = build(tmp_path)
    raw = tc(17, 1, seq=77)
    assert services.accept(raw, 3723.456)
    assert kinds(sent) == [(1, 1), (1, 3), (17, 2), (1, 7)]
    for packet in sent:
        tm = decode(packet)
        assert tm.apid == APID
        stamp = CdsShortTimestamp.unpack(tm.timestamp)
        assert abs(stamp.as_unix_seconds() - (EPOCH + 3723.456)) < 0.5e-3
    assert decode(sent[0]).source_data == raw[:4]
    assert [decode(p).seq_count for p in sent] == [0, 1, 2, 3]
    assert services.acceptor.commands_by_service[17] == 1 and services.ping.pings == 1


def test_acknowledgement_flags_choose_the_success_reports(tmp_path):
    services, sent, _, _ = build(tmp_path)
    quiet = PusTc(apid=APID, service=17, message_subtype=1, ack_flags=0).pack()
    services.accept(quiet, 0.0)
    assert kinds(sent) == [(17, 2)]


@pytest.mark.parametrize(
    ("raw", "code", "data"),
    [
        (tc(17, 1)[:10], Failure.WRONG_LENGTH, 0),
        (tc(17, 1) + b"\0", Failure.WRONG_LENGTH, 0),
        (tc(17, 1, apid=0x70), Failure.UNKNOWN_APID, 0),
        (tc(17, 9), Failure.UNKNOWN_SUBTYPE, 0),
        (tc(99, 1), Failure.UNKNOWN_SERVICE, 0),
        (tc(17, 1, b"\1"), Failure.WRONG_LENGTH, 0),
        (tc(8, 1, struct.pack(">H", 99)), Failure.UNKNOWN_FUNCTION, 0),
        (tc(8, 1, b"\0"), Failure.WRONG_LENGTH, 0),
        (
            tc(
                8, 1, struct.pack(">HBdd", SET_POINTING_GAINS, 0, 0.1, 0.7)[:2] + struct.pack(">dd", 0.1, 2.5)
            ),
            Failure.ARG_OUT_OF_RANGE,
            1,
        ),
        (tc(8, 1, struct.pack(">HB", SET_ADCS_MODE, 9)), Failure.ARG_OUT_OF_RANGE, 0),
        (tc(8, 1, struct.pack(">H4d", HOLD_INERTIAL, 0.5, 0.5, 0.5, 0.6)), Failure.ARG_OUT_OF_RANGE, 0),
        (tc(3, 27, struct.pack(">BHH", 2, 1, 9)), Failure.UNKNOWN_ID, 1),
        (tc(5, 6, struct.pack(">BH", 1, 555)), Failure.UNKNOWN_ID, 0),
        (tc(20, 3, struct.pack(">BHdHd", 2, 1, 1.0, 2, 11.0)), Failure.ARG_OUT_OF_RANGE, 1),
        (tc(20, 1, struct.pack(">BH", 1, 9)), Failure.UNKNOWN_ID, 0),
    ],
)
def test_rejections_come_back_in_1_2_with_the_failure_code(tmp_path, raw, code, data):
    services, sent, craft, _ = build(tmp_path)
    assert not services.accept(raw, 1.0)
    assert len(sent) == 1 and failure(sent[0]) == (2, code, data)
    assert decode(sent[0]).source_data[:4] == raw[:4].ljust(4, b"\0")
    assert services.acceptor.rejected_by == Counter({code: 1}) and services.acceptor.accepted == 0
    assert craft.calls == [] and craft.gain == 0.5 and craft.count == 3


def test_header_corruptions_are_caught_before_spacepackets_sees_them(tmp_path):
    services, sent, _, _ = build(tmp_path)
    good = bytearray(tc(17, 1))
    cases = {
        Failure.BAD_VERSION: bytes([good[0] | 0x20]) + good[1:],
        Failure.BAD_PACKET_TYPE: bytes([good[0] & ~0x10]) + good[1:],
        Failure.NO_SECONDARY_HEADER: bytes([good[0] & ~0x08]) + good[1:],
        Failure.BAD_CRC: good[:-1] + bytes([good[-1] ^ 1]),
    }
    for raw in cases.values():
        services.accept(bytes(raw), 0.0)
    pus_a = bytearray(good)
    pus_a[6] = 0x1F
    crc = __import__("binascii").crc_hqx(bytes(pus_a[:-2]), 0xFFFF)
    services.accept(bytes(pus_a[:-2]) + struct.pack(">H", crc), 0.0)
    assert services.acceptor.rejected_by == Counter({**dict.fromkeys(cases, 1), Failure.BAD_PUS_VERSION: 1})
    assert [failure(p)[1] for p in sent] == [*cases, Failure.BAD_PUS_VERSION]


def test_mission_functions_reach_the_bound_flight_apis(tmp_path):
    services, _, craft, _ = build(tmp_path)
    commands = services.dictionary.commands
    services.accept(tc(8, 1, commands["set_adcs_mode"].encode({"mode": Mode.NOMINAL})), 1.0)
    services.accept(tc(8, 1, commands["image_target"].encode({"lat": 0.5, "lon": -1.0, "alt": 100.0})), 2.0)
    q = {"q_x": 0.0, "q_y": 0.0, "q_z": math.sqrt(0.5), "q_w": math.sqrt(0.5)}
    services.accept(tc(8, 1, commands["hold_inertial"].encode(q)), 3.0)
    services.accept(tc(8, 1, commands["set_pointing_gains"].encode({"bandwidth": 0.2, "damping": 0.9})), 4.0)
    assert craft.calls == [
        ("request_mode", Mode.NOMINAL),
        ("image", 0.5, -1.0, 100.0),
        ("hold_inertial", [0.0, 0.0, math.sqrt(0.5), math.sqrt(0.5)]),
        ("set_pointing_gains", 0.2, 0.9),
    ]
    assert services.acceptor.completed == 4
    assert (
        commands["image_target"].function_id == IMAGE_TARGET
        and commands["hold_inertial"].function_id == HOLD_INERTIAL
    )


def test_a_refused_function_fails_in_1_8(tmp_path):
    services, sent, craft, _ = build(tmp_path)
    craft.allowed = False
    assert services.accept(tc(8, 1, struct.pack(">HB", SET_ADCS_MODE, Mode.IMAGING)), 1.0)
    assert kinds(sent) == [(1, 1), (1, 3), (1, 8)]
    assert failure(sent[-1]) == (8, Failure.NOT_ALLOWED_IN_MODE, 0)
    assert (services.acceptor.failed, services.acceptor.errors_by_service[8]) == (1, 1)


def test_a_handler_that_raises_fails_its_tc_and_the_software_goes_on(tmp_path):
    services, sent, _, _ = build(tmp_path)
    services.ping.pings = None  # the ping handler's count now raises TypeError
    assert services.accept(tc(17, 1), 1.0)
    assert failure(sent[-1]) == (8, Failure.EXECUTION_ERROR, 0)
    assert "TypeError" in services.acceptor.last_error and services.acceptor.failed == 1


def hk_values(raw):
    sid, battery, mode, wild = struct.unpack(">HfBh", decode(raw).source_data)
    return sid, battery, mode, wild


def test_housekeeping_periodic_one_shot_enable_disable_interval_and_definitions(tmp_path):
    services, sent, _, _ = build(tmp_path)
    for second in range(1, 7):
        services.tick(float(second))
    hk = [decode(p) for p in sent]
    assert [t.apid for t in hk] == [HK_APID] * 3 and [t.seq_count for t in hk] == [0, 1, 2]
    assert hk_values(sent[0]) == (1, 7.25, 2, 32767)
    sent.clear()
    services.accept(tc(3, 6, struct.pack(">BH", 1, 1)), 7.0)
    services.tick(8.0)
    services.tick(9.0)
    assert kinds(sent) == [(1, 1), (1, 3), (1, 7)]
    sent.clear()
    services.accept(tc(3, 27, struct.pack(">BHH", 2, 1, 2)), 10.0)
    assert kinds(sent) == [(1, 1), (1, 3), (3, 25), (3, 25), (1, 7)]
    assert struct.unpack(">Hf", decode(sent[3]).source_data) == (2, 7.25)
    sent.clear()
    services.accept(tc(3, 31, struct.pack(">BHH", 1, 2, 1)), 11.0)
    services.accept(tc(3, 5, struct.pack(">BH", 1, 2)), 11.0)
    sent.clear()
    services.tick(12.0)
    assert kinds(sent) == [(3, 25)]
    sent.clear()
    services.accept(tc(3, 9, struct.pack(">BH", 1, 1)), 13.0)
    assert struct.unpack(">HHBH3H", decode(sent[2]).source_data) == (1, 2, 0, 3, 1, 2, 3)


def test_events_are_reported_by_severity_and_can_be_disabled(tmp_path):
    services, sent, _, log = build(tmp_path)
    log.raise_event(1.0, Severity.INFO, "mode_change", "DETUMBLE -> SUN_SAFE")
    log.raise_event(1.0, Severity.HIGH, "wheel_failed", "wheel 2")
    log.raise_event(1.0, Severity.LOW, "something_new", "unplanned")
    services.tick(1.0)
    reports = [decode(p) for p in sent]
    assert [(t.service, t.message_subtype) for t in reports] == [(5, 1), (5, 4), (5, 2)]
    assert reports[0].source_data == struct.pack(">HB", 100, 20) + b"DETUMBLE -> SUN_SAFE"
    assert struct.unpack_from(">H", reports[2].source_data)[0] == 0xFFFF
    assert b"something_new: unplanned" in reports[2].source_data
    sent.clear()
    services.accept(tc(5, 6, struct.pack(">BH", 1, 101)), 2.0)
    services.accept(tc(5, 7), 2.0)
    assert struct.unpack(">HH", decode(sent[-2]).source_data) == (1, 101)
    sent.clear()
    log.raise_event(3.0, Severity.HIGH, "wheel_failed", "wheel 3")
    services.tick(3.0)
    assert [t for t in kinds(sent) if t[0] == 5] == [] and services.events.suppressed == 1
    services.accept(tc(5, 5, struct.pack(">BH", 1, 101)), 4.0)
    sent.clear()
    log.raise_event(5.0, Severity.HIGH, "wheel_failed", "wheel 1")
    services.tick(5.0)
    assert [t for t in kinds(sent) if t[0] == 5] == [(5, 4)]


def test_events_dropped_by_the_bounded_log_are_counted_as_missed(tmp_path):
    services, sent, _, log = build(tmp_path, log=EventLog(capacity=2))
    for i in range(5):
        log.raise_event(1.0, Severity.INFO, "mode_change", str(i))
    services.tick(1.0)
    assert (len(sent), services.events.missed) == (2, 3)


def test_parameters_are_reported_set_with_progress_and_survive_a_restart(tmp_path):
    services, sent, craft, _ = build(tmp_path)
    assert services.parameters.load_status == "absent"
    services.accept(tc(20, 3, struct.pack(">BHdHd", 2, 1, 1.5, 2, 7.0)), 1.0)
    assert kinds(sent) == [(1, 1), (1, 3), (1, 5), (1, 5), (1, 7)]
    assert [decode(p).source_data[4] for p in sent[2:4]] == [1, 2]
    assert (craft.gain, craft.count) == (1.5, 7)
    sent.clear()
    services.accept(tc(20, 1, struct.pack(">BHH", 2, 2, 1)), 2.0)
    assert decode(sent[2]).source_data == struct.pack(">BHdHd", 2, 2, 7.0, 1, 1.5)

    restarted, _, craft2, _ = build(tmp_path)
    assert restarted.parameters.load_status == "loaded"
    assert (craft2.gain, craft2.count) == (1.5, 7)
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize(
    "spoil",
    [
        lambda text: text.replace("1.5", "1.25"),
        lambda text: text[: len(text) // 2],
        lambda text: json.dumps({"values": {"gain": 9.0}, "crc32": 0}),
        lambda text: json.dumps({"values": {"nope": 1.0}, "crc32": 0}),
        lambda text: "[]",
    ],
)
def test_a_corrupted_parameter_store_is_reported_and_not_loaded(tmp_path, spoil):
    services, _, _, _ = build(tmp_path)
    services.accept(tc(20, 3, struct.pack(">BHdHd", 2, 1, 1.5, 2, 7.0)), 1.0)
    path = tmp_path / "parameters.json"
    path.write_text(spoil(path.read_text()))
    log = EventLog()
    restarted, sent, craft, _ = build(tmp_path, log=log)
    assert restarted.parameters.load_status == "corrupt"
    assert (craft.gain, craft.count) == (0.5, 3)
    assert [e.name for e in log] == ["store_refused"]
    restarted.tick(1.0)
    assert kinds(sent) == [(5, 3)] and struct.unpack_from(">H", decode(sent[0]).source_data)[0] == 7001


def test_a_failed_store_write_fails_the_set_in_1_8(tmp_path):
    services, sent, _, _ = build(tmp_path)
    (tmp_path / "parameters.json.tmp").mkdir()
    services.accept(tc(20, 3, struct.pack(">BHd", 1, 1, 1.0)), 1.0)
    assert failure(sent[-1]) == (8, Failure.STORAGE_FAILED, 0)


def test_sequence_counts_are_consecutive_per_apid_across_services(tmp_path):
    services, sent, _, _ = build(tmp_path)
    for i in range(40):
        services.accept(tc(17, 1, seq=i), float(i))
        services.tick(float(i))
    counts = {}
    for tm in map(decode, sent):
        counts.setdefault(tm.apid, []).append(tm.seq_count)
    assert set(counts) == {APID, HK_APID}
    for seqs in counts.values():
        assert seqs == list(range(len(seqs)))


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=64)
    | st.builds(lambda s, t, d: tc(s, t, d), st.integers(0, 255), st.integers(0, 255), st.binary(max_size=24))
)
def test_arbitrary_bytes_never_raise_and_every_reject_is_counted(tmp_path_factory, raw):
    services, sent, _, _ = build(tmp_path_factory.mktemp("fuzz"))
    accepted = services.accept(raw, 0.0)
    acceptor = services.acceptor
    assert acceptor.accepted + acceptor.rejected == 1 and acceptor.accepted == accepted
    assert sum(acceptor.rejected_by.values()) == acceptor.rejected
    if not accepted:
        assert failure(sent[-1])[1] in acceptor.rejected_by


def test_acceptance_and_dispatch_rate(tmp_path):
    services, _, _, _ = build(tmp_path)
    packets = [tc(17, 1, seq=i) for i in range(2000)]
    start = time.perf_counter()
    for raw in packets:
        services.accept(raw, 0.0)
    rate = len(packets) / (time.perf_counter() - start)
    print(f"\n{rate:.0f} TC/s accepted and dispatched (4 TM each)")
    assert services.acceptor.completed == len(packets) and rate > 500


def test_the_whole_onboard_dictionary_exports_to_json_and_xtce(tmp_path):
    services, _, _, _ = build(tmp_path)
    exported = json.loads(dictionary_json(services.dictionary))
    assert {(c["service"], c["subtype"]) for c in exported["commands"]} >= {
        (17, 1),
        (3, 5),
        (3, 6),
        (3, 9),
        (3, 27),
        (3, 31),
        (5, 5),
        (5, 6),
        (5, 7),
        (20, 1),
        (20, 3),
        (8, 1),
    }
    root = ElementTree.fromstring(xtce(services.dictionary))
    names = [e.get("name") for e in root.iter() if e.tag.endswith("ArgumentType")]
    refs = {e.get("argumentTypeRef") for e in root.iter() if e.tag.endswith("}Argument")}
    assert len(names) == len(set(names)) and refs <= set(names)
    concrete = [e for e in root.iter() if e.tag.endswith("}MetaCommand") and e.get("abstract") != "true"]
    assert len(concrete) == len(exported["commands"])


def test_the_housekeeping_row_is_declared_column_by_column_with_types_and_units():
    names = (
        "t_s",
        "attitude_error_est_deg",
        "rate_error_est_deg_s",
        "wheel0_speed_rad_s",
        "gyro_misses",
        "adcs_mode",
        "estimate_sigma_arcsec",
        "eps_bus_voltage_v",
        "eps_battery_soc",
        "eps_flags",
    )
    row = np.arange(len(names), dtype=float)
    row[5] = Mode.IMAGING
    d = Dictionary(apid=APID)
    for parameter in housekeeping_parameters(n_wheels=1, first_id=10):
        d.parameter(parameter)
    declare_housekeeping_parameters(d, SimpleNamespace(names=names, latest=row))
    p = d.parameters
    assert [p[n].id for n in ("t_s", "attitude_error_est_deg", "wheel0_speed_rad_s")] == [10, 11, 13]
    assert [p[n].type.unit for n in names] == ["s", "deg", "deg/s", "rad/s", "", "", "arcsec", "V", "", ""]
    assert (p["adcs_mode"].type.kind, p["gyro_misses"].type.kind, p["t_s"].type.bits) == ("enum", "uint", 64)
    row[1] = 0.25
    assert p["attitude_error_est_deg"].getter() == 0.25 and p["adcs_mode"].getter() == Mode.IMAGING
    assert p["eps_battery_soc"].getter() == 8.0 and all(p[n].description for n in names)


def test_a_housekeeping_column_that_is_not_declared_is_refused_at_wiring():
    d = Dictionary(apid=APID)
    for parameter in housekeeping_parameters(n_wheels=1):
        d.parameter(parameter)
    with pytest.raises(ValueError, match="wheel1_speed_rad_s"):
        declare_housekeeping_parameters(
            d, SimpleNamespace(names=("t_s", "wheel1_speed_rad_s"), latest=[0, 0])
        )
    with pytest.raises(ValueError, match="not declared"):
        HousekeepingReports(d, None).define(2, ["t_s", "battery_temperature_c"], interval_s=1)
