"""The ground end of the space link, without any transport: FOP-1 and SDLS going up, TM frames coming down.

Telecommand packets queue in FOP-1 (sequence-controlled, retransmitted until a CLCW acknowledges them),
each leaves as one TC frame with a segment header, protected with the security association when the
link is secured. TM frames are demultiplexed into packets; their CLCW drives FOP-1. The AD service starts
from the first CLCW seen: V(S) takes the onboard V(R), with an Unlock first if FARM-1 is locked out, so
a console can join a running spacecraft without resetting its sequence. The clock is injected.
`snapshot` and `restore` carry the sending side (FOP-1, the queued packets, the next ARSN of a sender
without a key store) across a restart of the ground's process.
"""

import math
from collections import Counter
from collections.abc import Callable

from ccsds.clcw import Clcw, decode_clcw
from ccsds.sdls import SdlsSender
from ccsds.tm_frame import TmDemultiplexer
from ground.fop import Fop1, FopState, Initiation


class GroundLink:
    """One spacecraft's link seen from the ground; `sender` None means an unauthenticated channel, and
    `reserve_arsn` (e.g. `KeyStore.reserve_arsn`) hands out the ARSN of each protected frame."""

    def __init__(
        self,
        scid: int,
        vcid: int,
        tm_frame_bytes: int,
        sender: SdlsSender | None,
        reserve_arsn: Callable[[], int] | None = None,
        t1_s: float = 2.0,
        transmission_limit: int = 10,
    ) -> None:
        self.fop = Fop1(scid, vcid, sliding_window=8, t1_s=t1_s, transmission_limit=transmission_limit)
        self.demux = TmDemultiplexer(scid, tm_frame_bytes)
        self.sender = sender
        self._reserve_arsn = reserve_arsn
        self.tm_frame_bytes = tm_frame_bytes
        self.counts: Counter[str] = Counter()
        self._pending: list[bytes] = []

    @property
    def active(self) -> bool:
        """True once the AD service runs (a CLCW has been seen and accepted)."""
        return self.fop.state not in (
            FopState.INITIAL,
            FopState.INITIALISING_WITH_BC,
            FopState.INITIALISING_WITHOUT_BC,
        )

    @property
    def outstanding(self) -> int:
        """Telecommands not yet acknowledged by FARM-1 (queued here or in FOP-1)."""
        return len(self._pending) + self.fop.outstanding

    def next_send_s(self) -> float:
        """The earliest time `frames_to_send` has anything to do (`Fop1.next_poll_s`): a caller may skip
        it before then, as long as no CLCW came and nothing was queued."""
        if self._pending and self.fop.state != FopState.INITIAL:
            return -math.inf
        return self.fop.next_poll_s()

    def send(self, packet: bytes) -> None:
        """Queue one telecommand packet; it goes up in sequence once the AD service runs."""
        self._pending.append(packet)

    def frames_to_send(self, now_s: float) -> list[bytes]:
        """The TC frames to transmit now (new, retransmitted or control), protected if secured."""
        if self._pending and self.fop.state != FopState.INITIAL:
            for packet in self._pending:
                self.fop.send(packet)
            self._pending.clear()
        frames = [frame.pack() for frame in self.fop.poll(now_s)]
        if self.sender is not None:
            frames = [self._protect(frame) for frame in frames]
        self.counts["tc_frames_sent"] += len(frames)
        return frames

    def snapshot(self) -> dict:
        """The sending side as plain data."""
        arsn = None if self.sender is None else self.sender.association.arsn
        return {"fop": self.fop.snapshot(), "pending": list(self._pending), "arsn": arsn}

    def restore(self, snapshot: dict) -> None:
        """The sending side as `snapshot` left it; frames partly received are not kept."""
        self.fop.restore(snapshot["fop"])
        self._pending = list(snapshot["pending"])
        if self.sender is not None:
            self.sender.association.arsn = snapshot["arsn"]

    def _protect(self, frame: bytes) -> bytes:
        if self._reserve_arsn is not None:
            self.sender.association.arsn = self._reserve_arsn()
        return self.sender.apply(frame)

    def receive_frame(self, raw: bytes, now_s: float) -> list[bytes]:
        """The TM packets completed by one received frame; its CLCW goes to FOP-1."""
        self.demux.ocf = None
        packets = [packet for _, packet in self.demux.feed(raw)]
        clcw = decode_clcw(self.demux.ocf) if self.demux.ocf is not None else None
        if clcw is not None:
            self._on_clcw(clcw, now_s)
        return packets

    def _on_clcw(self, clcw: Clcw, now_s: float) -> None:
        fop = self.fop
        if fop.state == FopState.INITIAL:
            if fop.counters.alerts:
                self.counts["restarts_after_alert"] += 1
            fop.vs = fop.nn_r = clcw.report_value
            fop.initiate_ad(now_s, Initiation.UNLOCK if clcw.lockout else Initiation.CLCW_CHECK)
            return
        fop.on_clcw(clcw, now_s)
