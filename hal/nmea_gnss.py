"""A GNSS receiver on a serial port speaking NMEA 0183: the hal `Gnss` of a receiver set to NMEA output.

Each `sample()` takes the bytes waiting on the port, splits them into sentences at their line ends and
has pynmeagps parse and check each one. Standard NMEA has no 3-D velocity (RMC's speed and course are
horizontal), so the fix comes from u-blox's PUBX,00, which carries position, height above the
ellipsoid, speed and course over ground and vertical velocity; with a 3-D navigation status (G3, D3)
it becomes the Earth-fixed fix through native's geodesy. GGA and other sentences are counted and
passed over; a line that is not a sentence, fails its checksum or does not parse is counted, never
raised.
"""

from collections.abc import Iterator

import numpy as np
from pynmeagps import NMEAReader
from pynmeagps.exceptions import NMEAMessageError, NMEAParseError, NMEATypeError

from hal.gnss_receiver import SerialGnssReceiver

MAX_SENTENCE_BYTES = 200  # NMEA allows 82; u-blox's PUBX sentences run longer. Longer is noise.
FIX_3D = ("G3", "D3")
KM_H = 3.6  # km/h per m/s


class NmeaGnss(SerialGnssReceiver):
    """Fixes from PUBX,00 sentences read from `port` (a pyserial port opened with `timeout=0`, or any
    object whose `read(n)` returns at once). `counts`: sentences, fixes, no_fix, other, unparsed,
    bytes_skipped (overlong lines)."""

    def _messages(self) -> Iterator[bytes]:
        """Each whole line of the buffer; an overlong line without an end is dropped and counted."""
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            yield line
        if len(self._buffer) > MAX_SENTENCE_BYTES:
            self.counts["bytes_skipped"] += len(self._buffer)
            self._buffer.clear()

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
        return self._fix(np.radians(message.lat), np.radians(message.lon), float(message.altRef), v_ned_m_s)
