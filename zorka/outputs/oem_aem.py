"""The run's truth as CCSDS Navigation Data Messages in KVN text, for tools outside Zorka.

- `truth.oem`: Orbit Ephemeris Message (CCSDS 502.0-B-3), position km and velocity km/s, TEME, UTC.
- `truth.aem`: Attitude Ephemeris Message (CCSDS 504.0-B-2), quaternions with the scalar last.

Quaternion convention: REF_FRAME_A = TEME, REF_FRAME_B = SC_BODY_1, ATTITUDE_DIR = A2B: the
quaternion rotates frame A into frame B, so that in the standard's direction-cosine form (its
Annex, q_c the scalar part) v_B = M(q) v_A. That quaternion has the same components as Zorka's
q_ib (Hamilton, scalar last, v_i = R(q_ib) v_b), since M(q) = R(q)^T.
"""

from pathlib import Path

import numpy as np

from native.time_scales import utc_from_julian_date

ORIGINATOR = "ZORKA"
OBJECT_NAME = "ZORKA-SAT"
OBJECT_ID = "ZORKA-1"


def _utc(jd_epoch_utc: float, t_s: float) -> str:
    return utc_from_julian_date(jd_epoch_utc, round(t_s, 6)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


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


def write_oem(
    path: Path,
    jd_epoch_utc: float,
    t_s: np.ndarray,
    r_eci_m: np.ndarray,
    v_eci_m_s: np.ndarray,
    creation_utc: str,
) -> None:
    """Positions (m) and velocities (m/s) at seconds `t_s` after the epoch, as an OEM in km and km/s."""
    lines = _header("OEM", "2.0", creation_utc)
    lines += [
        "REF_FRAME = TEME",
        "TIME_SYSTEM = UTC",
        f"START_TIME = {_utc(jd_epoch_utc, t_s[0])}",
        f"STOP_TIME = {_utc(jd_epoch_utc, t_s[-1])}",
        "META_STOP",
        "",
        "COMMENT Truth trajectory of a Zorka run: position km, velocity km/s",
    ]
    r_km, v_km_s = r_eci_m / 1e3, v_eci_m_s / 1e3
    for t, r, v in zip(t_s, r_km, v_km_s, strict=True):
        lines.append(
            f"{_utc(jd_epoch_utc, t)} {r[0]:.6f} {r[1]:.6f} {r[2]:.6f} {v[0]:.9f} {v[1]:.9f} {v[2]:.9f}"
        )
    path.write_text("\n".join(lines) + "\n")


def write_aem(path: Path, jd_epoch_utc: float, t_s: np.ndarray, q_ib: np.ndarray, creation_utc: str) -> None:
    """Attitude quaternions q_ib ([x, y, z, w]) at seconds `t_s` after the epoch, as an AEM."""
    lines = _header("AEM", "2.0", creation_utc)
    lines += [
        "REF_FRAME_A = TEME",
        "REF_FRAME_B = SC_BODY_1",
        "ATTITUDE_DIR = A2B",
        "TIME_SYSTEM = UTC",
        f"START_TIME = {_utc(jd_epoch_utc, t_s[0])}",
        f"STOP_TIME = {_utc(jd_epoch_utc, t_s[-1])}",
        "ATTITUDE_TYPE = QUATERNION",
        "QUATERNION_TYPE = LAST",
        "META_STOP",
        "",
        "DATA_START",
        "COMMENT Truth attitude of a Zorka run: Q1 Q2 Q3 QC, rotating TEME into the body frame",
    ]
    for t, q in zip(t_s, q_ib, strict=True):
        lines.append(f"{_utc(jd_epoch_utc, t)} {q[0]:.12f} {q[1]:.12f} {q[2]:.12f} {q[3]:.12f}")
    lines.append("DATA_STOP")
    path.write_text("\n".join(lines) + "\n")
