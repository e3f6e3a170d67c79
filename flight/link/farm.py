"""FARM-1, the receiving end of COP-1 (CCSDS 232.1-B-2): sequence-controlled acceptance of TC frames.

Type-AD frames are accepted only in sequence (N(S) = V(R)); a frame ahead of V(R) within the positive
window is discarded and asks for retransmission, one behind within the negative window is a duplicate
and discarded, anything else locks the channel out until an Unlock control command. Type-BD frames bypass
the check; Type-BC frames carry Unlock and Set V(R). The state is reported down in the CLCW.
"""

from collections import Counter
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from ccsds.clcw import Clcw
from ccsds.tc_frame import SEQUENCE_MODULUS, SET_VR_PREFIX, UNLOCK, TcFrame


class FarmState(IntEnum):
    """The three FARM-1 states of the standard."""

    OPEN = 1
    WAIT = 2
    LOCKOUT = 3


class FarmOutcome(StrEnum):
    """What FARM-1 did with one frame; the caller counts these."""

    ACCEPTED = "accepted"
    BYPASS_ACCEPTED = "bypass_accepted"
    UNLOCKED = "unlocked"
    VR_SET = "vr_set"
    NO_BUFFER = "discarded_no_buffer"
    AHEAD = "discarded_positive_window"
    DUPLICATE = "discarded_negative_window"
    LOCKOUT_ENTERED = "lockout_entered"
    LOCKED_OUT = "discarded_in_lockout"
    BAD_CONTROL = "discarded_bad_control_command"


@dataclass(frozen=True)
class FarmResult:
    """The outcome and, for an accepted AD or BD frame, the frame data to pass up."""

    outcome: FarmOutcome
    data: bytes | None = None


class Farm1:
    """FARM-1 of one virtual channel with sliding window width `window_width` (even, 2..254).

    The layer above says when it cannot take a frame with `set_buffer_full`; an in-sequence frame then
    sets the Wait flag until the buffer is released."""

    def __init__(self, vcid: int, window_width: int = 20) -> None:
        if window_width % 2 or not 2 <= window_width <= 254:
            raise ValueError(f"FARM-1 window width {window_width} is not even in 2..254")
        self.vcid = vcid
        self.window_width = window_width
        self.vr = 0
        self.lockout = False
        self.wait = False
        self.retransmit = False
        self.farm_b_counter = 0
        self.buffer_full = False
        self.counts: Counter[str] = Counter()

    @property
    def state(self) -> FarmState:
        """The standard's state, which the flags determine."""
        if self.lockout:
            return FarmState.LOCKOUT
        return FarmState.WAIT if self.wait else FarmState.OPEN

    def receive(self, frame: TcFrame) -> FarmResult:
        """Apply FARM-1 to one frame of this virtual channel."""
        result = self._receive(frame)
        self.counts[result.outcome] += 1
        return result

    def set_buffer_full(self, full: bool) -> None:
        """Whether the layer above can take another frame; releasing the buffer ends the Wait."""
        self.buffer_full = full
        if not full:
            self.wait = False

    def clcw(self) -> Clcw:
        """The CLCW reporting this FARM's state."""
        return Clcw(
            vcid=self.vcid,
            report_value=self.vr,
            lockout=self.lockout,
            wait=self.wait,
            retransmit=self.retransmit,
            farm_b_counter=self.farm_b_counter,
        )

    def _receive(self, frame: TcFrame) -> FarmResult:
        if frame.bypass:
            return self._control(frame.data) if frame.control else self._bypass(frame.data)
        if frame.control:
            return FarmResult(FarmOutcome.BAD_CONTROL)
        if self.lockout:
            return FarmResult(FarmOutcome.LOCKED_OUT)
        offset = (frame.sequence - self.vr) % SEQUENCE_MODULUS
        half = self.window_width // 2
        if offset == 0:
            if self.buffer_full:
                self.wait = self.retransmit = True
                return FarmResult(FarmOutcome.NO_BUFFER)
            self.vr = (self.vr + 1) % SEQUENCE_MODULUS
            self.retransmit = False
            return FarmResult(FarmOutcome.ACCEPTED, frame.data)
        if offset < half:
            self.retransmit = True
            return FarmResult(FarmOutcome.AHEAD)
        if offset >= SEQUENCE_MODULUS - half:
            return FarmResult(FarmOutcome.DUPLICATE)
        self.lockout = True
        return FarmResult(FarmOutcome.LOCKOUT_ENTERED)

    def _bypass(self, data: bytes) -> FarmResult:
        self.farm_b_counter = (self.farm_b_counter + 1) % 4
        return FarmResult(FarmOutcome.BYPASS_ACCEPTED, data)

    def _control(self, data: bytes) -> FarmResult:
        if data == UNLOCK:
            self.farm_b_counter = (self.farm_b_counter + 1) % 4
            self.lockout = self.wait = self.retransmit = False
            return FarmResult(FarmOutcome.UNLOCKED)
        if len(data) == len(SET_VR_PREFIX) + 1 and data.startswith(SET_VR_PREFIX):
            self.farm_b_counter = (self.farm_b_counter + 1) % 4
            if not self.lockout:
                self.wait = self.retransmit = False
                self.vr = data[-1]
            return FarmResult(FarmOutcome.VR_SET)
        return FarmResult(FarmOutcome.BAD_CONTROL)
