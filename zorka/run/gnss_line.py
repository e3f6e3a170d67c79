"""A GNSS receiver on a serial line in a mission (`zorka run --gnss PROTOCOL:PORT`): the flight software's
GNSS is the hal driver of the receiver's protocol (UBX or NMEA) reading PORT. With `sim` for PORT the
simulator plays the receiver: its simulated GNSS's fixes go out in the protocol on a pseudo-terminal
whose other end the driver reads, each frame after the world steps, as a GNSS simulator feeds a
receiver's output to a bench."""

import os
import select
import time
import tty
from datetime import datetime

import serial

from hal.devices import Gnss
from hal.nmea_gnss import NmeaGnss
from hal.ubx_gnss import UbxGnss
from sim.gnss_output import GnssOutput

RECEIVERS = {"ubx": UbxGnss, "nmea": NmeaGnss}
SIMULATED = "sim"
DEFAULT_BAUD = 115200
DELIVERY_TIMEOUT_S = 1.0
"""How long a simulated fix may take to cross the pseudo-terminal before the run goes on without it
(a pty passes bytes through the kernel's buffers, not at once): the lockstep of a receiver's line."""


def parse_gnss_line(text: str) -> tuple[str, str, int]:
    """'ubx:sim', 'nmea:/dev/ttyUSB1@9600' -> (protocol, port, baud); ValueError saying what is allowed."""
    protocol, sep, rest = text.partition(":")
    port, at, baud_text = rest.partition("@")
    allowed = f"PROTOCOL:PORT[@BAUD] with PROTOCOL {' or '.join(RECEIVERS)} and PORT a path or {SIMULATED}"
    if not sep or protocol not in RECEIVERS or not port:
        raise ValueError(f"{text!r} is not {allowed} (e.g. ubx:sim, nmea:/dev/ttyUSB1@9600)")
    if at and not (baud_text.isdigit() and int(baud_text) > 0):
        raise ValueError(f"{text!r}: the baud rate after @ must be a whole number > 0")
    return protocol, port, int(baud_text) if at else DEFAULT_BAUD


class _FdSink:
    def __init__(self, fd: int):
        self.fd = fd

    def write(self, data: bytes) -> int:
        return os.write(self.fd, data)


class GnssLine:
    """The receiver's port and, with `sim`, the simulator's output into it from `simulated`."""

    def __init__(self, protocol: str, port: str, baud: int, simulated: Gnss, epoch_utc: datetime):
        self._fds: tuple[int, ...] = ()
        self.output: GnssOutput | None = None
        self.late = 0
        if port == SIMULATED:
            master, slave = os.openpty()
            tty.setraw(master)
            tty.setraw(slave)
            self._fds = (master, slave)  # the slave stays open, so the master never reads EIO
            self.output = GnssOutput(simulated, _FdSink(master), epoch_utc, protocol)
            port = os.ttyname(slave)
        try:
            self.port = serial.Serial(port, baud, timeout=0)
        except (serial.SerialException, OSError) as failure:
            self.close()
            raise OSError(f"cannot open the GNSS receiver's port {port}: {failure}") from None
        self.receiver = RECEIVERS[protocol](self.port)

    def step(self, t_s: float) -> None:
        """After the world stepped to t_s: the simulated receiver's fix, if one is due, onto the line, and
        across it before the flight software's next frame (counted in `late` if it took too long)."""
        if self.output is None:
            return
        waiting = self.port.in_waiting  # what the driver has not read yet stays ahead of the new fix
        sent = self.output.step(t_s)
        deadline_s = time.monotonic() + DELIVERY_TIMEOUT_S
        while sent and self.port.in_waiting < waiting + sent:
            left_s = deadline_s - time.monotonic()
            if left_s <= 0.0:
                self.late += 1
                return
            select.select([self.port.fileno()], [], [], min(left_s, 0.01))

    def close(self) -> None:
        if getattr(self, "port", None) is not None:
            self.port.close()
        for fd in self._fds:
            os.close(fd)
        self._fds = ()
