"""`zorka`: the one command. It parses and dispatches; the work lives in the rooms of zorka/.
Subcommands: run (a simulated mission), scenario (the default scenario, checks), serve (the flight
software live with its ground links), sim-server and flight (the two halves of a flight-computer-in-
the-loop bench), console and send (the operator at the bench), ground (the web ground page),
archive (what the ground received and sent), dict (the
command/telemetry dictionary), board-server (simulated boards on the far side of a serial port),
board-check (conformance of any board on a serial port), wire (a paced, faulty link between two serial
ports), plan (the imaging planner on its own), soak (a long run SIGKILLed and resumed, then checked),
bench (the performance figures).

Bad arguments get one line naming the option, the value and what is allowed, and exit 2.
"""

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

MAX_SEEDS = 100_000
DEFAULT_ARCHIVE_NAME = "zorka-archive.sqlite"  # ground/tm_store.py's; cli.py imports nothing heavy
CHECKPOINT_MIN_WALL_S = 5.0  # zorka/run/checkpoint.py's, for the same reason


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line instead of usage plus error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def duration_s(text: str) -> float:
    """'90m', '5400', '5400s', '1.5h', '1d' -> seconds of a simulated run (at most 30 days)."""
    from zorka.scenario.limits import MAX_RUN_DURATION_S

    return _duration_s(text, MAX_RUN_DURATION_S)


def live_duration_s(text: str) -> float:
    """The same for a live session, paced by the wall clock (at most a year)."""
    from zorka.scenario.limits import MAX_LIVE_DURATION_S

    return _duration_s(text, MAX_LIVE_DURATION_S)


def _duration_s(text: str, max_s: float) -> float:
    from zorka.scenario.toml_file import parse_duration_s

    try:
        return parse_duration_s(text, max_s)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(f"{problem} (units s, m, h, d; s if none)") from None


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0 or value >= 2**63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed: use a whole number from 0 to 2^63-1")
    return value


def seconds_at_least_zero(what: str, zero: str) -> Callable[[str], float]:
    """A parser of seconds, finite and >= 0, whose refusal names `what` they are and what 0 means."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0.0 <= value < float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}: use seconds >= 0 (0: {zero})")
        return value

    return parse


wall_seconds = seconds_at_least_zero("a wall time", "no floor")
"""Wall seconds between checkpoints (0: on simulated time alone)."""
watchdog_seconds = seconds_at_least_zero("a timeout", "off")
"""A board's watchdog timeout (0: off)."""


def seed_list(text: str) -> list[int]:
    """'1-4,10' -> [1, 2, 3, 4, 10]: seeds and inclusive ranges of seeds, comma-separated, each once."""
    seeds: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            low = seed(first)
            high = seed(last) if dash else low
        except argparse.ArgumentTypeError:
            low, high = 0, -1
        if high < low:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a seed list: use seeds and ranges from 0 to 2^63-1, low to high, "
                "e.g. 1-20, 3,5,9 or 1-4,10"
            )
        if len(seeds) + high - low >= MAX_SEEDS:
            raise argparse.ArgumentTypeError(
                f"{text!r} has more than {MAX_SEEDS:,} seeds: split the campaign"
            )
        seeds.extend(range(low, high + 1))
    if len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"{text!r} names a seed twice: give each seed once")
    return seeds


def positive_int(text: str) -> int:
    """'4' -> 4; a count of at least 1 (e.g. --jobs)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def dask_address(text: str) -> str:
    """'local:2' or 'tcp://127.0.0.1:8786': where a campaign's seeds run (checked, not connected to)."""
    from zorka.run.dask_campaign import check_dask_address

    try:
        return check_dask_address(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def serial_assignment(text: str) -> tuple[list[str], str]:
    """'gyro,wheels=/dev/pts/5' -> (['gyro', 'wheels'], '/dev/pts/5')."""
    from zorka.run.board_devices import SERIAL_DEVICES

    devices, sep, port = text.partition("=")
    names = [d.strip() for d in devices.split(",") if d.strip()]
    if not sep or not port or not names or any(d not in (*SERIAL_DEVICES, "all") for d in names):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not DEVICES=PORT with DEVICES from {', '.join(SERIAL_DEVICES)} or all "
            "(e.g. gyro,wheels=/dev/pts/5)"
        )
    return names, port


def board_devices(text: str) -> list[str]:
    """'gyro,wheels' -> ['gyro', 'wheels']: board device names (hal/board_protocol.md), each once."""
    from sim.board_config import DEVICE_SPECS

    names = [d.strip() for d in text.split(",") if d.strip()]
    if not names or any(d not in DEVICE_SPECS for d in names) or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of board devices: use names from {', '.join(DEVICE_SPECS)}, each once "
            "(e.g. gyro,wheels)"
        )
    return names


def gnss_line(text: str) -> str:
    """'ubx:sim', 'nmea:/dev/ttyUSB1@9600': checked here, taken apart by the mission."""
    from zorka.run.gnss_line import parse_gnss_line

    try:
        parse_gnss_line(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None
    return text


def add_key_file_option(parser: argparse.ArgumentParser) -> None:
    """`--keys`: the authenticated link's key file, as `zorka serve` and `zorka flight` take it."""
    parser.add_argument(
        "--keys",
        type=Path,
        default=Path("zorka-link-key.json"),
        metavar="FILE",
        help="the link's key file, shared with `zorka console`/`send` (made with a new random key if "
        "missing; default: zorka-link-key.json)",
    )


def add_port_limit_options(parser: argparse.ArgumentParser) -> None:
    """`--max-clients` and `--idle-timeout`: what each TCP port of `zorka serve`/`zorka flight` tolerates."""
    from zorka.serve.packet_port import DEFAULT_IDLE_TIMEOUT_S, DEFAULT_MAX_CLIENTS

    parser.add_argument(
        "--max-clients",
        type=positive_int,
        default=DEFAULT_MAX_CLIENTS,
        metavar="N",
        help=f"clients each TCP port serves at once; more are closed at once and counted as refused "
        f"(default: {DEFAULT_MAX_CLIENTS})",
    )
    parser.add_argument(
        "--idle-timeout",
        type=duration_s,
        default=DEFAULT_IDLE_TIMEOUT_S,
        metavar="TIME",
        help=f"when a TCP port is full, a newcomer takes the place of the client silent longest if it sent "
        f"nothing for this long (default: {DEFAULT_IDLE_TIMEOUT_S:g}s); a quiet client is never closed "
        "while there is room",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="zorka",
        description="Flight software, simulator and ground segment of a small agile "
        "Earth-observation satellite.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run a simulated mission and write its summary",
        description="Run a scenario (by default the built-in one: 500 km sun-synchronous orbit, ~130 kg "
        "imager starting 10 deg off nadir) faster than real time; print a summary table and write the run "
        "folder: summary.json, truth.oem, truth.aem.",
    )
    run.add_argument(
        "scenario",
        nargs="?",
        type=Path,
        metavar="SCENARIO",
        help="scenario file (TOML; `zorka scenario --default` prints one to start from)",
    )
    run.add_argument(
        "--duration",
        type=duration_s,
        default=None,
        metavar="TIME",
        help="simulated time, e.g. 90m, 5400s, 1.5h, 1d (default: the scenario's, else one orbit)",
    )
    seeding = run.add_mutually_exclusive_group()
    seeding.add_argument(
        "--seed",
        type=seed,
        default=None,
        metavar="N",
        help="seed of every noise generator, overriding the scenario's; the same seed gives the same "
        "summary (default: the scenario's, 1 for the built-in one)",
    )
    seeding.add_argument(
        "--seeds",
        type=seed_list,
        default=None,
        metavar="LIST",
        help="a Monte Carlo campaign: run once per seed (e.g. 1-20, 3,5,9 or 1-4,10), each into DIR/seed-N/ "
        "(summary.json, tm.bin and the recorded truth), then write DIR/campaign.json with min, median, p95 "
        "and max of the summary figures and DIR/campaign.html, whose worst seeds get whole run folders with "
        "report.html; the scenario's [campaign] dispersions are drawn per seed; seeds already finished in "
        "DIR are not run again; exit 1 if a seed failed",
    )
    run.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="with --seeds: runs at once, each in its own process (default: the number of CPUs)",
    )
    run.add_argument(
        "--worst",
        type=positive_int,
        default=None,
        metavar="N",
        help="with --seeds: how many of the worst seeds get whole run folders with report.html, linked from "
        "campaign.html: each key figure's worst, then each one's next worst (default 6; each costs about "
        "four seeds' CPU; --no-report for none)",
    )
    run.add_argument(
        "--dask",
        type=dask_address,
        default=None,
        metavar="ADDRESS",
        help="with --seeds: run the seeds on the Dask scheduler at ADDRESS (e.g. tcp://127.0.0.1:8786), or "
        "on a cluster of N local worker processes with local:N, instead of the local process pool",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=Path("runs/latest"),
        metavar="DIR",
        help="folder for summary.json, created if missing (default: runs/latest)",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="write into an --out folder that holds files no run wrote (they are kept, never deleted)",
    )
    run.add_argument(
        "--serial",
        type=serial_assignment,
        action="append",
        default=[],
        metavar="DEVICES=PORT",
        help="serve these devices from a board on PORT (devices: gyro, star_tracker, magnetometer, "
        "sun_sensor, gnss, wheels, magnetorquers, power, imager, or all), e.g. --serial "
        "gyro,wheels=/dev/pts/5 or --serial all=/dev/pts/5 against `zorka board-server`; repeatable",
    )
    run.add_argument(
        "--gnss",
        type=gnss_line,
        metavar="PROTOCOL:PORT",
        help="the GNSS as a receiver on a serial line speaking PROTOCOL (ubx or nmea), e.g. "
        "nmea:/dev/ttyUSB1@9600; PORT sim: the simulator speaks the protocol on a pseudo-terminal",
    )
    run.add_argument(
        "--realtime",
        action="store_true",
        help="pace the flight software to the wall clock (hardware in the loop) "
        "instead of as fast as possible",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="carry on the run in --out from its last checkpoint (written at least 10 simulated minutes and "
        "--checkpoint-wall-s apart): the world restored, the flight software rebooted on its onboard "
        "stores, the restart counted",
    )
    run.add_argument(
        "--checkpoint-wall-s",
        type=wall_seconds,
        default=CHECKPOINT_MIN_WALL_S,
        metavar="SECONDS",
        help=f"wall seconds at least between two checkpoints (default: {CHECKPOINT_MIN_WALL_S:g}; a fast run "
        "would otherwise write one every 70 ms); 0: one every ~10 simulated minutes whatever the wall time",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--no-report",
        action="store_true",
        help="write no report.html (scripts that read summary.json); with --seeds: no campaign.html and no "
        "seed completed into a whole run folder, campaign.json only",
    )

    board = sub.add_parser(
        "board-server",
        help="serve simulated boards (every device, the imager included) on a serial port",
        description="Answer the board protocol (hal/board_protocol.md) for simulated boards of every device "
        "kind, the imager included, on a serial port, as real boards would: configured by the host at "
        "connect, reset on request, actuators safe when the host goes silent; the simulator stimulates them "
        "with the truth.",
    )
    board.add_argument(
        "--port",
        required=True,
        metavar="PATH",
        help="serial device to serve on, or 'pty' to create a pseudo-terminal and print its path",
    )
    board.add_argument(
        "--seed", type=seed, default=1, metavar="N", help="seed of the boards' noise (default: 1)"
    )
    board.add_argument(
        "--watchdog-s",
        type=watchdog_seconds,
        default=1.0,
        metavar="S",
        help="power-on watchdog timeout in seconds: actuators safe after S s without a device command, "
        "until the host configures another (default: 1; 0: off)",
    )
    board.add_argument(
        "--board-id",
        metavar="ID",
        help="the board's serial number in its identity (1 to 32 characters), which a host checks when it "
        "finds a board again after a reconnect: a board restarted in place keeps its id (default: sim-PID)",
    )

    check = sub.add_parser(
        "board-check",
        help="check that the board on a serial port speaks the board protocol (a pass/fail table)",
        description="Check the board on PORT against hal/board_protocol.md, as a host would meet it: the "
        "handshake (ping, reset, configure from the default spacecraft, echo compared), every message of "
        "every device it claims, malformed frames (bad CRC, bad COBS, garbage, oversized, not a map: "
        "dropped, then the next request answered), refused requests (each error code naming the field), "
        "retransmission (same reply, not acted on twice), reset, the watchdog (0.3 s, actuators safe) and "
        "the round trip of a device read against the allowance at --baud. Prints one row per check; "
        "exit 0 if all pass, 1 if one fails or the port cannot be opened. Run it on a board before "
        "plugging it into a bench: it configures the board, moves its actuators, and resets it at the end.",
    )
    check.add_argument(
        "port", metavar="PORT", help="the board's serial port, e.g. /dev/ttyUSB0 or /dev/pts/5"
    )
    check.add_argument(
        "--baud",
        type=positive_int,
        default=115200,
        metavar="N",
        help="the line's rate in bit/s, 8N1, for the timing allowance (default: 115200; a pty ignores it)",
    )
    check.add_argument(
        "--devices",
        type=board_devices,
        default=None,
        metavar="LIST",
        help="check only these devices, e.g. gyro,wheels (default: every device the board claims)",
    )

    from zorka.wire.wire_options import dropout, probability

    wire = sub.add_parser(
        "wire",
        help="join two serial ports by a paced, faulty link (baud rate, corruption, dropouts)",
        description="Forward bytes both ways between endpoints A and B no faster than --baud allows (8N1: "
        "10 bits a byte, scheduled on the monotonic clock), with seeded faults: each byte has one bit "
        "flipped with probability --corrupt; at the start of every 10 ms a dropout of MS milliseconds "
        "starts with probability P (--drop-ms MS:P), during which bytes are lost both ways. Prints "
        "'wire: A on PATH' and 'wire: B on PATH' at start, and each direction's counts (read, delivered, "
        "corrupted, dropped, overrun, absent) at the end (Ctrl-C, SIGTERM or --duration). A port path "
        "that fails is reopened every 0.2 s.",
    )
    for name in ("a", "b"):
        wire.add_argument(
            name,
            metavar=name.upper(),
            help=f"endpoint {name.upper()}: a serial port path, or 'pty' to create a pseudo-terminal",
        )
    wire.add_argument(
        "--baud",
        type=positive_int,
        default=115200,
        metavar="N",
        help="line rate in bit/s, 8N1 (default: 115200)",
    )
    wire.add_argument(
        "--corrupt",
        type=probability,
        default=0.0,
        metavar="P",
        help="per-byte bit-flip probability (default: 0)",
    )
    wire.add_argument(
        "--drop-ms",
        type=dropout,
        default=(0.0, 0.0),
        metavar="MS:P",
        help="dropouts of MS ms, each starting at a 10 ms mark with probability P (e.g. 50:0.01)",
    )
    wire.add_argument("--seed", type=seed, default=1, metavar="N", help="seed of the faults (default: 1)")
    wire.add_argument(
        "--duration",
        type=live_duration_s,
        default=None,
        metavar="TIME",
        help="default: until Ctrl-C or SIGTERM",
    )

    scenario_cmd = sub.add_parser(
        "scenario",
        help="print the default scenario file, or check scenario files",
        description="Print the built-in default scenario as a commented TOML file to start from, or check "
        "scenario files: each problem is one line naming the field, the value and what is allowed.",
    )
    what = scenario_cmd.add_mutually_exclusive_group(required=True)
    what.add_argument("--default", action="store_true", help="print the built-in default scenario")
    what.add_argument("--check", type=Path, nargs="+", metavar="FILE", help="check these scenario files")

    serve = sub.add_parser(
        "serve",
        help="run the flight software and simulator in real time with a ground link",
        description="Run a scenario paced to the wall clock, with its telecommand/telemetry link open "
        "for ground tools. --link-port carries the full space link on 127.0.0.1: TC transfer frames "
        "authenticated SDLS-style (HMAC-SHA-256, anti-replay) under COP-1, and TM transfer frames on "
        "virtual channels with the CLCW. --packet-port carries raw concatenated CCSDS space packets "
        "(PUS-C) and --serial COBS-framed space packets (0x00, COBS(packet), 0x00), as tmtccmd speaks "
        "them; both are unauthenticated and need --insecure.",
    )
    serve.add_argument("scenario", nargs="?", type=Path, metavar="SCENARIO", help="scenario file (TOML)")
    serve.add_argument(
        "--link-port",
        type=int,
        metavar="N",
        help="TCP port on 127.0.0.1 for the authenticated frame link (0: any free port)",
    )
    add_key_file_option(serve)
    add_port_limit_options(serve)
    serve.add_argument(
        "--packet-port",
        type=int,
        metavar="N",
        help="TCP port on 127.0.0.1 for raw space packets (0: any free port); needs --insecure",
    )
    serve.add_argument(
        "--serial",
        metavar="PATH",
        help="serial device for COBS-framed space packets, or 'pty' to make a pseudo-terminal and "
        "print its path; needs --insecure",
    )
    serve.add_argument(
        "--insecure",
        action="store_true",
        help="allow unauthenticated telecommands (required by --packet-port and --serial)",
    )
    serve.add_argument(
        "--duration",
        type=live_duration_s,
        default=None,
        metavar="TIME",
        help="how long to serve (default: until Ctrl-C or SIGTERM)",
    )
    serve.add_argument(
        "--out",
        type=Path,
        default=Path("runs/serve"),
        metavar="DIR",
        help="run folder: tm.bin, parameters.json, summary.json (default: runs/serve)",
    )

    sim_server = sub.add_parser(
        "sim-server",
        help="the world of a flight-computer-in-the-loop bench: simulated devices on serial ports",
        description="Own the world of a scenario and serve its devices as simulated boards on serial "
        "ports (the board protocol, hal/board_protocol.md), configured from the scenario's seed and "
        "device specs. The world waits at the epoch for the flight computer's first device request "
        "(`zorka flight`, or a real one), then steps at 10 Hz paced to the wall clock, the actuator "
        "values the boards applied driving the dynamics. At the end (--duration, Ctrl-C or SIGTERM) it "
        "writes truth.oem, truth.aem and summary.json (the world side's figures) to --out.",
    )
    sim_server.add_argument("scenario", nargs="?", type=Path, metavar="SCENARIO", help="scenario file (TOML)")
    sim_server.add_argument(
        "--serial",
        type=serial_assignment,
        action="append",
        required=True,
        metavar="DEVICES=PORT",
        help="serve these devices (gyro, star_tracker, magnetometer, sun_sensor, gnss, wheels, "
        "magnetorquers, power, imager, or all) as one board on PORT: a serial device with an optional "
        "@BAUD (default 115200), or 'pty' to create a pseudo-terminal and print its path; each pty "
        "assignment is its own board, a device given twice is on the later one, e.g. --serial all=pty "
        "--serial imager=pty; repeatable",
    )
    sim_server.add_argument(
        "--duration",
        type=live_duration_s,
        default=None,
        metavar="TIME",
        help="simulated time from the flight computer's start (default: until Ctrl-C or SIGTERM)",
    )
    sim_server.add_argument(
        "--out",
        type=Path,
        default=Path("runs/sim-server"),
        metavar="DIR",
        help="folder for truth.oem, truth.aem, summary.json (default: runs/sim-server)",
    )

    flight = sub.add_parser(
        "flight",
        help="the flight software alone, its devices on serial boards (flight computer in the loop)",
        description="Run the flight software of a scenario paced to the wall clock, seeing every device "
        "only through hal's serial back end: boards of `zorka sim-server`, `zorka board-server` or real "
        "ones. At start every board is pinged (identity, protocol version); one that does not answer is "
        "a one-line error. --link-port opens the authenticated ground link of `zorka serve`, image "
        "products going down over CFDP while a ground client is connected. At the end (--duration, "
        "Ctrl-C or SIGTERM) it writes its run folder: summary.json (real-time, serial round trips, "
        "imaging), tm.bin and what it keeps on board.",
    )
    flight.add_argument("scenario", nargs="?", type=Path, metavar="SCENARIO", help="scenario file (TOML)")
    flight.add_argument(
        "--serial",
        type=serial_assignment,
        action="append",
        default=[],
        metavar="DEVICES=PORT",
        help="the board on PORT[@BAUD] (default 115200) serves these devices, e.g. --serial "
        "all=/dev/pts/5 (the path `zorka sim-server` prints) or all=/dev/ttyUSB0@460800; every device "
        "needs a port, here or in the scenario's [hal] table; a device given twice is on the later "
        "port; repeatable",
    )
    flight.add_argument(
        "--link-port",
        type=int,
        metavar="N",
        help="TCP port on 127.0.0.1 for the authenticated frame link (0: any free port; default: none)",
    )
    add_key_file_option(flight)
    add_port_limit_options(flight)
    flight.add_argument(
        "--duration",
        type=live_duration_s,
        default=None,
        metavar="TIME",
        help="how long to fly (default: until Ctrl-C or SIGTERM)",
    )
    flight.add_argument(
        "--imager-chunks",
        type=positive_int,
        default=None,
        metavar="N",
        help="2 kB chunks of a finished image fetched from the imager board per second: as many as "
        "the line carries in a fraction of a 100 ms frame (default 1, for 460800 baud; a pty takes 32)",
    )
    flight.add_argument(
        "--out",
        type=Path,
        default=Path("runs/flight"),
        metavar="DIR",
        help="run folder: summary.json, tm.bin, parameters.json, mass_memory/ (default: runs/flight)",
    )

    dictionary = sub.add_parser(
        "dict",
        help="print the command/telemetry dictionary",
        description="Print the dictionary the flight software declares (commands with their arguments, "
        "housekeeping parameters, events, tunables, APIDs) as JSON, or as XTCE for a mission control system.",
    )
    dictionary.add_argument("--xtce", action="store_true", help="XTCE (XML) instead of JSON")
    dictionary.add_argument(
        "--flat",
        action="store_true",
        help="with --xtce: only basic parameter types (no aggregates or arrays; repeated entries as "
        "containers included once per count), for XTCE decoders that support no more, e.g. "
        "space_packet_parser",
    )

    send = sub.add_parser(
        "send",
        help="send one telecommand by name, or a sequence file, and await its verification",
        description="Send `NAME k=v ...` (e.g. set_adcs_mode mode=SUN_SAFE; rad arguments also take a deg "
        "suffix) to `zorka serve`, print its verification reports and events as they arrive, and exit 0 "
        "on completion, 1 on failure or timeout, 2 on a bad command line. After a failure it listens 2 s "
        "more for the events that explain it; a frame the spacecraft's link refuses (wrong key, "
        "anti-replay out of step) is reported as such. --sequence runs a sequence file "
        "(commands, `wait S`, `expect PARAMETER OP VALUE [within S]`; see ground/sequence.py).",
    )
    send.add_argument("name", nargs="?", metavar="NAME", help="command name (`zorka dict` lists them)")
    send.add_argument("args", nargs="*", metavar="K=V", help="the command's arguments")
    send.add_argument("--sequence", type=Path, metavar="FILE", help="run this sequence file instead")
    console = sub.add_parser(
        "console",
        help="the bench console: send telecommands by name, watch telemetry",
        description="An interactive console on `zorka serve`: commands by name with checked arguments, "
        "time-tagged ones (`at 2026-06-21T10:00:00Z NAME ...`, `in 10m NAME ...`: scheduled onboard), "
        "every report decoded into named values as it arrives, `hk` for the latest housekeeping, "
        "`help NAME` for a command's arguments. On a terminal: line editing, history kept across "
        "sessions, Tab completion of command names, argument names and enum values.",
    )
    console.add_argument(
        "--history",
        type=Path,
        default=None,
        metavar="FILE",
        help="the console's history file (default: $XDG_STATE_HOME/zorka/console_history, else "
        "~/.local/state/zorka/console_history)",
    )
    ground = sub.add_parser(
        "ground",
        help="the web ground page: live telemetry, commands, history, sequences and archive plots",
        description="Hold the link of `zorka serve` like the console and serve a web page on 127.0.0.1: "
        "live housekeeping with limits and plots, events, a command form from the dictionary checked "
        "before sending, each command's verification stages, the command history, sequence files, "
        "plots of archived parameters. Every page open sees the same session; the link is re-opened "
        "when it breaks. Everything received and sent is kept in the archive (see `zorka archive`). "
        "Runs until Ctrl-C or SIGTERM.",
    )
    ground.add_argument(
        "--http",
        type=int,
        default=8080,
        metavar="PORT",
        help="the page's TCP port (default: 8080; 0: any free)",
    )
    ground.add_argument(
        "--bind",
        default="127.0.0.1",
        metavar="ADDR",
        help="the page's address (default: 127.0.0.1); beyond the loopback it needs --token",
    )
    ground.add_argument(
        "--token",
        metavar="TOKEN",
        help="a secret of 16+ characters every request must carry (open the page at URL?token=TOKEN)",
    )
    for operator in (send, console, ground):
        link = operator.add_mutually_exclusive_group(required=True)
        link.add_argument(
            "--link-port",
            type=int,
            metavar="N",
            help="the authenticated link port of `zorka serve --link-port N` on 127.0.0.1",
        )
        link.add_argument(
            "--packet-port",
            type=int,
            metavar="N",
            help="the raw packet port of `zorka serve --packet-port N --insecure` on 127.0.0.1",
        )
        operator.add_argument(
            "--keys",
            type=Path,
            default=Path("zorka-link-key.json"),
            metavar="FILE",
            help="the link's key file, as `zorka serve --link-port` made it (default: zorka-link-key.json)",
        )
        operator.add_argument(
            "--dict",
            type=Path,
            metavar="FILE",
            help="dictionary JSON as `zorka dict` prints it (default: the flight software's own)",
        )
        operator.add_argument(
            "--timeout",
            type=float,
            default=10.0,
            metavar="S",
            help="seconds to wait for a command's completion (default: 10)",
        )
        operator.add_argument(
            "--archive",
            type=Path,
            metavar="PATH",
            help=f"the ground's archive of everything received and sent (default: {DEFAULT_ARCHIVE_NAME} "
            "beside the key file)",
        )

    archive = sub.add_parser(
        "archive",
        help="query what the ground received and sent: parameters, commands, raw packets",
        description="Read the ground's archive (a SQLite file `zorka ground`, `console` and `send` keep, "
        "by default zorka-archive.sqlite beside the key file; pandas, DuckDB and sqlite3 read it too).",
    )
    archive_actions = archive.add_subparsers(
        dest="action", required=True, parser_class=OneLineParser, metavar="ACTION"
    )
    query = archive_actions.add_parser(
        "query",
        help="one parameter's samples as CSV (onboard time, received time, value, text)",
        description="Print the samples of housekeeping parameter PARAM with onboard times from --from to "
        "--to (ISO 8601 UTC, e.g. 2026-06-21T12:00:00Z, or unix seconds) as CSV: onboard_utc, "
        "onboard_unix_s, received_utc, value, text (an enum's name).",
    )
    query.add_argument(
        "parameter", metavar="PARAM", help="a housekeeping parameter (`zorka dict` lists them)"
    )
    history = archive_actions.add_parser(
        "commands",
        help="the command history with verification stages as CSV",
        description="Print the commands sent (by any ground program) with the onboard time of each "
        "verification stage and the outcome (completed, failed at STAGE: CODE, or pending), as CSV.",
    )
    history.add_argument("--limit", type=positive_int, default=1000, metavar="N", help="latest N (1000)")
    events = archive_actions.add_parser(
        "events",
        help="the events received, as CSV",
        description="Print the events received (onboard time, id, name, severity, text) as CSV.",
    )
    events.add_argument("--limit", type=positive_int, default=10_000, metavar="N", help="latest N (10000)")
    packets = archive_actions.add_parser(
        "packets",
        help="the raw TM packets, concatenated as a tm.bin, for replay",
        description="Write the TM packets received (onboard times from --from to --to) to FILE as raw "
        "concatenated CCSDS space packets, as a run's tm.bin.",
    )
    packets.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to write them")
    info = archive_actions.add_parser("info", help="sessions, packets by kind, onboard time span (JSON)")
    imported = archive_actions.add_parser(
        "import",
        help="a run folder's TM files into the archive",
        description="Decode a `zorka run` or `zorka serve` folder's TM files (tm-NNNN.bin ..., tm.bin) "
        "into the archive as one session.",
    )
    imported.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="the run folder")
    imported.add_argument(
        "--dict", type=Path, metavar="FILE", help="dictionary JSON (default: the flight software's own)"
    )
    for action in (query, history, events, packets, info, imported):
        action.add_argument(
            "--archive",
            type=Path,
            metavar="PATH",
            help=f"the archive file (default: {DEFAULT_ARCHIVE_NAME} here)",
        )
    for action in (query, history, events, packets):
        action.add_argument("--from", dest="start", metavar="T", help="from this onboard time (UTC)")
        action.add_argument("--to", dest="end", metavar="T", help="to this onboard time (UTC)")

    resync = sub.add_parser(
        "resync",
        help="re-synchronise the spacecraft's anti-replay counter (ARSN) with the key file",
        description="Send the master key's SA-management procedure (Stop SA, Set ARSN to the key file's last "
        "ARSN, Start SA) to `zorka serve --link-port N` and await the onboard event confirming it: after the "
        "spacecraft lost its link state (event link_state_lost) or the ground skipped more ARSNs than the "
        "onboard window. Exit 0 confirmed, 1 not confirmed, 2 a bad command line or key file.",
    )
    resync.add_argument(
        "--link-port", type=int, required=True, metavar="N", help="the authenticated link port on 127.0.0.1"
    )
    resync.add_argument(
        "--keys",
        type=Path,
        default=Path("zorka-link-key.json"),
        metavar="FILE",
        help="the link's key file, with its master key (default: zorka-link-key.json)",
    )
    resync.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="seconds to await confirmation (default: 10)"
    )

    plan = sub.add_parser(
        "plan",
        help="plan imaging captures for a satellite and targets (JSON in, JSON out)",
        description="Choose and sequence the captures of an agile imaging satellite over a horizon: the "
        "orbit from a TLE, targets with priorities and durations, off-nadir, sun and slew limits "
        "(format in README, 'Planning'). Limits: at most 100,000 targets, a horizon of at most 7 days, and "
        "at most 100,000 target-days (targets times the horizon in days, at least one: 100,000 targets "
        "over a day, 14,285 over 7 days), and at most 1,048,576 characters for any one value (a target, "
        "the TLE). The file is read in pieces and checked as it arrives, so a list beyond the limits is "
        "refused once it passes them; beyond them, as for any bad input, one line naming the field and "
        "exit 2.",
    )
    plan.add_argument("input", type=Path, metavar="IN.json", help="the planning problem")
    plan.add_argument("--out", type=Path, required=True, metavar="OUT.json", help="where to write the plan")

    soak = sub.add_parser(
        "soak",
        help="run a scenario for days with device faults and SIGKILLs of the run, and check it",
        description="Run SCENARIO (no [link]) for --duration with --faults random device faults, SIGKILL its "
        "`zorka run` process at --kills random moments and resume it each time; then check from the run "
        "folder that no product was lost or torn, the stores are whole, FDIR was back in NOMINAL after "
        "every fault and restart, and every restart was counted. Writes DIR/soak.json; exit 1 if not.",
    )
    soak.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario file (TOML)")
    soak.add_argument(
        "--duration", type=duration_s, default=7 * 86400.0, metavar="TIME", help="simulated time (7d)"
    )
    soak.add_argument("--kills", type=positive_int, default=20, metavar="N", help="SIGKILLs of the run (20)")
    soak.add_argument(
        "--faults", type=positive_int, default=10, metavar="N", help="random device faults (10)"
    )
    soak.add_argument("--seed", type=seed, default=1, metavar="N", help="seed of the run and the soak (1)")
    soak.add_argument(
        "--out", type=Path, default=Path("runs/soak"), metavar="DIR", help="soak folder (runs/soak)"
    )
    soak.add_argument("--quiet", action="store_true", help="no line per kill")

    bench = sub.add_parser(
        "bench",
        help="print the performance figures",
        description="Measure the default mission's real-time factor, the C integrator's steps "
        "per second, the CPU time and allocations of one 10 Hz tick; print each with its goal.",
    )
    bench.add_argument(
        "--repeat",
        type=int,
        default=5,
        metavar="N",
        help="repetitions per figure; medians are printed (default: 5)",
    )
    return parser


def board_server_command(args: argparse.Namespace) -> int:
    from sim.board_server import run

    return run(args.port, args.seed, args.watchdog_s, args.board_id)


COMMANDS = {
    "run": ("zorka.run.run_command", "run_command"),
    "board-server": ("zorka.cli", "board_server_command"),
    "bench": ("zorka.benchmark.performance", "bench_command"),
    "scenario": ("zorka.scenario.scenario_command", "scenario_command"),
    "dict": ("zorka.outputs.dictionary_command", "dict_command"),
    "serve": ("zorka.serve.live_mission", "serve_command"),
    "sim-server": ("zorka.serve.sim_server", "sim_server_command"),
    "flight": ("zorka.serve.flight_computer", "flight_command"),
    "send": ("zorka.operator.ground_operator", "send_command"),
    "console": ("zorka.operator.ground_operator", "console_command"),
    "ground": ("zorka.operator.web_ground", "ground_command"),
    "archive": ("zorka.operator.archive_command", "archive_command"),
    "resync": ("zorka.operator.arsn_resync_command", "resync"),
    "plan": ("zorka.run.plan_command", "plan_command"),
    "soak": ("zorka.run.soak_command", "soak_command"),
    "wire": ("zorka.wire.wire_command", "wire_command"),
    "board-check": ("zorka.conformance.board_check", "board_check_command"),
}
"""Each subcommand's handler as (module, function): imported only when it runs, so `zorka --help` and
a bad option answer at once."""


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module, function = COMMANDS[args.command]
    return getattr(importlib.import_module(module), function)(args)


if __name__ == "__main__":
    sys.exit(main())
