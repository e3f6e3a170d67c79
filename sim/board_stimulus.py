"""The simulator's side of a board in the loop: configure the board at connect, feed it the truth it
senses, read back what its actuators did, as a hardware-in-the-loop rig stimulates a real board.

At connect: `board.ping`, `board.reset` (power-on state, generators re-seeded), `board.configure` with
the spacecraft's device specs and the seed, whose echo must match. Before each flight frame the board
gets the truth (`sim.truth`); after the frame, what its actuators latched (`<actuator>.applied`)
becomes the world's: wheel torques, the torquers' dipole, the EPS switches. A board that does not
answer in time (real time) leaves its actuators off for that step (wheels unpowered, torquers off,
switches as they were), and is counted; in lockstep the mission waits for it instead, or ends the run.
Every `STATUS_PERIOD_FRAMES` truths the rig reads `board.status`: its watchdog trips.

A board found again after its port was lost (the link reopened it) is at its power-on state: before
any further request the rig resets and configures it again, at the world's current time, and gives it
the current truth (`reconfigured`, or `reconfigure_failures` if the board refused or did not answer).
"""

from dataclasses import dataclass

import msgpack
import numpy as np

from hal.serial_link import SerialLink
from native import ffi, view
from sim.board_config import device_specs
from sim.board_models import EPS_TRUTH
from sim.world import World

CONNECT_TIMEOUT_S = (
    3.0  # each handshake request: resent within it (a 2.8 kB configure takes 0.5 s at 115,200 baud)
)
STATUS_PERIOD_FRAMES = 10  # the board's status (its watchdog) is read with every 10th truth
ACTUATORS = ("wheels", "magnetorquers", "eps")


@dataclass
class StimulusCounters:
    truth_sent: int = 0
    truth_failures: int = 0
    applied_read: int = 0
    applied_failures: int = 0
    status_read: int = 0
    watchdog_trips: int = 0  # as the board last said
    reconfigured: int = 0  # reset and configured again after the link reconnected
    reconfigure_failures: int = 0


class BoardStimulus:
    """The rig of the board on `link` that serves `devices` (board names) of the spacecraft in `world`."""

    def __init__(self, link: SerialLink, world: World, devices: list[str], timeout_s: float = 0.2):
        self.link = link
        self.world = world
        self.devices = list(devices)
        self.timeout_s = timeout_s
        self.counters = StimulusCounters()
        self._configuration_args: tuple[int, float, float] | None = None
        link.on_reconnect = self._reconfigure
        c = world.c
        self._applied = {
            "wheels": ("torque_nm", world.wheel_torque_nm, 0.0),
            "magnetorquers": ("dipole_am2", view(c.mtq.dipole_applied_am2), 0.0),
            "eps": (
                "load_on",
                np.frombuffer(ffi.buffer(c.power.load_on, ffi.sizeof("int") * c.power.n_loads), np.intc),
                None,
            ),
        }

    def connect(self, seed: int, frame_s: float, watchdog_s: float) -> dict:
        """Ping, reset and configure the board; its identity reply. OSError if it does not answer,
        ValueError (one line) if it refuses the configuration or echoes another."""
        self._configuration_args = (seed, frame_s, watchdog_s)
        port = self.link.port
        ping = self.link.request("board", "ping", timeout_s=CONNECT_TIMEOUT_S)
        if ping is None:
            raise OSError(f"no board answers on {port} (is `zorka board-server --port ...` serving it?)")
        missing = sorted(set(self.devices) - set(ping.get("devices", [])))
        if missing:
            raise ValueError(f"the board on {port} does not serve {', '.join(missing)}")
        for msg, fields in (("reset", {}), ("configure", self._configuration(seed, frame_s, watchdog_s))):
            reply = self.link.request("board", msg, timeout_s=CONNECT_TIMEOUT_S, **fields)
            if reply is None:
                raise OSError(f"the board on {port} did not answer board.{msg}")
            if reply.get("msg") != f"{msg}.ok":
                raise ValueError(f"the board on {port} refused board.{msg}: {reply.get('text')}")
        expected = msgpack.unpackb(msgpack.packb(fields))
        if reply.get("config") != expected:
            raise ValueError(f"the board on {port} echoed another configuration than the one sent")
        return reply

    def _reconfigure(self) -> None:
        """After a reconnect: the board reset, configured at the world's time and given the truth."""
        try:
            self.connect(*self._configuration_args)
        except (OSError, ValueError):
            self.counters.reconfigure_failures += 1
            return
        self.counters.reconfigured += 1
        self._send_truth()

    def _configuration(self, seed: int, frame_s: float, watchdog_s: float) -> dict:
        return {
            "seed": seed,
            "frame_s": frame_s,
            "t_s": self.world.t_s,
            "watchdog_s": watchdog_s,
            "devices": self.devices,
            "specs": device_specs(self.world.spacecraft, self.devices),
        }

    def send_truth(self) -> None:
        """The world's truth to the board (counted); its status read with every STATUS_PERIOD_FRAMES-th."""
        if self._send_truth():
            self.counters.truth_sent += 1
        else:
            self.counters.truth_failures += 1
        if (self.counters.truth_sent + self.counters.truth_failures) % STATUS_PERIOD_FRAMES == 0:
            self.read_status()

    def _send_truth(self) -> bool:
        w, c = self.world, self.world.c
        fields = {
            "t_s": w.t_s,
            "gmst_rad": c.gmst_rad,
            "r_eci": w.r_eci.tolist(),
            "v_eci": w.v_eci.tolist(),
            "q_ib": w.q_ib.tolist(),
            "w_b": w.w_b.tolist(),
            "b_eci_t": w.b_eci_t.tolist(),
            "r_sun_eci": w.r_sun_eci.tolist(),
            "sun_fraction": c.sun_fraction,
            "dipole_am2": list(c.mtq.dipole_applied_am2),
        }
        if "wheels" in self.devices:
            fields["wheel_speed_rad_s"] = w.wheel_speed_rad_s.tolist()
        if "imager" in self.devices:
            fields["jd_epoch_utc"] = c.jd_epoch_utc
        if "eps" in self.devices:
            p = c.power
            fields["eps_truth"] = [getattr(p, name) for name in EPS_TRUTH]
            fields["eps_flags"] = p.flags
            fields["load_on"] = list(p.load_on[0 : p.n_loads])
        reply = self.link.request("sim", "truth", timeout_s=self.timeout_s, **fields)
        return reply is not None and reply.get("msg") == "truth.ok"

    def read_status(self) -> None:
        """The board's watchdog trips into the counters (kept as they were if it does not say)."""
        reply = self.link.request("board", "status", timeout_s=self.timeout_s)
        trips = None if reply is None else reply.get("watchdog_trips")
        if isinstance(trips, int) and not isinstance(trips, bool):
            self.counters.watchdog_trips = trips
            self.counters.status_read += 1

    def read_applied(self) -> None:
        """What the board's actuators latched into the world; actuators off if the board did not say."""
        for device in ACTUATORS:
            if device in self.devices:
                self._read_applied(device)

    def _read_applied(self, device: str) -> None:
        field, target, off = self._applied[device]
        reply = self.link.request(device, "applied", timeout_s=self.timeout_s)
        values = None if reply is None or reply.get("msg") != "applied.ok" else reply.get(field)
        if isinstance(values, list) and len(values) == len(target):
            array = np.asarray(values, dtype=float)
            if np.all(np.isfinite(array)):
                target[:] = array
                self.counters.applied_read += 1
                return
        if off is not None:
            target.fill(off)
        self.counters.applied_failures += 1
