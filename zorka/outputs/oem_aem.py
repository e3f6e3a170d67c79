"""The run's truth as CCSDS Navigation Data Messages in KVN text, for tools outside Zorka.

- `truth.oem`: Orbit Ephemeris Message (CCSDS 502.0-B-3), position km and velocity km/s, TEME, UTC.
- `truth.aem`: Attitude Ephemeris Message (CCSDS 504.0-B-2), quaternions with the scalar last.

Quaternion convention: REF_FRAME_A = TEME, REF_FRAME_B = SC_BODY_1, ATTITUDE_DIR = A2B: the
quaternion rotates frame A into frame B, so that in the standard's direction-cosine form (its
Annex, q_c the scalar part) v_B = M(q) v_A. That quaternion has the same components as Zorka's
q_ib (Hamilton, scalar last, v_i = R(q_ib) v_b), since M(q) = R(q)^T.
"""

import os
from datetime import timedelta
from pathlib import Path

import numpy as np

from native.time_scales import unix_s_from_julian_date, utc_from_julian_date

ORIGINATOR = "ZORKA"
OBJECT_NAME = "ZORKA-SAT"
OBJECT_ID = "ZORKA-1"
_MICROSECOND = timedelta(microseconds=1)
_OEM_ROW = "%s %.6f %.6f %.6f %.9f %.9f %.9f\n"
_AEM_ROW = "%s %.12f %.12f %.12f %.12f\n"
_STOP_TIME = b"STOP_TIME = "


def _utc(jd_epoch_utc: float, t_s: float) -> str:
    return utc_from_julian_date(jd_epoch_utc, round(t_s, 6)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def utc_strings(jd_epoch_utc: float, t_s: np.ndarray) -> np.ndarray:
    """`_utc` of each time at once: the instant to the microsecond as `utc_from_julian_date` rounds it,
    then truncated to the millisecond."""
    unix_s = unix_s_from_julian_date(jd_epoch_utc)
    us = [timedelta(seconds=unix_s + round(float(t), 6)) // _MICROSECOND for t in t_s]
    return np.datetime_as_string(np.array(us, dtype="datetime64[us]"), unit="ms")


def _header(kind: str, version: str, creation_utc: str) -> list[str]:
    return [
        f"CCSDS_{kind}_VERS = {version}",
        f"CREATION_DATE = {creation_utc}",
        f"ORIGINATOR = {ORIGINATOR}",
        "",
        "META_START",
        f"OBJECT_NAME = {OBJECT_NAME}",
        f"OBJECT_ID = {OBJECT_ID}",
        "CENTER_NAME = EARTH",
    ]


def _oem_header(start_utc: str, stop_utc: str, creation_utc: str) -> list[str]:
    return [
        *_header("OEM", "2.0", creation_utc),
        "REF_FRAME = TEME",
        "TIME_SYSTEM = UTC",
        f"START_TIME = {start_utc}",
        f"STOP_TIME = {stop_utc}",
        "META_STOP",
        "",
        "COMMENT Truth trajectory of a Zorka run: position km, velocity km/s",
    ]


def _aem_header(start_utc: str, stop_utc: str, creation_utc: str) -> list[str]:
    return [
        *_header("AEM", "2.0", creation_utc),
        "REF_FRAME_A = TEME",
        "REF_FRAME_B = SC_BODY_1",
        "ATTITUDE_DIR = A2B",
        "TIME_SYSTEM = UTC",
        f"START_TIME = {start_utc}",
        f"STOP_TIME = {stop_utc}",
        "ATTITUDE_TYPE = QUATERNION",
        "QUATERNION_TYPE = LAST",
        "META_STOP",
        "",
        "DATA_START",
        "COMMENT Truth attitude of a Zorka run: Q1 Q2 Q3 QC, rotating TEME into the body frame",
    ]


def _oem_rows(utc: np.ndarray, r_eci_m: np.ndarray, v_eci_m_s: np.ndarray) -> str:
    r_km, v_km_s = r_eci_m / 1e3, v_eci_m_s / 1e3
    return "".join(
        _OEM_ROW % (u, *r, *v) for u, r, v in zip(utc, r_km.tolist(), v_km_s.tolist(), strict=True)
    )


def _aem_rows(utc: np.ndarray, q_ib: np.ndarray) -> str:
    return "".join(_AEM_ROW % (u, *q) for u, q in zip(utc, q_ib.tolist(), strict=True))


class TruthFiles:
    """truth.oem and truth.aem in `out_dir`, written block by block as a run goes: opened with their
    headers at the start (STOP_TIME standing at the start until `close` writes the last row's time in its
    place, the same width), rows appended by `append`, the AEM's DATA_STOP at `close`. With `keep`
    (a resumed run: the bytes and last time of each a checkpoint counted, `state`), the files are cut to
    those bytes and appended to."""

    def __init__(self, out_dir: Path, jd_epoch_utc: float, creation_utc: str, keep: dict | None = None):
        self.jd_epoch_utc = jd_epoch_utc
        self.paths = {"oem": out_dir / "truth.oem", "aem": out_dir / "truth.aem"}
        self.last_t_s = None if keep is None else keep["last_t_s"]
        self._started = keep is not None
        self._creation_utc = creation_utc
        self._files = {}
        for kind, path in self.paths.items():
            if keep is None:
                self._files[kind] = path.open("w+b")
            else:
                handle = path.open("r+b")
                handle.truncate(keep[kind])
                handle.seek(keep[kind])
                self._files[kind] = handle

    def append(self, rows: np.ndarray) -> None:
        """Truth rows (t_s, r_eci, v_eci, q_ib, w_b), in time order after those written."""
        if len(rows) == 0:
            return
        utc = utc_strings(self.jd_epoch_utc, rows[:, 0])
        if not self._started:
            oem = _oem_header(utc[0], utc[0], self._creation_utc)
            aem = _aem_header(utc[0], utc[0], self._creation_utc)
            self._files["oem"].write(("\n".join(oem) + "\n").encode())
            self._files["aem"].write(("\n".join(aem) + "\n").encode())
            self._started = True
        self._files["oem"].write(_oem_rows(utc, rows[:, 1:4], rows[:, 4:7]).encode())
        self._files["aem"].write(_aem_rows(utc, rows[:, 7:11]).encode())
        self.last_t_s = float(rows[-1, 0])

    def state(self) -> dict:
        """The files flushed and fsynced: their bytes and the last row's time, which a checkpoint counts."""
        state: dict = {"last_t_s": self.last_t_s}
        for kind, handle in self._files.items():
            handle.flush()
            os.fsync(handle.fileno())
            state[kind] = handle.tell()
        return state

    def close(self) -> None:
        """The AEM's DATA_STOP written and each STOP_TIME set to the last row's time; the files closed."""
        if self._files["oem"].closed:
            return
        if self.last_t_s is not None:
            self._files["aem"].write(b"DATA_STOP\n")
            stop = _utc(self.jd_epoch_utc, self.last_t_s).encode()
            for handle in self._files.values():
                handle.flush()
                handle.seek(0)
                head = handle.read(4096)
                handle.seek(head.index(_STOP_TIME) + len(_STOP_TIME))
                handle.write(stop)
        for handle in self._files.values():
            handle.close()
