"""GNSS receivers on a serial port, speaking u-blox UBX (hal/ubx_gnss.py) or NMEA 0183 with PUBX,00
(hal/nmea_gnss.py), fed by the simulator's output in the same protocol (sim/gnss_output.py) over a real
pseudo-terminal opened by pyserial: every simulated fix arrives to the protocol's resolution
(centimetres and mm/s, against the receiver's 5 m and 5 cm/s noise), and what is not a valid fix is
counted, never raised."""

import os
import select
import time
import tty
from datetime import UTC, datetime

import numpy as np
import pytest
import serial
from hypothesis import given, settings
from hypothesis import strategies as st
from pynmeagps import GET as NMEA_GET
from pynmeagps import NMEAMessage
from pyubx2 import GET, UBXMessage

from hal.nmea_gnss import NmeaGnss
from hal.ubx_gnss import UbxGnss
from native import lib
from sim.gnss_output import GnssOutput, nav_pvt, nmea_fix
from zorka.run.assembly import FRAME_S, build_world, simulated_devices
from zorka.scenario.model import DEFAULT_SCENARIO

EPOCH = datetime(2026, 6, 21, tzinfo=UTC)
R_ECEF_M = np.array([-2670198.861, -6331211.290, 15113.44])
V_ECEF_M_S = np.array([-904.531937, 381.487845, 7556.726264])
POSITION_TOL_M = 0.03  # UBX: 1e-7 deg (1.1 cm at the ground), NMEA: 1e-5 arcmin (1.9 cm); height 1 mm
VELOCITY_TOL_M_S = 0.002  # UBX: 1 mm/s per NED component; NMEA: 1e-4 km/h, 1e-6 deg of course, 1 mm/s down
RECEIVERS = {"ubx": (UbxGnss, nav_pvt), "nmea": (NmeaGnss, nmea_fix)}


class Bytes:
    """A port that hands out `data` in reads of at most `chunk` bytes."""

    def __init__(self, data: bytes, chunk: int = 4096):
        self.data, self.chunk = data, chunk

    def read(self, size: int) -> bytes:
        taken, self.data = self.data[: min(size, self.chunk)], self.data[min(size, self.chunk) :]
        return taken


@pytest.fixture
def pty_pair():
    """(writer fd of the receiver's side, pyserial port reading it), raw mode before any byte."""
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    port = serial.Serial(os.ttyname(slave), timeout=0)
    yield master, port
    port.close()
    os.close(slave)
    os.close(master)


class FdSink:
    def __init__(self, fd: int):
        self.fd = fd

    def write(self, data: bytes) -> int:
        return os.write(self.fd, data)


@pytest.mark.parametrize("protocol", RECEIVERS)
def test_a_fix_survives_the_round_trip_to_the_protocols_resolution(protocol):
    receiver, encode = RECEIVERS[protocol]
    gnss = receiver(Bytes(encode(R_ECEF_M, V_ECEF_M_S, EPOCH)))
    assert gnss.sample()
    assert np.linalg.norm(gnss.r_ecef_m - R_ECEF_M) < POSITION_TOL_M
    assert np.linalg.norm(gnss.v_ecef_m_s - V_ECEF_M_S) < VELOCITY_TOL_M_S
    assert gnss.counts["fixes"] == 1


@pytest.mark.parametrize("protocol", RECEIVERS)
def test_every_simulated_fix_of_ten_minutes_arrives_over_a_pty(pty_pair, protocol):
    """The default world at 10 Hz for 600 s; the simulated receiver's fixes (1 Hz, 5 m noise) go out in
    the protocol on the pty and are read back each frame by the hal driver, to its resolution."""
    master, port = pty_pair
    world = build_world(DEFAULT_SCENARIO)
    simulated = simulated_devices(world, DEFAULT_SCENARIO).gnss
    emitter = GnssOutput(simulated, FdSink(master), EPOCH, protocol)
    receiver = RECEIVERS[protocol][0](port)
    worst_r_m = worst_v_m_s = 0.0
    fixes = 0
    for frame in range(1, 6001):
        lib.zk_world_step_to(world.c, frame * FRAME_S)
        sent = emitter.step(world.t_s)
        if sent:
            deadline_s = time.monotonic() + 1.0  # a pty passes bytes through kernel buffers, not at once
            while port.in_waiting < sent and time.monotonic() < deadline_s:
                select.select([port.fileno()], [], [], 0.01)
            assert receiver.sample(), f"the fix sent at frame {frame} did not arrive"
            fixes += 1
            worst_r_m = max(worst_r_m, float(np.linalg.norm(receiver.r_ecef_m - simulated.r_ecef_m)))
            worst_v_m_s = max(worst_v_m_s, float(np.linalg.norm(receiver.v_ecef_m_s - simulated.v_ecef_m_s)))
    assert fixes == emitter.sent > 400  # 1 Hz, less an outage of the simulated receiver
    assert worst_r_m < POSITION_TOL_M and worst_v_m_s < VELOCITY_TOL_M_S
    assert receiver.counts["fixes"] == fixes and receiver.counts["bytes_skipped"] == 0


def test_what_is_not_a_valid_ubx_fix_is_counted_and_the_next_fix_still_taken():
    good = nav_pvt(R_ECEF_M, V_ECEF_M_S, EPOCH)
    bad_checksum = good[:-1] + bytes([good[-1] ^ 0xFF])
    no_fix = UBXMessage("NAV", "NAV-PVT", GET, fixType=0, gnssFixOk=0).serialize()
    other = UBXMessage("NAV", "NAV-STATUS", GET, gpsFix=3).serialize()
    stream = b"\x00\xb5noise" + bad_checksum + no_fix + other + good
    gnss = UbxGnss(Bytes(stream, chunk=7))
    fixed = [gnss.sample() for _ in range(len(stream) // 7 + 2)]
    assert sum(fixed) == 1 and fixed[-1] is False
    assert gnss.counts["bad_checksum"] == 1 and gnss.counts["no_fix"] == 1 and gnss.counts["other"] == 1
    assert gnss.counts["fixes"] == 1 and gnss.counts["bytes_skipped"] == 7
    assert np.linalg.norm(gnss.r_ecef_m - R_ECEF_M) < POSITION_TOL_M


def test_what_is_not_a_valid_nmea_fix_is_counted_and_the_next_fix_still_taken():
    good = nmea_fix(R_ECEF_M, V_ECEF_M_S, EPOCH)
    gga, pubx = good.split(b"\r\n")[:2]
    bad_checksum = pubx[:-1] + (b"0" if pubx[-1:] != b"0" else b"1") + b"\r\n"
    no_fix = NMEAMessage("P", "UBX", NMEA_GET, msgId="00", navStat="NF").serialize()
    stream = b"noise without a dollar\r\n" + bad_checksum + gga + b"\r\n" + no_fix + good
    gnss = NmeaGnss(Bytes(stream, chunk=9))
    fixed = [gnss.sample() for _ in range(len(stream) // 9 + 2)]
    assert sum(fixed) == 1
    assert gnss.counts["unparsed"] == 2 and gnss.counts["other"] == 2 and gnss.counts["no_fix"] == 1
    assert gnss.counts["fixes"] == 1
    assert np.linalg.norm(gnss.r_ecef_m - R_ECEF_M) < POSITION_TOL_M


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(RECEIVERS)), st.binary(max_size=3000), st.integers(1, 64))
def test_arbitrary_bytes_never_raise(protocol, noise, chunk):
    receiver, encode = RECEIVERS[protocol]
    gnss = receiver(Bytes(noise + encode(R_ECEF_M, V_ECEF_M_S, EPOCH), chunk=chunk))
    for _ in range(len(noise) // chunk + 200):
        gnss.sample()
    assert sum(gnss.counts.values()) >= 1
    assert np.all(np.isfinite(gnss.r_ecef_m)) and np.all(np.isfinite(gnss.v_ecef_m_s))
