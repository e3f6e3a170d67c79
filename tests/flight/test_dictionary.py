"""The dictionary: declarations round-trip through the JSON export; duplicates are refused."""

import json
import math
import struct
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flight.dictionary import Arg, ArgumentError, Command, Dictionary, EventDef, Failure, Parameter, Tunable
from flight.events import Severity
from flight.link.link_parameters import link_parameters
from zorka.outputs.dictionary_json import dictionary_json
from zorka.outputs.xtce import NAMESPACE, xtce

ARGS = (
    Arg("count", "uint", 16, 1, 100, "1"),
    Arg("offset", "int", 32, -5000, 5000, "m"),
    Arg("gain", "float", 64, 0.0, 2.0, "rad/s"),
    Arg("mode", "enum", 8, values=(("A", 0), ("B", 3))),
    Arg("armed", "bool", 8),
)
COMMAND = Command("do_it", 128, 1, ARGS)


def declared() -> Dictionary:
    d = Dictionary(apid=0x42, tm_apids={3: 0x43})
    d.command(COMMAND)
    d.command(Command("fn", 8, 1, ARGS[:2], function_id=7))
    d.parameter(Parameter(1, "battery_v", Arg("battery_v", "float", 32, unit="V"), lambda: 7.4, 6.0, 8.4))
    d.event(EventDef(10, "mode_change", Severity.INFO, "mode changed"))
    d.tunable(Tunable(5, Arg("gain", "float", 64, 0.0, 2.0, "rad/s"), 0.5, lambda: 0.5, lambda v: None))
    return d


def test_the_export_round_trips_through_json_and_encodes_alike():
    d = declared()
    exported = json.loads(dictionary_json(d))
    assert exported["link"] == link_parameters()
    del exported["link"]
    assert exported == json.loads(json.dumps(d.export()))
    assert exported["apid"] == 0x42 and exported["tm_apids"] == {"3": 0x43}
    assert exported["failure_codes"]["ARG_OUT_OF_RANGE"] == Failure.ARG_OUT_OF_RANGE
    (do_it, fn) = exported["commands"]
    assert (do_it["service"], do_it["subtype"], fn["function_id"]) == (128, 1, 7)
    rebuilt = tuple(Arg.from_json(a) for a in do_it["args"])
    assert rebuilt == ARGS
    values = {"count": 100, "offset": -5000, "gain": 1.25, "mode": 3, "armed": True}
    assert Command("x", 128, 1, rebuilt).encode(values) == COMMAND.encode(values)
    assert [a["encoding"] for a in do_it["args"]] == [">H", ">i", ">d", ">B", ">B"]
    assert exported["parameters"][0] | {"encoding": ">f"} == {
        "id": 1,
        "name": "battery_v",
        "type": "float",
        "bits": 32,
        "encoding": ">f",
        "unit": "V",
        "values": {},
        "low_limit": 6.0,
        "high_limit": 8.4,
        "description": "",
    }
    assert exported["events"] == [
        {"id": 10, "name": "mode_change", "severity": "INFO", "text": "mode changed"}
    ]
    assert exported["tunables"][0]["default"] == 0.5 and exported["tunables"][0]["max"] == 2.0


@pytest.mark.parametrize(
    "add",
    [
        lambda d: d.command(Command("do_it", 128, 2)),
        lambda d: d.command(Command("other", 128, 1)),
        lambda d: d.command(Command("fn2", 8, 1, function_id=7)),
        lambda d: d.parameter(Parameter(1, "other", Arg("x", "uint", 8), lambda: 0)),
        lambda d: d.parameter(Parameter(2, "battery_v", Arg("x", "uint", 8), lambda: 0)),
        lambda d: d.event(EventDef(10, "other", Severity.LOW, "")),
        lambda d: d.event(EventDef(11, "mode_change", Severity.LOW, "")),
        lambda d: d.tunable(Tunable(5, Arg("other", "uint", 8), 0, lambda: 0, lambda v: None)),
        lambda d: d.tunable(Tunable(6, Arg("x", "uint", 8, 1, 9), 0, lambda: 0, lambda v: None)),
    ],
)
def test_duplicate_names_and_ids_and_bad_defaults_are_refused(add):
    with pytest.raises(ValueError):
        add(declared())


def test_impossible_types_are_refused():
    with pytest.raises(ValueError):
        Arg("x", "float", 16)
    with pytest.raises(ValueError):
        Arg("x", "enum", 8)


def test_decoding_names_the_argument_at_fault():
    good = COMMAND.encode({"count": 1, "offset": 0, "gain": 0.0, "mode": 0, "armed": False})
    bad_gain = good[:6] + struct.pack(">d", 2.5) + good[14:]
    with pytest.raises(ArgumentError) as error:
        COMMAND.decode(bad_gain)
    assert (error.value.code, error.value.index, error.value.name) == (Failure.ARG_OUT_OF_RANGE, 2, "gain")
    with pytest.raises(ArgumentError) as error:
        COMMAND.decode(good[:-1])
    assert (error.value.code, error.value.index) == (Failure.WRONG_LENGTH, 4)
    with pytest.raises(ArgumentError) as error:
        COMMAND.decode(good + b"\0")
    assert error.value.code == Failure.WRONG_LENGTH
    nan = good[:6] + struct.pack(">d", math.nan) + good[14:]
    with pytest.raises(ArgumentError):
        COMMAND.decode(nan)


@given(st.binary(max_size=40))
def test_arbitrary_bytes_decode_to_valid_values_or_a_named_failure(data):
    try:
        values = COMMAND.decode(data)
    except ArgumentError as error:
        assert error.code in (Failure.WRONG_LENGTH, Failure.ARG_OUT_OF_RANGE)
        return
    assert all(arg.valid(values[arg.name]) for arg in ARGS)
    assert COMMAND.encode(values) == data


@given(
    st.integers(1, 100),
    st.integers(-5000, 5000),
    st.floats(0.0, 2.0),
    st.sampled_from([0, 3]),
    st.booleans(),
)
def test_valid_values_round_trip(count, offset, gain, mode, armed):
    values = {"count": count, "offset": offset, "gain": gain, "mode": mode, "armed": armed}
    assert COMMAND.decode(COMMAND.encode(values)) == values


def test_the_xtce_export_declares_every_type_it_references():
    text = xtce(declared())
    ns = {"x": NAMESPACE}
    root = ElementTree.fromstring(text)
    assert root.tag == f"{{{NAMESPACE}}}SpaceSystem"
    parameter_types = {e.get("name"): e for e in root.find("x:TelemetryMetaData/x:ParameterTypeSet", ns)}
    (parameter,) = root.findall("x:TelemetryMetaData/x:ParameterSet/x:Parameter[@name='battery_v']", ns)
    battery = parameter_types[parameter.get("parameterTypeRef")]
    assert battery.tag.endswith("FloatParameterType")
    assert battery.find("x:FloatDataEncoding", ns).get("sizeInBits") == "32"
    assert battery.find("x:UnitSet/x:Unit", ns).text == "V"
    argument_types = {e.get("name"): e for e in root.find("x:CommandMetaData/x:ArgumentTypeSet", ns)}
    commands = root.findall("x:CommandMetaData/x:MetaCommandSet/x:MetaCommand", ns)
    assert [c.get("name") for c in commands] == ["pus_tc", "do_it", "fn"]
    do_it = commands[1]
    arguments = do_it.findall("x:ArgumentList/x:Argument", ns)
    assert [a.get("name") for a in arguments] == [a.name for a in ARGS]
    kinds = [argument_types[a.get("argumentTypeRef")].tag.split("}")[1] for a in arguments]
    assert kinds == [
        "IntegerArgumentType",
        "IntegerArgumentType",
        "FloatArgumentType",
        "EnumeratedArgumentType",
        "BooleanArgumentType",
    ]
    offset = argument_types["do_it_offset_type"]
    assert offset.find("x:IntegerDataEncoding", ns).get("encoding") == "twosComplement"
    assert offset.find("x:ValidRangeSet/x:ValidRange", ns).attrib == {
        "minInclusive": "-5000",
        "maxInclusive": "5000",
    }
    entries = [
        e.get("binaryValue") or e.get("argumentRef") for e in do_it.find("x:CommandContainer/x:EntryList", ns)
    ]
    assert entries == [*(a.name for a in ARGS), "packet_error_control"]
    assignments = {
        a.get("argumentName"): a.get("argumentValue")
        for a in do_it.iter(f"{{{NAMESPACE}}}ArgumentAssignment")
    }
    assert assignments == {"ccsds_apid": "66", "pus_service": "128", "pus_subtype": "1"}
    fn_entries = commands[2].find("x:CommandContainer/x:EntryList", ns)
    assert [e.get("binaryValue") for e in fn_entries][:1] == ["0007"]
