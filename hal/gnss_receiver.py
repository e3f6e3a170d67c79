"""What every GNSS receiver on a serial port shares, whatever its protocol: the bytes waiting on the
port taken at each `sample()`, split into messages by the protocol, and a fix given as WGS-84 geodetic
position and north-east-down velocity turned into the Earth-fixed fix of hal's `Gnss`."""

from abc import abstractmethod
from collections import Counter
from collections.abc import Iterator
from typing import Protocol

import numpy as np

from hal.devices import Gnss
from native.geodesy import ecef_of_fix


class ByteSource(Protocol):
    def read(self, size: int) -> bytes: ...


class SerialGnssReceiver(Gnss):
    """A receiver read from `port` (a pyserial port opened with `timeout=0`, or any object whose
    `read(n)` returns at once). A protocol splits the buffer into messages (`_messages`) and takes each
    (`_take`, True if it gave a fix); `counts` says what came, by kind."""

    def __init__(self, port: ByteSource, read_bytes: int = 4096):
        self._port = port
        self._read_bytes = read_bytes
        self._buffer = bytearray()
        self.r_ecef_m = np.zeros(3)
        self.v_ecef_m_s = np.zeros(3)
        self.counts: Counter[str] = Counter()

    def sample(self) -> bool:
        """Take every message waiting; True if at least one gave a fix (the latest is kept)."""
        waiting = self._port.read(self._read_bytes)
        if waiting:
            self._buffer += waiting
        fixed = False
        for message in self._messages():
            fixed |= self._take(message)
        return fixed

    @abstractmethod
    def _messages(self) -> Iterator[bytes]:
        """The whole messages of the buffer, taken out of it."""

    @abstractmethod
    def _take(self, message: bytes) -> bool:
        """One message: True if it gave a fix."""

    def _fix(self, lat_rad: float, lon_rad: float, height_m: float, v_ned_m_s) -> bool:
        """A fix from the receiver's geodetic position and NED velocity; counted."""
        r, v = ecef_of_fix(lat_rad, lon_rad, height_m, v_ned_m_s)
        self.r_ecef_m[:], self.v_ecef_m_s[:] = r, v
        self.counts["fixes"] += 1
        return True
