"""The simulator's side of a board in the loop: feed the board the truth it senses, read back
what its actuators did, as a hardware-in-the-loop rig stimulates a real board.

Before each flight frame the board gets the truth (`sim.truth`); after the frame, the wheel
torques the board latched (`wheels.applied`) become the world's. A board that does not answer
leaves the wheels unpowered for that step, and is counted.
"""

from dataclasses import dataclass

import numpy as np

from hal.serial_link import SerialLink
from sim.world import World


@dataclass
class StimulusCounters:
    truth_sent: int = 0
    truth_failures: int = 0
    applied_read: int = 0
    applied_failures: int = 0


class BoardStimulus:
    def __init__(self, link: SerialLink, world: World, wheels: bool, timeout_s: float = 0.2):
        self.link = link
        self.world = world
        self.wheels = wheels
        self.timeout_s = timeout_s
        self.counters = StimulusCounters()

    def send_truth(self) -> None:
        w = self.world
        reply = self.link.request(
            "sim",
            "truth",
            timeout_s=self.timeout_s,
            t_s=w.t_s,
            w_b=w.w_b.tolist(),
            wheel_speed_rad_s=w.wheel_speed_rad_s.tolist(),
        )
        if reply is None or reply.get("msg") != "truth.ok":
            self.counters.truth_failures += 1
        else:
            self.counters.truth_sent += 1

    def read_applied(self) -> None:
        """The board's latched wheel torques into the world; zero if the board did not say."""
        if not self.wheels:
            return
        torque = self.world.wheel_torque_nm
        reply = self.link.request("wheels", "applied", timeout_s=self.timeout_s)
        values = None if reply is None or reply.get("msg") != "applied.ok" else reply.get("torque_nm")
        if isinstance(values, list) and len(values) == len(torque):
            array = np.asarray(values, dtype=float)
            if np.all(np.isfinite(array)):
                np.copyto(torque, array)
                self.counters.applied_read += 1
                return
        torque.fill(0.0)
        self.counters.applied_failures += 1
