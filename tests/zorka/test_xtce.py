"""The XTCE export against the official XTCE 1.2 schema and against the real bytes of a running mission.

The bytes are checked with a small interpreter of the XTCE subset the export uses, written here from the
XTCE semantics (container inheritance with restriction criteria, entry lists read by their encodings,
included containers repeated by a count, argument assignments, arrays of aggregates, sizes given by
other fields, the CRC declared by an encoding) without zorka/outputs/xtce.py:
it decodes every PUS report an imaging mission sends when it is commanded to send each kind (every
byte, the CRC checked, by exactly one concrete container), compared with spacepackets, the ground
decoder and the values the flight software holds, and builds telecommands that spacepackets must
pack alike and the flight software must accept and complete (or fail where they should).
"""

import binascii
import importlib.resources
import io
import math
import struct
import subprocess
import warnings
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
import xmlschema
from space_packet_parser.xtce.definitions import XtcePacketDefinition
from spacepackets.ccsds.time import CdsShortTimestamp
from spacepackets.ecss import PusTc, PusTm

from ccsds.packet_stream import PacketSplitter
from flight.boot_count import BOOT_SID
from flight.dictionary import Arg, Failure, Tunable
from flight.link.port_counters import PORTS_SID
from flight.payload.events import PAYLOAD_EVENTS
from flight.payload.request_book import RequestState
from flight.pus.monitoring import LIMIT_HIGH, LIMIT_LOW, CheckStatus
from flight.pus.payload_requests import ACTIVITY_CODES, STATE_CODES
from flight.software import APID, APPLICATIONS_SID, HOUSEKEEPING_SID
from ground.telemetry import (
    EventReport,
    HousekeepingReport,
    LayoutReport,
    OtherReport,
    TelemetryDecoder,
    VerificationReport,
)
from native.time_scales import JD_UNIX_EPOCH, SECONDS_PER_DAY
from tests.zorka.serve_process import ZORKA
from zorka.outputs.tm_files import tm_files
from zorka.outputs.xtce import xtce
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO
from zorka.scenario.toml_file import load_scenario

XTCE = "{http://www.omg.org/spec/XTCE/20180204}"
CDS_SHORT_BYTES = 7
TC_HEADERS_BYTES = 11  # CCSDS primary header and PUS-C TC secondary header
CRC_BYTES = 2
OPERATORS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _local(element: ElementTree.Element) -> str:
    return element.tag.removeprefix(XTCE)


def _crc(data: bytes, crc: ElementTree.Element) -> int:
    """A non-reflected CRC as declared by an XTCE CRC element: width, polynomial, init, final XOR."""
    width = int(crc.get("width"))
    polynomial = int(crc.find(f"{XTCE}Polynomial").text, 16)
    remainder = int(crc.find(f"{XTCE}InitRemainder").text, 16)
    top, mask = 1 << (width - 1), (1 << width) - 1
    for byte in data:
        remainder ^= byte << (width - 8)
        for _ in range(8):
            remainder = ((remainder << 1) ^ polynomial if remainder & top else remainder << 1) & mask
    return remainder ^ int(crc.find(f"{XTCE}FinalXOR").text, 16)


def _checked_crc(encoding: ElementTree.Element, packet: bytes, at_bit: int) -> int | None:
    """The CRC the encoding declares over `packet` up to bit `at_bit`, or None if it declares none."""
    crc = encoding.find(f"{XTCE}ErrorDetectCorrect/{XTCE}CRC")
    if crc is None:
        return None
    assert crc.get("reference") == "start" and at_bit % 8 == 0
    return _crc(packet[int(crc.get("bitsFromReference")) // 8 : at_bit // 8], crc)


def _integer(holder: ElementTree.Element, values: dict) -> int:
    """The integer value `holder` gives (an IntegerValueType): fixed, or a parameter's or argument's
    value linearly adjusted."""
    fixed = holder.find(f"{XTCE}FixedValue")
    if fixed is not None:
        return int(fixed.text)
    dynamic = holder.find(f"{XTCE}DynamicValue")
    (reference,) = (e for e in dynamic if _local(e).endswith("InstanceRef"))
    adjustment = dynamic.find(f"{XTCE}LinearAdjustment")
    value = values[reference.get("parameterRef", reference.get("argumentRef"))]
    if adjustment is None:
        return value
    return round(value * float(adjustment.get("slope", 1)) + float(adjustment.get("intercept", 0)))


def _bounds(array: ElementTree.Element, values: dict) -> tuple[int, int]:
    """The first and last index of the one dimension of an array type."""
    dimension = array.find(f"{XTCE}DimensionList/{XTCE}Dimension")
    return tuple(_integer(dimension.find(f"{XTCE}{end}Index"), values) for end in ("Starting", "Ending"))


class Bits:
    """A big-endian bit cursor over a packet, read or written most significant bit first."""

    def __init__(self, data: bytes = b""):
        self.data = bytes(data)
        self.at = 0
        self.written = 0
        self.size = 0

    def read(self, bits: int) -> int:
        value = int.from_bytes(self.data, "big") >> (8 * len(self.data) - self.at - bits) & ((1 << bits) - 1)
        self.at += bits
        return value

    def write(self, value: int, bits: int) -> None:
        assert 0 <= value < 1 << bits
        self.written, self.size = self.written << bits | value, self.size + bits

    def packed(self) -> bytes:
        assert self.size % 8 == 0
        return self.written.to_bytes(self.size // 8, "big")


class Interpreter:
    """Decodes TM and encodes TC by an XTCE SpaceSystem (the subset the export uses)."""

    def __init__(self, text: str):
        root = ElementTree.fromstring(text)
        tm, tc = root.find(f"{XTCE}TelemetryMetaData"), root.find(f"{XTCE}CommandMetaData")
        self.types = {t.get("name"): t for t in tm.find(f"{XTCE}ParameterTypeSet")}
        self.parameters = {
            p.get("name"): self.types[p.get("parameterTypeRef")] for p in tm.iter(f"{XTCE}Parameter")
        }
        self.containers = {c.get("name"): c for c in tm.find(f"{XTCE}ContainerSet")}
        included = {e.get("containerRef") for e in tm.iter(f"{XTCE}ContainerRefEntry")}
        (self.root,) = (
            n
            for n, c in self.containers.items()
            if c.find(f"{XTCE}BaseContainer") is None and n not in included
        )
        self.argument_types = {t.get("name"): t for t in tc.find(f"{XTCE}ArgumentTypeSet")}
        self.commands = {c.get("name"): c for c in tc.find(f"{XTCE}MetaCommandSet")}

    def decode(self, packet: bytes) -> tuple[str, dict]:
        """The most derived container matching `packet`, and every parameter value read on the way (the
        values of each repetition of an included container in a list under that container's name)."""
        name, bits, values = self.root, Bits(packet), {}
        while name is not None:
            self._entries(self.containers[name], bits, values)
            children = [n for n, c in self.containers.items() if self._derives(c, name, values)]
            assert len(children) <= 1, children
            if not children:
                break
            name = children[0]
        assert self.containers[name].get("abstract") != "true", f"{name} is abstract"
        assert bits.at == 8 * len(packet), f"{name} reads {bits.at} of {8 * len(packet)} bits"
        return name, values

    def _entries(self, container: ElementTree.Element, bits: Bits, values: dict) -> None:
        for entry in container.find(f"{XTCE}EntryList"):
            if _local(entry) == "ParameterRefEntry":
                ref = entry.get("parameterRef")
                values[ref] = self._read(self.parameters[ref], bits, values)
                continue
            assert _local(entry) == "ContainerRefEntry"
            included = self.containers[entry.get("containerRef")]
            names = [e.get("parameterRef") for e in included.find(f"{XTCE}EntryList")]
            values[included.get("name")] = []
            for _ in range(_integer(entry.find(f"{XTCE}RepeatEntry/{XTCE}Count"), values)):
                self._entries(included, bits, values)
                values[included.get("name")].append({name: values[name] for name in names})

    @staticmethod
    def _derives(container: ElementTree.Element, base: str, values: dict) -> bool:
        link = container.find(f"{XTCE}BaseContainer")
        if link is None or link.get("containerRef") != base:
            return False
        return all(
            OPERATORS[c.get("comparisonOperator", "==")](values[c.get("parameterRef")], int(c.get("value")))
            for c in link.iter(f"{XTCE}Comparison")
        )

    def _read(self, data_type: ElementTree.Element, bits: Bits, values: dict):
        if _local(data_type) == "ArrayParameterType":
            first, last = _bounds(data_type, values)
            element = self.types[data_type.get("arrayTypeRef")]
            return [self._read(element, bits, values) for _ in range(last - first + 1)]
        if _local(data_type) == "AggregateParameterType":
            members = data_type.iter(f"{XTCE}Member")
            return {m.get("name"): self._read(self.types[m.get("typeRef")], bits, values) for m in members}
        encoding = next(e for e in data_type if _local(e).endswith("DataEncoding"))
        kind = _local(encoding)
        if kind == "IntegerDataEncoding":
            size = int(encoding.get("sizeInBits"))
            expected = _checked_crc(encoding, bits.data, bits.at)
            value = bits.read(size)
            if encoding.get("encoding") == "twosComplement" and value >> (size - 1):
                value -= 1 << size
            assert expected in (None, value), f"CRC {value:04X}, computed {expected:04X}"
            return value
        if kind == "FloatDataEncoding":
            size = int(encoding.get("sizeInBits"))
            return struct.unpack(">f" if size == 32 else ">d", bits.read(size).to_bytes(size // 8, "big"))[0]
        if kind == "BinaryDataEncoding":
            size = _integer(encoding.find(f"{XTCE}SizeInBits"), values)
            return bits.read(size).to_bytes(size // 8, "big")
        assert kind == "StringDataEncoding"
        size = _integer(encoding.find(f"{XTCE}Variable"), values)
        return bits.read(size).to_bytes(size // 8, "big").decode(encoding.get("encoding"))

    def encode(self, name: str, values: dict) -> bytes:
        """The TC `name` with argument `values` (enumerations by label) over the arguments' initial values
        and the values its chain of MetaCommands assigns; the CRC computed as its encoding declares."""
        chain, command = [], self.commands[name]
        while command is not None:
            chain.insert(0, command)
            base = command.find(f"{XTCE}BaseMetaCommand")
            command = None if base is None else self.commands[base.get("metaCommandRef")]
        types, arguments = {}, {}
        for command in chain:
            for argument in command.iterfind(f"{XTCE}ArgumentList/{XTCE}Argument"):
                types[argument.get("name")] = self.argument_types[argument.get("argumentTypeRef")]
                if argument.get("initialValue") is not None:
                    arguments[argument.get("name")] = int(argument.get("initialValue"))
            for assignment in command.iter(f"{XTCE}ArgumentAssignment"):
                arguments[assignment.get("argumentName")] = int(assignment.get("argumentValue"))
        arguments |= values
        assert chain[-1].get("abstract") != "true" and set(arguments) == set(types), set(types) ^ set(
            arguments
        )
        bits = Bits()
        for command in chain:
            container = command.find(f"{XTCE}CommandContainer")
            base = container.find(f"{XTCE}BaseContainer")
            assert base is None or base.get("containerRef") == chain[0].find(f"{XTCE}CommandContainer").get(
                "name"
            )
            for entry in container.find(f"{XTCE}EntryList"):
                if _local(entry) == "FixedValueEntry":
                    bits.write(int(entry.get("binaryValue"), 16), int(entry.get("sizeInBits")))
                else:
                    ref = entry.get("argumentRef")
                    self._write(types[ref], arguments[ref], bits, arguments)
        return bits.packed()

    def _write(self, data_type: ElementTree.Element, value, bits: Bits, arguments: dict) -> None:
        kind = _local(data_type)
        if kind == "ArrayArgumentType":
            first, last = _bounds(data_type, arguments)
            assert len(value) == last - first + 1
            for element in value:
                self._write(self.argument_types[data_type.get("arrayTypeRef")], element, bits, arguments)
            return
        if kind == "AggregateArgumentType":
            for member in data_type.iter(f"{XTCE}Member"):
                self._write(
                    self.argument_types[member.get("typeRef")], value[member.get("name")], bits, arguments
                )
            return
        if kind == "EnumeratedArgumentType":
            labels = {e.get("label"): int(e.get("value")) for e in data_type.iter(f"{XTCE}Enumeration")}
            value = labels[value]
        for valid in data_type.iter(f"{XTCE}ValidRange"):
            assert float(valid.get("minInclusive")) <= value <= float(valid.get("maxInclusive")), value
        encoding = next(e for e in data_type if _local(e).endswith("DataEncoding"))
        size = int(encoding.get("sizeInBits"))
        if _local(encoding) == "FloatDataEncoding":
            bits.write(int.from_bytes(struct.pack(">f" if size == 32 else ">d", value), "big"), size)
            return
        crc = _checked_crc(encoding, bits.packed(), bits.size) if bits.size % 8 == 0 else None
        value = crc if crc is not None else int(value)
        bits.write(value % (1 << size) if encoding.get("encoding") == "twosComplement" else value, size)


def _structures(mission: Mission) -> dict:
    return {sid: s.parameters for sid, s in mission.flight.pus.housekeeping.structures.items()}


IMAGING_SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "imaging_eeurope.toml"
TUNABLE_ID = 900
UNKNOWN_REQUEST = 999
REPORT_KINDS = {
    (3, 10): "hk_structure_definition",
    (5, 8): "event_disabled_list",
    (9, 3): "time_report",
    (11, 10): "schedule_detail",
    (11, 13): "schedule_summary",
    (12, 9): "monitoring_definitions",
    (12, 12): "monitoring_transitions",
    (12, 14): "monitoring_statuses",
    (17, 2): "ping_reply",
    (19, 7): "event_action_definitions",
    (20, 2): "parameter_values",
    (200, 4): "imaging_requests",
    (200, 7): "imaging_timeline",
}
"""The reports beyond housekeeping, event and verification ones, by the container the export names."""
NOT_ELICITED = {"event_high", "verification_start_failed", "verification_progress_failed"}
"""Concrete containers no TC of the run elicits: a HIGH event needs a wheel failure, and the flight
software never fails a TC at its start or at a progress step (it fails it at completion, 1,8)."""


def _epoch_unix_s(mission: Mission) -> float:
    return (mission.world.c.jd_epoch_utc - JD_UNIX_EPOCH) * SECONDS_PER_DAY


def _numeric(request_id: str) -> int:
    """A request id as service 200 reports it: its number, or 0 if it is not one."""
    return int(request_id) if request_id.isdigit() else 0


def _cds(unix_s: float) -> bytes:
    return CdsShortTimestamp.from_datetime(datetime.fromtimestamp(unix_s, UTC)).pack()


@pytest.fixture(scope="module")
def run():
    """An imaging mission (its plan made in its first seconds) commanded by TCs the interpreter built
    (those carrying TC packets, which the export does not describe, by spacepackets) to elicit every
    kind of report; every TM packet with the housekeeping row then, and what the flight software held
    right after the TCs."""
    mission = Mission(load_scenario(IMAGING_SCENARIO), 120.0)
    flight, gain = mission.flight, [0.25]
    flight.dictionary.tunable(
        Tunable(
            TUNABLE_ID,
            Arg("xtce_gain", "float", 64, 0.0, 2.0),
            0.25,
            lambda: gain[0],
            lambda v: gain.__setitem__(0, v),
        )
    )
    sent = []
    mission.tm_listeners.append(lambda p: sent.append((p, flight.housekeeping.latest.copy())))
    interpreter = Interpreter(xtce(flight.dictionary, _structures(mission)))
    mission.run_frames(30)
    soc = flight.dictionary.parameters["eps_battery_soc"].id
    later = _cds(_epoch_unix_s(mission) + flight.executive.t_s + 1000.0)
    request = {"request_id": 7, "lat": math.radians(53.9), "lon": math.radians(27.56), "alt": 220.0}
    request |= {"priority": 9, "duration": 5.0, "max_off_nadir": 0.5, "min_sun_elevation": -1.5}
    scheduled, action = (_encoded(interpreter, "ping", {}, seq) for seq in (100, 101))
    commands = {
        "ping": {},
        "set_adcs_mode": {"mode": "SUN_SAFE"},
        "set_pointing_gains": {"bandwidth": 0.2, "damping": 0.9},
        "hk_set_interval": {
            "count": 3,
            "groups": [
                {"sid": HOUSEKEEPING_SID, "interval": 2},
                {"sid": PORTS_SID, "interval": 1},
                {"sid": BOOT_SID, "interval": 1},
            ],
        },
        "hk_one_shot": {"count": 2, "groups": [{"sid": HOUSEKEEPING_SID}, {"sid": 99}]},
        "hk_enable": {
            "count": 3,
            "groups": [{"sid": APPLICATIONS_SID}, {"sid": PORTS_SID}, {"sid": BOOT_SID}],
        },
        "hk_report_definitions": {"count": 1, "groups": [{"sid": HOUSEKEEPING_SID}]},
        "hold_inertial": {"q_x": 0.0, "q_y": 0.0, "q_z": 0.0, "q_w": 1.0},
        "events_disable": {"count": 1, "groups": [{"event_id": PAYLOAD_EVENTS[1].id}]},
        "events_report_disabled": {},
        "time_report_now": {},
        "parameters_set": {"count": 1, "groups": [{"parameter_id": TUNABLE_ID, "value": 0.5}]},
        "parameters_report": {"count": 1, "groups": [{"parameter_id": TUNABLE_ID}]},
        "monitoring_add": {
            "count": 1,
            "groups": [
                {
                    "pmon_id": 50,
                    "parameter_id": soc,
                    "repetition": 1,
                    "check_type": "LIMIT",
                    "low_limit": 2.0,
                    "low_event_id": LIMIT_LOW.id,
                    "high_limit": 3.0,
                    "high_event_id": LIMIT_HIGH.id,
                }
            ],
        },
        "monitoring_report_definitions": {"count": 2, "groups": [{"pmon_id": soc}, {"pmon_id": 50}]},
        "monitoring_report_status": {},
        "schedule_insert": bytes([1]) + later + scheduled,
        "schedule_report_detail": {},
        "schedule_report_summary": {},
        "event_action_add": bytes([1]) + struct.pack(">HH", APID, LIMIT_HIGH.id) + action,
        "event_action_report": {"count": 0, "groups": []},
        "imaging_request_add": request | {"window_start": 0.0, "window_end": 0.0},
        "imaging_replan": {},
        "imaging_requests_report": {},
        "imaging_timeline_report": {},
        "imaging_request_delete": {"request_id": UNKNOWN_REQUEST},
    }
    packets, accepted = {}, {}
    for seq, (name, values) in enumerate(commands.items(), start=1):
        if isinstance(values, bytes):
            command = flight.dictionary.commands[name]
            tc = PusTc(command.service, command.subtype, apid=APID, app_data=values, seq_count=seq)
            packets[name] = bytes(tc.pack())
        else:
            packets[name] = _encoded(interpreter, name, values, seq)
        accepted[name] = flight.accept_telecommand(packets[name])
    payload, pus = flight.payload, flight.pus
    held = {
        "t_s": flight.executive.t_s,
        "statuses": [(d.pmon_id, int(d.status)) for d in pus.monitoring.definitions.values()],
        "requests": [
            (_numeric(e.request.id), STATE_CODES[e.state], e.attempts, e.request.priority)
            for e in payload.book_entries()
        ],
        "timeline": [
            (ACTIVITY_CODES[kind], _numeric(request_id), _epoch_unix_s(mission) + at_s)
            for kind, at_s, request_id in payload.activities()
        ],
    }
    mission.run_frames(30)
    mission.close()
    yield mission, interpreter, packets, accepted, sent, held


def _encoded(interpreter: Interpreter, name: str, values: dict, seq: int) -> bytes:
    """The TC `name` built by the interpreter, its data length set from its size."""
    header = {"ccsds_sequence_count": seq}
    size = len(interpreter.encode(name, values | header))
    return interpreter.encode(name, values | header | {"ccsds_data_length": size - 7})


def test_the_onboard_dictionary_export_is_valid_xtce_1_2():
    mission = Mission(DEFAULT_SCENARIO, 1.0)
    text = xtce(mission.flight.dictionary, _structures(mission))
    mission.close()
    schema = xmlschema.XMLSchema(str(importlib.resources.files("fprime_xtce") / "data" / "xtce.xsd"))
    assert [f"{e.path}: {e.reason}" for e in schema.iter_errors(ElementTree.fromstring(text))] == []


def test_the_telecommands_built_from_xtce_are_packed_as_spacepackets_does_and_completed(run):
    mission, interpreter, packets, accepted, sent, _ = run
    dictionary = mission.flight.dictionary
    for seq, (name, packet) in enumerate(packets.items(), start=1):
        command = dictionary.commands[name]
        app_data = packet[TC_HEADERS_BYTES:-CRC_BYTES]
        again = PusTc(
            command.service, command.subtype, apid=dictionary.apid, app_data=app_data, seq_count=seq
        )
        assert packet == again.pack(), name
    assert accepted == dict.fromkeys(packets, True) | {"hk_one_shot": False}
    assert packets["set_pointing_gains"][TC_HEADERS_BYTES:-CRC_BYTES] == struct.pack(">Hdd", 4, 0.2, 0.9)
    assert packets["hk_set_interval"][TC_HEADERS_BYTES:-CRC_BYTES] == struct.pack(
        ">BHHHHHH", 3, HOUSEKEEPING_SID, 2, PORTS_SID, 1, BOOT_SID, 1
    )
    assert mission.flight.pus.housekeeping.structures[HOUSEKEEPING_SID].interval_s == 2
    assert mission.flight.pus.ping.pings == 1
    decoded = [interpreter.decode(p) for p, _ in sent if p[7] == 1]
    completed = {v["request_id"] for name, v in decoded if name == "verification_completed"}
    failing = {"hold_inertial": Failure.NOT_ALLOWED_IN_MODE, "imaging_request_delete": Failure.UNKNOWN_ID}
    assert completed == {p[:4] for name, p in packets.items() if name not in {"hk_one_shot", *failing}}
    failed = {
        v["request_id"]: v["failure_code"] for name, v in decoded if name == "verification_completion_failed"
    }
    assert failed == {packets[name][:4]: code for name, code in failing.items()}
    (refused,) = [v for name, v in decoded if name == "verification_acceptance_failed"]
    assert (refused["request_id"], refused["failure_code"], refused["failure_data"]) == (
        packets["hk_one_shot"][:4],
        Failure.UNKNOWN_ID,
        1,
    )


def test_every_report_of_the_run_decodes_by_xtce_as_by_spacepackets_and_the_ground(run):
    mission, interpreter, _, _, sent, _ = run
    ground = TelemetryDecoder(mission.flight.dictionary.export())
    names = mission.flight.housekeeping.names
    seen = set()
    for packet, row in sent:
        if int.from_bytes(packet[:2], "big") & 0x7FF in mission.flight.dictionary.other_apids.values():
            continue
        tm = PusTm.unpack(packet, timestamp_len=CDS_SHORT_BYTES)
        container, values = interpreter.decode(packet)
        seen.add(container)
        primary, secondary = tm.sp_header, tm.pus_tm_sec_header
        header = {
            "ccsds_version": primary.ccsds_version,
            "ccsds_packet_type": int(primary.packet_type),
            "ccsds_secondary_header_flag": int(primary.sec_header_flag),
            "ccsds_apid": tm.apid,
            "ccsds_sequence_flags": int(primary.seq_flags),
            "ccsds_sequence_count": tm.seq_count,
            "ccsds_data_length": primary.data_len,
            "pus_version": int(secondary.pus_version),
            "pus_time_reference_status": secondary.spacecraft_time_ref,
            "pus_service": tm.service,
            "pus_subtype": tm.message_subtype,
            "pus_message_counter": secondary.message_counter,
            "pus_destination_id": secondary.dest_id,
        }
        assert {name: values[name] for name in header} == header
        stamp = values["cds_p_field"], values["cds_day"], values["cds_ms_of_day"]
        assert struct.pack(">BHI", *stamp) == tm.timestamp
        record = ground.decode(packet)
        if isinstance(record, OtherReport):
            assert container == REPORT_KINDS[tm.service, tm.message_subtype]
        elif isinstance(record, LayoutReport):
            assert container == REPORT_KINDS[tm.service, tm.message_subtype] == record.name
            for field, value in record.values.items():
                if not isinstance(value, (list, datetime)):
                    assert _plain(values[f"{record.name}_{field}"]) == _plain(value), field
        elif isinstance(record, HousekeepingReport):
            assert container == f"hk_structure_{record.sid}"
            for name, value in record.values.items():
                assert values[name] == value or (math.isnan(value) and math.isnan(values[name])), name
                if record.sid == HOUSEKEEPING_SID:
                    expected = row[names.index(name)]
                    assert np.isclose(values[name], expected, rtol=1e-6, equal_nan=True), name
        elif isinstance(record, EventReport):
            assert container == f"event_{record.severity.lower()}"
            assert (values["event_id"], values["event_text"]) == (record.event_id, record.text)
        else:
            assert isinstance(record, VerificationReport)
            assert values["request_id"] == record.request_id
            if not record.success:
                assert Failure[record.code] == values["failure_code"]
    concrete = {n for n, c in interpreter.containers.items() if c.get("abstract") != "true"}
    assert seen == concrete - NOT_ELICITED


def _plain(value):
    """An enum label or code, a bool or a number, as one comparable value (XTCE gives enum codes)."""
    return int(value) if isinstance(value, bool) else value


def _reports(run) -> dict[str, list[dict]]:
    """The decoded values of every PUS report of the run, by container."""
    mission, interpreter, _, _, sent, _ = run
    reports = {}
    for packet, _ in sent:
        if int.from_bytes(packet[:2], "big") & 0x7FF not in mission.flight.dictionary.other_apids.values():
            name, values = interpreter.decode(packet)
            reports.setdefault(name, []).append(values)
    return reports


def test_each_report_decoded_by_xtce_carries_what_the_flight_software_holds(run):
    mission, _, packets, _, _, held = run
    flight, reports = mission.flight, _reports(run)
    pus = flight.pus
    (definition,) = reports["hk_structure_definition"]
    structure = pus.housekeeping.structures[HOUSEKEEPING_SID]
    fields = (definition[f"hk_structure_definition_{f}"] for f in ("sid", "interval", "enabled"))
    assert tuple(fields) == (HOUSEKEEPING_SID, structure.interval_s, structure.enabled) == (1, 2, True)
    ids = [e["parameter_id"] for e in definition["hk_structure_definition_parameters"]]
    assert ids == [p.id for p in structure.parameters]
    (disabled,) = reports["event_disabled_list"]
    assert [e["event_id"] for e in disabled["event_disabled_list_events"]] == sorted(pus.events.disabled)
    epoch = _epoch_unix_s(mission)
    times = [
        CdsShortTimestamp.unpack(
            struct.pack(">BHI", r["time_report_time_code"], r["time_report_days"], r["time_report_ms_of_day"])
        ).as_unix_seconds()
        - epoch
        for r in reports["time_report"]
    ]
    assert times == pytest.approx([0.0, held["t_s"]], abs=1e-3)
    assert {r["time_report_rate_exponent"] for r in reports["time_report"]} == {pus.time.exponent}
    (values,) = reports["parameter_values"]
    assert values["parameter_values_values"] == [{"parameter_id": TUNABLE_ID, "value": 0.5}]
    (definitions,) = reports["monitoring_definitions"]
    (soc, added) = definitions["monitoring_definitions_definitions"]
    for entry in (soc, added):
        d = pus.monitoring.definitions[entry["pmon_id"]]
        assert (entry["parameter_id"], entry["repetition"]) == (d.parameter.id, d.repetition)
        assert (entry["low_limit"], entry["high_limit"]) == (d.low, d.high)
        assert (entry["low_event_id"], entry["high_event_id"]) == (d.low_event.id, d.high_event.id)
    (statuses,) = reports["monitoring_statuses"]
    listed = [(e["pmon_id"], e["status"]) for e in statuses["monitoring_statuses_definitions"]]
    assert listed == held["statuses"]
    transitions = [
        t for r in reports["monitoring_transitions"] for t in r["monitoring_transitions_transitions"]
    ]
    assert len(transitions) == pus.monitoring.transitions
    assert (transitions[-1]["pmon_id"], transitions[-1]["current_status"]) == (
        50,
        CheckStatus.BELOW_LOW_LIMIT,
    )
    assert len(reports["ping_reply"]) == pus.ping.pings
    (activity,) = pus.schedule.activities
    (detail,) = reports["schedule_detail"]
    (entry,) = detail["schedule_detail_activities_entry"]
    release = struct.pack(
        ">BHI", *(entry[f"schedule_detail_activities_{f}"] for f in ("time_code", "days", "ms_of_day"))
    )
    assert release == activity.release_time()
    assert _tc(entry, "schedule_detail_activities") == activity.tc
    (summary,) = reports["schedule_summary"]
    (listed,) = summary["schedule_summary_activities"]
    assert (listed["source_id"], listed["apid"], listed["seq_count"]) == activity.key
    (actions,) = reports["event_action_definitions"]
    (entry,) = actions["event_action_definitions_definitions_entry"]
    (action,) = pus.event_actions.definitions.values()
    prefix = "event_action_definitions_definitions"
    assert (entry[f"{prefix}_apid"], entry[f"{prefix}_event_id"], entry[f"{prefix}_enabled"]) == (
        action.apid,
        action.event_id,
        action.enabled,
    )
    assert _tc(entry, prefix) == action.tc == packets["event_action_add"][-len(action.tc) - 2 : -2]
    (requests,) = reports["imaging_requests"]
    listed = [tuple(e.values()) for e in requests["imaging_requests_requests"]]
    assert listed == held["requests"] and (7, STATE_CODES[RequestState.WAITING], 0, 9) in listed
    (timeline,) = reports["imaging_timeline"]
    listed = [tuple(e.values()) for e in timeline["imaging_timeline_activities"]]
    assert listed == held["timeline"] and {a[0] for a in listed} == set(ACTIVITY_CODES.values())


def _tc(entry: dict, prefix: str) -> bytes:
    """The TC packet an entry of a report carries, from its header fields and data."""
    header = (entry[f"{prefix}_tc_{f}"] for f in ("packet_id", "sequence_control", "data_length"))
    return struct.pack(">3H", *header) + entry[f"{prefix}_tc_data"]


def _flat_definition(mission: Mission) -> tuple[str, XtcePacketDefinition]:
    """The flat XTCE profile of `mission`'s dictionary as text and as loaded by space_packet_parser."""
    text = xtce(mission.flight.dictionary, _structures(mission), flat=True)
    return text, XtcePacketDefinition.from_xtce(io.BytesIO(text.encode()), root_container_name="ccsds_packet")


def _decoded_whole(definition: XtcePacketDefinition, packet: bytes) -> dict:
    """`packet` parsed by space_packet_parser, every bit of it (a packet parsed short warns: an error)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return dict(definition.parse_bytes(packet))


def test_the_flat_profile_is_valid_xtce_1_2_without_aggregates_or_arrays():
    mission = Mission(DEFAULT_SCENARIO, 1.0)
    text = xtce(mission.flight.dictionary, _structures(mission), flat=True)
    mission.close()
    schema = xmlschema.XMLSchema(str(importlib.resources.files("fprime_xtce") / "data" / "xtce.xsd"))
    root = ElementTree.fromstring(text)
    assert [f"{e.path}: {e.reason}" for e in schema.iter_errors(root)] == []
    telemetry = root.find(f"{XTCE}TelemetryMetaData")
    kinds = {element.tag.removeprefix(XTCE) for element in telemetry.find(f"{XTCE}ParameterTypeSet")}
    assert kinds <= {
        "IntegerParameterType",
        "FloatParameterType",
        "EnumeratedParameterType",
        "BooleanParameterType",
        "StringParameterType",
        "BinaryParameterType",
    }


def test_space_packet_parser_decodes_every_packet_of_the_commanded_run_by_the_flat_profile(run):
    """Every report kind the run elicited, parsed to its last bit by an XTCE decoder that is not ours,
    agrees with spacepackets (headers, CRC) and with the ground decoder (every scalar field)."""
    mission, _, _, _, sent, _ = run
    dictionary = mission.flight.dictionary
    _, definition = _flat_definition(mission)
    ground = TelemetryDecoder(dictionary.export())
    kinds = set()
    for packet, _ in sent:
        values = _decoded_whole(definition, packet)
        apid = int.from_bytes(packet[:2], "big") & 0x7FF
        assert values["ccsds_apid"] == apid and values["ccsds_data_length"] == len(packet) - 7
        if apid in dictionary.other_apids.values():
            assert values["cfdp_data"] == packet[6:]
            kinds.add("cfdp")
            continue
        tm = PusTm.unpack(packet, timestamp_len=CDS_SHORT_BYTES)
        assert (values["pus_service"], values["pus_subtype"]) == (tm.service, tm.message_subtype)
        assert values["ccsds_sequence_count"] == tm.seq_count
        stamp = values["cds_p_field"], values["cds_day"], values["cds_ms_of_day"]
        assert struct.pack(">BHI", *stamp) == tm.timestamp
        assert values["packet_error_control"] == binascii.crc_hqx(packet[:-2], 0xFFFF)
        kinds.add((tm.service, tm.message_subtype))
        record = ground.decode(packet)
        if isinstance(record, HousekeepingReport):
            for name, value in record.values.items():
                parameter = ground.parameters[name]
                expected = parameter.display(value) if parameter.values else value
                assert values[name] == expected or (math.isnan(value) and math.isnan(values[name])), name
        elif isinstance(record, EventReport):
            assert (values["event_id"].raw_value, values["event_text"]) == (record.event_id, record.text)
        elif isinstance(record, VerificationReport):
            assert values["request_id"] == record.request_id
        else:
            assert isinstance(record, LayoutReport), record
            for field, value in record.values.items():
                if isinstance(value, list):
                    assert values[f"{record.name}_{field}_count"] == len(value)
                elif not isinstance(value, datetime):
                    assert _plain(values[f"{record.name}_{field}"]) == _plain(value), field
    reports = {(layout.service, layout.subtype) for layout in dictionary.reports.values()}
    assert reports - kinds == set()  # every declared report kind was elicited and decoded


@pytest.mark.slow
def test_space_packet_parser_decodes_every_packet_of_a_90_minute_run(tmp_path):
    """The acceptance figure: a 90-minute `zorka run`'s tm.bin, every packet decoded by the flat profile."""
    out = tmp_path / "run"
    done = subprocess.run(
        [*ZORKA, "run", "--duration", "90m", "--out", str(out), "--quiet"], capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    flat = subprocess.run([*ZORKA, "dict", "--xtce", "--flat"], capture_output=True, text=True, timeout=120)
    definition = XtcePacketDefinition.from_xtce(
        io.BytesIO(flat.stdout.encode()), root_container_name="ccsds_packet"
    )
    packets = PacketSplitter().feed(b"".join(path.read_bytes() for path in tm_files(out)))
    assert len(packets) > 5000
    decoded = [_decoded_whole(definition, packet) for packet in packets]
    assert [v["ccsds_sequence_count"] for v in decoded] == [
        int.from_bytes(p[2:4], "big") & 0x3FFF for p in packets
    ]


def test_flat_without_xtce_is_one_error_line():
    done = subprocess.run([*ZORKA, "dict", "--flat"], capture_output=True, text=True, timeout=60)
    assert (
        done.returncode == 2
        and done.stderr == "zorka dict: error: --flat is a profile of the XTCE export: add --xtce\n"
    )
