"""The bench operator's commands, `zorka send` and `zorka console`: the ground console and sequences of
ground/ wired to the dictionary and a link.

The dictionary is the JSON file `--dict FILE` (what `zorka dict` printed, as a ground station would
hold it), else the flight software's own declarations exported here (zorka may import flight; ground
may not). The link is the authenticated frame link of `zorka serve --link-port N` or the raw packet
port of `zorka serve --packet-port N --insecure`. Exit codes:
0 done, 1 the command failed or timed out or the link broke, 2 a bad command line or file.
"""

import argparse
import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console

from ccsds.sdls import SdlsSender, SecurityAssociation
from ground.archived_link import ArchivedLink
from ground.commands import CommandBook, CommandError
from ground.console import GroundConsole
from ground.key_store import KeyFileError, KeyStore
from ground.link import GroundLink
from ground.link_client import LinkClient
from ground.packet_client import LOOPBACK, PacketClient
from ground.sequence import SequenceError, load_sequence, run_sequence
from ground.session import Session
from ground.telemetry import Record, TelemetryDecoder
from ground.tm_store import DEFAULT_ARCHIVE_NAME, TmStore, TmStoreError
from native.time_scales import SECONDS_PER_DAY

MAX_TIMEOUT_S = SECONDS_PER_DAY
FAILURE_EVENTS_S = 2.0
"""After a failed command `zorka send` listens this long for the events that explain it (an
`imaging_refused` after NOT_ALLOWED_IN_MODE comes a frame or two after the failure report)."""


class OperatorError(Exception):
    """A problem the operator can fix, with its exit code; the message is one line."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def load_dictionary(path: Path | None) -> dict[str, Any]:
    """The dictionary JSON of `path`, or the flight software's own if None."""
    if path is None:  # the declarations alone, as `zorka dict` exports them: no world to build (~0.1 s)
        from flight.onboard_dictionary import SpacecraftShape, onboard_dictionary
        from zorka.outputs.dictionary_json import dictionary_json

        return json.loads(dictionary_json(onboard_dictionary(SpacecraftShape())))
    try:
        dictionary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise OperatorError(f"argument --dict: cannot read {str(path)!r} ({problem})", 2) from None
    try:
        CommandBook(dictionary)
        TelemetryDecoder(dictionary)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise OperatorError(f"argument --dict: {str(path)!r} is not a `zorka dict` JSON file", 2) from None
    return dictionary


def check_timeout(timeout_s: float) -> None:
    if not 0.0 < timeout_s <= MAX_TIMEOUT_S:
        raise OperatorError(f"argument --timeout: {timeout_s:g} is not a number of seconds in (0, 86400]", 2)


def connect(args: argparse.Namespace, dictionary: dict[str, Any]) -> PacketClient | LinkClient:
    """The transport the arguments name: the authenticated link (`--link-port`, keys from `--keys`,
    spacecraft and channel from the dictionary's `link` section) or the raw packet port."""
    port = args.link_port if args.link_port is not None else args.packet_port
    option = "--link-port" if args.link_port is not None else "--packet-port"
    if not 0 < port <= 65535:
        raise OperatorError(f"argument {option}: {port} is not a TCP port (1-65535)", 2)
    serve = f"zorka serve {option} {port}" + (" --insecure" if args.link_port is None else "")
    try:
        if args.link_port is None:
            return PacketClient(port)
        return _link_client(port, args.keys, dictionary.get("link"), args.timeout, serve)
    except OSError as failure:
        reason = failure.strerror or str(failure)
        raise OperatorError(
            f"cannot connect to {LOOPBACK}:{port} ({reason}); is `{serve}` running?", 1
        ) from None


def _link_client(port: int, key_file: Path, link: dict | None, timeout_s: float, serve: str) -> LinkClient:
    if not isinstance(link, dict):
        raise OperatorError(
            "argument --dict: the dictionary has no `link` section; export it again with `zorka dict`", 2
        )
    if not key_file.exists():
        raise OperatorError(
            f"argument --keys: no key file {str(key_file)!r}; `{serve}` makes one, or copy the spacecraft's",
            2,
        )
    try:
        keys = KeyStore(key_file)
    except KeyFileError as problem:
        raise OperatorError(f"argument --keys: {problem}", 2) from None
    sender = SdlsSender(SecurityAssociation(keys.spi, keys.key), segment_header=link["tc_segment_header"])
    ground = GroundLink(link["scid"], link["tc_vcid"], link["tm_frame_bytes"], sender, keys.reserve_arsn)
    client = LinkClient(port, ground)
    if not client.wait_active(timeout_s):
        client.close()
        raise OperatorError(f"the link on {LOOPBACK}:{port} sent no usable CLCW within {timeout_s:g} s", 1)
    return client


def archive_path(args: argparse.Namespace) -> Path:
    """`--archive`, else zorka-archive.sqlite beside the key file."""
    archive = getattr(args, "archive", None)
    return archive if archive is not None else args.keys.parent / DEFAULT_ARCHIVE_NAME


def open_store(path: Path, dictionary: dict[str, Any], program: str, link: str) -> TmStore:
    try:
        return TmStore(path, dictionary, program, link)
    except TmStoreError as problem:
        raise OperatorError(f"argument --archive: {problem}", 2) from None


def archived(args: argparse.Namespace, dictionary: dict[str, Any], program: str) -> ArchivedLink:
    """The link the arguments name, keeping everything it carries in the ground's archive."""
    option = "--link-port" if args.link_port is not None else "--packet-port"
    link = f"{option} {args.link_port if args.link_port is not None else args.packet_port}"
    store = open_store(archive_path(args), dictionary, program, link)
    try:
        return ArchivedLink(connect(args, dictionary), store, program, close_store=True)
    except OperatorError:
        store.close()
        raise


def print_record(session: Session) -> Callable[[Record], None]:
    """An observer printing each record worth a line, as it arrives."""

    def show(record: Record) -> None:
        line = session.describe(record)
        if line is not None:
            print(line, flush=True)

    return show


def send(args: argparse.Namespace) -> int:
    """`zorka send NAME k=v ...` or `zorka send --sequence FILE`: the exit code."""
    if (args.name is None) == (args.sequence is None):
        raise OperatorError("give either a command NAME [k=v ...] or --sequence FILE", 2)
    check_timeout(args.timeout)
    dictionary = load_dictionary(args.dict)
    if args.sequence is not None:
        try:
            steps = load_sequence(args.sequence, dictionary)
        except SequenceError as problem:
            raise OperatorError(str(problem), 2) from None
    else:
        try:
            CommandBook(dictionary).spec(args.name).app_data(args.args)
        except CommandError as problem:
            raise OperatorError(str(problem), 2) from None
    transport = archived(args, dictionary, "send")
    session = open_session(transport, dictionary, args)
    session.observer = print_record(session)
    try:
        if args.sequence is not None:
            passed = run_sequence(session, steps, partial(print, flush=True), args.timeout)
            return 0 if passed else 1
        request = session.send(args.name, args.args)
        outcome = session.wait_for_outcome(request, args.timeout)
        if outcome is not None and not outcome.success:
            print(f"(listening {FAILURE_EVENTS_S:g} s for the events that explain the failure)", flush=True)
            session.wait_until(lambda: False, FAILURE_EVENTS_S)
    except KeyboardInterrupt:
        return 1
    except ConnectionError as failure:
        raise OperatorError(str(failure), 1) from None
    finally:
        transport.close()
    if outcome is None:
        if session.refusal_since(0) is None:  # a refusal was printed as it came
            print(f"{args.name}: no completion within {args.timeout:g} s", flush=True)
        return 1
    return 0 if outcome.success else 1


def open_session(
    transport: ArchivedLink | PacketClient | LinkClient, dictionary: dict[str, Any], args: argparse.Namespace
) -> Session:
    """A session on `transport` whose advice on a refused frame names this link's resync command."""
    session = Session(transport, dictionary)
    if args.link_port is not None:
        session.resync_hint = f"zorka resync --link-port {args.link_port} --keys {args.keys}"
    return session


def console(args: argparse.Namespace) -> int:
    """`zorka console`: the REPL on stdin and the terminal until `quit`, end of input or Ctrl-C."""
    check_timeout(args.timeout)
    dictionary = load_dictionary(args.dict)
    transport = archived(args, dictionary, "console")
    session = open_session(transport, dictionary, args)
    try:
        GroundConsole(session, Console(), args.timeout).interact(args.history)
    except KeyboardInterrupt:
        pass
    except ConnectionError as failure:
        raise OperatorError(str(failure), 1) from None
    finally:
        transport.close()
    return 0


def one_line_failures(
    program: str, action: Callable[[argparse.Namespace], int]
) -> Callable[[argparse.Namespace], int]:
    """`zorka PROGRAM` running `action`, its OperatorError one line on stderr with its exit status."""

    def command(args: argparse.Namespace) -> int:
        try:
            return action(args)
        except OperatorError as problem:
            print(f"zorka {program}: error: {problem}", file=sys.stderr)
            return problem.status

    command.__doc__ = f"`zorka {program}`, its failures one line with their exit status."
    return command


send_command = one_line_failures("send", send)
console_command = one_line_failures("console", console)
