"""The run's truth as CCSDS Navigation Data Messages in KVN text, for tools outside Zorka.

- `truth.oem`: Orbit Ephemeris Message (CCSDS 502.0-B-3), position km and velocity km/s, TEME, UTC.
- `truth.aem`: Attitude Ephemeris Message (CCSDS 504.0-B-2), quaternions with the scalar last.

Quaternion convention: REF_FRAME_A = TEME, REF_FRAME_B = SC_BODY_1, ATTITUDE_DIR = A2B: the
quaternion rotates frame A into frame B, so that in the standard's direction-cosine form (its
Annex, q_c the scalar part) v_B = M(q) v_A. That quaternion has the same components as Zorka's
q_ib (Hamilton, scalar last, v_i = R(q_ib) v_b), since M(q) = R(q)^T.
"""

import os
from pathlib import Path

import numpy as np

from native import ffi, lib
from native.time_scales import unix_s_from_julian_date, utc_from_julian_date

ORIGINATOR = "ZORKA"
OBJECT_NAME = "ZORKA-SAT"
OBJECT_ID = "ZORKA-1"
ROW_BYTES_GUESS = 160
"""Room a data line takes at most for a spacecraft's values (an OEM line is ~120 bytes); a block that
needs more (absurd values) is formatted again with room for the longest doubles."""
ROW_BYTES_MOST = 6 * 401 + 2
"""The most a data line's values take (six of the longest doubles in "%.f"): the C formats a row only with
this much room left after its time stamp, so a buffer holds it on top of the rows' guess."""
_STOP_TIME = b"STOP_TIME = "


def _utc(jd_epoch_utc: float, t_s: float) -> str:
    return utc_from_julian_date(jd_epoch_utc, round(t_s, 6)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def utc_strings(jd_epoch_utc: float, t_s: np.ndarray) -> np.ndarray:
    """`_utc` of each time at once: the instant to the microsecond as `utc_from_julian_date` rounds it,
    then truncated to the millisecond, in numpy. round(t, 6) is the integer nearest t*1e6 over 1e6 (both
    correctly rounded) wherever the product's fraction is further from a half than its ulp (else, and
    for huge times, Python's round itself); timedelta(seconds=x) is trunc(x) s and rint(frac(x)*1e6) us,
    as CPython's timedelta splits and rounds a float (half to even)."""
    unix_s = unix_s_from_julian_date(jd_epoch_utc)
    t_s = np.asarray(t_s, dtype=np.float64)
    scaled = t_s * 1e6
    rounded_s = np.rint(scaled) / 1e6
    unsure = ~(np.abs(scaled) < 2.0**50) | (
        np.abs(scaled - np.floor(scaled) - 0.5) <= np.spacing(np.abs(scaled))
    )
    for i in np.flatnonzero(unsure):
        rounded_s[i] = round(float(t_s[i]), 6)
    fraction_s, whole_s = np.modf(unix_s + rounded_s)
    us = whole_s.astype(np.int64) * 1_000_000 + np.rint(fraction_s * 1e6).astype(np.int64)
    return np.datetime_as_string(us.astype("datetime64[us]"), unit="ms")


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


def data_lines(kind: str, rows: np.ndarray, utc: np.ndarray) -> memoryview:
    """The OEM ("oem": `utc` r_km v_km_s, "%.6f" and "%.9f") or AEM ("aem": `utc` q_ib, "%.12f") data lines
    of truth rows (t_s, r_eci m, v_eci m/s, q_ib, w_b), as Python's %-format writes them, formatted in C
    (native/record/kvn_rows.h): a day's 86,400 rows in a few tens of ms instead of ~0.5 s."""
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    stamps = np.ascontiguousarray(utc.astype("S"))
    format_rows = lib.zk_kvn_oem_rows if kind == "oem" else lib.zk_kvn_aem_rows
    for row_bytes in (ROW_BYTES_GUESS, ROW_BYTES_MOST):
        out = bytearray((len(rows) + 1) * stamps.itemsize + len(rows) * row_bytes + ROW_BYTES_MOST)
        length = format_rows(
            ffi.from_buffer("double[]", rows),
            len(rows),
            ffi.from_buffer(stamps),
            stamps.itemsize,
            ffi.from_buffer(out),
            len(out),
        )
        if length >= 0:
            return memoryview(out)[:length]
    raise AssertionError("kvn_rows: ROW_BYTES_MOST holds any line")


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
        self._files["oem"].write(data_lines("oem", rows, utc))
        self._files["aem"].write(data_lines("aem", rows, utc))
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
