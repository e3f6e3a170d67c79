"""Earth-fixed frames over arrays, through the C of native/common/earth.c: TEME to ECEF
(ECEF = R_z(GMST) TEME, IAU-82 GMST, polar motion ignored) and WGS-84 geodetic to ECEF. One C call
per row, the same numbers as the C hot path."""

import numpy as np

from native import ffi, lib, ptr


def teme_to_ecef_m(gmst_rad: np.ndarray, r_teme_m: np.ndarray) -> np.ndarray:
    """ECEF positions R_z(GMST) r (n, 3) of TEME positions r_teme_m (n, 3) at the Earth rotation angles
    gmst_rad (n)."""
    r_teme_m = np.ascontiguousarray(r_teme_m, dtype=np.float64)
    out = np.empty_like(r_teme_m)
    r_c, out_c = ptr(r_teme_m), ptr(out)
    for k, gmst in enumerate(np.asarray(gmst_rad, dtype=np.float64).tolist()):
        lib.zk_eci_to_ecef(gmst, r_c + 3 * k, ffi.NULL, out_c + 3 * k, ffi.NULL)
    return out


def geodetic_to_ecef_m(lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray) -> np.ndarray:
    """ECEF positions (n, 3) of WGS-84 geodetic points (latitude, longitude, height above the ellipsoid)."""
    lat, lon, alt = (np.asarray(x, dtype=np.float64).tolist() for x in (lat_rad, lon_rad, alt_m))
    out = np.empty((len(lat), 3))
    out_c = ptr(out)
    for k, point in enumerate(zip(lat, lon, alt, strict=True)):
        lib.zk_geodetic_to_ecef(*point, out_c + 3 * k)
    return out


def ecef_to_geodetic(r_ecef_m: np.ndarray) -> tuple[float, float, float]:
    """WGS-84 (latitude rad, longitude rad, height above the ellipsoid m) of one ECEF position."""
    out = np.empty(3)
    lib.zk_ecef_to_geodetic(ptr(np.ascontiguousarray(r_ecef_m, dtype=np.float64)), ptr(out))
    return float(out[0]), float(out[1]), float(out[2])


def ned_axes(lat_rad: float, lon_rad: float) -> np.ndarray:
    """The local north, east and down unit vectors in ECEF, as the rows of a 3 x 3 matrix: v_ned = M v_ecef
    and v_ecef = M.T v_ned."""
    sin_lat, cos_lat = np.sin(lat_rad), np.cos(lat_rad)
    sin_lon, cos_lon = np.sin(lon_rad), np.cos(lon_rad)
    return np.array(
        [
            [-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat],
            [-sin_lon, cos_lon, 0.0],
            [-cos_lat * cos_lon, -cos_lat * sin_lon, -sin_lat],
        ]
    )


def ecef_of_fix(
    lat_rad: float, lon_rad: float, height_m: float, v_ned_m_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ECEF position and velocity of a receiver's fix given as WGS-84 geodetic position and
    north-east-down velocity."""
    r_ecef_m = geodetic_to_ecef_m([lat_rad], [lon_rad], [height_m])[0]
    return r_ecef_m, ned_axes(lat_rad, lon_rad).T @ np.asarray(v_ned_m_s, dtype=float)


def fix_of_ecef(r_ecef_m: np.ndarray, v_ecef_m_s: np.ndarray) -> tuple[float, float, float, np.ndarray]:
    """A fix as a receiver reports it: WGS-84 latitude, longitude (rad), height (m) and the
    north-east-down velocity (m/s) of an ECEF position and velocity."""
    lat_rad, lon_rad, height_m = ecef_to_geodetic(r_ecef_m)
    return lat_rad, lon_rad, height_m, ned_axes(lat_rad, lon_rad) @ np.asarray(v_ecef_m_s, dtype=float)
