"""`zorka serve`: a mission paced to the wall clock with its ground links open, until the duration
ends, Ctrl-C or SIGTERM; the run folder is written at the end as for `zorka run`, and summary.json
every minute meanwhile (zorka/outputs/periodic_summary.py). A restart into the same folder keeps
the onboard state, appends to the telemetry (zorka/outputs/tm_files.py) and resumes onboard time where
the last session stopped (zorka/serve/onboard_clock.py).

Every link is polled between control frames: the authenticated frame link (`--link-port`), raw space
packets on TCP (`--packet-port`) and COBS-framed packets on a serial line (`--serial`); the last two
only with `--insecure`, which prints a warning.
"""

import argparse
import signal
import sys

from ground.key_store import KeyFileError, KeyStore
from native.time_scales import SECONDS_PER_DAY
from zorka.outputs.periodic_summary import PeriodicSummary
from zorka.outputs.run_folder import write_run_folder
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario
from zorka.scenario.run_input import scenario_for
from zorka.serve.link_port import LinkServer, OnboardLink, first_start
from zorka.serve.onboard_clock import ServeState, resume
from zorka.serve.packet_port import PacketServer, PortLimits
from zorka.serve.serial_port import SerialPacketServer

FOREVER_S = 365 * SECONDS_PER_DAY


class ServeError(Exception):
    """A link that cannot be opened; the message says which and why."""


def check_arguments(args: argparse.Namespace) -> str | None:
    """The first problem with the link options, as a one-line message, or None."""
    if args.link_port is None and args.packet_port is None and args.serial is None:
        return "give at least one link: --link-port N, --packet-port N or --serial PATH"
    for name in ("link_port", "packet_port"):
        port = getattr(args, name)
        if port is not None and not 0 <= port <= 65535:
            return f"argument --{name.replace('_', '-')}: {port} is not a TCP port (0-65535)"
    if not args.insecure:
        for name, given in (("--packet-port", args.packet_port is not None), ("--serial", args.serial)):
            if given:
                return f"{name} carries unauthenticated telecommands: add --insecure"
    return None


def _open_links(args: argparse.Namespace, mission: Mission, may_provision: bool) -> list:
    """Open every link asked for, announce it on stdout, and hook it onto the mission."""
    opened: list = []
    ports = mission.ports()
    limits = PortLimits(args.max_clients, args.idle_timeout)
    try:
        if args.link_port is not None:
            keys = KeyStore(args.keys)
            associations = {keys.spi: keys.association()}
            link = OnboardLink(ports, associations, args.out, keys.master_association(), may_provision)
            counters = ports.port_counters["link_port"]
            server = LinkServer(args.link_port, link, ports.set_file_budget, limits, counters)
            opened.append(server)
            print(
                f"zorka serve: authenticated link on 127.0.0.1:{server.port}, SPI {keys.spi}, "
                f"keys in {args.keys}",
                flush=True,
            )
        if args.packet_port is not None:
            counters = ports.port_counters["packet_port"]
            packets = PacketServer(
                args.packet_port, ports.accept_telecommand, limits=limits, counters=counters
            )
            ports.subscribe_tm(packets.send)
            opened.append(packets)
            apid = mission.flight.dictionary.apid
            print(f"zorka serve: space packets on 127.0.0.1:{packets.port}, PUS APID {apid}", flush=True)
        if args.serial is not None:
            line = SerialPacketServer(args.serial, ports.accept_telecommand)
            ports.subscribe_tm(line.send)
            opened.append(line)
            print(f"zorka serve: COBS-framed space packets on {line.path}", flush=True)
    except (OSError, KeyFileError) as failure:
        for endpoint in opened:
            endpoint.close()
        raise ServeError(str(failure)) from None
    for endpoint in opened:
        ports.add_frame_hook(endpoint.poll)
    return opened


def serve(args: argparse.Namespace, scenario: Scenario) -> int:
    """Run the mission in real time with its links; 1 if a link cannot be opened."""
    if scenario.link is not None:
        print(
            "zorka serve: error: the scenario's [link] simulates a radio for `zorka run`; serve carries the "
            "link to real ground tools instead: remove [link] from the scenario",
            file=sys.stderr,
        )
        return 2
    duration = args.duration if args.duration is not None else FOREVER_S
    may_provision = first_start(args.out, args.keys)  # looked at before the mission writes there
    mission = Mission(scenario, duration, realtime=True, out_dir=args.out)
    resumed = resume(mission, args.out)
    try:
        endpoints = _open_links(args, mission, may_provision)
    except ServeError as failure:
        print(f"zorka serve: error: cannot open the link: {failure}", file=sys.stderr)
        mission.close()
        return 1
    if resumed is not None and resumed.problem is not None:
        print(f"zorka serve: {resumed.problem}", file=sys.stderr, flush=True)
    elif resumed is not None:
        print(
            f"zorka serve: onboard time resumes at t = {resumed.t_s:.1f} s, where the last session in "
            f"{args.out} stopped",
            flush=True,
        )
    if args.insecure:
        print(
            "zorka serve: WARNING: --insecure: telecommands are not authenticated",
            file=sys.stderr,
            flush=True,
        )

    def _stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    mission.frame_hooks.append(mission.flush_telemetry)  # a kill loses at most the frame being made
    mission.frame_hooks.append(PeriodicSummary(args.out, mission.summary, mission.flush_telemetry))
    state = ServeState(mission, args.out)
    mission.frame_hooks.append(state)
    try:
        summary = mission.run()
    except KeyboardInterrupt:
        summary = mission.summary()
    finally:
        for endpoint in endpoints:
            endpoint.close()
        state.write()
        mission.close()
    for endpoint in endpoints:
        if isinstance(endpoint, LinkServer):
            summary["link"] = endpoint.link.figures()
            summary.setdefault("ports", {})["link_port"] = endpoint.server.figures()
        if isinstance(endpoint, PacketServer):
            summary.setdefault("ports", {})["packet_port"] = endpoint.figures()
    write_run_folder(mission, summary, args.out)
    return 0


def serve_command(args: argparse.Namespace) -> int:
    """`zorka serve`: 2 on bad link options or scenario, else what `serve` returns."""
    problem = check_arguments(args)
    if problem is not None:
        print(f"zorka serve: error: {problem}", file=sys.stderr)
        return 2
    scenario = scenario_for("serve", args.scenario, args.out)
    if scenario is None:
        return 2
    return serve(args, scenario)
