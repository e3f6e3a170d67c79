"""Devices on a board at the far end of a serial link: the hal interfaces over hal.serial_link.

Readings land in the devices' preallocated arrays in place. A reply that is missing, an error, or
malformed (wrong length, not a finite number) is counted and leaves the last good reading untouched,
and `sample()` says False: flight software fails operational on a bad link rather than on bad data.
"""

import math
from dataclasses import dataclass

import numpy as np

from hal.devices import Gyro, ReactionWheels
from hal.serial_link import SerialLink


@dataclass
class DeviceCounters:
    """Exchanges of one device: good replies, no reply, error replies, malformed replies."""

    ok: int = 0
    missed: int = 0
    errors: int = 0
    malformed: int = 0


def _finite_numbers(value: object, n: int) -> bool:
    return (
        isinstance(value, list)
        and len(value) == n
        and all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in value)
    )


def _ok_reply(link: SerialLink, counters: DeviceCounters, dev: str, msg: str, **fields) -> dict | None:
    """One request; its `<msg>.ok` reply, or None (counted) on no reply or an error reply."""
    reply = link.request(dev, msg, **fields)
    if reply is None:
        counters.missed += 1
        return None
    if reply.get("msg") != f"{msg}.ok":
        counters.errors += 1
        return None
    return reply


def _reading(counters: DeviceCounters, reply: dict | None, field: str, target: np.ndarray) -> bool:
    """Copy the reply's `field` into `target` in place if it is a list of finite numbers of its length."""
    if reply is None:
        return False
    value = reply.get(field)
    if not _finite_numbers(value, len(target)):
        counters.malformed += 1
        return False
    target[:] = value
    counters.ok += 1
    return True


class SerialGyro(Gyro):
    """The rate gyro of a board: `gyro.read` -> `w_b` (rad/s)."""

    def __init__(self, link: SerialLink):
        self.link = link
        self.rate_b = np.zeros(3)
        self.counters = DeviceCounters()

    def sample(self) -> bool:
        reply = _ok_reply(self.link, self.counters, "gyro", "read")
        return _reading(self.counters, reply, "w_b", self.rate_b)


class SerialReactionWheels(ReactionWheels):
    """The reaction wheels of a board: `wheels.torque` sends, `wheels.read` -> `speed_rad_s`.

    The board limits the torque it applies; `apply()` also sends 0 for a NaN command and the limit
    for an infinite one, as the simulated wheels do, because the protocol carries finite numbers only.
    """

    def __init__(self, link: SerialLink, axis_b, inertia_kg_m2, torque_max_nm, speed_max_rad_s):
        self.link = link
        self.axis_b = np.array(axis_b, dtype=float).reshape(-1, 3)
        n = len(self.axis_b)
        self.inertia_kg_m2 = np.broadcast_to(np.asarray(inertia_kg_m2, dtype=float), (n,)).copy()
        self.torque_max_nm = np.broadcast_to(np.asarray(torque_max_nm, dtype=float), (n,)).copy()
        self.speed_max_rad_s = np.broadcast_to(np.asarray(speed_max_rad_s, dtype=float), (n,)).copy()
        self.torque_cmd_nm = np.zeros(n)
        self.speed_rad_s = np.zeros(n)
        self.counters = DeviceCounters()
        self.command_counters = DeviceCounters()

    def apply(self) -> None:
        torque_nm = [
            float(u) if np.isfinite(u) else (0.0 if np.isnan(u) else float(np.copysign(u_max, u)))
            for u, u_max in zip(self.torque_cmd_nm, self.torque_max_nm, strict=True)
        ]
        if _ok_reply(self.link, self.command_counters, "wheels", "torque", torque_nm=torque_nm) is not None:
            self.command_counters.ok += 1

    def sample(self) -> bool:
        reply = _ok_reply(self.link, self.counters, "wheels", "read")
        return _reading(self.counters, reply, "speed_rad_s", self.speed_rad_s)
