"""Where each device of a run lives: simulated, on a board over a serial port (the board protocol), or,
for the GNSS, a receiver speaking its vendor's protocol on a serial line. Written `sim`,
`serial:PORT[@BAUD]`, `ubx:PORT[@BAUD]` or `nmea:PORT[@BAUD]` in a scenario's [hal] table; `--serial`
and `--gnss` on the command line take the same ports and win over the table."""

from dataclasses import dataclass, fields

SIMULATED = "sim"
BOARD = "serial"
RECEIVER_PROTOCOLS = ("ubx", "nmea")
DEFAULT_BAUD = 115200


@dataclass(frozen=True)
class DeviceRoute:
    """One device's route: `kind` (sim, serial, ubx or nmea), and for a line its port and baud rate."""

    kind: str = SIMULATED
    port: str = ""
    baud: int = DEFAULT_BAUD

    @property
    def line(self) -> str:
        """PORT@BAUD, as `--serial` and `--gnss` write it."""
        return f"{self.port}@{self.baud}"


def port_and_baud(text: str) -> tuple[str, int]:
    """'/dev/ttyUSB0@460800' -> ('/dev/ttyUSB0', 460800); without @, the default 115200 baud. ValueError
    if the baud rate is not a whole number > 0 or the port is empty."""
    port, at, baud_text = text.rpartition("@") if "@" in text else (text, "", "")
    if not port:
        raise ValueError(f"{text!r} has no port before the @")
    if at and not (baud_text.isdigit() and int(baud_text) > 0):
        raise ValueError(f"{text!r}: the baud rate after @ must be a whole number > 0")
    return port, int(baud_text) if at else DEFAULT_BAUD


def parse_route(device: str, text: object) -> DeviceRoute:
    """The route of `device` written as `text`; ValueError saying which forms the device takes."""
    forms = [SIMULATED, f"{BOARD}:PORT[@BAUD]"] + [
        f"{p}:PORT[@BAUD]" for p in RECEIVER_PROTOCOLS if device == "gnss"
    ]
    allowed = f"must be {', '.join(forms[:-1])} or {forms[-1]} (e.g. serial:/dev/ttyUSB0@460800)"
    if not isinstance(text, str):
        raise ValueError(allowed)
    if text == SIMULATED:
        return DeviceRoute()
    kind, sep, rest = text.partition(":")
    kinds = (BOARD, *RECEIVER_PROTOCOLS) if device == "gnss" else (BOARD,)
    if not sep or kind not in kinds or not rest:
        raise ValueError(allowed)
    try:
        port, baud = port_and_baud(rest)
    except ValueError as problem:
        raise ValueError(f"{problem}; it {allowed}") from None
    return DeviceRoute(kind, port, baud)


def hal_routes(hal: object) -> dict[str, DeviceRoute]:
    """Every device of a [hal] table (a `HalSpec`) -> its route."""
    return {f.name: parse_route(f.name, getattr(hal, f.name)) for f in fields(hal)}
