"""The onboard applications' life cycle: the executive runs them from the table in the frame order the
flight software always had, each telecommand counts in the application that declared it, and the
counters reach the ground in housekeeping structure 2 (on request, or periodically once enabled) and
in the console's `hk`."""

import io
import json
import struct

import pytest
from rich.console import Console

from ccsds.cfdp_carriage import CFDP_APID
from flight.adcs.modes import Mode
from flight.software import APID, APPLICATIONS_SID, HOUSEKEEPING_SID
from ground.console import GroundConsole
from ground.session import Session
from ground.telemetry import HousekeepingReport, TelemetryDecoder
from tests.flight.pus_packets import decode, tc
from zorka.outputs.dictionary_json import dictionary_json
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario

WARM_FRAMES = 1200


@pytest.fixture
def mission():
    m = Mission(Scenario(seed=6), 2000.0)
    sent: list[bytes] = []
    m.tm_listeners.append(sent.append)
    m.run_frames(WARM_FRAMES)
    m.sent = sent
    yield m
    m.close()


def counters(m: Mission) -> dict[str, tuple[int, int]]:
    return {a.name: (a.counters.commands, a.counters.errors) for a in m.flight.applications}


def send(m: Mission, name: str, seq: int, **args) -> bool:
    """Send command `name` (a repeated one's groups as `groups=[...]`); whether it was accepted."""
    spec = m.flight.dictionary.commands[name]
    data = spec.encode(args["groups"] if spec.repeated else args)
    return m.flight.accept_telecommand(tc(spec.service, spec.subtype, data, seq, APID))


def test_the_executive_runs_the_application_table_in_the_frame_order_of_before(mission):
    """In that order; a fused mission (zorka/run/fused_loop.py) hands the attitude tick to its own task,
    which runs AttitudeLoop.tick or the same in C."""
    per_frame = Mission(Scenario(seed=6), 2000.0, fuse=False)
    groups = [
        (g.name, g.every_frames, [t.__qualname__ for t in g.tasks]) for g in per_frame.flight.executive.groups
    ]
    per_frame.close()
    fused = [[t.__qualname__ for t in g.tasks] for g in mission.flight.executive.groups]
    expected = [["FusedLoop.tick"] if tasks == ["AttitudeLoop.tick"] else tasks for _, _, tasks in groups]
    assert fused == expected
    assert groups == [
        ("navigation", 10, ["AttitudeLoop.navigate"]),
        ("attitude", 1, ["AttitudeLoop.tick"]),
        ("modes", 10, ["AttitudeLoop.supervise"]),
        ("payload", 10, ["ImagingPayload.tick", "FlightSoftware._send_files"]),
        ("housekeeping", 10, ["Power.sample", "Housekeeping.sample"]),
        (
            "pus",
            10,
            [
                "TimeManagement.tick",
                "Schedule.tick",
                "Monitoring.tick",
                "HousekeepingReports.tick",
                "EventReports.tick",
                "EventActions.tick",
            ],
        ),
    ]


def test_every_command_belongs_to_exactly_one_application(mission):
    flight = mission.flight
    owned = [name for a in flight.applications for name in a.commands]
    assert sorted(owned) == sorted(flight.dictionary.commands)
    assert flight.application["adcs"].commands == {
        "set_adcs_mode",
        "image_target",
        "hold_inertial",
        "set_pointing_gains",
    }


def test_each_tc_counts_in_the_application_that_declared_it(mission):
    flight = mission.flight
    before = counters(mission)
    assert send(mission, "ping", 1)
    assert send(mission, "set_adcs_mode", 2, mode=Mode.SUN_SAFE)
    mission.run_frames(10)
    assert send(mission, "hold_inertial", 3, q_x=0.0, q_y=0.0, q_z=0.0, q_w=1.0)  # fails: not pointing
    spec = flight.dictionary.commands["set_adcs_mode"]
    short = spec.encode({"mode": Mode.NOMINAL})[:-1]
    assert not flight.accept_telecommand(tc(spec.service, spec.subtype, short, 4, APID))  # wrong length
    assert not flight.accept_telecommand(tc(99, 1, b"", 5, APID))  # no application: unknown service
    assert send(mission, "hk_one_shot", 6, groups=[{"sid": HOUSEKEEPING_SID}])
    assert send(mission, "parameters_report", 7, groups=[{"parameter_id": 100}])
    assert send(mission, "imaging_request_delete", 8, request_id=999)  # fails: no such request
    after = counters(mission)
    changed = {name: (after[name][0] - before[name][0], after[name][1] - before[name][1]) for name in after}
    assert changed == {
        **dict.fromkeys(after, (0, 0)),
        "pus_ping": (1, 0),
        "adcs": (1, 2),
        "pus_housekeeping": (1, 0),
        "pus_parameters": (1, 0),
        "payload": (0, 1),
        "pus_verification": (4, 4),
    }


def test_cfdp_packets_count_for_the_file_downlink(mission):
    flight = mission.flight
    flight.accept_telecommand(bytes([0x10 | CFDP_APID >> 8, CFDP_APID & 0xFF, 0xC0, 0, 0, 0, 0]))
    assert counters(mission)["file_downlink"] == (0, 1)


def test_the_counters_reach_housekeeping_on_request_or_once_enabled(mission):
    flight = mission.flight
    ground = TelemetryDecoder(json.loads(dictionary_json(flight.dictionary)))

    def reports(sid: int) -> list[HousekeepingReport]:
        records = [ground.decode(p) for p in mission.sent]
        return [r for r in records if isinstance(r, HousekeepingReport) and r.sid == sid]

    mission.sent.clear()
    mission.run_frames(50)
    assert len(reports(HOUSEKEEPING_SID)) == 5 and reports(APPLICATIONS_SID) == []

    assert send(mission, "ping", 1)
    assert send(mission, "hk_one_shot", 2, groups=[{"sid": APPLICATIONS_SID}])
    (report,) = reports(APPLICATIONS_SID)
    assert report.values["pus_ping_commands"] == 1 and report.values["pus_verification_commands"] == 1
    assert set(report.values) == {
        f"{a.name}_{c}" for a in flight.applications for c in ("commands", "errors")
    }

    mission.sent.clear()
    assert send(mission, "hk_enable", 3, groups=[{"sid": APPLICATIONS_SID}])
    mission.run_frames(30)
    assert len(reports(APPLICATIONS_SID)) == 3
    assert reports(APPLICATIONS_SID)[-1].values["pus_housekeeping_commands"] == 2


class InProcessTransport:
    """The ground session's transport straight into a mission: TCs in, the TM of the frames run out."""

    def __init__(self, m: Mission):
        self._mission = m

    def send(self, packet: bytes) -> None:
        self._mission.flight.accept_telecommand(packet)

    def receive(self, timeout_s: float) -> list[bytes]:
        self._mission.run_frames(max(1, round(timeout_s / self._mission.frame_s)))
        out, self._mission.sent[:] = list(self._mission.sent), []
        return out

    def close(self) -> None:
        pass


def test_the_console_hk_shows_each_applications_counters(mission):
    dictionary = json.loads(dictionary_json(mission.flight.dictionary))
    session = Session(InProcessTransport(mission), dictionary, first_sequence_count=1)
    out = io.StringIO()
    repl = GroundConsole(session, Console(file=out, width=200), command_timeout_s=5.0)
    repl.execute("ping")
    repl.execute("wait 1")
    repl.execute("hk")
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in out.getvalue().splitlines()
        if line.count("│") == 5
    }
    assert rows["pus_ping_commands"] == "1" and rows["adcs_errors"] == "0"
    assert rows["pus_verification_commands"] == "1"  # the console's one-shot completes after its report
    assert rows["adcs_mode"] == "NOMINAL"


def test_a_tc_whose_length_field_disagrees_is_refused_and_counted_by_verification_only(mission):
    flight = mission.flight
    raw = bytearray(tc(17, 1, b"", 9, APID))
    raw[5] += 1  # the length field says one byte more than there is
    assert not flight.accept_telecommand(bytes(raw))
    assert flight.pus.ping.pings == 0
    assert counters(mission)["pus_verification"] == (0, 1) and counters(mission)["pus_ping"] == (0, 0)
    report = decode(mission.sent[-1])
    assert (report.service, report.message_subtype) == (1, 2)
    assert struct.unpack_from(">H", report.source_data, 4)[0] == 1  # WRONG_LENGTH
