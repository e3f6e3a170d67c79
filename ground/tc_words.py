"""A TC packet back to the command line that made it: `set_adcs_mode mode=SUN_SAFE`, by the dictionary.

The archive keeps each telecommand the ground sent as its packet and as the words an operator reads
(`name`, `k=v ...`), whoever sent it: the console, `zorka send`, a sequence or the web page. Enum values
read back by name, floats by `repr`, embedded packets in hex; app data that does not fit the command's
declared arguments reads back as `data=HEX`, and a packet of no known command as `TC(s,t)`.
"""

import struct
from typing import Any

from ground.commands import ArgSpec, CommandBook, CommandSpec

PUS_TC_HEADER_BYTES = 11  # primary header 6, PUS-C TC secondary header 5
CRC_BYTES = 2


def tc_words(packet: bytes, book: CommandBook) -> tuple[str, list[str]]:
    """The command name and its `k=v` words for one TC packet (never raises)."""
    if len(packet) < PUS_TC_HEADER_BYTES + CRC_BYTES:
        return "TC(?)", [f"data={packet.hex()}"]
    service, subtype = packet[7], packet[8]
    app_data = packet[PUS_TC_HEADER_BYTES:-CRC_BYTES]
    spec = _spec(book, service, subtype, app_data)
    if spec is None:
        return f"TC({service},{subtype})", [f"data={app_data.hex()}"] if app_data else []
    body = app_data if spec.function_id is None else app_data[2:]
    try:
        return spec.name, _words(spec, body)
    except (struct.error, ValueError, IndexError):
        return spec.name, [f"data={body.hex()}"]


def _spec(book: CommandBook, service: int, subtype: int, app_data: bytes) -> CommandSpec | None:
    function_id = int.from_bytes(app_data[:2], "big") if len(app_data) >= 2 else None
    fallback = None
    for spec in book.commands.values():
        if (spec.service, spec.subtype) != (service, subtype):
            continue
        if spec.function_id is None:
            fallback = spec
        elif spec.function_id == function_id:
            return spec
    return fallback


def _words(spec: CommandSpec, body: bytes) -> list[str]:
    declared = [a for a in spec.args if a.kind != "packet"]
    offset = 0
    if spec.repeated:
        count, offset = body[0], 1
        lists: dict[str, list[str]] = {a.name: [] for a in declared}
        for _ in range(count):
            for arg in declared:
                text, offset = _value(arg, body, offset)
                lists[arg.name].append(text)
        words = [f"{name}={','.join(texts)}" for name, texts in lists.items()]
    else:
        words = []
        for arg in declared:
            text, offset = _value(arg, body, offset)
            words.append(f"{arg.name}={text}")
    rest = body[offset:]
    if len(declared) < len(spec.args):
        words += _packets(rest)
    elif rest:
        raise ValueError("app data longer than the command's arguments")
    return words


def _value(arg: ArgSpec, body: bytes, offset: int) -> tuple[str, int]:
    (value,) = struct.unpack_from(arg.encoding, body, offset)
    offset += struct.calcsize(arg.encoding)
    names: dict[Any, str] = {v: k for k, v in arg.values.items()}
    if arg.kind == "enum" and value in names:
        return names[value], offset
    if arg.kind == "bool":
        return ("true" if value else "false"), offset
    return (repr(value) if isinstance(value, float) else str(value)), offset


def _packets(rest: bytes) -> list[str]:
    """Embedded space packets, each `tc=HEX`, by their length fields."""
    words = []
    while rest:
        if len(rest) < 6:
            raise ValueError("a cut embedded packet")
        size = int.from_bytes(rest[4:6], "big") + 7
        if size > len(rest):
            raise ValueError("a cut embedded packet")
        words.append(f"tc={rest[:size].hex()}")
        rest = rest[size:]
    return words
