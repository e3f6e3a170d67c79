"""`zorka flight`: the flight half of a flight-computer-in-the-loop bench. The flight software runs alone,
paced by the wall clock, and sees its devices only through hal's serial back end: every device is on a
board at the far end of a serial port (`zorka sim-server`, `zorka board-server`, or real boards). Its
ground link is the authenticated frame link of `zorka serve --link-port`, image products going down
over CFDP while a ground client is connected.

At start every board is pinged (identity, protocol version, the devices it serves); one that does not
answer, or answers otherwise, is a one-line error before the flight software starts. The flight
software is configured from the scenario as in a mission (its nominal spacecraft, stations, imaging
requests); it does not see the world. At the end (duration, Ctrl-C, SIGTERM) it writes its run folder:
summary.json (the flight side's figures: real-time pacing, serial links with round trips, imaging,
commanding, link), tm.bin and its telemetry archive, and what the flight software keeps on board.
"""

import argparse
import json
import signal
import sys
import threading
import time
from array import array
from pathlib import Path

import numpy as np

from flight.clock import WallClock
from ground.archive import write_archive
from ground.key_store import KeyFileError, KeyStore
from hal.devices import DeviceSet
from hal.serial_imager import SerialImager
from hal.serial_link import SerialLink
from native.atomic_file import write_atomically
from native.time_scales import SECONDS_PER_DAY, julian_date, parse_utc
from sim.board_server import PROTOCOL_VERSION
from zorka.outputs.dictionary_json import dictionary_json
from zorka.outputs.periodic_summary import PeriodicSummary
from zorka.outputs.tm_files import TmLog, tm_files
from zorka.run.assembly import build_flight_software, load_requests
from zorka.run.board_devices import (
    IMAGER_CHUNKS_PER_COLLECT,
    SERIAL_DEVICES,
    board_links,
    board_name,
    devices_on_ports,
    routed_lines,
    serial_device,
)
from zorka.run.flight_figures import (
    commanding_figures,
    imaging_figures,
    realtime_figures,
    serial_link_figures,
    spread,
)
from zorka.run.link_ports import flight_link_ports
from zorka.run.mission import LINK_RETRIES, LINK_TIMEOUT_S
from zorka.run.steady_heap import freeze_built_objects
from zorka.scenario.model import Scenario
from zorka.scenario.run_input import scenario_for
from zorka.serve.link_port import LinkServer, OnboardLink, first_start
from zorka.serve.packet_port import DEFAULT_LIMITS, PortLimits

PING_TIMEOUT_S = 1.0
"""A board must answer the start-up ping within this."""
FOREVER_S = 365 * SECONDS_PER_DAY


def ping_board(link: SerialLink, devices: list[str]) -> dict:
    """The identity of the board on `link`, which must serve `devices` (board names) in our protocol
    version: OSError (one line) if it cannot be opened or does not answer, ValueError if it differs."""
    port = link.port
    if not link.open():
        raise OSError(
            f"cannot open serial port {port}: {link.open_error} (`zorka sim-server` prints its ports)"
        )
    reply = link.request("board", "ping", timeout_s=PING_TIMEOUT_S)
    if reply is None or reply.get("msg") != "ping.ok":
        raise OSError(
            f"no board answers on {port} within {PING_TIMEOUT_S:g} s: start `zorka sim-server` (or the "
            "board) first and give the path it serves on"
        )
    if reply.get("protocol") != PROTOCOL_VERSION:
        raise ValueError(
            f"the board on {port} speaks board protocol {reply.get('protocol')!r}; this flight software "
            f"speaks {PROTOCOL_VERSION}: update one of them"
        )
    missing = sorted(set(devices) - set(reply.get("devices") or ()))
    if missing:
        raise ValueError(f"the board on {port} does not serve {', '.join(missing)}: give them another port")
    return {"identity": reply.get("identity"), "protocol": reply.get("protocol"), "devices": reply["devices"]}


class FlightComputer:
    """The flight software of `scenario` over boards: `serial` maps device names (or "all") to ports, and
    every device must have one. Its run folder is `out_dir`. A finished image crosses in up to
    `imager_chunks` chunks of 2 kB a second (default IMAGER_CHUNKS_PER_COLLECT): as many as the line
    carries without stalling a frame. OSError or ValueError (one line) if a board is missing or not
    what is needed."""

    def __init__(
        self,
        scenario: Scenario,
        serial_ports: dict[str, str],
        out_dir: Path,
        imager_chunks: int | None = None,
    ):
        lines, receiver = routed_lines(scenario.hal, serial_ports, None)
        if receiver is not None:
            raise ValueError(
                f"[hal] gnss: {receiver} is a receiver's line; the flight computer alone takes every "
                "device from a board: route it serial:PORT[@BAUD] or give --serial"
            )
        on_line = devices_on_ports(lines)
        unserved = [d for d in SERIAL_DEVICES if d not in on_line]
        if unserved:
            raise ValueError(
                f"argument --serial: no port for {', '.join(unserved)}: the flight computer sees its "
                "devices only through boards; add them, give all=PORT, or route them in the scenario's [hal]"
            )
        self.scenario = scenario
        self.out_dir = out_dir
        self.links, on_port = board_links(on_line, LINK_TIMEOUT_S, retries=LINK_RETRIES)
        self.boards: dict[str, dict] = {}
        try:
            for port, link in self.links.items():
                self.boards[port] = ping_board(link, [board_name(d) for d, p in on_port.items() if p == port])
        except (OSError, ValueError):
            self.close_links()
            raise
        sc = scenario.spacecraft
        made = {d: serial_device(d, self.links[p], sc) for d, p in on_port.items() if d != "imager"}
        chunks = IMAGER_CHUNKS_PER_COLLECT if imager_chunks is None else imager_chunks
        devices = DeviceSet(**made, imager=SerialImager(self.links[on_port["imager"]], chunks))
        devices.board_links.update({d: self.links[p] for d, p in on_port.items()})
        self.devices = devices
        self.clock = WallClock(self._between_frames)
        self.tm_packets = 0
        self.tm_bytes = 0
        self._error_est_deg = array("d")  # 1 Hz, the flight's own estimate of its pointing error
        self._housekeeping_seen = 0
        self.tm_listeners: list = []
        self.frame_hooks: list = []
        self._tm_file = TmLog(out_dir)
        jd_epoch_utc = julian_date(parse_utc(scenario.epoch_utc))
        self.flight = build_flight_software(
            scenario, devices, self.clock, self._downlink, jd_epoch_utc, out_dir
        )
        load_requests(self.flight, scenario)
        self._error_est_column = self.flight.housekeeping.names.index("attitude_error_est_deg")
        self.wall_s = 0.0
        self.link_server: LinkServer | None = None

    def open_link(
        self, port: int, keys: KeyStore, limits: PortLimits = DEFAULT_LIMITS, may_provision: bool = True
    ) -> LinkServer:
        """The authenticated frame link on 127.0.0.1:`port` (0: any free port), polled between frames;
        `may_provision` as `first_start` said of the run folder before anything was written there."""
        ports = flight_link_ports(
            self.flight, self.tm_listeners.append, self.frame_hooks.append, lambda: [], self.scenario.seed
        )
        associations = {keys.spi: keys.association()}
        link = OnboardLink(ports, associations, self.out_dir, keys.master_association(), may_provision)
        counters = ports.port_counters["link_port"]
        self.link_server = LinkServer(port, link, ports.set_file_budget, limits, counters)
        ports.add_frame_hook(self.link_server.poll)
        return self.link_server

    def _between_frames(self, _t_s: float) -> None:
        """After each frame: the housekeeping's estimated attitude error when it sampled, the link."""
        housekeeping = self.flight.housekeeping
        if housekeeping.samples != self._housekeeping_seen:
            self._housekeeping_seen = housekeeping.samples
            self._error_est_deg.append(housekeeping.latest[self._error_est_column])
        for hook in self.frame_hooks:
            hook()

    def _downlink(self, packet: bytes) -> None:
        """Every TM packet: counted, written to tm.bin, given to the link."""
        self.tm_packets += 1
        self.tm_bytes += len(packet)
        self._tm_file.write(packet)
        for listener in self.tm_listeners:
            listener(packet)

    def run(self, duration_s: float, stop: threading.Event) -> None:
        """Run frames paced to the wall clock from now until `duration_s` of onboard time, or until `stop`
        is set (looked at between frames, so a frame is never cut short)."""
        executive = self.flight.executive
        total = round(duration_s / executive.frame_s)
        freeze_built_objects()
        self.clock.start()
        started = time.monotonic()
        interim = PeriodicSummary(self.out_dir, self.summary, self._tm_file.flush)
        while executive.frame < total and not stop.is_set():
            executive.run_frames(1)
            self._tm_file.flush()  # a kill loses at most the frame being made
            interim()
        self.wall_s = time.monotonic() - started

    def summary(self) -> dict:
        """The flight side's figures; truth-based ones (pointing errors) are the world's to give."""
        flight = self.flight
        sim_s = round(flight.executive.t_s, 6)
        summary = {
            "side": "flight",
            "seed": self.scenario.seed,
            "sim_s": sim_s,
            "wall_s": round(self.wall_s, 3),
            "real_time_factor": round(sim_s / self.wall_s, 3) if self.wall_s > 0 else None,
            "attitude": {
                "error_est_deg": spread(np.frombuffer(self._error_est_deg)),
                "error_deg": None,
                "error_not_computed": "true pointing errors need the truth, which only the world holds: "
                "compare `zorka sim-server`'s truth.aem with this run's TM",
            },
            "control": {"overruns": flight.executive.overruns},
            "commanding": commanding_figures(flight),
            "telemetry": {"packets": self.tm_packets, "bytes": self.tm_bytes},
            "realtime": realtime_figures(flight, self.clock),
            "serial": {port: self._serial_figures(port) for port in self.links},
        }
        if flight.payload is not None:
            summary["imaging"] = imaging_figures(flight.payload)
        if self.link_server is not None:
            summary["link"] = self.link_server.link.figures()
            summary["ports"] = {"link_port": self.link_server.server.figures()}
            if flight.file_downlink is not None:
                summary["link"]["files"] = {
                    "products_confirmed_on_board": len(flight.file_downlink.confirmed),
                    "products_left_on_board": len(flight.file_downlink.memory.pending()),
                    **dict(sorted(flight.file_downlink.counts.items())),
                }
        return summary

    def _serial_figures(self, port: str) -> dict:
        """The board's identity, the link's counts and round trips, and the same figures per device."""
        link = self.links[port]
        return {
            "board": self.boards[port],
            **serial_link_figures(link),
            "devices": {dev: counters.figures() for dev, counters in sorted(link.devices.items())},
        }

    def write_folder(self) -> Path:
        """summary.json and the telemetry archive of tm.bin; the summary's path."""
        summary = self.summary()
        path = self.out_dir / "summary.json"
        write_atomically(path, (json.dumps(summary, indent=2) + "\n").encode())
        dictionary = json.loads(dictionary_json(self.flight.dictionary))
        write_archive(tm_files(self.out_dir), dictionary, self.out_dir / "telemetry.msgpack")
        return path

    def close_links(self) -> None:
        for link in self.links.values():
            link.close()

    def close(self) -> None:
        if self.link_server is not None:
            self.link_server.close()
        self._tm_file.close()
        self.close_links()


def flight_command(args: argparse.Namespace) -> int:
    """`zorka flight`: 2 on bad options or scenario, 1 if a board or the link is missing, else 0 after
    writing the run folder."""
    if args.link_port is not None and not 0 <= args.link_port <= 65535:
        print(
            f"zorka flight: error: argument --link-port: {args.link_port} is not a TCP port (0-65535)",
            file=sys.stderr,
        )
        return 2
    scenario = scenario_for("flight", args.scenario, args.out)
    if scenario is None:
        return 2
    if scenario.link is not None:
        print(
            "zorka flight: error: the scenario's [link] simulates a radio for `zorka run`; the flight "
            "computer's link is --link-port: remove [link] from the scenario",
            file=sys.stderr,
        )
        return 2
    serial_ports = {device: port for devices, port in args.serial for device in devices}
    may_provision = first_start(args.out, args.keys)
    try:
        computer = FlightComputer(scenario, serial_ports, args.out, args.imager_chunks)
    except ValueError as problem:
        print(f"zorka flight: error: {problem}", file=sys.stderr)
        return 2
    except OSError as failure:
        print(f"zorka flight: error: {failure}", file=sys.stderr)
        return 1
    for port, board in computer.boards.items():
        print(f"zorka flight: {board['identity']} (protocol {board['protocol']}) on {port}", flush=True)
    try:
        if args.link_port is not None:
            keys = KeyStore(args.keys)
            limits = PortLimits(args.max_clients, args.idle_timeout)
            server = computer.open_link(args.link_port, keys, limits, may_provision)
            print(
                f"zorka flight: authenticated link on 127.0.0.1:{server.port}, SPI {keys.spi}, "
                f"keys in {args.keys}",
                flush=True,
            )
    except (OSError, KeyFileError) as failure:
        computer.close()
        print(f"zorka flight: error: cannot open the link: {failure}", file=sys.stderr)
        return 1

    stop = threading.Event()

    def _stop(_signum: int, _frame: object) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
    try:
        computer.run(args.duration if args.duration is not None else FOREVER_S, stop)
    finally:
        computer.close()
    path = computer.write_folder()
    print(f"zorka flight: {computer.flight.executive.t_s:.1f} s flown; {path}", flush=True)
    return 0
