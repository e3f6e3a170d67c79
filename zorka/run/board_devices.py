"""Which devices a board can serve, and the hal serial device of each, configured as a scenario's
spacecraft: shared by the mission (devices in the loop) and the flight computer alone (`zorka flight`)."""

from hal.link_health import PROTOCOL_DEVICE_NAMES
from hal.serial_devices import (
    SerialGnss,
    SerialGyro,
    SerialMagnetometer,
    SerialMagnetorquers,
    SerialPowerSystem,
    SerialReactionWheels,
    SerialStarTracker,
    SerialSunSensor,
)
from hal.serial_imager import SerialImager
from hal.serial_link import SerialLink
from sim.spacecraft import Spacecraft
from zorka.scenario.device_routes import BOARD, SIMULATED, hal_routes, port_and_baud
from zorka.scenario.model import HalSpec

SERIAL_DEVICES = (
    "gyro",
    "star_tracker",
    "magnetometer",
    "sun_sensor",
    "gnss",
    "wheels",
    "magnetorquers",
    "power",
    "imager",
)
"""Devices a board can serve (`DeviceSet` names; `all` on the command line means every one)."""
IMAGER_CHUNKS_PER_COLLECT = (
    1  # in real time, product chunks fetched per collect (2 KB: 44 ms at 460,800 baud)
)


def board_name(device: str) -> str:
    """The board protocol's name of a `DeviceSet` device."""
    return PROTOCOL_DEVICE_NAMES.get(device, device)


def devices_on_ports(serial: dict[str, str]) -> dict[str, str]:
    """Each device of `serial` (names, or "all") -> its port, in `SERIAL_DEVICES` order. ValueError (one
    line) for a name that no board can serve."""
    on_port: dict[str, str] = {}
    for device, port in serial.items():
        if device != "all" and device not in SERIAL_DEVICES:
            raise ValueError(
                f"device {device!r} cannot be served over serial; "
                f"use one of {', '.join(SERIAL_DEVICES)} or all"
            )
        on_port.update(dict.fromkeys(SERIAL_DEVICES if device == "all" else (device,), port))
    return {d: on_port[d] for d in SERIAL_DEVICES if d in on_port}


def board_links(
    on_line: dict[str, str], timeout_s: float, **link_options
) -> tuple[dict[str, SerialLink], dict[str, str]]:
    """The links of the boards that `on_line` (device -> PORT[@BAUD]) names, one per port path, whose
    requests wait `timeout_s` (`link_options`: SerialLink's retries); and each device's port path.
    ValueError for a path given at two baud rates."""
    links: dict[str, SerialLink] = {}
    on_port: dict[str, str] = {}
    for device, line in on_line.items():
        path, baud = port_and_baud(line)
        link = links.get(path)
        if link is None:
            link = links[path] = SerialLink(path, baud, timeout_s=timeout_s, **link_options)
        if link.baudrate != baud:
            raise ValueError(f"{path} is given at {link.baudrate} and at {baud} baud; give it one rate")
        on_port[device] = path
    return links, on_port


def serial_device(device: str, link: SerialLink, sc: Spacecraft, lockstep: bool = False):
    """The hal serial device of `device` (a `SERIAL_DEVICES` name) on `link`, configured as `sc`. In
    `lockstep` simulated time waits for the wire: an imager fetches a product whole at its collect, as the
    simulated imager hands it over; in real time a collect fetches `IMAGER_CHUNKS_PER_COLLECT` chunks."""
    if device == "imager":
        return SerialImager(link, None if lockstep else IMAGER_CHUNKS_PER_COLLECT)
    if device == "wheels":
        w = sc.wheels
        return SerialReactionWheels(link, w.axis_b, w.inertia_kg_m2, w.torque_max_nm, w.speed_max_rad_s)
    if device == "magnetorquers":
        return SerialMagnetorquers(link, sc.magnetorquers.dipole_max_am2)
    if device == "power":
        return SerialPowerSystem(link, sc.power.load_names)
    sensors = {
        "gyro": SerialGyro,
        "star_tracker": SerialStarTracker,
        "magnetometer": SerialMagnetometer,
        "sun_sensor": SerialSunSensor,
        "gnss": SerialGnss,
    }
    return sensors[device](link)


def routed_lines(hal: HalSpec, serial: dict[str, str], gnss: str | None) -> tuple[dict[str, str], str | None]:
    """The boards' ports (device -> PORT[@BAUD]) and the GNSS receiver's line (PROTOCOL:PORT[@BAUD])
    of a run: the scenario's [hal] routes, overridden device by device by the command line's `serial`
    (`all` overrides every one) and `gnss`."""
    named = set(SERIAL_DEVICES if "all" in serial else serial)
    if gnss is not None:
        named.add("gnss")
    lines = dict(serial)
    table_gnss = None
    for device, route in hal_routes(hal).items():
        if device in named or route.kind == SIMULATED:
            continue
        if route.kind == BOARD:
            lines[device] = route.line
        else:
            table_gnss = f"{route.kind}:{route.line}"
    return lines, gnss if gnss is not None else table_gnss
