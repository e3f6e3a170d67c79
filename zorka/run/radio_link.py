"""The simulated radio of a mission run: the onboard link and a ground link joined by `sim.radio`.

Once a frame: the downlink transmits while the radio is open (a ground station sees the satellite) and
stores TM for playback while it is closed; the frames the downlink rate allows go down (those with data,
or with a CLCW the ground has not seen), each lost with the radio's probability, and the ground
demultiplexes what arrives. Telecommands of the scenario's `[[link.commands]]` are queued on the ground
at their times and go up through FOP-1 and SDLS only while the radio is open, so a command due outside a
pass waits in FOP-1 for the next one. Every received TM frame goes to tm_frames.bin and every packet the
ground decoded to tm_ground.bin.

The SDLS key is derived from the run's seed so that a run is reproducible: simulation only, anyone who
knows the seed has the key.
"""

import hashlib
import math
from collections import Counter
from pathlib import Path
from typing import Any

from ccsds.cfdp_carriage import CFDP_APID
from ccsds.sdls import SdlsSender, SecurityAssociation
from ccsds.tm_frame import VC_FILES
from flight.link.downlink import Downlink
from flight.link.link_parameters import ARSN_WINDOW, SCID, TC_VCID, TM_FRAME_BYTES
from flight.link.uplink import DELIVERED, TAKEN, Uplink
from ground.commands import CommandBook, CommandError, request_id
from ground.file_receiver import FileReceiver
from ground.link import GroundLink
from ground.telemetry import TelemetryDecoder, VerificationReport
from sim.radio import DOWN, UP, Radio
from zorka.run.link_ports import LinkPorts
from zorka.scenario.model import CommandSpec, LinkSpec

SIMULATION_SPI = 1
PRODUCTS_FOLDER = "products"
FOP_T1_S = 2.0
"""FOP-1's retransmission timer beyond the round trip (twice the one-way delay is added)."""

VERIFIED_STAGES = {"accepted", "completed"}


def simulation_key(seed: int) -> bytes:
    """The run's 32-byte SDLS key, derived from its seed (simulation only)."""
    return hashlib.sha256(b"zorka simulated link key " + seed.to_bytes(8, "big")).digest()


def encode_command(book: CommandBook, spec: CommandSpec, seq_count: int, where: str) -> bytes:
    """The PUS-C telecommand packet of a scenario command, built by the ground's command book as
    `zorka console` builds it; ValueError naming `where` if the dictionary does not know it or its
    arguments. A list value gives the groups of a repeated command."""
    try:
        command = book.spec(spec.name)
        names = [arg.name for arg in command.args]
        if set(spec.args) != set(names):
            raise CommandError(
                f"{spec.name} takes the arguments ({', '.join(names)}), not ({', '.join(spec.args)})"
            )
        words = [f"{name}={_word(value)}" for name, value in spec.args.items()]
        return bytes(book.packet(spec.name, words, seq_count))
    except CommandError as problem:
        raise ValueError(f"{where}: {problem}") from None


def _word(value: Any) -> str:
    """A scenario value as a console word: numbers exactly (repr round-trips a float), lists by commas."""
    if isinstance(value, list | tuple):
        return ",".join(_word(v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)


class RadioLink:
    """The radio of a mission, reached through its `ports`, as `spec` describes it. Its ground side is
    the ground segment's own: commands built by `ground.commands` and reports read by `ground.telemetry`
    from the `dictionary` JSON, FOP-1 and SDLS from `ground.link`. With `out_dir`, the frames and packets
    the ground received are written there, and the products it received under products/."""

    def __init__(self, ports: LinkPorts, spec: LinkSpec, dictionary: dict, out_dir: Path | None) -> None:
        book = CommandBook(dictionary)
        order = sorted(range(len(spec.commands)), key=lambda i: spec.commands[i].t_s)
        self._commands = [
            (spec.commands[i].t_s, encode_command(book, spec.commands[i], n, f"link.commands[{i}]"))
            for n, i in enumerate(order)
        ]
        self._next_command = 0
        self._request_ids = {request_id(packet) for _, packet in self._commands}
        self._reports = TelemetryDecoder(dictionary)
        self.verified: Counter[str] = Counter()

        self._now_s = ports.now_s
        self._frame_s = ports.frame_s
        self.radio = Radio(
            ports.passes(),
            ports.seed,
            spec.downlink_bps,
            spec.uplink_bps,
            spec.frame_loss,
            spec.delay_s,
            TM_FRAME_BYTES,
        )
        key = simulation_key(ports.seed)
        onboard = {SIMULATION_SPI: SecurityAssociation(SIMULATION_SPI, key, arsn_window=ARSN_WINDOW)}
        self.uplink = Uplink(SCID, TC_VCID, ports.accept_telecommand, onboard, counters=ports.link_counters)
        self.downlink = Downlink(SCID, self.uplink.clcw, TM_FRAME_BYTES, apid_channels={CFDP_APID: VC_FILES})
        self.downlink.radio_on = self.radio.open(0.0)
        ports.subscribe_tm(self.downlink.send)
        sender = SdlsSender(SecurityAssociation(SIMULATION_SPI, key, arsn=1), segment_header=True)
        self.ground = GroundLink(SCID, TC_VCID, TM_FRAME_BYTES, sender, t1_s=FOP_T1_S + 2.0 * spec.delay_s)
        self.frames_received = 0
        self.packets_on_ground = 0
        self._last_clcw: bytes | None = None
        self._quiet_until_s = 0.0
        self._frames_file = None if out_dir is None else (out_dir / "tm_frames.bin").open("wb")
        self._packets_file = None if out_dir is None else (out_dir / "tm_ground.bin").open("wb")
        self.files = None
        self._file_down_bytes_s = spec.downlink_bps / 8.0
        self._file_up_bytes = max(1, int(spec.uplink_bps / 8.0 * self._frame_s))
        if ports.file_downlink is not None and out_dir is not None:
            self.files = FileReceiver(out_dir / PRODUCTS_FOLDER)
            self._file_downlink = ports.file_downlink
            ports.set_file_budget(self._file_budget)
        ports.add_frame_hook(self.poll)

    def _file_budget(self, t_s: float) -> int:
        """Bytes of file PDUs the downlink can take in the next second: its rate, less what is queued."""
        if not self.radio.open(t_s):
            return 0
        return max(0, int(self._file_down_bytes_s - self.downlink.pending_bytes()))

    def poll(self) -> None:
        """One control frame of the link, at the world's time."""
        t_s = self._now_s()
        if t_s < self._quiet_until_s:
            return
        radio = self.radio
        commands = self._commands
        while self._next_command < len(commands) and commands[self._next_command][0] <= t_s:
            self.ground.send(commands[self._next_command][1])
            self._next_command += 1
        is_open = radio.open(t_s)
        self.downlink.radio_on = is_open
        for raw in radio.arrived(UP, t_s):
            self.uplink.receive(raw)
        if is_open:
            self._transmit_tm(t_s)
        for raw in radio.arrived(DOWN, t_s):
            self._receive_tm(raw, t_s)
        if is_open:  # after the CLCWs of this frame, so FOP-1 sees the spacecraft before its timers run
            if self.files is not None:
                for packet in self.files.poll(t_s, self._file_up_bytes):
                    self.ground.send(packet)
            for raw in self.ground.frames_to_send(t_s):
                radio.transmit(UP, t_s, raw)
        if not is_open and radio.idle:
            due_s = commands[self._next_command][0] if self._next_command < len(commands) else math.inf
            self._quiet_until_s = min(radio.next_open_s(t_s), due_s)

    def _transmit_tm(self, t_s: float) -> None:
        """The frames the rate allows: while TM waits, or to bring the ground a changed CLCW."""
        downlink = self.downlink
        budget = self.radio.downlink_budget(self._frame_s)
        for _ in range(budget):
            clcw = self.uplink.clcw()
            waiting = downlink.pending_bytes()
            if not waiting and clcw == self._last_clcw:
                return
            self._last_clcw = clcw
            self.radio.transmit(DOWN, t_s, downlink.next_frame())

    def _receive_tm(self, raw: bytes, t_s: float) -> None:
        self.frames_received += 1
        if self._frames_file is not None:
            self._frames_file.write(raw)
        for packet in self.ground.receive_frame(raw, t_s):
            self.packets_on_ground += 1
            if self._packets_file is not None:
                self._packets_file.write(packet)
            if int.from_bytes(packet[0:2], "big") & 0x7FF == CFDP_APID:
                if self.files is not None:
                    self.files.receive(packet)
                continue
            report = self._reports.decode(packet)
            if isinstance(report, VerificationReport) and report.request_id in self._request_ids:
                if not report.success:
                    self.verified["failed"] += 1
                elif report.stage in VERIFIED_STAGES:
                    self.verified[report.stage] += 1

    def figures(self) -> dict:
        """What crossed the radio each way, what was lost or refused, and what became of the commands."""
        radio, uplink, downlink, fop = self.radio, self.uplink, self.downlink, self.ground.fop.counters
        onboard = downlink.counts
        return {
            "downlink": {
                "frames_sent": radio.sent[DOWN],
                "frames_lost": radio.lost_frames[DOWN],
                "frames_received": self.frames_received,
                "packets_on_ground": self.packets_on_ground,
                "packets_realtime": onboard["packets_realtime"],
                "packets_stored": onboard["packets_stored"],
                "packets_played_back": onboard["packets_played_back"],
                "packets_dropped_store_full": onboard["packets_dropped_store_full"],
                "packets_in_store_at_end": len(downlink.store),
                "ground_decoder": dict(sorted(self.ground.demux.counts.items())),
            },
            "uplink": {
                "frames_sent": radio.sent[UP],
                "frames_lost": radio.lost_frames[UP],
                "frames_received": sum(v for k, v in uplink.counts.items() if k != DELIVERED),
                "frames_accepted": sum(uplink.counts[outcome] for outcome in TAKEN),
                "packets_delivered": uplink.counts[DELIVERED],
                "rejected": {
                    str(k): v for k, v in sorted(uplink.counts.items()) if k != DELIVERED and k not in TAKEN
                },
            },
            "fop": {
                "transmitted": fop.transmitted,
                "retransmitted": fop.retransmitted,
                "acknowledged": fop.acknowledged,
                "alerts": dict(Counter(str(alert) for _, alert in fop.alerts)),
            },
            "commands": {
                "sent": self._next_command,
                "acknowledged": fop.acknowledged,
                "accepted": self.verified["accepted"],
                "completed": self.verified["completed"],
                "failed": self.verified["failed"],
            },
            **({} if self.files is None else {"files": self._file_figures()}),
        }

    def _file_figures(self) -> dict:
        """Products the ground received and verified, and what the spacecraft deleted on confirmation."""
        onboard = self._file_downlink
        return {
            "products_received": len(self.files.received),
            "products_confirmed_on_board": len(onboard.confirmed),
            "products_left_on_board": len(onboard.memory.pending()),
            "packets_sent": onboard.counts["packets_sent"],
            "bytes_sent": onboard.counts["bytes_sent"],
            "ground": dict(sorted(self.files.counts.items())),
        }

    def close(self) -> None:
        for handle in (self._frames_file, self._packets_file):
            if handle is not None:
                handle.close()
