"""A GNSS simulator's serial output, as real receivers speak: each fix of a simulated receiver as a
u-blox UBX-NAV-PVT frame (pyubx2) or as NMEA 0183 sentences, a GGA and u-blox's PUBX,00 with the 3-D
velocity standard NMEA lacks (pynmeagps). The flight software's drivers (hal/ubx_gnss.py,
hal/nmea_gnss.py) navigate from it as from a receiver on a bench."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np
from pynmeagps import GET as NMEA_GET
from pynmeagps import NMEAMessage
from pyubx2 import GET, UBXMessage

from hal.devices import Gnss
from native.geodesy import fix_of_ecef

GPS_EPOCH = datetime(1980, 1, 6, tzinfo=UTC)
GPS_MINUS_UTC_S = 18.0  # leap seconds since 1980 (since 2017)
WEEK_MS = 7 * 86_400_000
SATELLITES = 12
ACCURACY_M = 5.0  # what the receiver claims: its 5 m class
KM_H = 3.6  # km/h per m/s


class ByteSink(Protocol):
    def write(self, data: bytes) -> int | None: ...


def nav_pvt(r_ecef_m: np.ndarray, v_ecef_m_s: np.ndarray, utc: datetime) -> bytes:
    """The UBX-NAV-PVT frame of a 3-D fix at ECEF position and velocity, at `utc`."""
    lat_rad, lon_rad, height_m, v_ned = fix_of_ecef(r_ecef_m, v_ecef_m_s)
    gps_ms = round((utc - GPS_EPOCH).total_seconds() * 1000.0 + GPS_MINUS_UTC_S * 1000.0)
    message = UBXMessage(
        "NAV",
        "NAV-PVT",
        GET,
        iTOW=gps_ms % WEEK_MS,
        year=utc.year,
        month=utc.month,
        day=utc.day,
        hour=utc.hour,
        min=utc.minute,
        second=utc.second,
        validDate=1,
        validTime=1,
        fullyResolved=1,
        nano=utc.microsecond * 1000,
        fixType=3,
        gnssFixOk=1,
        numSV=SATELLITES,
        lon=float(np.degrees(lon_rad)),
        lat=float(np.degrees(lat_rad)),
        height=round(height_m * 1000.0),
        hMSL=round(height_m * 1000.0),
        hAcc=round(ACCURACY_M * 1000.0),
        vAcc=round(ACCURACY_M * 1000.0),
        velN=round(v_ned[0] * 1000.0),
        velE=round(v_ned[1] * 1000.0),
        velD=round(v_ned[2] * 1000.0),
        gSpeed=round(float(np.hypot(v_ned[0], v_ned[1])) * 1000.0),
        sAcc=50,
        pDOP=1.0,
    )
    return message.serialize()


def nmea_fix(r_ecef_m: np.ndarray, v_ecef_m_s: np.ndarray, utc: datetime) -> bytes:
    """A GGA and a PUBX,00 sentence of a 3-D fix at ECEF position and velocity, at `utc` (heights above
    the ellipsoid, geoid separation 0; velocities to 1 mm/s, course to 1e-6 deg)."""
    lat_rad, lon_rad, height_m, v_ned = fix_of_ecef(r_ecef_m, v_ecef_m_s)
    lat_deg, lon_deg = float(np.degrees(lat_rad)), float(np.degrees(lon_rad))
    position = {
        "time": utc.time(),
        "lat": lat_deg,  # signed: pynmeagps writes the hemisphere from the sign
        "NS": "N" if lat_deg >= 0.0 else "S",
        "lon": lon_deg,
        "EW": "E" if lon_deg >= 0.0 else "W",
    }
    speed_m_s = float(np.hypot(v_ned[0], v_ned[1]))
    course_deg = float(np.degrees(np.arctan2(v_ned[1], v_ned[0]))) % 360.0
    gga = NMEAMessage(
        "GP", "GGA", NMEA_GET, **position, quality=1, numSV=SATELLITES, HDOP=1.0,
        alt=round(height_m, 3), altUnit="M", sep=0.0, sepUnit="M",
    )  # fmt: skip
    pubx = NMEAMessage(
        "P", "UBX", NMEA_GET, msgId="00", **position, altRef=round(height_m, 3), navStat="G3",
        hAcc=ACCURACY_M, vAcc=ACCURACY_M, SOG=round(speed_m_s * KM_H, 4), COG=round(course_deg, 6),
        vVel=round(float(v_ned[2]), 3), diffAge=0, HDOP=1.0, VDOP=1.0, TDOP=1.0, numSvs=SATELLITES,
    )  # fmt: skip
    return gga.serialize() + pubx.serialize()


ENCODINGS: dict[str, Callable[[np.ndarray, np.ndarray, datetime], bytes]] = {"ubx": nav_pvt, "nmea": nmea_fix}
"""What a simulated receiver can speak, by the name a `[hal]` entry gives it."""


class GnssOutput:
    """Sends each fix of `gnss` (a simulated receiver over the world) to `port` in `protocol` ("ubx" or
    "nmea"); onboard time t_s is `epoch_utc` + t_s."""

    def __init__(self, gnss: Gnss, port: ByteSink, epoch_utc: datetime, protocol: str = "ubx"):
        if protocol not in ENCODINGS:
            raise ValueError(f"GNSS protocol {protocol!r}: use one of {', '.join(ENCODINGS)}")
        self._gnss = gnss
        self._port = port
        self._epoch_utc = epoch_utc
        self._encode = ENCODINGS[protocol]
        self.sent = 0

    def step(self, t_s: float) -> int:
        """Sample the simulated receiver; if it has a fix, send it. The bytes sent (0: no fix)."""
        if not self._gnss.sample():
            return 0
        utc = self._epoch_utc + timedelta(seconds=t_s)
        data = self._encode(self._gnss.r_ecef_m, self._gnss.v_ecef_m_s, utc)
        self._port.write(data)
        self.sent += 1
        return len(data)
