"""`zorka serve --serial PATH --insecure`: COBS-framed space packets on a serial line, polled once a frame.

PATH is opened with pyserial (a USB adapter, a socat pty), or "pty" makes a pseudo-terminal pair and
reports its slave path for the ground tool to open. Reads and writes are non-blocking, so a silent or
stalled far end never delays a control frame; telemetry the line cannot take is dropped whole and
counted once the backlog passes its limit (a pty holds ~20 KB).
"""

import contextlib
import os
import tty
from collections.abc import Callable
from dataclasses import dataclass

import serial

from ccsds.cobs_packets import CobsPacketSplitter, encode_cobs_packet

READ_BYTES = 16384
BACKLOG_LIMIT_BYTES = 1 << 18


@dataclass
class SerialCounters:
    telecommands: int = 0
    packets_dropped: int = 0


class SerialPacketServer:
    def __init__(self, port: str, deliver: Callable[[bytes], object], baudrate: int = 115200):
        self._deliver = deliver
        self._serial: serial.Serial | None = None
        self._pty_slave_fd: int | None = None
        if port == "pty":
            self._fd, self._pty_slave_fd = os.openpty()
            tty.setraw(self._pty_slave_fd)
            self.path = os.ttyname(self._pty_slave_fd)
        else:
            self._serial = serial.serial_for_url(port, baudrate=baudrate, timeout=0)
            self._fd = self._serial.fileno()
            self.path = port
        os.set_blocking(self._fd, False)
        self.splitter = CobsPacketSplitter()
        self._tx = bytearray()
        self.counters = SerialCounters()

    def poll(self) -> None:
        """Take the telecommands that arrived, write what telemetry fits; never blocks."""
        try:
            data = os.read(self._fd, READ_BYTES)
        except (BlockingIOError, InterruptedError):
            data = b""
        except OSError:  # a pty master reads EIO while no one holds the slave open: nothing to read
            data = b""
        for packet in self.splitter.feed(data):
            self.counters.telecommands += 1
            self._deliver(packet)
        if self._tx:
            with contextlib.suppress(OSError):  # full (BlockingIOError) or failing: try again next frame
                del self._tx[: os.write(self._fd, self._tx)]

    def send(self, packet: bytes) -> None:
        """Queue one telemetry packet, COBS-framed; dropped (counted) while the line is backed up."""
        if len(self._tx) > BACKLOG_LIMIT_BYTES:
            self.counters.packets_dropped += 1
            return
        self._tx += encode_cobs_packet(packet)

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
        else:
            os.close(self._fd)
            os.close(self._pty_slave_fd)
