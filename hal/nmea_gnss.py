"""A GNSS receiver on a serial port speaking NMEA 0183: the hal `Gnss` of a receiver set to NMEA output.

Each `sample()` takes the bytes waiting on the port, splits them into sentences at their line ends and
has pynmeagps parse and check each one. Standard NMEA has no 3-D velocity (RMC's speed and course are
horizontal), so the fix comes from u-blox's PUBX,00, which carries position, height above the
ellipsoid, speed and course over ground and vertical velocity; with a 3-D navigation status (G3, D3)
it becomes the Earth-fixed fix through native's geodesy. GGA and other sentences are counted and
passed over; a line that is not a sentence, fails its checksum or does not parse is counted, never
raised.
"""

from collections import Counter
from typing import Protocol

import numpy as np
from pynmeagps import NMEAReader
from pynmeagps.exceptions import NMEAMessageError, NMEAParseError, NMEATypeError

from hal.devices import Gnss
from native.geodesy import ecef_of_fix

MAX_SENTENCE_BYTES = 200  # NMEA allows 82; u-blox's PUBX sentences run longer. Longer is noise.
FIX_3D = ("G3", "D3")
KM_H = 3.6  # km/h per m/s


class ByteSource(Protocol):
    def read(self, size: int) -> bytes: ...


class NmeaGnss(Gnss):
    """Fixes from PUBX,00 sentences read from `port` (a pyserial port opened with `timeout=0`, or any
    object whose `read(n)` returns at once). `counts`: sentences, fixes, no_fix, other, unparsed,
    bytes_skipped (overlong lines)."""

    def __init__(self, port: ByteSource, read_bytes: int = 4096):
        self._port = port
        self._read_bytes = read_bytes
        self._buffer = bytearray()
        self.r_ecef_m = np.zeros(3)
        self.v_ecef_m_s = np.zeros(3)
        self.counts: Counter[str] = Counter()

    def sample(self) -> bool:
        """Take every sentence waiting; True if at least one gave a fix (the latest is kept)."""
        waiting = self._port.read(self._read_bytes)
        if waiting:
            self._buffer += waiting
        fixed = False
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            fixed |= self._take(line)
        if len(self._buffer) > MAX_SENTENCE_BYTES:
            self.counts["bytes_skipped"] += len(self._buffer)
            self._buffer.clear()
        return fixed

    def _take(self, line: bytes) -> bool:
        start = line.find(b"$")
        if start < 0 or len(line) - start > MAX_SENTENCE_BYTES:
            self.counts["unparsed"] += 1
            return False
        self.counts["sentences"] += 1
        try:
            message = NMEAReader.parse(line[start:].rstrip(b"\r\n") + b"\r\n", validate=1)
        except (NMEAParseError, NMEAMessageError, NMEATypeError, ValueError, KeyError, IndexError):
            self.counts["unparsed"] += 1
            return False
        if message is None or getattr(message, "identity", "") != "PUBX00":
            self.counts["other"] += 1
            return False
        if message.navStat not in FIX_3D or "" in (message.lat, message.lon, message.altRef):
            self.counts["no_fix"] += 1
            return False
        course_rad = np.radians(float(message.COG or 0.0))
        speed_m_s = float(message.SOG or 0.0) / KM_H
        v_ned_m_s = (
            speed_m_s * np.cos(course_rad),
            speed_m_s * np.sin(course_rad),
            float(message.vVel or 0.0),
        )
        r, v = ecef_of_fix(np.radians(message.lat), np.radians(message.lon), float(message.altRef), v_ned_m_s)
        self.r_ecef_m[:], self.v_ecef_m_s[:] = r, v
        self.counts["fixes"] += 1
        return True
