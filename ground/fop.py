"""FOP-1, the sending end of COP-1 (CCSDS 232.1-B-2): sequence-controlled TC frames with retransmission.

Type-AD frames are numbered with V(S) and kept in the sent queue until a CLCW acknowledges them
(N(R) passes them). They are all sent again when a CLCW asks for retransmission (once per
acknowledgement step) or when timer T1 runs out; after `transmission_limit` transmissions an alert ends
the AD service. The clock is injected: every call takes `now_s`, nothing sleeps.

Initiation: without CLCW check (Active at once), with CLCW check (Active when a CLCW shows N(R) = V(S)
and no lockout), or with an Unlock or Set V(R) control command (Type-BC), sent and resent on T1 until a
CLCW confirms it. CLCWs showing lockout while initialising are the state the command is there to clear,
so they are not alerts then.

`snapshot` and `restore` carry the service across a restart of the ground's process: the frames sent and
not acknowledged keep their sequence numbers, so FARM-1 discards as duplicates those it had already
accepted, and the CLCW acknowledges them.
"""

import math
from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from ccsds.clcw import Clcw
from ccsds.tc_frame import SEQUENCE_MODULUS, UNLOCK, TcFrame, set_vr_command


class FopState(IntEnum):
    """The six FOP-1 states of the standard."""

    ACTIVE = 1
    RETRANSMIT_WITHOUT_WAIT = 2
    RETRANSMIT_WITH_WAIT = 3
    INITIALISING_WITHOUT_BC = 4
    INITIALISING_WITH_BC = 5
    INITIAL = 6


class FopAlert(StrEnum):
    """Why FOP-1 gave up the AD service (it then purges its queues and returns to Initial)."""

    LOCKOUT = "lockout"
    LIMIT = "transmission_limit"
    T1 = "t1_expired"
    NR_INVALID = "clcw_nr_invalid"
    TERMINATED = "terminated"


class Initiation(StrEnum):
    """How the AD service is started."""

    NO_CLCW_CHECK = "without_clcw_check"
    CLCW_CHECK = "with_clcw_check"
    UNLOCK = "with_unlock"
    SET_VR = "with_set_vr"


@dataclass
class _Sent:
    frame: TcFrame
    resend: bool = False


@dataclass
class FopCounters:
    """Frames transmitted, retransmitted and acknowledged, and alerts as (time s, alert)."""

    transmitted: int = 0
    retransmitted: int = 0
    acknowledged: int = 0
    alerts: list[tuple[float, FopAlert]] = field(default_factory=list)


class Fop1:
    """FOP-1 of one virtual channel: sliding window `sliding_window` frames (keep it below half the
    FARM-1 window), timer `t1_s`, at most `transmission_limit` transmissions of a frame."""

    def __init__(
        self,
        scid: int,
        vcid: int,
        sliding_window: int = 8,
        t1_s: float = 2.0,
        transmission_limit: int = 5,
        segment_header: int | None = 0xC0,
    ) -> None:
        self.scid = scid
        self.vcid = vcid
        self.sliding_window = sliding_window
        self.t1_s = t1_s
        self.transmission_limit = transmission_limit
        self.segment_header = segment_header
        self.state = FopState.INITIAL
        self.vs = 0
        self.nn_r = 0
        self.sent: deque[_Sent] = deque()
        self.waiting: deque[bytes] = deque()
        self.bypass: deque[TcFrame] = deque()
        self.transmission_count = 0
        self.timer_expiry_s: float | None = None
        self.counters = FopCounters()
        self._bc_frame: TcFrame | None = None
        self._bc_due = False

    def initiate_ad(self, now_s: float, how: Initiation = Initiation.NO_CLCW_CHECK, vr: int = 0) -> None:
        """Start the AD service; `vr` is the value Set V(R) gives both ends."""
        self._purge()
        if how == Initiation.NO_CLCW_CHECK:
            self.state = FopState.ACTIVE
            return
        if how == Initiation.CLCW_CHECK:
            self.state = FopState.INITIALISING_WITHOUT_BC
            self.timer_expiry_s = now_s + self.t1_s
            return
        if how == Initiation.SET_VR:
            self.vs = self.nn_r = vr % SEQUENCE_MODULUS
        data = UNLOCK if how == Initiation.UNLOCK else set_vr_command(self.vs)
        self._bc_frame = self._frame(data, bypass=True, control=True)
        self._bc_due = True
        self.transmission_count = 0
        self.state = FopState.INITIALISING_WITH_BC

    def terminate_ad(self, now_s: float) -> None:
        """Stop the AD service, dropping every frame not yet acknowledged."""
        self._alert(now_s, FopAlert.TERMINATED)

    def send(self, data: bytes) -> bool:
        """Queue frame data for the AD service; False (refused) when the service is not started."""
        if self.state == FopState.INITIAL:
            return False
        self.waiting.append(data)
        return True

    def send_bypass(self, data: bytes) -> None:
        """Queue frame data for the BD service (no sequence control), sent on the next poll."""
        self.bypass.append(self._frame(data, bypass=True))

    @property
    def outstanding(self) -> int:
        """AD frames queued or sent and not yet acknowledged."""
        return len(self.waiting) + len(self.sent)

    def next_poll_s(self) -> float:
        """The earliest time `poll` has anything to do: -infinity when it has now (a bypass frame, the
        control command, a retransmission, a frame the window lets go), the T1 expiry while the timer
        runs, else infinity (nothing until a frame is queued or a CLCW comes)."""
        if self.bypass or (self.state == FopState.INITIALISING_WITH_BC and self._bc_due):
            return -math.inf
        if self.state in (FopState.ACTIVE, FopState.RETRANSMIT_WITHOUT_WAIT) and (
            (self.waiting and len(self.sent) < self.sliding_window) or any(e.resend for e in self.sent)
        ):
            return -math.inf
        return math.inf if self.timer_expiry_s is None else self.timer_expiry_s

    def poll(self, now_s: float) -> list[TcFrame]:
        """The frames to transmit now: bypass frames, the control command, retransmissions, new AD frames."""
        out = list(self.bypass)
        self.bypass.clear()
        self._check_timer(now_s)
        if self.state == FopState.INITIALISING_WITH_BC and self._bc_due:
            self._bc_due = False
            self.transmission_count += 1
            self.timer_expiry_s = now_s + self.t1_s
            out.append(self._bc_frame)
        if self.state in (FopState.ACTIVE, FopState.RETRANSMIT_WITHOUT_WAIT):
            for entry in self.sent:
                if entry.resend:
                    entry.resend = False
                    out.append(entry.frame)
                    self.counters.retransmitted += 1
                    self.timer_expiry_s = now_s + self.t1_s
            while self.waiting and len(self.sent) < self.sliding_window:
                if not self.sent:
                    self.transmission_count = 1
                frame = self._frame(self.waiting.popleft(), sequence=self.vs)
                self.vs = (self.vs + 1) % SEQUENCE_MODULUS
                self.sent.append(_Sent(frame))
                out.append(frame)
                self.counters.transmitted += 1
                self.timer_expiry_s = now_s + self.t1_s
        return out

    def on_clcw(self, clcw: Clcw, now_s: float) -> None:
        """Process one CLCW of this virtual channel."""
        if clcw.vcid != self.vcid or self.state == FopState.INITIAL:
            return
        if self.state in (FopState.INITIALISING_WITHOUT_BC, FopState.INITIALISING_WITH_BC):
            if not (clcw.lockout or clcw.wait or clcw.retransmit) and clcw.report_value == self.vs:
                self.state = FopState.ACTIVE
                self.timer_expiry_s = None
                self._bc_frame = None
            return
        if clcw.lockout:
            self._alert(now_s, FopAlert.LOCKOUT)
            return
        acked = (clcw.report_value - self.nn_r) % SEQUENCE_MODULUS
        if acked > (self.vs - self.nn_r) % SEQUENCE_MODULUS:
            self._alert(now_s, FopAlert.NR_INVALID)
            return
        for _ in range(acked):
            self.sent.popleft()
        self.nn_r = clcw.report_value
        self.counters.acknowledged += acked
        if acked:
            self.transmission_count = 1
            self.timer_expiry_s = now_s + self.t1_s if self.sent else None
        if clcw.wait:
            self.state = FopState.RETRANSMIT_WITH_WAIT
        elif not clcw.retransmit or not self.sent:
            self.state = FopState.ACTIVE
        elif acked or self.state in (FopState.ACTIVE, FopState.RETRANSMIT_WITH_WAIT):
            self._initiate_retransmission(now_s)

    def snapshot(self) -> dict:
        """The service's state as plain data: V(S), N(R), the frames sent and waiting, the counters. An
        initialisation under way is not kept (restored, the service waits for a CLCW to start again)."""
        initialising = self.state in (FopState.INITIALISING_WITHOUT_BC, FopState.INITIALISING_WITH_BC)
        counters = self.counters
        return {
            "state": int(FopState.INITIAL if initialising else self.state),
            "vs": self.vs,
            "nn_r": self.nn_r,
            "sent": [[entry.frame.sequence, entry.frame.data] for entry in self.sent],
            "waiting": list(self.waiting),
            "transmission_count": self.transmission_count,
            "counters": {
                "transmitted": counters.transmitted,
                "retransmitted": counters.retransmitted,
                "acknowledged": counters.acknowledged,
                "alerts": [[t_s, str(alert)] for t_s, alert in counters.alerts],
            },
        }

    def restore(self, snapshot: dict) -> None:
        """The service as `snapshot` left it; frames sent and not acknowledged go again at the next poll
        (the timer counts as run out), which a CLCW may make unnecessary first."""
        self.state = FopState(snapshot["state"])
        self.vs, self.nn_r = snapshot["vs"], snapshot["nn_r"]
        self.sent = deque(_Sent(self._frame(data, sequence=seq)) for seq, data in snapshot["sent"])
        self.waiting = deque(snapshot["waiting"])
        self.transmission_count = snapshot["transmission_count"]
        self.timer_expiry_s = 0.0 if self.sent else None
        counters = snapshot["counters"]
        self.counters = FopCounters(
            counters["transmitted"],
            counters["retransmitted"],
            counters["acknowledged"],
            [(t_s, FopAlert(alert)) for t_s, alert in counters["alerts"]],
        )

    def _check_timer(self, now_s: float) -> None:
        if self.timer_expiry_s is None or now_s < self.timer_expiry_s:
            return
        if self.state == FopState.INITIALISING_WITHOUT_BC:
            self._alert(now_s, FopAlert.T1)
        elif self.state == FopState.INITIALISING_WITH_BC:
            if self.transmission_count >= self.transmission_limit:
                self._alert(now_s, FopAlert.T1)
            else:
                self._bc_due = True
        elif self.sent and self.state != FopState.RETRANSMIT_WITH_WAIT:
            self._initiate_retransmission(now_s, alert=FopAlert.T1)
        else:
            self.timer_expiry_s = None

    def _initiate_retransmission(self, now_s: float, alert: FopAlert = FopAlert.LIMIT) -> None:
        if self.transmission_count >= self.transmission_limit:
            self._alert(now_s, alert)
            return
        self.transmission_count += 1
        for entry in self.sent:
            entry.resend = True
        self.state = FopState.RETRANSMIT_WITHOUT_WAIT
        self.timer_expiry_s = now_s + self.t1_s

    def _alert(self, now_s: float, alert: FopAlert) -> None:
        self.counters.alerts.append((now_s, alert))
        self._purge()
        self.state = FopState.INITIAL

    def _purge(self) -> None:
        self.sent.clear()
        self.waiting.clear()
        self.timer_expiry_s = None
        self.nn_r = self.vs

    def _frame(self, data: bytes, sequence: int = 0, bypass: bool = False, control: bool = False) -> TcFrame:
        segment = None if control else self.segment_header
        return TcFrame(self.scid, self.vcid, sequence, data, bypass, control, segment)
