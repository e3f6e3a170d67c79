"""The dictionary as an XTCE 1.2 SpaceSystem, for ground tools that read XTCE (Yamcs, COSMOS).

Parameter types and parameters (housekeeping), argument types and meta-commands whose command
containers place the PUS service, subtype, function id and arguments in wire order. Ranges become
ValidRanges, units UnitSets. A TC of repeated groups is given as a single group (count fixed to 1).
"""

import xml.etree.ElementTree as ET

from flight.dictionary import Arg, Command, Dictionary

NAMESPACE = "http://www.omg.org/spec/XTCE/20180204"
_KINDS = {"int": "Integer", "uint": "Integer", "float": "Float", "enum": "Enumerated", "bool": "Boolean"}


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


def _fixed(entries: ET.Element, name: str, value: int, bits: int) -> None:
    _sub(entries, "FixedValueEntry", name=name, binaryValue=f"{value:0{bits // 4}X}", sizeInBits=bits)


def _meta_command(argument_types: ET.Element, commands: ET.Element, command: Command) -> None:
    element = _sub(commands, "MetaCommand", name=command.name)
    if command.description:
        element.set("shortDescription", command.description)
    arguments = _sub(element, "ArgumentList")
    container = _sub(element, "CommandContainer", name=f"{command.name}_container")
    entries = _sub(container, "EntryList")
    _fixed(entries, "service", command.service, 8)
    _fixed(entries, "subtype", command.subtype, 8)
    if command.function_id is not None:
        _fixed(entries, "function_id", command.function_id, 16)
    if command.repeated:
        _fixed(entries, "count", 1, 8)
    for arg in command.args:
        type_name = f"{command.name}_{arg.name}_type"
        _data_type(argument_types, type_name, arg, "Argument", ranged=True)
        _sub(arguments, "Argument", name=arg.name, argumentTypeRef=type_name)
        _sub(entries, "ArgumentRefEntry", argumentRef=arg.name)


def xtce(dictionary: Dictionary, name: str = "Zorka") -> str:
    """The XTCE document (UTF-8 XML text) of `dictionary`."""
    system = ET.Element("SpaceSystem", {"name": name, "xmlns": NAMESPACE})
    telemetry = _sub(system, "TelemetryMetaData")
    parameter_types = _sub(telemetry, "ParameterTypeSet")
    parameters = _sub(telemetry, "ParameterSet")
    for parameter in dictionary.parameters.values():
        type_name = f"{parameter.name}_type"
        _data_type(parameter_types, type_name, parameter.type, "Parameter", ranged=False)
        _sub(parameters, "Parameter", name=parameter.name, parameterTypeRef=type_name)
    command_data = _sub(system, "CommandMetaData")
    argument_types = _sub(command_data, "ArgumentTypeSet")
    commands = _sub(command_data, "MetaCommandSet")
    for command in dictionary.commands.values():
        _meta_command(argument_types, commands, command)
    ET.indent(system)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(system, encoding="unicode") + "\n"
