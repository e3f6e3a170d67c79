"""The space link wired onto a mission: the onboard uplink (frames → flight software) and downlink
(TM packets → frames), and `zorka serve --link-port`, which carries those frames over TCP on 127.0.0.1.
The link's parameters are the spacecraft's (flight/link/link_parameters.py).
"""

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ccsds.sdls import SecurityAssociation
from ccsds.tc_frame import TcFrameSplitter
from flight.link.downlink import Downlink
from flight.link.link_parameters import ARSN_WINDOW, SCID, TC_VCID, TM_FRAME_BYTES
from flight.link.port_counters import PortCounters
from flight.link.uplink import SECURITY_REFUSALS, Uplink
from ground.key_store import LOCK_SUFFIX
from zorka.run.link_ports import LinkPorts
from zorka.serve.packet_port import DEFAULT_LIMITS, PacketServer, PortLimits

MAX_FRAMES_PER_POLL = 64
"""Downlink frames a poll may send (~7 MB/s at 10 Hz): the rest wait for the next frame."""
FILE_BYTES_PER_S = 250_000
"""File data (image products over CFDP) the bench link takes per second while a ground client is
connected: a 2 Mbit/s X-band class downlink, well inside what a poll may send."""
REFUSAL_LOG_S = 1.0
"""`zorka serve` logs refused TC frames at most once a second (wall clock), counting those in between."""


class RefusalLog:
    """One stderr line per TC frame the uplink's security checks refused, at most one per `every_s`
    (wall clock); a line names the reasons and counts the frames refused since the last line."""

    def __init__(self, counts: Counter[str], stream: TextIO = sys.stderr, every_s: float = REFUSAL_LOG_S):
        self._counts = counts
        self._stream = stream
        self._every_s = every_s
        self._logged = self._refused()
        self._last_s: float | None = None

    def _refused(self) -> Counter[str]:
        return Counter({reason: self._counts[reason] for reason in SECURITY_REFUSALS if self._counts[reason]})

    def poll(self, now_s: float | None = None) -> None:
        """Log the frames refused since the last line, unless a line was written under `every_s` ago."""
        now_s = time.monotonic() if now_s is None else now_s
        if self._last_s is not None and now_s - self._last_s < self._every_s:
            return
        refused = self._refused()
        new = refused - self._logged
        if not new:
            return
        reasons = ", ".join(f"{reason} x{count}" for reason, count in sorted(new.items()))
        total = sum(new.values())
        print(
            f"zorka serve: {total} TC frame{'s' * (total > 1)} refused by the link's security checks: "
            f"{reasons} (a ground with another key, or out of step: zorka resync)",
            file=self._stream,
            flush=True,
        )
        self._logged = refused
        self._last_s = now_s


def first_start(out_dir: Path, key_file: Path) -> bool:
    """True if the run folder holds nothing of an earlier start (it is missing, empty, or holds only the
    key file and its lock): only then may the spacecraft be provisioned with the keys at ARSN 0. Callers
    look before they write anything there."""
    if not out_dir.is_dir():
        return True
    own = {key_file.resolve(), key_file.with_name(key_file.name + LOCK_SUFFIX).resolve()}
    return all(entry.resolve() in own for entry in out_dir.iterdir())


class OnboardLink:
    """The uplink and downlink of a mission's flight software, reached through its `ports`.
    `associations` None: unauthenticated; `master` the SA-management key. The anti-replay state persists
    in the run folder (`link_state.a/b.json`, `link_master.a/b.json`; flight/link/link_security_state.py).
    On this bench the onboard keys are the ground key file's (`zorka serve --keys FILE`): the spacecraft
    is "provisioned" with them at its first start, in a run folder that was new or empty (`may_provision`:
    the caller looked before it wrote anything there); in a folder that held files, no link state is a lost
    one."""

    def __init__(
        self,
        ports: LinkPorts,
        associations: dict[int, SecurityAssociation] | None,
        out_dir: Path,
        master: SecurityAssociation | None = None,
        may_provision: bool = True,
    ):
        for association in (associations or {}).values():
            association.arsn_window = ARSN_WINDOW
        self.uplink = Uplink(
            SCID,
            TC_VCID,
            ports.accept_telecommand,
            associations,
            out_dir / "link_state.json",
            counters=ports.link_counters,
            master=master,
            events=ports.events,
            now_s=ports.now_s,
            may_provision=may_provision,
        )
        self.downlink = Downlink(SCID, self.uplink.clcw, TM_FRAME_BYTES)
        ports.subscribe_tm(self.downlink.send)

    def figures(self) -> dict:
        """What crossed the link and what it refused, by reason."""
        return {
            "uplink": dict(sorted(self.uplink.counts.items())),
            "farm_vr": self.uplink.farm.vr,
            "downlink": dict(sorted(self.downlink.counts.items())),
        }


class LinkServer:
    """`--link-port`: TC frames from every client into the uplink, TM frames of the downlink to all.
    With `set_file_budget` (`LinkPorts.set_file_budget`) the onboard file downlink sends products while
    a client is connected, `FILE_BYTES_PER_S` less what the downlink still holds. `limits` bound the
    clients and the time a poll spends on them; the port's counts go to `counters` (the flight
    software's, `LinkPorts.port_counters["link_port"]`)."""

    def __init__(
        self,
        port: int,
        link: OnboardLink,
        set_file_budget: Callable[[Callable[[float], int]], None] | None = None,
        limits: PortLimits = DEFAULT_LIMITS,
        counters: PortCounters | None = None,
    ):
        self.link = link
        self.server = PacketServer(
            port, link.uplink.receive, splitter=TcFrameSplitter, limits=limits, counters=counters
        )
        self.port = self.server.port
        self.refusals = RefusalLog(link.uplink.counts)
        if set_file_budget is not None:
            set_file_budget(self.file_budget)

    def file_budget(self, _t_s: float) -> int:
        """Bytes of file data the downlink can take in the next second: none without a ground client."""
        if not self.server.client_count:
            return 0
        return max(0, FILE_BYTES_PER_S - self.link.downlink.pending_bytes())

    def poll(self) -> None:
        """Once a frame: take what came up, send what is waiting (at least one frame, for the CLCW)."""
        self.server.poll()
        self.refusals.poll()
        downlink = self.link.downlink
        for sent in range(MAX_FRAMES_PER_POLL):
            if sent and not downlink.pending_bytes():
                break
            self.server.send(downlink.next_frame())

    def close(self) -> None:
        self.server.close()
