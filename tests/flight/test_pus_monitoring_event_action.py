"""Services 12 (on-board monitoring) and 19 (event-action), and the chain from a limit violation to
an onboard action, in PUS services alone and in the whole flight software of a mission run."""

import json
import math
import struct
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from spacepackets.ccsds.time import CdsShortTimestamp
from spacepackets.ecss import PusTc

from flight.adcs.commands import SET_ADCS_MODE, bind_adcs_functions
from flight.adcs.modes import Mode
from flight.dictionary import Arg, Dictionary, EventDef, Failure, Parameter
from flight.events import EventLog, Severity
from flight.pus.monitoring import CheckStatus
from flight.pus.services import PusServices
from tests.flight.pus_packets import APID, decode, failure, kinds, only, tc
from zorka.outputs.dictionary_json import dictionary_json
from zorka.outputs.xtce import xtce
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO

EPOCH = datetime(2026, 11, 25, 10, 0, tzinfo=UTC).timestamp()
SOC, TEMPERATURE = 1, 2
LOW, HIGH, BACK = 3001, 3002, 3003
OVERHEAT = 700


def build(tmp_path):
    """PUS services over a battery SOC declared with a low limit of 0.2 and an unlimited temperature;
    `values` sets what they read, `calls` records the mission functions run."""
    values = {"soc": 0.8, "temperature": 20.0}
    calls = []

    def api(name):
        def call(t_s, *args):
            calls.append((name, t_s, *args))
            return True

        return call

    d = Dictionary(apid=APID)
    d.parameter(Parameter(SOC, "soc", Arg("soc", "float", 32), lambda: values["soc"], low_limit=0.2))
    d.parameter(
        Parameter(TEMPERATURE, "temperature", Arg("temperature", "float", 32), lambda: values["temperature"])
    )
    d.event(EventDef(OVERHEAT, "overheat", Severity.HIGH, "too hot"))
    bind_adcs_functions(d, api("request_mode"), api("image"), api("hold_inertial"), api("gains"))
    sent, log = [], EventLog()
    services = PusServices(d, sent.append, EPOCH, log, tmp_path / "parameters.json")
    return services, sent, values, calls, log


def transitions(data):
    """The transitions of a check transition report (12,12)."""
    (n,) = struct.unpack_from(">H", data)
    size = struct.calcsize(">HHBdBB") + 7
    assert len(data) == 2 + n * size
    found = []
    for i in range(n):
        (*fields,) = struct.unpack_from(">HHBdBB", data, 2 + i * size)
        stamp = CdsShortTimestamp.unpack(data[2 + (i + 1) * size - 7 : 2 + (i + 1) * size])
        found.append((*fields, round(stamp.as_unix_seconds() - EPOCH, 3)))
    return found


def add_limit(pmon, parameter, repetition, low, high, low_event=LOW, high_event=HIGH, check_type=1):
    """A limit-check definition of TC(12,5)."""
    return struct.pack(">HHHBdHdH", pmon, parameter, repetition, check_type, low, low_event, high, high_event)


def ticks(services, start, stop):
    for second in range(start, stop):
        services.tick(float(second))


def mode_tc(mode, seq):
    return tc(8, 1, struct.pack(">HB", SET_ADCS_MODE, mode), seq=seq)


def event_action(event_id, packet, apid=APID):
    return struct.pack(">HH", apid, event_id) + packet


# Service 12


def test_declared_limits_become_enabled_default_definitions(tmp_path):
    services, _, _, _, _ = build(tmp_path)
    (d,) = services.monitoring.definitions.values()
    assert (d.pmon_id, d.parameter.name, d.low, d.high, d.enabled) == (SOC, "soc", 0.2, math.inf, True)
    assert (d.low_event.id, d.high_event.id, d.repetition) == (LOW, HIGH, 3)


def test_a_violation_must_persist_for_the_repetition_number_before_it_is_reported(tmp_path):
    services, sent, values, _, log = build(tmp_path)
    ticks(services, 1, 4)
    assert transitions(only(sent, 12, 12)[0]) == [
        (
            SOC,
            SOC,
            1,
            pytest.approx(math.nan, nan_ok=True),
            CheckStatus.UNCHECKED,
            CheckStatus.WITHIN_LIMITS,
            3.0,
        )
    ]
    sent.clear()
    values["soc"] = 0.1
    ticks(services, 4, 6)
    values["soc"] = 0.5  # a two-check dip raises nothing
    ticks(services, 6, 7)
    values["soc"] = 0.15
    ticks(services, 7, 9)
    assert only(sent, 12, 12) == [] and list(log) == []
    services.tick(9.0)
    assert transitions(only(sent, 12, 12)[0]) == [
        (SOC, SOC, 1, pytest.approx(0.2), CheckStatus.WITHIN_LIMITS, CheckStatus.BELOW_LOW_LIMIT, 9.0)
    ]
    (event,) = log
    assert (event.name, event.severity) == ("limit_low_violated", Severity.MEDIUM)
    assert "parameter 1 (soc) = 0.15" in event.text
    (report,) = only(sent, 5, 3)
    assert struct.unpack_from(">H", report)[0] == LOW
    sent.clear()
    values["soc"] = 0.3
    ticks(services, 10, 13)
    assert transitions(only(sent, 12, 12)[0])[0][3:6] == (
        pytest.approx(0.2),
        CheckStatus.BELOW_LOW_LIMIT,
        CheckStatus.WITHIN_LIMITS,
    )
    assert [e.name for e in log][-1] == "limit_back_in_range"
    assert struct.unpack_from(">H", only(sent, 5, 1)[0])[0] == BACK


def test_ground_definitions_are_added_reported_disabled_and_deleted(tmp_path):
    services, sent, values, _, log = build(tmp_path)
    data = bytes([1]) + add_limit(9, TEMPERATURE, 1, -10.0, 45.0, high_event=OVERHEAT)
    assert services.accept(tc(12, 5, data), 0.5)
    assert kinds(sent) == [(1, 1), (1, 3), (1, 7)]
    sent.clear()
    services.accept(tc(12, 8, struct.pack(">BHH", 2, 9, SOC)), 0.6)
    report = only(sent, 12, 9)[0]
    assert struct.unpack_from(">HH", report) == (0, 2)
    assert struct.unpack_from(">HHBHBdHdH", report, 4) == (
        9,
        TEMPERATURE,
        1,
        1,
        1,
        -10.0,
        LOW,
        45.0,
        OVERHEAT,
    )
    assert struct.unpack_from(">HHBHBdHdH", report, 4 + 28)[:7] == (SOC, SOC, 1, 3, 1, 0.2, LOW)
    values["temperature"] = 50.0
    services.tick(1.0)
    assert [e.name for e in log] == ["overheat"] and "parameter 2 (temperature) = 50" in log.named(
        "overheat"
    )[0].text
    sent.clear()
    assert not services.accept(tc(12, 6, struct.pack(">BH", 1, 9)), 2.0)
    assert failure(sent[0]) == (2, Failure.DEFINITION_ENABLED, 0)
    services.accept(tc(12, 2, struct.pack(">BH", 1, 9)), 2.0)
    values["temperature"] = 20.0
    services.tick(3.0)
    assert len(log) == 1 and services.monitoring.definitions[9].status == CheckStatus.UNCHECKED
    assert services.accept(tc(12, 6, struct.pack(">BH", 1, 9)), 4.0)
    assert set(services.monitoring.definitions) == {SOC}


def test_status_report_and_the_monitoring_function_switch(tmp_path):
    services, sent, values, _, log = build(tmp_path)
    values["soc"] = math.nan
    ticks(services, 1, 4)
    sent.clear()
    services.accept(tc(12, 13), 4.0)
    assert only(sent, 12, 14) == [struct.pack(">HHB", 1, SOC, CheckStatus.INVALID)] and list(log) == []
    services.accept(tc(12, 16), 4.0)
    values["soc"] = 0.0
    ticks(services, 5, 10)
    assert list(log) == []
    services.accept(tc(12, 15), 10.0)
    ticks(services, 10, 13)
    assert [e.name for e in log] == ["limit_low_violated"]


@pytest.mark.parametrize(
    ("subtype", "data", "code", "index"),
    [
        (5, bytes([1]) + add_limit(9, 99, 1, 0.0, 1.0), Failure.UNKNOWN_ID, 0),
        (5, bytes([1]) + add_limit(9, TEMPERATURE, 1, 0.0, 1.0, low_event=555), Failure.UNKNOWN_ID, 0),
        (5, bytes([1]) + add_limit(SOC, TEMPERATURE, 1, 0.0, 1.0), Failure.DUPLICATE_ID, 0),
        (5, bytes([2]) + add_limit(9, TEMPERATURE, 1, 0.0, 1.0) * 2, Failure.DUPLICATE_ID, 1),
        (5, bytes([1]) + add_limit(9, TEMPERATURE, 1, 1.0, 1.0), Failure.ARG_OUT_OF_RANGE, 0),
        (5, bytes([1]) + add_limit(9, TEMPERATURE, 0, 0.0, 1.0), Failure.ARG_OUT_OF_RANGE, 2),
        (5, bytes([1]) + add_limit(9, TEMPERATURE, 1, math.nan, 1.0), Failure.ARG_OUT_OF_RANGE, 4),
        (5, bytes([1]) + add_limit(9, TEMPERATURE, 1, 0.0, 1.0)[:-1], Failure.WRONG_LENGTH, 7),
        (5, bytes([1]) + add_limit(9, TEMPERATURE, 1, 0.0, 1.0, check_type=2), Failure.ARG_OUT_OF_RANGE, 3),
        (1, struct.pack(">BH", 1, 77), Failure.UNKNOWN_ID, 0),
        (2, struct.pack(">BHH", 2, SOC, 77), Failure.UNKNOWN_ID, 1),
        (6, struct.pack(">BH", 1, 77), Failure.UNKNOWN_ID, 0),
        (6, struct.pack(">BH", 1, SOC), Failure.DEFINITION_ENABLED, 0),
        (8, struct.pack(">BH", 1, 77), Failure.UNKNOWN_ID, 0),
        (13, b"\0", Failure.WRONG_LENGTH, 0),
        (3, b"", Failure.UNKNOWN_SUBTYPE, 0),
    ],
)
def test_bad_monitoring_tcs_are_rejected_in_1_2(tmp_path, subtype, data, code, index):
    services, sent, _, _, _ = build(tmp_path)
    assert not services.accept(tc(12, subtype, data), 1.0)
    assert failure(sent[0]) == (2, code, index)
    assert set(services.monitoring.definitions) == {SOC}


def test_the_monitoring_table_is_bounded(tmp_path):
    services, sent, _, _, _ = build(tmp_path)
    capacity = services.monitoring.capacity
    many = bytes([capacity - 1]) + b"".join(
        add_limit(100 + i, TEMPERATURE, 1, 0.0, 1.0) for i in range(capacity - 1)
    )
    assert services.accept(tc(12, 5, many), 1.0) and len(services.monitoring.definitions) == capacity
    sent.clear()
    assert not services.accept(tc(12, 5, bytes([1]) + add_limit(99, TEMPERATURE, 1, 0.0, 1.0)), 1.0)
    assert failure(sent[0]) == (2, Failure.TABLE_FULL, 0)


# Service 19


def test_a_low_limit_violation_puts_the_spacecraft_in_sun_safe_through_an_event_action(tmp_path):
    services, sent, values, calls, _log = build(tmp_path)
    action = mode_tc(Mode.SUN_SAFE, seq=77)
    assert services.accept(tc(19, 1, bytes([1]) + event_action(LOW, action)), 0.5)
    assert not services.event_actions.definitions[(APID, LOW)].enabled  # added disabled, as PUS-C asks
    services.accept(tc(19, 4, struct.pack(">BHH", 1, APID, LOW)), 0.5)
    sent.clear()
    values["soc"] = 0.05
    ticks(services, 1, 4)
    assert calls == [("request_mode", 3.0, Mode.SUN_SAFE)]
    assert kinds(sent)[-5:] == [(12, 12), (5, 3), (1, 1), (1, 3), (1, 7)]
    assert decode(sent[-1]).source_data == action[:4]
    assert services.event_actions.executed == 1
    ticks(services, 4, 10)
    assert len(calls) == 1  # the event is raised at the transition only


def test_disabled_actions_and_a_disabled_function_run_nothing(tmp_path):
    services, _, values, calls, log = build(tmp_path)
    services.accept(tc(19, 1, bytes([1]) + event_action(LOW, mode_tc(Mode.SUN_SAFE, seq=7))), 0.5)
    values["soc"] = 0.05
    ticks(services, 1, 4)
    assert log.named("limit_low_violated") and calls == []
    services.accept(tc(19, 4, struct.pack(">BHH", 1, APID, LOW)), 4.0)
    services.accept(tc(19, 9), 4.0)
    values["soc"] = 0.5
    ticks(services, 4, 7)
    values["soc"] = 0.05
    ticks(services, 7, 10)
    assert len(log.named("limit_low_violated")) == 2 and calls == []
    services.accept(tc(19, 8), 10.0)
    services.accept(tc(19, 5, struct.pack(">BHH", 1, APID, LOW)), 10.0)
    services.accept(tc(19, 2, struct.pack(">BHH", 1, APID, LOW)), 10.0)
    assert services.event_actions.definitions == {}


def test_definitions_are_reported_with_their_tc(tmp_path):
    services, sent, _, _, _ = build(tmp_path)
    first, second = mode_tc(Mode.SUN_SAFE, seq=7), tc(17, 1, seq=8)
    data = bytes([2]) + event_action(LOW, first) + event_action(OVERHEAT, second)
    services.accept(tc(19, 1, data), 0.5)
    services.accept(tc(19, 4, struct.pack(">BHH", 1, APID, OVERHEAT)), 0.5)
    sent.clear()
    services.accept(tc(19, 6, b"\0"), 1.0)
    report = only(sent, 19, 7)[0]
    assert (
        report
        == struct.pack(">HHHB", 2, APID, LOW, 0) + first + struct.pack(">HHB", APID, OVERHEAT, 1) + second
    )
    sent.clear()
    services.accept(tc(19, 6, struct.pack(">BHH", 1, APID, OVERHEAT)), 1.0)
    assert only(sent, 19, 7)[0] == struct.pack(">HHHB", 1, APID, OVERHEAT, 1) + second


def _spoil_crc(packet):
    return packet[:-1] + bytes([packet[-1] ^ 1])


@pytest.mark.parametrize(
    ("subtype", "data", "code", "index"),
    [
        (1, bytes([1]) + event_action(555, tc(17, 1)), Failure.UNKNOWN_ID, 0),
        (1, bytes([1]) + event_action(LOW, tc(17, 1), apid=0x70), Failure.UNKNOWN_ID, 0),
        (
            1,
            bytes([2]) + event_action(LOW, tc(17, 1)) + event_action(LOW, tc(17, 1, seq=2)),
            Failure.DUPLICATE_ID,
            1,
        ),
        (1, bytes([1]) + event_action(LOW, _spoil_crc(tc(17, 1))), Failure.BAD_CRC, 0),
        (1, bytes([1]) + event_action(LOW, tc(17, 1, apid=0x70)), Failure.UNKNOWN_APID, 0),
        (1, bytes([1]) + event_action(LOW, tc(8, 1, struct.pack(">H", 99))), Failure.UNKNOWN_FUNCTION, 0),
        (1, bytes([1]) + event_action(LOW, tc(17, 1))[:-3], Failure.WRONG_LENGTH, 0),
        (1, bytes([1]) + event_action(LOW, tc(17, 1)) + b"\0", Failure.WRONG_LENGTH, 2),
        (1, bytes([1]) + struct.pack(">H", APID), Failure.WRONG_LENGTH, 1),
        (2, struct.pack(">BHH", 1, APID, HIGH), Failure.UNKNOWN_ID, 0),
        (4, struct.pack(">BHH", 1, APID, HIGH), Failure.UNKNOWN_ID, 0),
        (5, struct.pack(">BHH", 1, 0x800, LOW), Failure.ARG_OUT_OF_RANGE, 0),
        (6, struct.pack(">BHH", 1, APID, HIGH), Failure.UNKNOWN_ID, 0),
        (8, b"\0", Failure.WRONG_LENGTH, 0),
    ],
)
def test_bad_event_action_tcs_are_rejected_in_1_2(tmp_path, subtype, data, code, index):
    services, sent, _, _, _ = build(tmp_path)
    assert not services.accept(tc(19, subtype, data), 1.0)
    assert failure(sent[0]) == (2, code, index)
    assert services.event_actions.definitions == {}


def test_an_enabled_action_cannot_be_deleted_and_the_table_is_bounded(tmp_path):
    services, sent, _, _, _ = build(tmp_path)
    services.accept(tc(19, 1, bytes([1]) + event_action(LOW, tc(17, 1))), 1.0)
    services.accept(tc(19, 4, struct.pack(">BHH", 1, APID, LOW)), 1.0)
    sent.clear()
    assert not services.accept(tc(19, 2, struct.pack(">BHH", 1, APID, LOW)), 1.0)
    assert failure(sent[0]) == (2, Failure.DEFINITION_ENABLED, 0)
    services.event_actions.capacity = 1
    sent.clear()
    assert not services.accept(tc(19, 1, bytes([1]) + event_action(HIGH, tc(17, 1))), 1.0)
    assert failure(sent[0]) == (2, Failure.TABLE_FULL, 0)


# The whole flight software


def test_in_a_mission_run_a_monitored_housekeeping_parameter_triggers_sun_safe(tmp_path):
    mission = Mission(DEFAULT_SCENARIO, 600.0)
    flight = mission.flight
    apid = flight.dictionary.apid
    soc = flight.dictionary.parameters["eps_battery_soc"]
    sun_safe = PusTc(
        apid=apid,
        service=8,
        message_subtype=1,
        app_data=struct.pack(">HB", SET_ADCS_MODE, Mode.SUN_SAFE),
        seq_count=3,
    ).pack()
    for seq, (service, subtype, data) in enumerate(
        (
            (12, 5, bytes([1]) + add_limit(50, soc.id, 2, 1.5, 2.0)),  # any real SOC is below 1.5
            (19, 1, bytes([1]) + event_action(LOW, bytes(sun_safe), apid=apid)),
            (19, 4, struct.pack(">BHH", 1, apid, LOW)),
        )
    ):
        raw = PusTc(
            apid=apid, service=service, message_subtype=subtype, app_data=data, seq_count=10 + seq
        ).pack()
        assert flight.accept_telecommand(raw)
    assert flight.attitude.mode == Mode.NOMINAL
    mission.run_frames(40)
    assert flight.events.named("limit_low_violated") and flight.attitude.mode == Mode.SUN_SAFE
    assert flight.pus.acceptor.failed == 0 and flight.pus.event_actions.executed == 1


def test_the_executive_overruns_are_in_the_housekeeping_row_and_report(tmp_path):
    mission = Mission(DEFAULT_SCENARIO, 600.0)
    flight = mission.flight
    overruns = flight.dictionary.parameters["overruns"]
    assert (overruns.type.kind, overruns.type.bits) == ("uint", 32)
    assert flight.housekeeping.names[-1] == "overruns" and overruns.id == len(flight.housekeeping.names)
    tm = []
    mission.tm_listeners.append(tm.append)
    flight.executive.overruns = 7
    mission.run_frames(11)
    assert flight.housekeeping.as_dict()["overruns"] == 7
    hk = [t for t in map(decode, tm) if (t.service, t.message_subtype) == (3, 25)]
    assert hk and struct.unpack(">I", hk[-1].source_data[-4:])[0] == 7


def test_the_new_services_are_in_the_exported_dictionary(tmp_path):
    services, _, _, _, _ = build(tmp_path)
    exported = json.loads(dictionary_json(services.dictionary))
    commands = {(c["service"], c["subtype"]): c for c in exported["commands"] if c["function_id"] is None}
    assert {
        (9, 1),
        (9, 128),
        (11, 1),
        (11, 2),
        (11, 3),
        (11, 4),
        (11, 5),
        (11, 15),
        (11, 16),
        (11, 17),
    } <= set(commands)
    assert {(12, s) for s in (1, 2, 5, 6, 8, 13, 15, 16)} | {(19, s) for s in (1, 2, 4, 5, 6, 8, 9)} <= set(
        commands
    )
    assert commands[(11, 4)]["embedded_tc"] and commands[(19, 1)]["embedded_tc"]
    assert {
        "SCHEDULE_FULL",
        "RELEASE_TIME_PASSED",
        "DUPLICATE_ID",
        "TABLE_FULL",
        "DEFINITION_ENABLED",
    } <= set(exported["failure_codes"])
    assert {e["name"] for e in exported["events"]} >= {
        "limit_low_violated",
        "limit_high_violated",
        "limit_back_in_range",
        "store_refused",
    }
    root = ElementTree.fromstring(xtce(services.dictionary))
    concrete = [e for e in root.iter() if e.tag.endswith("}MetaCommand") and e.get("abstract") != "true"]
    assert len(concrete) == len(exported["commands"])
