"""A GNSS receiver on a serial port speaking u-blox UBX: the hal `Gnss` of a real receiver on a bench.

Each `sample()` takes the bytes waiting on the port, splits them into UBX frames (sync 0xB5 0x62,
class, id, little-endian length, payload, two checksum bytes) and has pyubx2 parse and check each one.
A UBX-NAV-PVT with a valid 3-D fix (`gnssFixOk`, fix type 3 or 4) becomes the fix: WGS-84 latitude,
longitude and height to ECEF through native's geodesy, and the north-east-down velocity turned into
ECEF. What is not a frame, fails its checksum or does not parse is counted, never raised.
"""

import numpy as np
from pyubx2 import UBXReader
from pyubx2.exceptions import UBXMessageError, UBXParseError, UBXTypeError

from hal.gnss_receiver import SerialGnssReceiver

SYNC = b"\xb5\x62"
HEADER_BYTES = 6  # sync (2), class, id, length (2)
CHECKSUM_BYTES = 2
MAX_PAYLOAD_BYTES = 1024  # larger than any message a receiver sends for navigation; longer is noise
FIX_3D = (3, 4)  # 3-D fix, and GNSS + dead reckoning
MM = 1e-3


class UbxGnss(SerialGnssReceiver):
    """Fixes from UBX-NAV-PVT read from `port` (a pyserial port opened with `timeout=0`, or any object
    whose `read(n)` returns at once). `counts`: frames, fixes, no_fix, bad_checksum, unparsed,
    bytes_skipped (noise between frames)."""

    def _messages(self) -> list[bytes]:
        """The complete frames in the buffer; noise before a sync is dropped and counted."""
        frames = []
        buffer = self._buffer
        while True:
            start = buffer.find(SYNC)
            if start < 0:
                keep = 1 if buffer.endswith(SYNC[:1]) else 0
                self.counts["bytes_skipped"] += len(buffer) - keep
                del buffer[: len(buffer) - keep]
                return frames
            if start:
                self.counts["bytes_skipped"] += start
                del buffer[:start]
            if len(buffer) < HEADER_BYTES:
                return frames
            length = int.from_bytes(buffer[4:6], "little")
            if length > MAX_PAYLOAD_BYTES:
                self.counts["bytes_skipped"] += 1
                del buffer[:1]
                continue
            end = HEADER_BYTES + length + CHECKSUM_BYTES
            if len(buffer) < end:
                return frames
            frames.append(bytes(buffer[:end]))
            del buffer[:end]

    def _take(self, frame: bytes) -> bool:
        self.counts["frames"] += 1
        try:
            message = UBXReader.parse(frame, validate=1)
        except UBXParseError as problem:
            self.counts["bad_checksum" if "checksum" in str(problem).lower() else "unparsed"] += 1
            return False
        except (UBXMessageError, UBXTypeError, ValueError, KeyError, IndexError):
            self.counts["unparsed"] += 1
            return False
        if getattr(message, "identity", "") != "NAV-PVT":
            self.counts["other"] += 1
            return False
        if not message.gnssFixOk or message.fixType not in FIX_3D:
            self.counts["no_fix"] += 1
            return False
        v_ned_m_s = np.array([message.velN, message.velE, message.velD], dtype=float) * MM
        return self._fix(np.radians(message.lat), np.radians(message.lon), message.height * MM, v_ned_m_s)
