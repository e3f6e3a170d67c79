"""COP-1: FARM-1 (flight/link/farm.py) and FOP-1 (ground/fop.py) over a simulated lossy channel, with TC
frames going up and CLCWs coming down as bytes, on an injected clock."""

import copy
import random
from collections import deque
from dataclasses import dataclass, field

from ccsds.clcw import decode_clcw
from ccsds.tc_frame import UNLOCK, TcFrame, decode_tc_frame, set_vr_command
from flight.link.farm import Farm1, FarmOutcome, FarmState
from ground.fop import Fop1, FopAlert, FopState, Initiation

SCID = 0x123
VCID = 1
STEP_S = 0.1
LATENCY_STEPS = 2
"""One-way delay of 0.2 s: CLCWs arrive after frames already in flight, as on a real pass."""


@dataclass
class Link:
    """FOP-1 and FARM-1 joined by a channel dropping each frame and each CLCW with probability `loss`."""

    fop: Fop1
    farm: Farm1
    loss: float
    rng: random.Random
    step: int = 0
    delivered: list[bytes] = field(default_factory=list)
    lost_up: int = 0
    lost_down: int = 0
    uplink: deque = field(default_factory=deque)
    downlink: deque = field(default_factory=deque)

    @property
    def now_s(self) -> float:
        return self.step * STEP_S

    def run(self, max_steps: int, until=lambda link: False, buffer_full=lambda step: False) -> None:
        for _ in range(max_steps):
            if until(self):
                return
            self.farm.set_buffer_full(buffer_full(self.step))
            for frame in self.fop.poll(self.now_s):
                if self.rng.random() < self.loss:
                    self.lost_up += 1
                else:
                    self.uplink.append((self.step + LATENCY_STEPS, frame.pack()))
            while self.uplink and self.uplink[0][0] <= self.step:
                result = self.farm.receive(decode_tc_frame(self.uplink.popleft()[1], segment_header=True))
                if result.data is not None:
                    self.delivered.append(result.data)
            if self.rng.random() < self.loss:
                self.lost_down += 1
            else:
                self.downlink.append((self.step + LATENCY_STEPS, self.farm.clcw().pack()))
            while self.downlink and self.downlink[0][0] <= self.step:
                self.fop.on_clcw(decode_clcw(self.downlink.popleft()[1]), self.now_s)
            self.step += 1


def _link(loss: float, seed: int, **fop_options) -> Link:
    options = {"sliding_window": 8, "t1_s": 1.0, "transmission_limit": 10} | fop_options
    return Link(Fop1(SCID, VCID, **options), Farm1(VCID, window_width=20), loss, random.Random(seed))


def _idle(link: Link) -> bool:
    return link.fop.outstanding == 0


def test_thousand_commands_delivered_exactly_once_in_order_through_10_percent_loss_both_ways():
    link = _link(0.10, seed=1)
    link.fop.initiate_ad(0.0, Initiation.CLCW_CHECK)
    link.run(50, until=lambda link: link.fop.state == FopState.ACTIVE)
    assert link.fop.state == FopState.ACTIVE
    commands = [n.to_bytes(2, "big") + b"cmd" for n in range(1000)]
    assert all(link.fop.send(command) for command in commands)
    link.run(20_000, until=_idle)
    assert link.delivered == commands
    counters = link.fop.counters
    assert counters.alerts == []
    assert counters.transmitted == counters.acknowledged == 1000
    assert counters.retransmitted > 0
    assert link.lost_up > 0 and link.lost_down > 0
    assert link.farm.counts[FarmOutcome.LOCKOUT_ENTERED] == 0
    print(
        f"1000 commands in {link.now_s:.1f} s: {counters.retransmitted} retransmissions, "
        f"{link.lost_up} frames and {link.lost_down} CLCWs lost, FARM {dict(link.farm.counts)}"
    )


def test_wait_when_the_buffer_is_full_then_resume():
    link = _link(0.10, seed=2)
    link.fop.initiate_ad(0.0)
    commands = [n.to_bytes(2, "big") for n in range(200)]
    for command in commands:
        link.fop.send(command)
    link.run(20_000, until=_idle, buffer_full=lambda step: step % 40 < 10)
    assert link.delivered == commands
    assert link.farm.counts[FarmOutcome.NO_BUFFER] > 0
    assert link.fop.counters.alerts == []


def test_lockout_alerts_the_fop_and_unlock_restores_the_service():
    link = _link(0.0, seed=3)
    link.fop.initiate_ad(0.0)
    for n in range(20):
        link.fop.send(bytes([n]))
    link.run(200, until=_idle)
    rogue = TcFrame(SCID, VCID, (link.farm.vr + 100) % 256, b"rogue", segment_header=0xC0)
    assert link.farm.receive(rogue).outcome == FarmOutcome.LOCKOUT_ENTERED
    link.run(10)
    assert [alert for _, alert in link.fop.counters.alerts] == [FopAlert.LOCKOUT]
    assert link.fop.state == FopState.INITIAL
    assert not link.fop.send(b"refused")
    in_sequence = TcFrame(SCID, VCID, link.farm.vr, b"x", segment_header=0xC0)
    assert link.farm.receive(in_sequence).outcome == FarmOutcome.LOCKED_OUT
    link.fop.initiate_ad(link.now_s, Initiation.UNLOCK)
    link.run(50, until=lambda link: link.fop.state == FopState.ACTIVE)
    assert link.farm.state == FarmState.OPEN
    for n in range(20, 40):
        link.fop.send(bytes([n]))
    link.run(200, until=_idle)
    assert link.delivered == [bytes([n]) for n in range(40)]


def test_set_vr_resynchronises_both_ends_across_the_sequence_wrap():
    link = _link(0.10, seed=4)
    link.fop.initiate_ad(0.0, Initiation.SET_VR, vr=200)
    link.run(100, until=lambda link: link.fop.state == FopState.ACTIVE)
    assert link.farm.vr == 200
    commands = [n.to_bytes(2, "big") for n in range(100)]
    for command in commands:
        link.fop.send(command)
    link.run(5_000, until=_idle)
    assert link.delivered == commands
    assert link.farm.vr == (200 + 100) % 256


def test_a_dead_uplink_ends_in_an_alert_after_the_transmission_limit():
    link = _link(1.0, seed=5, transmission_limit=3)
    link.fop.initiate_ad(0.0)
    link.fop.send(b"lost")
    link.run(100)
    assert [alert for _, alert in link.fop.counters.alerts] == [FopAlert.T1]
    assert link.fop.counters.transmitted + link.fop.counters.retransmitted == 3
    assert link.fop.state == FopState.INITIAL


def test_farm_windows_out_of_window_frames_and_control_commands():
    farm = Farm1(VCID, window_width=10)
    farm.set_buffer_full(False)

    def ad(sequence: int) -> FarmOutcome:
        return farm.receive(TcFrame(SCID, VCID, sequence, b"d")).outcome

    assert ad(0) == FarmOutcome.ACCEPTED
    assert ad(0) == FarmOutcome.DUPLICATE
    assert not farm.clcw().retransmit
    assert ad(5) == FarmOutcome.AHEAD
    assert farm.clcw().retransmit and farm.clcw().report_value == 1
    assert ad(256 - 4) == FarmOutcome.DUPLICATE
    assert ad(1) == FarmOutcome.ACCEPTED
    assert not farm.clcw().retransmit
    farm.set_buffer_full(True)
    assert ad(2) == FarmOutcome.NO_BUFFER
    assert farm.state == FarmState.WAIT and farm.clcw().wait
    farm.set_buffer_full(False)
    assert farm.state == FarmState.OPEN
    assert ad(2 + 5) == FarmOutcome.LOCKOUT_ENTERED
    assert farm.clcw().lockout
    assert ad(2) == FarmOutcome.LOCKED_OUT
    bypass = farm.receive(TcFrame(SCID, VCID, 0, b"bd", bypass=True))
    assert (bypass.outcome, bypass.data) == (FarmOutcome.BYPASS_ACCEPTED, b"bd")
    assert farm.receive(TcFrame(SCID, VCID, 0, set_vr_command(9), True, True)).outcome == FarmOutcome.VR_SET
    assert farm.lockout and farm.vr == 2
    assert farm.receive(TcFrame(SCID, VCID, 0, UNLOCK, True, True)).outcome == FarmOutcome.UNLOCKED
    assert farm.receive(TcFrame(SCID, VCID, 0, set_vr_command(9), True, True)).outcome == FarmOutcome.VR_SET
    assert (farm.state, farm.vr, farm.clcw().farm_b_counter) == (FarmState.OPEN, 9, 0)
    assert farm.receive(TcFrame(SCID, VCID, 0, b"\x55", True, True)).outcome == FarmOutcome.BAD_CONTROL
    assert ad(9) == FarmOutcome.ACCEPTED


def test_a_fop_restored_from_its_snapshot_after_a_ground_restart_delivers_each_command_once():
    link = _link(0.10, seed=9)
    link.fop.initiate_ad(0.0)
    commands = [n.to_bytes(2, "big") + b"cmd" for n in range(300)]
    for command in commands:
        link.fop.send(command)
    for restart in range(
        6
    ):  # the ground dies mid-stream: a new FOP-1 from its snapshot, CLCWs on the way lost
        link.run(30 + 7 * restart, until=_idle)
        snapshot = link.fop.snapshot()
        link.fop = Fop1(SCID, VCID, sliding_window=8, t1_s=1.0, transmission_limit=10)
        link.fop.restore(snapshot)
        link.downlink.clear()
    link.run(20_000, until=_idle)
    assert link.delivered == commands  # once each, in order: FARM-1 discarded the ones sent again
    assert link.fop.counters.alerts == [] and link.fop.counters.acknowledged == 300
    assert link.farm.counts[FarmOutcome.DUPLICATE] > 0


class _WatchedFop(Fop1):
    """FOP-1 whose every poll checks `next_poll_s`: a poll before it sends nothing and changes nothing."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.quiet_polls = self.busy_polls = 0

    def poll(self, now_s: float) -> list[TcFrame]:
        due_s = self.next_poll_s()
        if now_s >= due_s:
            self.busy_polls += 1
            return super().poll(now_s)
        before = copy.deepcopy(vars(self))
        out = super().poll(now_s)
        assert out == [] and vars(self) == before, f"a poll at {now_s} s before {due_s} s did something"
        self.quiet_polls += 1
        return out


def test_a_poll_before_next_poll_s_does_nothing_through_loss_lockout_and_set_vr():
    """Every poll of lossy runs (retransmissions, T1 expiries, a transmission limit, Set V(R), an Unlock)
    is checked; both kinds of poll must have happened, so that the check cannot pass unexercised."""
    fops = []
    for seed, loss, how in ((11, 0.2, Initiation.CLCW_CHECK), (12, 0.5, Initiation.SET_VR), (13, 0.9, None)):
        fop = _WatchedFop(SCID, VCID, sliding_window=8, t1_s=1.0, transmission_limit=4)
        link = Link(fop, Farm1(VCID, window_width=20), loss, random.Random(seed))
        if how is None:
            link.farm.lockout = True
            how = Initiation.UNLOCK
        fop.initiate_ad(0.0, how, vr=7)
        for n in range(60):
            fop.send(bytes([n]))
        link.run(3_000, until=_idle)
        fops.append(fop)
    assert all(fop.quiet_polls > 30 and fop.busy_polls > 3 for fop in fops)
    assert any(fop.counters.alerts for fop in fops) and any(fop.counters.retransmitted for fop in fops)
