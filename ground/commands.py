"""Telecommands by name: `set_adcs_mode mode=SUN_SAFE` -> PUS-C TC packet, checked against the dictionary.

The dictionary is the JSON that `zorka dict` prints (ground never imports flight). Each `key=value` is
checked for its command's argument names, type and range, and enum names, before anything is sent;
any mistake raises `CommandError` with one line naming the command, the argument and what is allowed.
A number may carry its unit (`alt=350m`); arguments in rad (rad/s) also take degrees with a `deg`
(`deg/s`) suffix: `lat=48.1deg`. Arguments of a repeated command (a uint8 count, then N groups) take
comma-separated lists of equal length: `hk_set_interval sid=1,2 interval=5,10`. A service-8
function's app data starts with its uint16 id.
A command that carries complete TC packets (scheduling, event actions: `embedded_tc` in the dictionary)
takes each as `tc=HEX`, the packet's bytes in hex, after its declared arguments. An argument the
dictionary gives a default may be left out (the default goes on the wire). `CommandBook.time_tagged`
wraps a command in a service-11 insert (TC(11,4)) released at a UTC time, and `describe_packet` turns a
TC packet back into its command line (for reports that carry TCs: 11,10, 19,7).
"""

import difflib
import math
import struct
from dataclasses import dataclass
from typing import Any

from spacepackets.ecss import PusTc

from ccsds.time_code import CDS_EPOCH

MAX_SEQUENCE_COUNT = 1 << 14
MAX_GROUPS = 255
DEGREE_SUFFIXES = {"rad": "deg", "rad/s": "deg/s"}
PACKET = "tc"
PRIMARY_HEADER_BYTES = 6
TRUE_WORDS = {"1": 1, "true": 1, "on": 1, "yes": 1, "0": 0, "false": 0, "off": 0, "no": 0}
SCHEDULE_INSERT = "schedule_insert"
MS_PER_DAY = 86_400_000
CDS_EPOCH_UNIX_S = CDS_EPOCH.timestamp()


class CommandError(ValueError):
    """A command line the dictionary refuses; the message is one line for the operator."""


@dataclass(frozen=True)
class ArgSpec:
    """One typed argument of a command, as the dictionary declares it."""

    name: str
    kind: str
    encoding: str
    low: float | None
    high: float | None
    unit: str
    values: dict[str, int]
    description: str = ""
    default: float | None = None

    @classmethod
    def from_json(cls, d: dict) -> "ArgSpec":
        return cls(
            d["name"],
            d["type"],
            d["encoding"],
            d["min"],
            d["max"],
            d["unit"],
            dict(d["values"]),
            d.get("description", ""),
            d.get("default"),
        )

    def default_text(self) -> str | None:
        """The default as the operator would type it (an enum by name), or None if there is none."""
        if self.default is None:
            return None
        if self.kind == "enum":
            return next((k for k, v in self.values.items() if v == self.default), f"{self.default:g}")
        if self.kind == "float":
            return f"{self.default!r}"
        return f"{int(self.default)}"

    def shown_default(self) -> str:
        """The default for people: an enum by name, a float to 6 figures, degrees beside radians."""
        if self.kind != "float":
            return self.default_text() or ""
        text = f"{self.default:.6g}" + (f" {self.unit}" if self.unit else "")
        if self.unit in DEGREE_SUFFIXES and self.default:
            text += f" ({math.degrees(self.default):.6g}{DEGREE_SUFFIXES[self.unit]})"
        return text

    def help(self, listed: bool = False) -> str:
        """`name  description`, then what it accepts, its unit and its default: for `help NAME`."""
        text = f"{self.name}: {'a comma-separated list of ' if listed else ''}{self.allowed()}"
        if self.default is not None:
            text += f"; default {self.shown_default()}"
        return text + (f"\n      {self.description}" if self.description else "")

    def show(self, value: int | float | bytes) -> str:
        """A wire value as the operator types it: an enum by name, a float to 9 significant figures."""
        if isinstance(value, bytes):
            return value.hex()
        if self.kind == "enum":
            return next((k for k, v in self.values.items() if v == value), str(value))
        if self.kind == "bool":
            return "true" if value else "false"
        return f"{value:.9g}" if isinstance(value, float) else str(value)

    def allowed(self) -> str:
        """What this argument accepts, for error messages and `help`."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.values)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "packet":
            return "a space packet in hex"
        low = "-inf" if self.low is None else _shown_bound(self.low, self.kind)
        high = "inf" if self.high is None else _shown_bound(self.high, self.kind)
        text = f"{self.kind} in [{low}, {high}]" + (f" {self.unit}" if self.unit else "")
        if self.unit in DEGREE_SUFFIXES and self.low is not None and self.high is not None:
            suffix = DEGREE_SUFFIXES[self.unit]
            text += f" or [{math.degrees(self.low):g}, {math.degrees(self.high):g}]{suffix}"
        return text

    def parse(self, text: str) -> int | float | bytes:
        """The wire value of `text`; ValueError (message: what is allowed) if it does not fit."""
        word = text.strip()
        if self.kind == "packet":
            return self._packet(word)
        if self.kind == "enum":
            by_name = {k.upper(): v for k, v in self.values.items()}
            if word.upper() in by_name:
                return by_name[word.upper()]
            if word.isascii() and word.isdigit() and int(word) in self.values.values():
                return int(word)
            raise ValueError(self.allowed())
        if self.kind == "bool":
            if word.lower() in TRUE_WORDS:
                return TRUE_WORDS[word.lower()]
            raise ValueError(self.allowed())
        value = self._number(word)
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ValueError(self.allowed())
        try:
            struct.pack(self.encoding, value)
        except (struct.error, OverflowError):
            raise ValueError(self.allowed()) from None
        return value

    def _packet(self, word: str) -> bytes:
        try:
            packet = bytes.fromhex(word)
        except ValueError:
            raise ValueError(self.allowed()) from None
        if len(packet) < PRIMARY_HEADER_BYTES or len(packet) != int.from_bytes(packet[4:6], "big") + 7:
            raise ValueError(self.allowed() + " whose length field matches its length")
        return packet

    def _number(self, word: str) -> int | float:
        """A number, its unit written after it or not (`350m`, `1500ms`), degrees for radians."""
        scale = 1.0
        suffix = DEGREE_SUFFIXES.get(self.unit)
        if suffix and word.endswith(suffix):
            word, scale = word.removesuffix(suffix), math.pi / 180.0
        elif self.unit and word.endswith(self.unit):
            word = word.removesuffix(self.unit)
        try:
            value = float(word) * scale if self.kind == "float" else int(word, 0)
        except ValueError:
            raise ValueError(self.allowed()) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(self.allowed())
        return value


@dataclass(frozen=True)
class CommandSpec:
    """One telecommand of the dictionary: its PUS type, function id and arguments."""

    name: str
    service: int
    subtype: int
    function_id: int | None
    repeated: bool
    args: tuple[ArgSpec, ...]
    description: str

    @classmethod
    def from_json(cls, d: dict) -> "CommandSpec":
        args = tuple(ArgSpec.from_json(a) for a in d["args"])
        if d.get("embedded_tc"):
            args += (ArgSpec(PACKET, "packet", "", None, None, "", {}),)
        return cls(
            d["name"], d["service"], d["subtype"], d["function_id"], d["repeated"], args, d["description"]
        )

    def usage(self) -> str:
        """`name arg=<allowed> ...`, one line; an argument with a default in brackets."""
        listed = "list of " if self.repeated else ""
        words = [
            f"[{a.name}=<{listed}{a.allowed()}>]"
            if a.default is not None
            else f"{a.name}=<{listed}{a.allowed()}>"
            for a in self.args
        ]
        return " ".join([self.name, *words])

    def help(self) -> str:
        """What `help NAME` prints: the command, its PUS type, description, and every argument with its
        description, range, unit and default; how lists are written for a repeated command."""
        pus = f"TC({self.service},{self.subtype})" + (
            f" function {self.function_id}" if self.function_id else ""
        )
        lines = [
            f"{self.name}  {pus}",
            f"  {self.description or '(no description)'}",
            f"  usage: {self.usage()}",
        ]
        if self.repeated:
            lines.append(
                f"  repeated: each argument a comma-separated list, all of one length (1 to {MAX_GROUPS}),"
                f" e.g. {self.name} " + " ".join(f"{a.name}=A,B" for a in self.args if a.kind != "packet")
            )
        if not self.args:
            lines.append("  no arguments")
        lines += [f"  {a.help(self.repeated)}" for a in self.args]
        return "\n".join(lines)

    def describe(self, app_data: bytes) -> str | None:
        """`name k=v ...` of this command's app data (lists if repeated), or None if it does not fit."""
        offset = 0 if self.function_id is None else 2
        args = [a for a in self.args if a.kind != "packet"]
        try:
            if not self.repeated:
                values, offset = _unpack_group(args, app_data, offset)
                return " ".join(
                    [self.name, *(f"{a.name}={a.show(v)}" for a, v in zip(args, values, strict=True))]
                )
            count, offset = app_data[offset], offset + 1
            groups = []
            for _ in range(count):
                values, offset = _unpack_group(args, app_data, offset)
                if len(args) < len(self.args):
                    end = (
                        offset
                        + PRIMARY_HEADER_BYTES
                        + 1
                        + int.from_bytes(app_data[offset + 4 : offset + 6], "big")
                    )
                    values.append(app_data[offset:end])
                    offset = end
                groups.append(values)
        except (IndexError, struct.error):
            return None
        if offset != len(app_data):
            return None
        columns = zip(self.args, zip(*groups, strict=True), strict=False) if groups else ()
        return " ".join([self.name, *(f"{a.name}={','.join(a.show(v) for v in vs)}" for a, vs in columns)])

    def app_data(self, words: list[str]) -> bytes:
        """The TC app data for `key=value` words; CommandError naming the argument at fault."""
        given: dict[str, str] = {}
        for word in words:
            key, sep, text = word.partition("=")
            if not sep or not key:
                raise CommandError(f"{self.name}: {word!r} is not key=value; usage: {self.usage()}")
            if key in given:
                raise CommandError(f"{self.name}: argument {key!r} given twice")
            given[key] = text
        names = [a.name for a in self.args]
        unknown = [k for k in given if k not in names]
        if unknown:
            takes = f"it takes {', '.join(names)}" if names else "it takes no arguments"
            raise CommandError(f"{self.name}: unknown argument {unknown[0]!r}; {takes}")
        defaulted = [a for a in self.args if a.name not in given and a.default is not None]
        missing = [a for a in self.args if a.name not in given and a.default is None]
        if missing:
            raise CommandError(f"{self.name}: missing argument {missing[0].name} ({missing[0].allowed()})")
        head = b"" if self.function_id is None else struct.pack(">H", self.function_id)
        if not self.repeated:
            given |= {a.name: a.default_text() for a in defaulted}
            return head + b"".join(self._packed(a, given[a.name]) for a in self.args)
        lists = {a.name: given[a.name].split(",") for a in self.args if a.name in given}
        counts = {len(v) for v in lists.values()}
        lists |= {a.name: [a.default_text()] * max(counts, default=1) for a in defaulted}
        if len(counts) > 1:
            raise CommandError(f"{self.name}: lists of {', '.join(names)} must have the same length")
        count = counts.pop() if counts else 0
        if not 1 <= count <= MAX_GROUPS:
            raise CommandError(f"{self.name}: give 1 to {MAX_GROUPS} comma-separated values per argument")
        groups = (self._packed(a, lists[a.name][i]) for i in range(count) for a in self.args)
        return head + bytes([count]) + b"".join(groups)

    def _packed(self, arg: ArgSpec, text: str) -> bytes:
        try:
            value = arg.parse(text)
            return value if isinstance(value, bytes) else struct.pack(arg.encoding, value)
        except ValueError as allowed:
            raise CommandError(f"{self.name}: {arg.name}={text!r}: must be {allowed}") from None


class CommandBook:
    """The commands of a dictionary by name, and the TC packets built from command lines."""

    def __init__(self, dictionary: dict[str, Any]):
        self.apid: int = dictionary["apid"]
        self.commands = {c["name"]: CommandSpec.from_json(c) for c in dictionary["commands"]}
        self._by_type = {(c.service, c.subtype, c.function_id): c for c in self.commands.values()}

    def spec(self, name: str) -> CommandSpec:
        """The command `name`; CommandError with the nearest names if there is none."""
        if name not in self.commands:
            near = difflib.get_close_matches(name, self.commands, n=3)
            hint = f"did you mean {' or '.join(near)}? " if near else ""
            raise CommandError(f"unknown command {name!r}; {hint}(`commands` or `zorka dict` lists them)")
        return self.commands[name]

    def packet(self, name: str, words: list[str], sequence_count: int) -> bytes:
        """The TC packet of `name k=v ...` with every verification report asked for."""
        spec = self.spec(name)
        tc = PusTc(
            apid=self.apid,
            service=spec.service,
            message_subtype=spec.subtype,
            app_data=spec.app_data(words),
            seq_count=sequence_count % MAX_SEQUENCE_COUNT,
        )
        return tc.pack()

    def time_tagged(
        self, release_unix_s: float, name: str, words: list[str], sequence_count: int
    ) -> tuple[bytes, bytes]:
        """The TC(11,4) that schedules `name k=v ...` for `release_unix_s` (UTC, to the ms), and the
        scheduled TC itself (its request ID is the one its verification reports carry when released).
        The scheduled TC takes `sequence_count`, the insert the next one."""
        inner = self.packet(name, words, sequence_count)
        ms = round((release_unix_s - CDS_EPOCH_UNIX_S) * 1000.0)
        days, ms_of_day = divmod(ms, MS_PER_DAY)
        if not 0 <= days <= 0xFFFF:
            raise CommandError(
                f"release time {release_unix_s:.3f} (Unix s) is outside the CDS range 1958-2137"
            )
        insert = ["time_code=CDS_SHORT", f"days={days}", f"ms_of_day={ms_of_day}", f"{PACKET}={inner.hex()}"]
        return self.packet(SCHEDULE_INSERT, insert, sequence_count + 1), inner

    def describe_packet(self, packet: bytes) -> str:
        """The command line of TC packet `packet` (`name k=v ...`), else `TC(s,t) HEX` if the dictionary
        does not know it or its data do not fit."""
        try:
            tc = PusTc.unpack(packet)
        except ValueError:
            return f"TC {packet.hex()}"
        data = bytes(tc.app_data)
        function = int.from_bytes(data[:2], "big") if tc.service == 8 and len(data) >= 2 else None
        spec = self._by_type.get((tc.service, tc.message_subtype, function))
        text = None if spec is None else spec.describe(data)
        return text if text is not None else f"TC({tc.service},{tc.message_subtype}) {data.hex()}"


def _shown_bound(value: float, kind: str) -> str:
    """A range bound as written: integers exactly, floats to 6 significant figures."""
    return str(int(value)) if kind in ("int", "uint") else f"{value:g}"


def _unpack_group(args: list[ArgSpec], data: bytes, offset: int) -> tuple[list, int]:
    values = []
    for arg in args:
        (value,) = struct.unpack_from(arg.encoding, data, offset)
        values.append(value)
        offset += struct.calcsize(arg.encoding)
    return values, offset


def request_id(packet: bytes) -> bytes:
    """The request ID that verification reports name a TC by: its packet ID and sequence control."""
    return bytes(packet[:4])
