"""Devices on a board at the far end of a serial link: the hal interfaces over hal.serial_link.

Readings land in the devices' preallocated arrays in place. A reply that is missing, an error, or
malformed (wrong length, not a finite number) is counted and leaves the last good reading untouched,
and `sample()` says False: flight software fails operational on a bad link rather than on bad data.
"""

import math
from dataclasses import dataclass

import numpy as np

from hal.devices import (
    Gnss,
    Gyro,
    Magnetometer,
    Magnetorquers,
    PowerSystem,
    ReactionWheels,
    StarTracker,
    SunSensor,
)
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


def _finite_command(command: np.ndarray, limit: np.ndarray) -> list[float]:
    """A command as the protocol carries it: NaN as 0, an infinity as the limit of its sign."""
    return [
        float(u) if np.isfinite(u) else (0.0 if np.isnan(u) else float(np.copysign(u_max, u)))
        for u, u_max in zip(command, limit, strict=True)
    ]


def ok_reply(link: SerialLink, counters: DeviceCounters, dev: str, msg: str, **fields) -> dict | None:
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
        reply = ok_reply(self.link, self.counters, "gyro", "read")
        return _reading(self.counters, reply, "w_b", self.rate_b)


class SerialReactionWheels(ReactionWheels):
    """The reaction wheels of a board: `wheels.torque` and `wheels.speed` send, `wheels.read` ->
    `speed_rad_s`, `current_a`.

    The board limits the torque it applies; `apply()` also sends 0 for a NaN command and the limit
    for an infinite one, as the simulated wheels do, because the protocol carries finite numbers only;
    `command_speed()` sends 0 for a NaN set speed and the speed limit for an infinite one.
    """

    def __init__(self, link: SerialLink, axis_b, inertia_kg_m2, torque_max_nm, speed_max_rad_s):
        self.link = link
        self.axis_b = np.array(axis_b, dtype=float).reshape(-1, 3)
        n = len(self.axis_b)
        self.inertia_kg_m2 = np.broadcast_to(np.asarray(inertia_kg_m2, dtype=float), (n,)).copy()
        self.torque_max_nm = np.broadcast_to(np.asarray(torque_max_nm, dtype=float), (n,)).copy()
        self.speed_max_rad_s = np.broadcast_to(np.asarray(speed_max_rad_s, dtype=float), (n,)).copy()
        self.torque_cmd_nm = np.zeros(n)
        self.speed_cmd_rad_s = np.zeros(n)
        self.speed_rad_s = np.zeros(n)
        self.current_a = np.zeros(n)
        self.counters = DeviceCounters()
        self.command_counters = DeviceCounters()

    def apply(self) -> None:
        torque_nm = _finite_command(self.torque_cmd_nm, self.torque_max_nm)
        if ok_reply(self.link, self.command_counters, "wheels", "torque", torque_nm=torque_nm) is not None:
            self.command_counters.ok += 1

    def command_speed(self) -> None:
        speed_rad_s = _finite_command(self.speed_cmd_rad_s, self.speed_max_rad_s)
        if ok_reply(self.link, self.command_counters, "wheels", "speed", speed_rad_s=speed_rad_s):
            self.command_counters.ok += 1

    def sample(self) -> bool:
        reply = ok_reply(self.link, self.counters, "wheels", "read")
        if reply is None:
            return False
        speed, current = reply.get("speed_rad_s"), reply.get("current_a")
        if not (_finite_numbers(speed, self.n) and _finite_numbers(current, self.n)):
            self.counters.malformed += 1
            return False
        self.speed_rad_s[:] = speed
        self.current_a[:] = current
        self.counters.ok += 1
        return True


def _flag(counters: DeviceCounters, reply: dict | None, name: str) -> bool | None:
    """The reply's boolean `name`, or None (counted as malformed) if it is not a boolean."""
    if reply is None:
        return None
    value = reply.get(name)
    if not isinstance(value, bool):
        counters.malformed += 1
        return None
    return value


class _SerialSensor:
    """A sensor whose `<dev>.read` reply carries its registers and `valid` (what the sensor's sample
    said): the registers are copied in place, and `sample()` says `valid`."""

    dev: str
    registers: tuple[str, ...]  # reply field names, in the order of `_targets()`

    def _read(self) -> dict | None:
        reply = ok_reply(self.link, self.counters, self.dev, "read")
        valid = _flag(self.counters, reply, "valid")
        if valid is None:
            return None
        targets = self._targets()
        if not all(
            _finite_numbers(reply.get(f), len(t)) for f, t in zip(self.registers, targets, strict=True)
        ):
            self.counters.malformed += 1
            return None
        for f, t in zip(self.registers, targets, strict=True):
            t[:] = reply[f]
        self.counters.ok += 1
        return reply


class SerialStarTracker(_SerialSensor, StarTracker):
    """The star tracker of a board: `star_tracker.read` -> `q_ib`, `valid`, `blinded`."""

    dev, registers = "star_tracker", ("q_ib",)

    def __init__(self, link: SerialLink):
        self.link = link
        self.q_ib = np.array([0.0, 0.0, 0.0, 1.0])
        self.blinded = False
        self.counters = DeviceCounters()

    def _targets(self) -> tuple[np.ndarray, ...]:
        return (self.q_ib,)

    def sample(self) -> bool:
        reply = self._read()
        if reply is None:
            return False
        blinded = reply.get("blinded")
        self.blinded = blinded if isinstance(blinded, bool) else False
        return reply["valid"]


class SerialMagnetometer(_SerialSensor, Magnetometer):
    """The magnetometer of a board: `magnetometer.read` -> `b_b_t` (T), `valid`."""

    dev, registers = "magnetometer", ("b_b_t",)

    def __init__(self, link: SerialLink):
        self.link = link
        self.b_b_t = np.zeros(3)
        self.counters = DeviceCounters()

    def _targets(self) -> tuple[np.ndarray, ...]:
        return (self.b_b_t,)

    def sample(self) -> bool:
        reply = self._read()
        return reply is not None and reply["valid"]


class SerialSunSensor(_SerialSensor, SunSensor):
    """The sun sensors of a board: `sun_sensor.read` -> `s_b` (unit vector), `valid` (false in eclipse)."""

    dev, registers = "sun_sensor", ("s_b",)

    def __init__(self, link: SerialLink):
        self.link = link
        self.s_b = np.zeros(3)
        self.counters = DeviceCounters()

    def _targets(self) -> tuple[np.ndarray, ...]:
        return (self.s_b,)

    def sample(self) -> bool:
        reply = self._read()
        return reply is not None and reply["valid"]


class SerialGnss(_SerialSensor, Gnss):
    """The GNSS receiver of a board: `gnss.read` -> `r_ecef_m`, `v_ecef_m_s`, `valid` (a fix came)."""

    dev, registers = "gnss", ("r_ecef_m", "v_ecef_m_s")

    def __init__(self, link: SerialLink):
        self.link = link
        self.r_ecef_m = np.zeros(3)
        self.v_ecef_m_s = np.zeros(3)
        self.counters = DeviceCounters()

    def _targets(self) -> tuple[np.ndarray, ...]:
        return (self.r_ecef_m, self.v_ecef_m_s)

    def sample(self) -> bool:
        reply = self._read()
        return reply is not None and reply["valid"]


class SerialMagnetorquers(Magnetorquers):
    """The magnetorquers of a board: `magnetorquers.dipole` sends `dipole_cmd_am2` (A m^2, body axes).
    The protocol carries finite numbers only: a NaN command is sent as 0 and an infinite one as the limit."""

    def __init__(self, link: SerialLink, dipole_max_am2: float):
        self.link = link
        self.dipole_max_am2 = np.full(3, float(dipole_max_am2))
        self.dipole_cmd_am2 = np.zeros(3)
        self.command_counters = DeviceCounters()

    def apply(self) -> None:
        dipole_am2 = _finite_command(self.dipole_cmd_am2, self.dipole_max_am2)
        if ok_reply(self.link, self.command_counters, "magnetorquers", "dipole", dipole_am2=dipole_am2):
            self.command_counters.ok += 1


class SerialPowerSystem(PowerSystem):
    """The EPS board: `eps.read` -> `readings` (in `READINGS` order), `flags`, `load_on`, `valid`;
    `eps.switch` with `load` and `on`."""

    def __init__(self, link: SerialLink, load_names: tuple[str, ...]):
        self.link = link
        self.load_names = tuple(load_names)
        self.readings = np.zeros(len(self.READINGS))
        self.flags = 0
        self.load_on = np.zeros(len(self.load_names), dtype=np.intc)
        self.counters = DeviceCounters()
        self.command_counters = DeviceCounters()

    def sample(self) -> bool:
        reply = ok_reply(self.link, self.counters, "eps", "read")
        valid = _flag(self.counters, reply, "valid")
        if valid is None:
            return False
        flags, load_on = reply.get("flags"), reply.get("load_on")
        if not (
            _finite_numbers(reply.get("readings"), len(self.readings))
            and isinstance(flags, int)
            and not isinstance(flags, bool)
            and _finite_numbers(load_on, len(self.load_on))
        ):
            self.counters.malformed += 1
            return False
        self.readings[:] = reply["readings"]
        self.flags = flags
        self.load_on[:] = load_on
        self.counters.ok += 1
        return valid

    def switch(self, load_name: str, on: bool) -> bool:
        if ok_reply(self.link, self.command_counters, "eps", "switch", load=load_name, on=bool(on)) is None:
            return False
        self.command_counters.ok += 1
        return True
