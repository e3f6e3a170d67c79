"""The dictionary as an XTCE 1.2 SpaceSystem, from which a ground tool (Yamcs, COSMOS) decodes our TM
and builds our TCs.

Telemetry: the abstract container `pus_tm` reads the CCSDS primary header and the PUS-C TM secondary
header as spacepackets' `PusTm` packs it (PUS version, time reference status, service, subtype,
message counter, destination id, then the 7-byte CDS short time stamp as three integers: P-field, day
since 1958, ms of day; one XTCE time encoding cannot span two fields). Containers inherit it, restricted
on APID, service and subtype: housekeeping reports (3,25), then one container per report structure of
`structures`, restricted on its structure id, with its parameters in wire order; event reports
(5,1..5,4: event id enumerated by event name, text after its 1-byte length); verification reports
(1,1..1,8: the 4-byte request ID, then the failure code, enumerated, and its data byte, or the step).

Every other report a service sends gets its own container under `pus_tm`, from the report layout the
service declares (flight/tm_layout.py, the layout it packs the report with): 3,10 structure definition,
5,8 disabled events, 9,3 time report, 11,10 and 11,13 schedule detail and summary, 12,9, 12,12 and 12,14
monitoring definitions, transitions and statuses, 17,2 ping reply, 19,7 event-action definitions, 20,2
parameter values, 200,4 and 200,7 imaging requests and timeline. Its fields are parameters named
`<container>_<field>`, in wire order as the service packs them; event ids are enumerated by event name,
statuses and kinds by their names, CDS times are three integers as in the header. Repeated entries follow
their count as an array of aggregates. An entry that ends with a complete TC packet (11,10, 19,7) cannot
be an array element, since the packet's size is only in its own header: such entries are an abstract
container `<container>_<group>_entry`, included once per count by a RepeatEntry, the packet as its primary
header's three fields and its data, a binary of (data length + 1) bytes. That data stays bytes: XTCE
cannot decode a TC's command container inside TM. So every byte of every PUS TM packet is described. Not
described: CFDP file-transfer PDUs (APID 0x101, `other_apids`), which have no PUS header and are a CFDP
entity's to decode; and, on the TC side, the TC packets that 11,4 and 19,1 carry after each group's
arguments.

The flat profile (`flat=True`, `zorka dict --xtce --flat`) is for decoders that support only basic
parameter types and no repeated entries (space_packet_parser refuses AggregateParameterType and reads a
ContainerRefEntry once whatever its RepeatEntry says): each repeated group is its count, then one binary
parameter holding every entry's bytes, sized from the count (count times an entry's bits) or, for
entries that end with a TC packet, from the packet's data length (the rest of the packet before its
error control). So every packet still decodes to its end, each scalar field by name; the entries are
left as bytes. Its root container is `ccsds_packet` (the primary header): `pus_tm` inherits it for every
APID but those of `other_apids`, whose packets (CFDP PDUs) are a container each, their data as bytes.
The command side is the same as the full profile's.

Commands: the abstract MetaCommand `pus_tc` holds the primary and PUS-C TC secondary headers as
arguments with initial values (a standalone TC asking for every verification report). Each command
inherits it, assigns its APID, service and subtype, and appends the function id (service 8), the group
count and the groups (an array of an aggregate) of a repeated TC, or its arguments, in wire order, with
their units, ranges and enumerations.

Every concrete container ends with the packet error control, a 16-bit field whose encoding declares
the CRC (XTCE 1.2 `ErrorDetectCorrect`: CCSDS CRC-16, polynomial 0x1021, initial remainder 0xFFFF,
over the packet from its start), so a tool computes a TC's and checks a TM's. XTCE cannot derive a
field from the size of the container holding it: a TC's `ccsds_data_length` is left to the ground
tool (as Yamcs' PUS post-processor sets it).
"""

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from flight.dictionary import Arg, Command, Dictionary, Failure, Parameter
from flight.events import Severity
from flight.pus.event_reports import UNDECLARED
from flight.pus.housekeeping_reports import SID
from flight.tm_layout import CDS_FIELDS, CdsTime, Repeated

NAMESPACE = "http://www.omg.org/spec/XTCE/20180204"
_KINDS = {"int": "Integer", "uint": "Integer", "float": "Float", "enum": "Enumerated", "bool": "Boolean"}
PRIMARY_HEADER = (
    ("ccsds_version", 3),
    ("ccsds_packet_type", 1),
    ("ccsds_secondary_header_flag", 1),
    ("ccsds_apid", 11),
    ("ccsds_sequence_flags", 2),
    ("ccsds_sequence_count", 14),
    ("ccsds_data_length", 16),
)
TM_SECONDARY_HEADER = (
    ("pus_version", 4),
    ("pus_time_reference_status", 4),
    ("pus_service", 8),
    ("pus_subtype", 8),
    ("pus_message_counter", 16),
    ("pus_destination_id", 16),
    ("cds_p_field", 8),
    ("cds_day", 16),
    ("cds_ms_of_day", 32),
)
TC_SECONDARY_HEADER = (
    ("pus_version", 4),
    ("pus_ack_flags", 4),
    ("pus_service", 8),
    ("pus_subtype", 8),
    ("pus_source_id", 16),
)
TC_INITIAL_VALUES = {
    "ccsds_version": 0,
    "ccsds_packet_type": 1,
    "ccsds_secondary_header_flag": 1,
    "ccsds_sequence_flags": 3,
    "ccsds_sequence_count": 0,
    "ccsds_data_length": 0,
    "pus_version": 2,
    "pus_ack_flags": 0b1111,
    "pus_source_id": 0,
    "packet_error_control": 0,
}
HEADER_UNITS = {"cds_day": "day", "cds_ms_of_day": "ms"}
PACKET_ERROR_CONTROL = "packet_error_control"
ROOT = "ccsds_packet"
"""The flat profile's root container: every packet's primary header."""
CRC_POLYNOMIAL = "1021"
CRC_INITIAL_REMAINDER = "FFFF"
FAILURE_TAIL = ("failure_code", "failure_data")
VERIFICATION_REPORTS = {
    1: ("accepted", ()),
    2: ("acceptance_failed", FAILURE_TAIL),
    3: ("started", ()),
    4: ("start_failed", FAILURE_TAIL),
    5: ("progress", ("progress_step",)),
    6: ("progress_failed", FAILURE_TAIL),
    7: ("completed", ()),
    8: ("completion_failed", FAILURE_TAIL),
}
"""Service-1 report per subtype: its stage and what follows the request ID."""
TC_PACKET = (
    Arg("tc_packet_id", "uint", 16),
    Arg("tc_sequence_control", "uint", 16),
    Arg("tc_data_length", "uint", 16, unit="byte"),
)
"""The primary header of a TC packet carried in a report, as three fields; its data (`tc_data`) follows."""


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: str(v) for k, v in attributes.items()})
    element.text = text
    return element


def _data_type(parent: ET.Element, name: str, arg: Arg, role: str, ranged: bool) -> None:
    attributes = {"signed": str(arg.kind == "int").lower()} if _KINDS[arg.kind] == "Integer" else {}
    element = _sub(parent, f"{_KINDS[arg.kind]}{role}Type", name=name, **attributes)
    units = _sub(element, "UnitSet")
    if arg.unit:
        _sub(units, "Unit", arg.unit)
    if arg.kind == "float":
        _sub(element, "FloatDataEncoding", sizeInBits=arg.bits)
    else:
        encoding = "twosComplement" if arg.kind == "int" else "unsigned"
        _sub(element, "IntegerDataEncoding", sizeInBits=arg.bits, encoding=encoding)
    if arg.kind == "enum":
        values = _sub(element, "EnumerationList")
        for label, value in arg.values:
            _sub(values, "Enumeration", value=value, label=label)
    elif ranged and arg.kind in ("int", "uint", "float") and arg.low is not None and arg.high is not None:
        ranges = _sub(element, "ValidRangeSet")
        _sub(ranges, "ValidRange", minInclusive=arg.low, maxInclusive=arg.high)


def _field_type(parent: ET.Element, name: str, field: str, bits: int, role: str) -> None:
    """The type `name` of an unsigned field of `bits` bits; the packet error control's declares the CRC."""
    element = _sub(parent, f"Integer{role}Type", name=name, signed="false")
    units = _sub(element, "UnitSet")
    if field in HEADER_UNITS:
        _sub(units, "Unit", HEADER_UNITS[field])
    encoding = _sub(element, "IntegerDataEncoding", sizeInBits=bits, encoding="unsigned")
    if field == PACKET_ERROR_CONTROL:
        crc = _sub(
            _sub(encoding, "ErrorDetectCorrect"), "CRC", width=16, bitsFromReference=0, reference="start"
        )
        _sub(crc, "Polynomial", CRC_POLYNOMIAL)
        _sub(crc, "InitRemainder", CRC_INITIAL_REMAINDER)
        _sub(crc, "FinalXOR", "0000")


def _parameter(types: ET.Element, parameters: ET.Element, name: str, arg: Arg) -> None:
    _data_type(types, f"{name}_type", arg, "Parameter", ranged=False)
    _sub(parameters, "Parameter", name=name, parameterTypeRef=f"{name}_type")


def _dynamic_value(parent: ET.Element, reference: ET.Element, **adjustment) -> None:
    """A DynamicValue under `parent`: the value `reference` (an instance reference) names, adjusted."""
    value = _sub(parent, "DynamicValue")
    value.append(reference)
    _sub(value, "LinearAdjustment", **adjustment)


def _dimension(array: ET.Element, count: ET.Element) -> None:
    """The one dimension of an array type: from index 0 to the value `count` references, less one."""
    dimension = _sub(_sub(array, "DimensionList"), "Dimension")
    _sub(_sub(dimension, "StartingIndex"), "FixedValue", "0")
    _dynamic_value(_sub(dimension, "EndingIndex"), count, intercept=-1)


def _container(
    parent: ET.Element,
    name: str,
    entries: Iterable[str | tuple[str, str]],
    base: str | None = None,
    restriction: Iterable[tuple[str, str, int]] = (),
    abstract: bool = False,
) -> None:
    """A SequenceContainer of `entries` after those of `base`, for packets whose parameters meet every
    (parameter, operator, value) of `restriction`. An entry is a parameter name, or (container, count
    parameter) for a container repeated as many times as the count says."""
    container = _sub(parent, "SequenceContainer", name=name, **({"abstract": "true"} if abstract else {}))
    entry_list = _sub(container, "EntryList")
    for entry in entries:
        if isinstance(entry, str):
            _sub(entry_list, "ParameterRefEntry", parameterRef=entry)
        else:
            reference, count = entry
            repeat = _sub(_sub(entry_list, "ContainerRefEntry", containerRef=reference), "RepeatEntry")
            _sub(_sub(_sub(repeat, "Count"), "DynamicValue"), "ParameterInstanceRef", parameterRef=count)
    if base is not None:
        comparisons = _sub(
            _sub(_sub(container, "BaseContainer", containerRef=base), "RestrictionCriteria"), "ComparisonList"
        )
        for parameter, operator, value in restriction:
            _sub(comparisons, "Comparison", parameterRef=parameter, comparisonOperator=operator, value=value)


def _event_id(dictionary: Dictionary) -> Arg:
    """An event id, enumerated by the names of the declared events."""
    events = (*((e.name, e.id) for e in dictionary.events.values()), ("UNDECLARED", UNDECLARED))
    return Arg("event_id", "enum", 16, values=events)


def _tm_parameters(telemetry: ET.Element, dictionary: Dictionary) -> tuple[ET.Element, ET.Element]:
    """The packet fields and every parameter a housekeeping, event or verification report carries,
    with their types; the parameter type and parameter sets."""
    types = _sub(telemetry, "ParameterTypeSet")
    parameters = _sub(telemetry, "ParameterSet")
    for name, bits in (*PRIMARY_HEADER, *TM_SECONDARY_HEADER, (PACKET_ERROR_CONTROL, 16)):
        _field_type(types, f"{name}_type", name, bits, "Parameter")
        _sub(parameters, "Parameter", name=name, parameterTypeRef=f"{name}_type")
    for parameter in dictionary.parameters.values():
        _parameter(types, parameters, parameter.name, parameter.type)
    for arg in (
        SID,
        _event_id(dictionary),
        Arg("event_text_length", "uint", 8, unit="byte"),
        Arg("failure_code", "enum", 16, values=tuple((f.name, int(f)) for f in Failure)),
        Arg("failure_data", "uint", 8),
        Arg("progress_step", "uint", 8),
    ):
        _parameter(types, parameters, arg.name, arg)
    text = _sub(types, "StringParameterType", name="event_text_type")
    _sub(text, "UnitSet")
    variable = _sub(_sub(text, "StringDataEncoding", encoding="UTF-8"), "Variable", maxSizeInBits=8 * 255)
    _dynamic_value(variable, ET.Element("ParameterInstanceRef", parameterRef="event_text_length"), slope=8)
    _sub(parameters, "Parameter", name="event_text", parameterTypeRef="event_text_type")
    request_id = _sub(types, "BinaryParameterType", name="request_id_type")
    _sub(request_id, "UnitSet")
    _sub(_sub(_sub(request_id, "BinaryDataEncoding"), "SizeInBits"), "FixedValue", "32")
    _sub(parameters, "Parameter", name="request_id", parameterTypeRef="request_id_type")
    return types, parameters


def _restriction(dictionary: Dictionary, service: int, *more: tuple[str, str, int]) -> tuple:
    """The comparisons that pick the TM packets of `service` (and `more`)."""
    return (("ccsds_apid", "==", dictionary.tm_apid(service)), ("pus_service", "==", service), *more)


def _other_packets(
    types: ET.Element, parameters: ET.Element, containers: ET.Element, dictionary: Dictionary
) -> None:
    """The flat profile's root, `ccsds_packet` (the primary header), and under it a container for the
    packets of each APID without a PUS header (`other_apids`, e.g. CFDP PDUs): their data as bytes."""
    _container(containers, ROOT, (name for name, _ in PRIMARY_HEADER), abstract=True)
    for what, apid in sorted(dictionary.other_apids.items()):
        data = _sub(types, "BinaryParameterType", name=f"{what}_data_type")
        _sub(data, "UnitSet")
        size = _sub(_sub(data, "BinaryDataEncoding"), "SizeInBits")
        length = ET.Element("ParameterInstanceRef", parameterRef="ccsds_data_length")
        _dynamic_value(size, length, slope=8, intercept=8)
        _sub(parameters, "Parameter", name=f"{what}_data", parameterTypeRef=f"{what}_data_type")
        _container(containers, f"{what}_packet", (f"{what}_data",), ROOT, (("ccsds_apid", "==", apid),))


def _tm_containers(
    telemetry: ET.Element,
    types: ET.Element,
    parameters: ET.Element,
    dictionary: Dictionary,
    structures: Mapping[int, Sequence[Parameter]],
    flat: bool,
) -> ET.Element:
    """The PUS-C TM packet and, inheriting it, the housekeeping, event and verification reports; the
    container set. `flat`: under the root `ccsds_packet`, beside the packets of other APIDs."""
    containers = _sub(telemetry, "ContainerSet")
    if flat:
        _other_packets(types, parameters, containers, dictionary)
        secondary = (name for name, _ in TM_SECONDARY_HEADER)
        not_pus = tuple(("ccsds_apid", "!=", apid) for apid in sorted(dictionary.other_apids.values()))
        _container(containers, "pus_tm", secondary, ROOT, not_pus, abstract=True)
    else:
        header = (name for name, _ in (*PRIMARY_HEADER, *TM_SECONDARY_HEADER))
        _container(containers, "pus_tm", header, abstract=True)
    hk = _restriction(dictionary, 3, ("pus_subtype", "==", 25))
    _container(containers, "hk_report", ("sid",), "pus_tm", hk, abstract=True)
    for sid, members in structures.items():
        entries = (*(p.name for p in members), PACKET_ERROR_CONTROL)
        _container(containers, f"hk_structure_{sid}", entries, "hk_report", (("sid", "==", sid),))
    event = ("event_id", "event_text_length", "event_text")
    events = _restriction(dictionary, 5, ("pus_subtype", "<=", 4))
    _container(containers, "event_report", event, "pus_tm", events, abstract=True)
    for severity in Severity:
        name, restriction = f"event_{severity.name.lower()}", (("pus_subtype", "==", int(severity)),)
        _container(containers, name, (PACKET_ERROR_CONTROL,), "event_report", restriction)
    verification = _restriction(dictionary, 1)
    _container(containers, "verification_report", ("request_id",), "pus_tm", verification, abstract=True)
    for subtype, (stage, tail) in VERIFICATION_REPORTS.items():
        entries, restriction = (*tail, PACKET_ERROR_CONTROL), (("pus_subtype", "==", subtype),)
        _container(containers, f"verification_{stage}", entries, "verification_report", restriction)
    return containers


def _wire_args(fields: Iterable[Arg | CdsTime], event_id: Arg) -> tuple[Arg, ...]:
    """The fields of a declared layout as typed fields on the wire: a CDS time as its three fields, an
    event id (a field named `*event_id`) enumerated by the declared events' names."""
    args: list[Arg] = []
    for field in fields:
        if isinstance(field, CdsTime):
            args += CDS_FIELDS
        elif field.name.endswith("event_id"):
            args.append(replace(event_id, name=field.name))
        else:
            args.append(field)
    return tuple(args)


def _flat_repeated(
    types: ET.Element,
    parameters: ET.Element,
    name: str,
    group: Repeated,
    wire: tuple[Arg, ...],
    offset_bits: int,
) -> list[str | tuple[str, str]]:
    """The flat profile's repeated `group`: its count, then every entry's bytes as one binary parameter
    `name`_entries, of count times an entry's size, or, if entries end with a TC packet (sizes known only
    from each packet's header), of the rest of the packet before its error control: (data length + 1)
    bytes less the `offset_bits` after the primary header where the entries start, less the CRC."""
    count = f"{name}_count"
    _parameter(types, parameters, count, group.count)
    data = _sub(types, "BinaryParameterType", name=f"{name}_entries_type")
    _sub(data, "UnitSet")
    size = _sub(_sub(data, "BinaryDataEncoding"), "SizeInBits")
    if group.tc:
        length = ET.Element("ParameterInstanceRef", parameterRef="ccsds_data_length")
        _dynamic_value(size, length, slope=8, intercept=8 - offset_bits - 16)
    else:
        entry_bits = sum(arg.bits for arg in wire)
        _dynamic_value(size, ET.Element("ParameterInstanceRef", parameterRef=count), slope=entry_bits)
    _sub(parameters, "Parameter", name=f"{name}_entries", parameterTypeRef=f"{name}_entries_type")
    return [count, f"{name}_entries"]


def _repeated(
    types: ET.Element,
    parameters: ET.Element,
    containers: ET.Element,
    name: str,
    group: Repeated,
    wire: tuple[Arg, ...],
) -> list[str | tuple[str, str]]:
    """Declare the repeated `group` of a report as parameters `name`_*; its entries: the count, then
    an array of aggregates, or, if each entry ends with a TC packet (its size is in its own header),
    a container of the entry's fields and the packet, repeated `count` times."""
    count = f"{name}_count"
    _parameter(types, parameters, count, group.count)
    if group.tc:
        fields = [f"{name}_{arg.name}" for arg in (*wire, *TC_PACKET)]
        for field, arg in zip(fields, (*wire, *TC_PACKET), strict=True):
            _parameter(types, parameters, field, arg)
        data = _sub(types, "BinaryParameterType", name=f"{name}_tc_data_type")
        _sub(data, "UnitSet")
        size = _sub(_sub(data, "BinaryDataEncoding"), "SizeInBits")
        length = ET.Element("ParameterInstanceRef", parameterRef=f"{name}_tc_data_length")
        _dynamic_value(size, length, slope=8, intercept=8)
        _sub(parameters, "Parameter", name=f"{name}_tc_data", parameterTypeRef=f"{name}_tc_data_type")
        _container(containers, f"{name}_entry", (*fields, f"{name}_tc_data"), abstract=True)
        return [count, (f"{name}_entry", count)]
    entry = _sub(types, "AggregateParameterType", name=f"{name}_entry_type")
    members = _sub(entry, "MemberList")
    for arg in wire:
        _data_type(types, f"{name}_{arg.name}_type", arg, "Parameter", ranged=False)
        _sub(members, "Member", name=arg.name, typeRef=f"{name}_{arg.name}_type")
    array = _sub(types, "ArrayParameterType", name=f"{name}_type", arrayTypeRef=entry.get("name"))
    _dimension(array, ET.Element("ParameterInstanceRef", parameterRef=count))
    _sub(parameters, "Parameter", name=name, parameterTypeRef=f"{name}_type")
    return [count, name]


def _service_reports(
    types: ET.Element, parameters: ET.Element, containers: ET.Element, dictionary: Dictionary, flat: bool
) -> None:
    """A container inheriting `pus_tm` for each report layout the dictionary declares, its fields
    named after the container (`flat`: repeated groups as `_flat_repeated` describes)."""
    event_id = _event_id(dictionary)
    header_bits = sum(bits for _, bits in TM_SECONDARY_HEADER)
    for service, subtype in sorted(dictionary.reports):
        layout = dictionary.reports[(service, subtype)]
        name = layout.name
        entries: list[str | tuple[str, str]] = []
        offset_bits = header_bits
        for index, field in enumerate(layout.fields):
            if isinstance(field, Repeated):
                members = _wire_args(field.members, event_id)
                group = f"{name}_{field.name}"
                if not flat:
                    entries += _repeated(types, parameters, containers, group, field, members)
                elif field.tc and index != len(layout.fields) - 1:
                    raise ValueError(f"{name}: entries ending with a TC must be the report's last field")
                else:
                    offset_bits += field.count.bits
                    entries += _flat_repeated(types, parameters, group, field, members, offset_bits)
                continue
            for arg in _wire_args((field,), event_id):
                _parameter(types, parameters, f"{name}_{arg.name}", arg)
                entries.append(f"{name}_{arg.name}")
                offset_bits += arg.bits
        restriction = _restriction(dictionary, service, ("pus_subtype", "==", subtype))
        _container(containers, name, (*entries, PACKET_ERROR_CONTROL), "pus_tm", restriction)


def _arguments(meta_command: ET.Element, argument_types: ET.Element, command: Command) -> list[str]:
    """Declare the arguments of `command`; the names of its entries in wire order: the group count
    and an array of groups (one aggregate per group) if it is repeated, else its arguments."""
    if not command.args:
        return []
    arguments = _sub(meta_command, "ArgumentList")
    for arg in command.args:
        _data_type(argument_types, f"{command.name}_{arg.name}_type", arg, "Argument", ranged=True)
    if not command.repeated:
        for arg in command.args:
            _sub(arguments, "Argument", name=arg.name, argumentTypeRef=f"{command.name}_{arg.name}_type")
        return [arg.name for arg in command.args]
    _data_type(argument_types, f"{command.name}_count_type", Arg("count", "uint", 8), "Argument", ranged=True)
    group = _sub(argument_types, "AggregateArgumentType", name=f"{command.name}_group_type")
    members = _sub(group, "MemberList")
    for arg in command.args:
        _sub(members, "Member", name=arg.name, typeRef=f"{command.name}_{arg.name}_type")
    groups = _sub(
        argument_types,
        "ArrayArgumentType",
        name=f"{command.name}_groups_type",
        arrayTypeRef=group.get("name"),
    )
    _dimension(groups, ET.Element("ArgumentInstanceRef", argumentRef="count"))
    _sub(arguments, "Argument", name="count", argumentTypeRef=f"{command.name}_count_type")
    _sub(arguments, "Argument", name="groups", argumentTypeRef=groups.get("name"))
    return ["count", "groups"]


def _meta_command(argument_types: ET.Element, commands: ET.Element, command: Command, apid: int) -> None:
    element = _sub(commands, "MetaCommand", name=command.name)
    if command.description:
        element.set("shortDescription", command.description)
    assignments = _sub(_sub(element, "BaseMetaCommand", metaCommandRef="pus_tc"), "ArgumentAssignmentList")
    for name, value in (
        ("ccsds_apid", apid),
        ("pus_service", command.service),
        ("pus_subtype", command.subtype),
    ):
        _sub(assignments, "ArgumentAssignment", argumentName=name, argumentValue=value)
    entry_names = _arguments(element, argument_types, command)
    container = _sub(element, "CommandContainer", name=f"{command.name}_container")
    entries = _sub(container, "EntryList")
    if command.function_id is not None:
        _sub(
            entries,
            "FixedValueEntry",
            name="function_id",
            binaryValue=f"{command.function_id:04X}",
            sizeInBits=16,
        )
    for name in (*entry_names, PACKET_ERROR_CONTROL):
        _sub(entries, "ArgumentRefEntry", argumentRef=name)
    _sub(container, "BaseContainer", containerRef="pus_tc_container")


def _commands(system: ET.Element, dictionary: Dictionary) -> None:
    """The abstract PUS-C TC, its headers as arguments, and every command inheriting it."""
    command_data = _sub(system, "CommandMetaData")
    argument_types = _sub(command_data, "ArgumentTypeSet")
    commands = _sub(command_data, "MetaCommandSet")
    description = "PUS-C telecommand: CCSDS primary header, PUS-C TC secondary header"
    base = _sub(commands, "MetaCommand", name="pus_tc", abstract="true", shortDescription=description)
    arguments = _sub(base, "ArgumentList")
    entries = _sub(_sub(base, "CommandContainer", name="pus_tc_container"), "EntryList")
    for name, bits in (*PRIMARY_HEADER, *TC_SECONDARY_HEADER, (PACKET_ERROR_CONTROL, 16)):
        _field_type(argument_types, f"tc_{name}_type", name, bits, "Argument")
        initial = {"initialValue": TC_INITIAL_VALUES[name]} if name in TC_INITIAL_VALUES else {}
        _sub(arguments, "Argument", name=name, argumentTypeRef=f"tc_{name}_type", **initial)
        if name != PACKET_ERROR_CONTROL:
            _sub(entries, "ArgumentRefEntry", argumentRef=name)
    for command in dictionary.commands.values():
        _meta_command(argument_types, commands, command, dictionary.apid)


def xtce(
    dictionary: Dictionary,
    structures: Mapping[int, Sequence[Parameter]] | None = None,
    name: str = "Zorka",
    flat: bool = False,
) -> str:
    """The XTCE document (UTF-8 XML text) of `dictionary`, with a container for each housekeeping
    report structure of `structures` (structure id -> its parameters in wire order). `flat`: the flat
    profile (see the module)."""
    system = ET.Element("SpaceSystem", {"name": name, "xmlns": NAMESPACE})
    telemetry = _sub(system, "TelemetryMetaData")
    types, parameters = _tm_parameters(telemetry, dictionary)
    containers = _tm_containers(telemetry, types, parameters, dictionary, structures or {}, flat)
    _service_reports(types, parameters, containers, dictionary, flat)
    clash = [field for field, n in Counter(p.get("name") for p in parameters).items() if n > 1]
    if clash:
        raise ValueError(f"parameters named like packet fields: {sorted(clash)}")
    _commands(system, dictionary)
    ET.indent(system)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(system, encoding="unicode") + "\n"
