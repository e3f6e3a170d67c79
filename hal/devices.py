"""The device interfaces flight software sees.

Each device owns preallocated float64 arrays that hold its latest reading (sensors) or its
command (actuators), like registers of a board. `sample()` refreshes a reading in place and
`apply()` sends the command in place, so a control tick allocates nothing: flight code takes a
C pointer onto these arrays once and passes it to its C numerics every tick.
Units are SI, frames are in the names (`_b` body, `_ecef` Earth-fixed).
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from hal.link_health import BoardLink


class Gyro(ABC):
    """Three-axis rate gyro. `rate_b`: body rate reading, rad/s."""

    rate_b: np.ndarray

    @abstractmethod
    def sample(self) -> bool:
        """Take a reading into `rate_b`. False if none came (the last reading is kept)."""


class StarTracker(ABC):
    """Attitude sensor. `q_ib`: body-to-inertial quaternion reading, [x, y, z, w]. `blinded`: the
    tracker is working but its last reading was lost to a bright body (sun, lit Earth) in its view,
    as real trackers report in their status — unlike a tracker that says nothing at all."""

    q_ib: np.ndarray
    blinded: bool = False

    @abstractmethod
    def sample(self) -> bool:
        """Take a reading into `q_ib`. False if none came."""


class Magnetometer(ABC):
    """Three-axis magnetometer. `b_b_t`: field reading in body, tesla."""

    b_b_t: np.ndarray

    @abstractmethod
    def sample(self) -> bool:
        """Take a reading into `b_b_t`. False if none came."""


class SunSensor(ABC):
    """Sun direction sensor. `s_b`: unit sun direction in body."""

    s_b: np.ndarray

    @abstractmethod
    def sample(self) -> bool:
        """Take a reading into `s_b`. False when the sun is not seen (eclipse) or none came."""


class Gnss(ABC):
    """GNSS receiver. `r_ecef_m`, `v_ecef_m_s`: position and velocity fix, Earth-fixed."""

    r_ecef_m: np.ndarray
    v_ecef_m_s: np.ndarray

    @abstractmethod
    def sample(self) -> bool:
        """Take a fix into `r_ecef_m` and `v_ecef_m_s`. False if none came."""


class ReactionWheels(ABC):
    """A set of reaction wheels.

    Configuration: `axis_b` (n x 3 unit spin axes), `inertia_kg_m2`, `torque_max_nm`,
    `speed_max_rad_s`. Command: `torque_cmd_nm`, the motor torque on each wheel (the body
    receives the opposite), sent by `apply()`; or, where the wheels' drives have a speed loop,
    `speed_cmd_rad_s`, sent by `command_speed()`. Readings, refreshed by `sample()`: `speed_rad_s`
    (tachometers) and `current_a` (motor currents, A).
    """

    axis_b: np.ndarray
    inertia_kg_m2: np.ndarray
    torque_max_nm: np.ndarray
    speed_max_rad_s: np.ndarray
    torque_cmd_nm: np.ndarray
    speed_cmd_rad_s: np.ndarray
    speed_rad_s: np.ndarray
    current_a: np.ndarray

    @property
    def n(self) -> int:
        return len(self.torque_cmd_nm)

    @abstractmethod
    def apply(self) -> None:
        """Send `torque_cmd_nm` to the wheels (a speed command in effect ends)."""

    def command_speed(self) -> None:
        """Send `speed_cmd_rad_s`: the drives hold those speeds with their own loop, the torque limited as
        a torque command's, until the next `apply()`. Wheels without a speed loop raise
        NotImplementedError."""
        raise NotImplementedError(f"{type(self).__name__} takes torque commands only")

    @abstractmethod
    def sample(self) -> bool:
        """Read the wheel speeds into `speed_rad_s` and the motor currents into `current_a`. False if
        none came."""


class Magnetorquers(ABC):
    """Three magnetorquers along the body axes. `dipole_cmd_am2` is sent by `apply()`."""

    dipole_max_am2: np.ndarray
    dipole_cmd_am2: np.ndarray

    @abstractmethod
    def apply(self) -> None:
        """Send `dipole_cmd_am2` to the torquers."""


class PowerSystem(ABC):
    """Electrical power system board (EPS): battery, solar arrays and switched load outputs.

    Reading, refreshed in place by `sample()`: `readings` in the order of `READINGS` (also properties):
    battery state of charge (0..1), bus voltage, solar power produced, power delivered to the loads, and
    battery terminal power (+ charging, - discharging); `flags` (`BROWNOUT`: the loads were cut;
    `SHUNT`: surplus solar power is being dissipated); `load_on`, 1 or 0 per output of `load_names`.
    Command: `switch(name, on)`, e.g. the payload while imaging, the transmitter during a pass.
    """

    READINGS = ("battery_soc", "bus_voltage_v", "solar_power_w", "load_power_w", "battery_power_w")
    BROWNOUT = 1
    SHUNT = 2

    readings: np.ndarray
    flags: int
    load_names: tuple[str, ...]
    load_on: np.ndarray

    @property
    def battery_soc(self) -> float:
        return float(self.readings[0])

    @property
    def bus_voltage_v(self) -> float:
        return float(self.readings[1])

    @property
    def solar_power_w(self) -> float:
        return float(self.readings[2])

    @property
    def load_power_w(self) -> float:
        return float(self.readings[3])

    @property
    def battery_power_w(self) -> float:
        return float(self.readings[4])

    @abstractmethod
    def sample(self) -> bool:
        """Take the board's readings, flags and switch states. False if none came."""

    @abstractmethod
    def switch(self, load_name: str, on: bool) -> bool:
        """Switch an output on or off. False if there is no such output or the board did not accept it."""


@dataclass(frozen=True)
class ImageProduct:
    """A finished capture: the request it answers, the image file's bytes and the device's metadata."""

    request_id: str
    data: bytes
    metadata: dict


class Imager(ABC):
    """Pushbroom imager.

    Commands: `start(request_id, duration_s, lat_rad, lon_rad, alt_m)` opens a capture of the scene
    centred on a WGS-84 target (its ancillary data); it ends by itself after `duration_s` or on `stop()`.
    `collect()` hands over the finished product once, and the imager is idle again.
    Reading, refreshed in place by `sample()`: `status` in the order of `STATUS` (also properties):
    the state (`IDLE`, `CAPTURING`, `READY`: a product waits to be collected), the seconds captured
    so far and the frames of truth recorded.
    """

    IDLE = 0
    CAPTURING = 1
    READY = 2
    STATUS = ("state", "elapsed_s", "frames")

    status: np.ndarray

    @property
    def state(self) -> int:
        return int(self.status[0])

    @property
    def elapsed_s(self) -> float:
        return float(self.status[1])

    @abstractmethod
    def start(
        self,
        request_id: str,
        duration_s: float,
        lat_rad: float,
        lon_rad: float,
        alt_m: float = 0.0,
        strip_end: tuple[float, float] | None = None,
    ) -> bool:
        """Open a capture of the target, or of a strip from it to `strip_end` (lat_rad, lon_rad) scanned
        over the duration. False if one is open or waits to be collected, or the duration is out of range."""

    @abstractmethod
    def stop(self) -> bool:
        """End the open capture now. False if none is open."""

    @abstractmethod
    def sample(self) -> bool:
        """Take the imager's status into `status`. False if none came."""

    @abstractmethod
    def collect(self) -> ImageProduct | None:
        """The finished product, once; None while capturing or idle, and while a finished product is
        still on its way (an imager on a board hands it over after the calls its transfer takes)."""


@dataclass
class DeviceSet:
    """The devices of one spacecraft, as flight software is given them. `board_links`: each device served
    by a board (a field name above) -> the link to its board, whose health flight software watches;
    empty when every device is simulated."""

    gyro: Gyro
    star_tracker: StarTracker
    magnetometer: Magnetometer
    sun_sensor: SunSensor
    gnss: Gnss
    wheels: ReactionWheels
    magnetorquers: Magnetorquers
    power: PowerSystem
    imager: Imager | None = None
    board_links: dict[str, BoardLink] = field(default_factory=dict)
