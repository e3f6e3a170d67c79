"""A GNSS simulator's serial output in u-blox UBX: each fix of a simulated receiver as the UBX-NAV-PVT a
real receiver would send, so the flight software's UBX driver (hal/ubx_gnss.py) navigates from it as
from a receiver on a bench. Messages are built and serialised by pyubx2."""

from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np
from pyubx2 import GET, UBXMessage

from hal.devices import Gnss
from native.geodesy import ecef_to_geodetic, ned_axes

GPS_EPOCH = datetime(1980, 1, 6, tzinfo=UTC)
GPS_MINUS_UTC_S = 18.0  # leap seconds since 1980 (since 2017)
WEEK_MS = 7 * 86_400_000
SATELLITES = 12
ACCURACY_MM = 5000  # what the receiver claims: its 5 m class


class ByteSink(Protocol):
    def write(self, data: bytes) -> int | None: ...


def nav_pvt(r_ecef_m: np.ndarray, v_ecef_m_s: np.ndarray, utc: datetime) -> bytes:
    """The UBX-NAV-PVT frame of a 3-D fix at ECEF position and velocity, at `utc`."""
    lat_rad, lon_rad, height_m = ecef_to_geodetic(r_ecef_m)
    v_ned = ned_axes(lat_rad, lon_rad) @ np.asarray(v_ecef_m_s, dtype=float)
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
        hAcc=ACCURACY_MM,
        vAcc=ACCURACY_MM,
        velN=round(v_ned[0] * 1000.0),
        velE=round(v_ned[1] * 1000.0),
        velD=round(v_ned[2] * 1000.0),
        gSpeed=round(float(np.hypot(v_ned[0], v_ned[1])) * 1000.0),
        sAcc=50,
        pDOP=1.0,
    )
    return message.serialize()


class UbxEmitter:
    """Sends each fix of `gnss` (a simulated receiver over the world) to `port` as UBX-NAV-PVT; onboard
    time t_s is `epoch_utc` + t_s."""

    def __init__(self, gnss: Gnss, port: ByteSink, epoch_utc: datetime):
        self._gnss = gnss
        self._port = port
        self._epoch_utc = epoch_utc
        self.sent = 0

    def step(self, t_s: float) -> bool:
        """Sample the simulated receiver; if it has a fix, send it. True if a message went out."""
        if not self._gnss.sample():
            return False
        utc = self._epoch_utc + timedelta(seconds=t_s)
        self._port.write(nav_pvt(self._gnss.r_ecef_m, self._gnss.v_ecef_m_s, utc))
        self.sent += 1
        return True
