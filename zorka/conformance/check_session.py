"""What every check shares: the wire to the board, what the board claims, the configuration sent, and how a
check says it failed or does not apply."""

from dataclasses import dataclass, field

from sim.board_config import device_specs
from sim.spacecraft import DEFAULT_SPACECRAFT, Spacecraft
from zorka.conformance.board_wire import BoardWire
from zorka.conformance.reply_schemas import reply_problem

REPLY_TIMEOUT_S = 0.5
"""How long a check waits for a reply (the doc: a board answers within a few ms of the request's last
byte; a lockstep host resends after 0.25 s)."""
HANDSHAKE_TIMEOUT_S = 3.0
"""The doc's wait for each handshake request (ping, reset, configure)."""
CONFIG_SEED = 7
CONFIG_FRAME_S = 0.1
_ORBIT_RADIUS_M = 6_878_137.0  # 500 km above the equator
_ORBIT_SPEED_M_S = 7_612.6
NADIR_TRUTH = {
    "gmst_rad": 0.0,
    "r_eci": [_ORBIT_RADIUS_M, 0.0, 0.0],
    "v_eci": [0.0, _ORBIT_SPEED_M_S, 0.0],
    "q_ib": [0.5, 0.5, -0.5, -0.5],  # +Z_B to nadir, +X_B along track
    "w_b": [0.0, -_ORBIT_SPEED_M_S / _ORBIT_RADIUS_M, 0.0],
    "b_eci_t": [0.0, 0.0, -2.5e-5],
    "r_sun_eci": [1.496e11, 0.0, 0.0],
    "sun_fraction": 1.0,
    "jd_epoch_utc": 2461000.5,
}
"""A plausible truth for a board in the loop: nadir pointing over (0, 0) at noon, the sun behind."""


class NonconformanceError(Exception):
    """The board did not do what the protocol says: the message is what was measured or expected."""


class NotApplicableError(Exception):
    """The check does not apply to this board (the message says why)."""


@dataclass
class CheckSession:
    """The board under check on `wire`, at `baud_rate`, serving `devices` (those asked for among those
    it claims), configured from `spacecraft`."""

    wire: BoardWire
    baud_rate: int
    devices: list[str] = field(default_factory=list)
    spacecraft: Spacecraft = DEFAULT_SPACECRAFT
    board_id: str | None = None
    """The serial number the board said in its ping."""
    in_the_loop: bool | None = None
    """Whether the board serves `sim.truth` and the `applied` read-backs (None until asked)."""

    @property
    def n_wheels(self) -> int:
        return self.spacecraft.wheels.n

    @property
    def load_names(self) -> tuple[str, ...]:
        return self.spacecraft.power.load_names

    def configuration(self, watchdog_s: float) -> dict:
        """A valid `board.configure` for the devices checked, from the default spacecraft."""
        return {
            "seed": CONFIG_SEED,
            "frame_s": CONFIG_FRAME_S,
            "t_s": 0.0,
            "watchdog_s": watchdog_s,
            "devices": list(self.devices),
            "specs": device_specs(self.spacecraft, self.devices),
        }

    def ask(self, dev: str, msg: str, timeout_s: float = REPLY_TIMEOUT_S, **fields) -> dict | None:
        return self.wire.request(dev, msg, timeout_s, **fields)

    def expect_ok(
        self, dev: str, msg: str, schema: dict[str, object], timeout_s: float = REPLY_TIMEOUT_S, **fields
    ) -> dict:
        """The `<msg>.ok` reply with exactly `schema`'s fields; NonconformanceError naming what is wrong."""
        reply = self.ask(dev, msg, timeout_s, **fields)
        problem = reply_problem(f"{dev}.{msg}", reply, schema)
        if problem is not None:
            raise NonconformanceError(problem)
        return reply

    def send_truth(self, t_s: float) -> None:
        """`sim.truth` at `t_s`, if the board is in the loop; NonconformanceError if it refuses."""
        if self.in_the_loop:
            self.expect_ok("sim", "truth", {}, t_s=t_s, **NADIR_TRUTH)

    def configure(self, watchdog_s: float) -> dict:
        """Configure the board; its reply, NonconformanceError if it refuses."""
        reply = self.ask("board", "configure", HANDSHAKE_TIMEOUT_S, **self.configuration(watchdog_s))
        if reply is None or reply.get("msg") != "configure.ok":
            text = "no reply" if reply is None else f"{reply.get('code')}: {reply.get('text')}"
            raise NonconformanceError(f"board.configure refused ({text})")
        return reply

    def serves_read_backs(self) -> bool:
        """Whether the board is in the loop (answers the `applied` read-backs and `sim.truth`), asked once
        (of the first actuator checked, else of `sim`)."""
        if self.in_the_loop is None:
            actuator = next((d for d in ("wheels", "magnetorquers", "eps") if d in self.devices), None)
            reply = self.ask("sim", "truth", t_s=0.0) if actuator is None else self.ask(actuator, "applied")
            self.in_the_loop = reply is not None and reply.get("msg") in ("applied.ok", "truth.ok")
        return self.in_the_loop
