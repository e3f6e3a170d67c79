"""`zorka`: the one command. Subcommands: run (a simulated mission), board-server (simulated boards
on the far side of a serial port), bench (the performance figures).

Bad arguments get one line naming the option, the value and what is allowed, and exit 2.
"""

import argparse
import os
import re
import sys
from pathlib import Path

DURATION_UNITS_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhd]?)\s*$")


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line instead of usage plus error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def duration_s(text: str) -> float:
    """'90m', '5400', '5400s', '1.5h', '1d' -> seconds."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0.0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a positive duration such as 90m, 5400s, 1.5h or 1d "
            "(units s, m, h, d; s if none)"
        )
    return float(match.group(1)) * DURATION_UNITS_S[match.group(2) or "s"]


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0 or value >= 2**63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed: use a whole number from 0 to 2^63-1")
    return value


def serial_assignment(text: str) -> tuple[list[str], str]:
    """'gyro,wheels=/dev/pts/5' -> (['gyro', 'wheels'], '/dev/pts/5')."""
    from zorka.mission import SERIAL_DEVICES

    devices, sep, port = text.partition("=")
    names = [d.strip() for d in devices.split(",") if d.strip()]
    if not sep or not port or not names or any(d not in SERIAL_DEVICES for d in names):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not DEVICES=PORT with DEVICES from {', '.join(SERIAL_DEVICES)} "
            "(e.g. gyro,wheels=/dev/pts/5)"
        )
    return names, port


def writable_dir(path: Path) -> str | None:
    """None if `path` is (or can be made) a writable folder, else the reason."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as failure:
        return failure.strerror or str(failure)
    if not os.access(path, os.W_OK | os.X_OK):
        return "permission denied"
    return None


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
        description="Run the built-in default scenario (500 km sun-synchronous orbit, ~130 kg imager "
        "starting 10 deg off nadir) faster than real time; print a summary table and write "
        "DIR/summary.json.",
    )
    run.add_argument(
        "--duration",
        type=duration_s,
        default=None,
        metavar="TIME",
        help="simulated time, e.g. 90m, 5400s, 1.5h, 1d (default: one orbit)",
    )
    run.add_argument(
        "--seed",
        type=seed,
        default=1,
        metavar="N",
        help="seed of every noise generator; the same seed gives the same summary (default: 1)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=Path("runs/latest"),
        metavar="DIR",
        help="folder for summary.json, created if missing (default: runs/latest)",
    )
    run.add_argument(
        "--serial",
        type=serial_assignment,
        action="append",
        default=[],
        metavar="DEVICES=PORT",
        help="serve these devices from a board on PORT (devices: gyro, wheels), e.g. "
        "--serial gyro,wheels=/dev/pts/5 against `zorka board-server`; repeatable",
    )
    run.add_argument(
        "--realtime",
        action="store_true",
        help="pace the flight software to the wall clock (hardware in the loop) "
        "instead of as fast as possible",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    board = sub.add_parser(
        "board-server",
        help="serve simulated boards (gyro, wheels) on a serial port",
        description="Answer the board protocol (hal/board_protocol.md) for a simulated gyro and reaction "
        "wheels on a serial port, as real boards would; the simulator stimulates them with the truth.",
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


def cmd_run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from zorka.mission import Mission, write_summary
    from zorka.progress import run_with_progress, summary_table
    from zorka.scenario import Scenario

    problem = writable_dir(args.out)
    if problem is not None:
        print(
            f"zorka run: error: argument --out: cannot write to {str(args.out)!r} ({problem}); "
            "choose a writable folder",
            file=sys.stderr,
        )
        return 2
    scenario = Scenario(seed=args.seed)
    duration = args.duration
    serial = {device: port for devices, port in args.serial for device in devices}
    try:
        mission = Mission(scenario, duration, serial=serial, realtime=args.realtime)
    except (OSError, ValueError) as failure:
        print(f"zorka run: error: {failure}", file=sys.stderr)
        return 1
    try:
        summary = run_with_progress(mission, quiet=args.quiet)
    except KeyboardInterrupt:
        summary = mission.summary()
        print("zorka run: interrupted; the summary covers the time simulated so far", file=sys.stderr)
    finally:
        mission.close()
    path = write_summary(summary, args.out)
    Console().print(summary_table(summary, path))
    return 0


def cmd_board_server(args: argparse.Namespace) -> int:
    from sim.board_server import run

    return run(args.port, args.seed)


def cmd_bench(args: argparse.Namespace) -> int:
    from zorka.bench import run_bench

    if args.repeat < 1:
        print("zorka bench: error: argument --repeat: use a whole number of at least 1", file=sys.stderr)
        return 2
    for line in run_bench(repeat=args.repeat):
        print(line, flush=True)
    return 0


COMMANDS = {"run": cmd_run, "board-server": cmd_board_server, "bench": cmd_bench}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
