"""The simulated radio of a mission run: the onboard link and a ground link joined by `sim.radio`.

Once a frame: the downlink transmits while the radio is open (a ground station sees the satellite) and
stores TM for playback while it is closed; the frames the downlink rate allows go down (those with data,
or with a CLCW the ground has not seen), each lost with the radio's probability, and the ground
demultiplexes what arrives. Telecommands of the scenario's `[[link.commands]]` are queued on the ground
at their times and go up through FOP-1 and SDLS only while the radio is open, so a command due outside a
pass waits in FOP-1 for the next one. Every received TM frame goes to tm_frames.bin and every packet the
ground decoded to tm_ground.bin.

A frame whose poll could do nothing is not polled (`quiet_until_s`: the fused C loop runs it): out of
contact with nothing in the air, and in contact once nothing waits to go down or up, nothing is in the
air and no command, FOP-1 timer or file transfer needs the frame. In contact such a poll would still
have moved the downlink's bit clock and the file receiver's contact clock; the next poll (or a
checkpoint) replays that for each frame skipped, with the frame's own arithmetic, so a run is bit for
bit the one that polled every frame.

The SDLS key is derived from the run's seed so that a run is reproducible: simulation only, anyone who
knows the seed has the key.

Across a kill and `zorka run --resume` (zorka/run/checkpoint.py) the two ends keep what each would keep
in flight: the spacecraft its anti-replay state (the uplink's two-copy link_state in the run folder:
every association's last ARSN and FARM-1's V(R)), the ground its journal (GROUND_JOURNAL: FOP-1 with
the frames sent and not acknowledged, the queued packets, the next ARSN, the index of the next scenario
command and what the verification reports said), written before any frame it vouches for goes on the
air. Neither rolls back with the world: a command the spacecraft took before the kill is a duplicate
to FARM-1 when FOP-1 sends it again, and the CLCW acknowledges it; one it had not taken goes up once.
The ground's ARSN stays ahead of the onboard one. The radio's draws and counts, and the lengths of
tm_frames.bin and tm_ground.bin, are the world's: the checkpoint holds them (`checkpoint_state`), and
a resumed run cuts both files back to them and appends.
"""

import hashlib
import math
import os
from collections import Counter
from pathlib import Path
from typing import Any

import msgpack

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
from native.atomic_file import write_atomically
from sim.radio import DOWN, UP, Radio
from zorka.run.link_ports import LinkPorts
from zorka.scenario.model import CommandSpec, LinkSpec

SIMULATION_SPI = 1
PRODUCTS_FOLDER = "products"
FOP_T1_S = 2.0
"""FOP-1's retransmission timer beyond the round trip (twice the one-way delay is added)."""

VERIFIED_STAGES = {"accepted", "completed"}
GROUND_JOURNAL = "ground_link.msgpack"
PUS_SERVICE_BYTE = 7  # a PUS-C TM packet's service type: after the 6-byte primary header and the version
VERIFICATION_SERVICE = 1
LINK_STATE = "link_state.json"
"""The onboard anti-replay store's name (its copies are link_state.a.json and link_state.b.json)."""
FRAMES_FILE = "tm_frames.bin"
PACKETS_FILE = "tm_ground.bin"


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
    the ground received are written there, the products it received under products/, and both ends
    keep their link state there; `keep_bytes` (a resumed run): tm_frames.bin and tm_ground.bin cut to
    those lengths and appended to, and the ground's journal read back."""

    def __init__(
        self,
        ports: LinkPorts,
        spec: LinkSpec,
        dictionary: dict,
        out_dir: Path | None,
        keep_bytes: dict[str, int] | None = None,
    ) -> None:
        book = CommandBook(dictionary)
        order = sorted(range(len(spec.commands)), key=lambda i: spec.commands[i].t_s)
        self._commands = [
            (spec.commands[i].t_s, encode_command(book, spec.commands[i], n, f"link.commands[{i}]"))
            for n, i in enumerate(order)
        ]
        self._next_command = 0
        self._request_ids = {request_id(packet): n for n, (_, packet) in enumerate(self._commands)}
        self._reports = TelemetryDecoder(dictionary)
        self.verified: Counter[str] = Counter()
        self.outcomes: dict[str, str] = {}
        """A scenario command's place in time order (as text) -> what the verification reports the ground
        received say of it: "accepted", "completed" or "failed"."""

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
            spec.pass_loss,
        )
        key = simulation_key(ports.seed)
        onboard = {SIMULATION_SPI: SecurityAssociation(SIMULATION_SPI, key, arsn_window=ARSN_WINDOW)}
        state_file = None if out_dir is None else out_dir / LINK_STATE
        self.uplink = Uplink(
            SCID,
            TC_VCID,
            ports.accept_telecommand,
            onboard,
            state_file=state_file,
            counters=ports.link_counters,
            events=ports.events,
            now_s=ports.now_s,
        )
        self.downlink = Downlink(SCID, self.uplink.clcw, TM_FRAME_BYTES, apid_channels={CFDP_APID: VC_FILES})
        self.downlink.radio_on = self.radio.open(0.0)
        ports.subscribe_tm(self.downlink.send)
        sender = SdlsSender(SecurityAssociation(SIMULATION_SPI, key, arsn=1), segment_header=True)
        self.ground = GroundLink(SCID, TC_VCID, TM_FRAME_BYTES, sender, t1_s=FOP_T1_S + 2.0 * spec.delay_s)
        self.frames_received = 0
        self.packets_on_ground = 0
        self.received_bytes_by_s: Counter[int] = Counter()
        """Bytes of TM frames the ground received, per whole second of arrival since the epoch (for the
        report's contact table and downlink timeline; this process's frames only, not a resumed run's
        earlier ones)."""
        self.deliveries: list[tuple[float, str]] = []
        """(t_s, product id) of each product the ground received complete and verified, in order."""
        self._last_clcw: bytes | None = None
        self._quiet_until_s = 0.0
        self._quiet_in_contact = False
        """Whether the frames since the last poll (`_polled_frame`) were quiet in contact."""
        self._polled_frame = 0
        self._frames_file = self._packets_file = None
        self._journal = None if out_dir is None else out_dir / GROUND_JOURNAL
        self._journaled: tuple | None = None
        if out_dir is not None:
            kept = keep_bytes or {}
            self._frames_file = _received_file(out_dir / FRAMES_FILE, kept.get("frames"))
            self._packets_file = _received_file(out_dir / PACKETS_FILE, kept.get("packets"))
            if keep_bytes is not None:
                self._read_journal()
        self.files = None
        self._file_down_bytes_s = spec.downlink_bps / 8.0
        self._file_up_bytes = max(1, int(spec.uplink_bps / 8.0 * self._frame_s))
        if ports.file_downlink is not None and out_dir is not None:
            self.files = FileReceiver(out_dir / PRODUCTS_FOLDER)
            self._file_downlink = ports.file_downlink
            ports.set_file_budget(self._file_budget)
        ports.add_frame_hook(self.poll)

    @property
    def quiet_until_s(self) -> float:
        """`poll` does nothing at a world time before this one (out of contact, nothing in the air, no
        command due), or, in contact, nothing the frames run since the last poll could have changed (no
        TM waiting, the CLCW sent, nothing in the air, no command or FOP-1 timer due, no file transfer
        open) but keep the downlink's bit clock and the file receiver's contact clock, which the next
        poll catches up: frames before it may run without polling (`zorka.run.fused_loop`)."""
        return self._quiet_until_s

    def _file_budget(self, t_s: float) -> int:
        """Bytes of file PDUs the downlink can take in the next second: its rate, less what is queued."""
        if not self.radio.open(t_s):
            return 0
        return max(0, int(self._file_down_bytes_s - self.downlink.pending_bytes()))

    def poll(self) -> None:
        """One control frame of the link, at the world's time."""
        t_s = self._now_s()
        if t_s < self._quiet_until_s:
            if not self._quiet_in_contact:
                return
            if not self.downlink.pending_bytes() and self.uplink.clcw() == self._last_clcw:
                self._catch_up(round(t_s / self._frame_s))
                return
        frame = round(t_s / self._frame_s)
        self._catch_up(frame - 1)
        self._polled_frame = frame
        self._quiet_in_contact = False
        self._quiet_until_s = -math.inf
        radio = self.radio
        commands = self._commands
        while self._next_command < len(commands) and commands[self._next_command][0] <= t_s:
            self.ground.send(commands[self._next_command][1])
            self._next_command += 1
        is_open = radio.open(t_s)
        self.downlink.radio_on = is_open
        for raw in radio.arrived(UP, t_s):
            self.uplink.receive(raw)
        tm_quiet = is_open and self._transmit_tm(t_s)
        for raw in radio.arrived(DOWN, t_s):
            self._receive_tm(raw, t_s)
        due_s = commands[self._next_command][0] if self._next_command < len(commands) else math.inf
        if is_open:  # after the CLCWs of this frame, so FOP-1 sees the spacecraft before its timers run
            files = self.files
            if files is not None:
                delivered = files.counts["products_received"]
                for packet in files.poll(t_s, self._file_up_bytes):
                    self.ground.send(packet)
                if files.counts["products_received"] > delivered:
                    new = files.received[delivered - files.counts["products_received"] :]
                    self.deliveries += [(t_s, product.product_id) for product in new]
            frames = self.ground.frames_to_send(t_s)
            self._write_journal()  # before the frames it vouches for are on the air
            for raw in frames:
                radio.transmit(UP, t_s, raw)
            if tm_quiet and (files is None or files.idle):
                self._quiet_in_contact = True
                self._quiet_until_s = min(
                    radio.open_until_s(t_s),
                    due_s,
                    radio.next_arrival_s(UP),
                    radio.next_arrival_s(DOWN),
                    self.ground.next_send_s(),
                )
        else:
            self._write_journal()
            if radio.idle:
                self._quiet_until_s = min(radio.next_open_s(t_s), due_s)

    def _catch_up(self, frame: int) -> None:
        """What the polls of the frames after the last one polled, up to `frame`, would have done, all of
        them quiet in contact: the downlink's bit clock and the file receiver's contact clock moved on,
        each with that frame's own arithmetic (the next frames' figures are then bit for bit the same)."""
        if not self._quiet_in_contact:
            return
        radio, frame_s, files = self.radio, self._frame_s, self.files
        for k in range(self._polled_frame + 1, frame + 1):
            radio.downlink_budget(frame_s)
            if files is not None:
                files.clock.advance(k * frame_s, True)
        self._polled_frame = max(self._polled_frame, frame)

    def _transmit_tm(self, t_s: float) -> bool:
        """The frames the rate allows: while TM waits, or to bring the ground a changed CLCW. True if it
        stopped with nothing left to send (no TM waiting, the ground has the CLCW)."""
        downlink = self.downlink
        budget = self.radio.downlink_budget(self._frame_s)
        for _ in range(budget):
            clcw = self.uplink.clcw()
            waiting = downlink.pending_bytes()
            if not waiting and clcw == self._last_clcw:
                return True
            self._last_clcw = clcw
            self.radio.transmit(DOWN, t_s, downlink.next_frame())
        return False

    def _receive_tm(self, raw: bytes, t_s: float) -> None:
        self.frames_received += 1
        self.received_bytes_by_s[int(t_s)] += len(raw)
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
            if len(packet) <= PUS_SERVICE_BYTE or packet[PUS_SERVICE_BYTE] != VERIFICATION_SERVICE:
                continue  # not a verification report: decoding every housekeeping report cost ~40 us each
            report = self._reports.decode(packet)
            if isinstance(report, VerificationReport) and report.request_id in self._request_ids:
                command = str(self._request_ids[report.request_id])
                if not report.success:
                    self.verified["failed"] += 1
                    self.outcomes[command] = "failed"
                elif report.stage in VERIFIED_STAGES:
                    self.verified[report.stage] += 1
                    if self.outcomes.get(command) not in ("completed", "failed"):
                        self.outcomes[command] = report.stage

    def _journal_key(self) -> tuple:
        """What the journal holds, in brief: it is written again only when this changes."""
        fop, ground = self.ground.fop, self.ground
        arsn = ground.sender.association.arsn
        return (
            self._next_command,
            arsn,
            fop.state,
            fop.vs,
            fop.nn_r,
            fop.transmission_count,
            len(fop.sent),
            len(fop.waiting),
            ground.outstanding,
            len(fop.counters.alerts),
            sum(self.verified.values()),
        )

    def _write_journal(self) -> None:
        """The ground's journal (GROUND_JOURNAL), atomically, if anything in it moved."""
        if self._journal is None:
            return
        key = self._journal_key()
        if key == self._journaled:
            return
        document = {
            "next_command": self._next_command,
            "ground": self.ground.snapshot(),
            "verified": dict(self.verified),
            "outcomes": self.outcomes,
        }
        write_atomically(self._journal, msgpack.packb(document))
        self._journaled = key

    def _read_journal(self) -> None:
        """The ground as its journal left it (a resumed run); nothing if it never wrote one."""
        try:
            document = msgpack.unpackb(self._journal.read_bytes())
        except FileNotFoundError:
            return
        except (ValueError, msgpack.UnpackException):
            raise ValueError(f"{self._journal}: not the ground's link journal") from None
        self._next_command = document["next_command"]
        self.ground.restore(document["ground"])
        self.verified = Counter(document["verified"])
        self.outcomes = dict(document["outcomes"])
        self._journaled = self._journal_key()

    def checkpoint_state(self) -> dict:
        """The world's side of the radio for a checkpoint: its draws and counts, the frames and packets
        received, and the bytes of tm_frames.bin and tm_ground.bin made durable."""
        self._catch_up(round(self._now_s() / self._frame_s))
        files = {}
        for name, handle in (("frames", self._frames_file), ("packets", self._packets_file)):
            if handle is not None:
                handle.flush()
                os.fsync(handle.fileno())
                files[name] = handle.tell()
        return {
            "radio": self.radio.state(),
            "frames_received": self.frames_received,
            "packets_on_ground": self.packets_on_ground,
            "files": files,
        }

    def restore(self, state: dict) -> None:
        """The world's side of the radio as a checkpoint left it (`checkpoint_state`)."""
        self.radio.restore(state["radio"])
        self.frames_received = state["frames_received"]
        self.packets_on_ground = state["packets_on_ground"]

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
            **({} if not radio.outages_s else {"outages": self._outage_figures()}),
        }

    def _outage_figures(self) -> dict:
        """The passes lost whole to outages so far (a section only where the scenario loses passes)."""
        lost = [(aos_s, los_s) for aos_s, los_s in self.radio.outages_s if aos_s < self._now_s()]
        return {"passes_lost": len(lost), "lost_contact_s": round(sum(b - a for a, b in lost), 3)}

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


def _received_file(path: Path, keep_bytes: int | None):
    """A file of what the ground received, opened to append: new, or (a resumed run) cut to `keep_bytes`;
    ValueError if it holds fewer (what the checkpoint counted is not there)."""
    if keep_bytes is None:
        return path.open("wb")
    size = path.stat().st_size if path.is_file() else 0
    if size < keep_bytes:
        raise ValueError(
            f"{path.name} holds {size} bytes, fewer than the {keep_bytes} the checkpoint counted"
        )
    os.truncate(path, keep_bytes)
    return path.open("ab")
