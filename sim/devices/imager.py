"""Simulated pushbroom imager: records the truth over a capture, then judges and renders the product.

While a capture is open, `record()` (a frame hook of the mission runner, after the world's step) copies
the truth (t, r_eci, v_eci, q_ib, w_b) into a preallocated table with one C call and allocates nothing.
When the product is collected, it is computed from that table alone, independently of the flight
software's guidance:

- ground points: the rays of the detector's pixels through the actual attitude, intersected with the
  WGS-84 ellipsoid (Earth-fixed frame: ECEF = R_z(GMST) TEME);
- geolocation: the boresight's ground point at mid-capture (the actual centre) against the requested
  target, split along track (X_B on the ground) and across (Y_B);
- GSD across and along track from the range, the IFOV and the incidence on the ellipsoid;
- line time = GSD along track / ground speed of the sub-satellite point; integration time = TDI stages
  x line time;
- smear: the drift of the line of sight against the ideal rate that would hold the ground point under
  it still (the rate of the satellite-to-ground vector, the ground turning with the Earth), over the
  integration time, in pixels; the largest over the capture is the product's (a rate error about the
  boresight moves only the detector's ends, by the rate x 5 mrad of half swath, and is left out);
- verdict: the target inside the swath (detector pixels x GSD across) and inside the strip along track
  (duration x ground speed), and smear <= 0.5 px.

The quicklook lays the lines down along track at the nominal ground spacing (one line per line time),
each seen through the attitude at its time: the IMAGING mode holds the scene, and whatever the
attitude does beyond holding it moves and blurs the lines. Its texture is `sim.scene_texture`
sampled at those ground points, averaged along each line's smear on the ground (motion blur).
Product bytes: an 8-bit grayscale PNG (rows: lines in time order; columns: -Y_B to +Y_B) carrying the
metadata as JSON in a tEXt chunk keyed `METADATA_KEY` (figures that do not exist, e.g. with no ground
seen, are null).
"""

import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hal.devices import ImageProduct, Imager
from native import ffi, lib, ptr
from native.earth_model import OMEGA_EARTH_RAD_S, WGS84_A_M, WGS84_B_M
from native.time_scales import SECONDS_PER_DAY
from sim.background_render import BackgroundRender
from sim.png import grayscale_png
from sim.scene_texture import ground_reflectance
from sim.spacecraft import ImagerSpec
from sim.world import World

SMEAR_LIMIT_PX = 0.5
METADATA_KEY = "zorka-metadata"
QUICKLOOK_ROWS_MAX_PER_COLUMN = 2  # the quicklook is at most twice as long as wide
BLUR_SAMPLES_MAX = 16
INTERP_BLOCK_ROWS = 32


# The geometry below (rotations, the ray-ellipsoid intersection, the Earth's turn) is written again in
# numpy on purpose, apart from native/common/earth.c and the flight guidance it judges: a product is
# graded by an independent construction. Only the Earth's constants and GMST are shared.


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (n x 3 x 3) of scalar-last Hamilton quaternions (n x 4), normalised first."""
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], axis=-1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], axis=-1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], axis=-1),
        ],
        axis=-2,
    )


def eci_to_ecef_matrix(gmst_rad: np.ndarray) -> np.ndarray:
    """R_z(GMST) per angle (n x 3 x 3): ECEF = R_z(GMST) TEME."""
    c, s = np.cos(gmst_rad), np.sin(gmst_rad)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack(
        [np.stack([c, s, zero], -1), np.stack([-s, c, zero], -1), np.stack([zero, zero, one], -1)], -2
    )


def ellipsoid_intersection(origin_m: np.ndarray, direction: np.ndarray, height_m: float = 0.0) -> np.ndarray:
    """First point where rays (Earth-fixed origins and unit directions, broadcast rows of 3) meet the
    WGS-84 ellipsoid raised by `height_m` (semi-axes + h); NaN rows where they miss it or it is behind
    them."""
    scale = np.array([WGS84_A_M + height_m, WGS84_A_M + height_m, WGS84_B_M + height_m])
    o, d = origin_m / scale, direction / scale
    a = np.sum(d * d, axis=-1)
    b = np.sum(o * d, axis=-1)
    c = np.sum(o * o, axis=-1) - 1.0
    disc = b * b - a * c
    with np.errstate(invalid="ignore"):
        t = (-b - np.sqrt(disc)) / a
    t = np.where((disc >= 0.0) & (t > 0.0), t, np.nan)
    return origin_m + t[..., None] * direction


def ellipsoid_normal(point_ecef_m: np.ndarray) -> np.ndarray:
    """Unit outward normal (geodetic up) of the WGS-84 ellipsoid at points on it."""
    n = point_ecef_m / np.array([WGS84_A_M**2, WGS84_A_M**2, WGS84_B_M**2])
    return n / np.linalg.norm(n, axis=-1, keepdims=True)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def ground_step(range_m, los, angle_vector, normal) -> np.ndarray:
    """Ground displacement of the line of sight's point when `los` turns by `angle_vector` (a small
    rotation of the line of sight, perpendicular to it, rad): range x the turn, carried along `los`
    onto the ground plane of normal `normal`."""
    along = np.sum(angle_vector * normal, axis=-1) / np.sum(los * normal, axis=-1)
    return range_m[..., None] * (angle_vector - los * along[..., None])


def _interp_rows(t_s: np.ndarray, t_rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Linear interpolation in time of an (n, ...) array at times `t_s`, every column at once with
    np.interp's arithmetic (slope x (t - knot) + value; a knot's own value at it, the end values outside,
    NaN at a NaN time unless there is one knot, the next knot tried where that gives NaN), so the values
    are its to the bit. Blocks of `INTERP_BLOCK_ROWS` rows keep the temporaries in cache."""
    flat = values.reshape(len(t_rows), -1)
    last = len(t_rows) - 1
    if last == 0:
        return np.repeat(flat, len(t_s), axis=0).reshape((len(t_s), *values.shape[1:]))
    j = np.searchsorted(t_rows, t_s, side="right") - 1
    k = np.clip(j, 0, last - 1)
    out = np.empty((len(t_s), flat.shape[1]))
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = (flat[1:] - flat[:-1]) / (t_rows[1:] - t_rows[:-1])[:, None]
        for first in range(0, len(t_s), INTERP_BLOCK_ROWS):
            rows = slice(first, first + INTERP_BLOCK_ROWS)
            kb, block = k[rows], out[rows]
            np.multiply(slopes[kb], (t_s[rows] - t_rows[kb])[:, None], out=block)
            block += flat[kb]
            missing = np.isnan(block)
            if missing.any():
                block[missing] = (slopes[kb] * (t_s[rows] - t_rows[kb + 1])[:, None] + flat[kb + 1])[missing]
                level = np.isnan(block) & (flat[kb] == flat[kb + 1])
                block[level] = flat[kb][level]
    at_knot = t_s == t_rows[k]
    out[at_knot] = flat[k[at_knot]]
    out[j < 0] = flat[0]
    out[j >= last] = flat[last]
    out[np.isnan(t_s)] = np.nan
    return out.reshape((len(t_s), *values.shape[1:]))


def _geodetic_deg(point_ecef_m: np.ndarray) -> tuple[float, float, float]:
    out = np.zeros(3)
    lib.zk_ecef_to_geodetic(ptr(np.ascontiguousarray(point_ecef_m, dtype=float)), ptr(out))
    return math.degrees(out[0]), math.degrees(out[1]), float(out[2])


@dataclass(frozen=True)
class FrameGeometry:
    """Per recorded frame, in Earth-fixed axes: time, body-to-ECEF rotation, satellite
    position and velocity, the boresight's ground point (NaN off the Earth) and the drift of the line of
    sight against the ideal rate that holds that point still (rad/s, a rotation vector)."""

    t_s: np.ndarray
    body_to_ecef: np.ndarray
    r_ecef: np.ndarray
    v_ecef: np.ndarray
    ground: np.ndarray
    drift_ecef_rad_s: np.ndarray


def frame_geometry(
    truth: np.ndarray, jd_epoch_utc: float, scan_ecef_m_s: np.ndarray | None = None
) -> FrameGeometry:
    """The geometry of truth rows (t_s, r_eci, v_eci, q_ib, w_b) from the world's UTC epoch; a strip's
    scan moves the ideal ground point at `scan_ecef_m_s` over the Earth."""
    t_s = truth[:, 0]
    gmst = np.array([lib.zk_gmst(jd_epoch_utc + t / SECONDS_PER_DAY) for t in t_s])
    to_ecef = eci_to_ecef_matrix(gmst)
    attitude = quat_to_matrix(truth[:, 7:11])  # body to inertial
    r_eci, v_eci, w_b = truth[:, 1:4], truth[:, 4:7], truth[:, 11:14]
    r_ecef = np.einsum("nij,nj->ni", to_ecef, r_eci)
    body_to_ecef = to_ecef @ attitude
    ground = ellipsoid_intersection(r_ecef, body_to_ecef[:, :, 2])  # along +Z_B, the boresight
    # the ideal rate: that of the satellite-to-ground vector, the ground point turning with the Earth
    earth_rate = np.array([0.0, 0.0, OMEGA_EARTH_RAD_S])
    ground_eci = np.einsum("nji,nj->ni", to_ecef, ground)
    rho = ground_eci - r_eci
    ground_v_eci = np.cross(earth_rate, ground_eci)
    if scan_ecef_m_s is not None:
        ground_v_eci = ground_v_eci + np.einsum("nji,j->ni", to_ecef, scan_ecef_m_s)
    w_ideal_i = np.cross(rho, ground_v_eci - v_eci) / np.sum(rho * rho, -1, keepdims=True)
    w_body_i = np.einsum("nij,nj->ni", attitude, w_b)
    drift_i = np.cross(w_body_i - w_ideal_i, _unit(rho))  # how fast the line of sight leaves its point
    return FrameGeometry(
        t_s=t_s,
        body_to_ecef=body_to_ecef,
        r_ecef=r_ecef,
        v_ecef=np.einsum("nij,nj->ni", to_ecef, v_eci) - np.cross(earth_rate, r_ecef),
        ground=ground,
        drift_ecef_rad_s=np.einsum("nij,nj->ni", to_ecef, drift_i),
    )


def capture_product(
    truth: np.ndarray,
    jd_epoch_utc: float,
    spec: ImagerSpec,
    request_id: str,
    target: tuple[float, float, float],
    strip_end: tuple[float, float] | None = None,
    duration_s: float = 0.0,
) -> ImageProduct:
    """The product of a capture from its truth rows (t_s, r_eci, v_eci, q_ib, w_b; at least one) and the
    requested target (lat_rad, lon_rad, alt_m) — or strip, from it to `strip_end` scanned over
    `duration_s`, judged at its midpoint with lines laid at the scan's speed: metadata and quicklook, as
    the module describes."""
    scan_ecef_m_s = None
    if strip_end is not None and duration_s > 0.0:
        start_ecef, end_ecef = np.zeros(3), np.zeros(3)
        lib.zk_geodetic_to_ecef(target[0], target[1], target[2], ptr(start_ecef))
        lib.zk_geodetic_to_ecef(strip_end[0], strip_end[1], target[2], ptr(end_ecef))
        scan_ecef_m_s = (end_ecef - start_ecef) / duration_s
        middle = np.zeros(3)
        lib.zk_ecef_to_geodetic(ptr(0.5 * (start_ecef + end_ecef)), ptr(middle))
        target = (float(middle[0]), float(middle[1]), target[2])
    geo = frame_geometry(truth, jd_epoch_utc, scan_ecef_m_s)
    t_s, ground = geo.t_s, geo.ground
    drift_rad_s = np.linalg.norm(geo.drift_ecef_rad_s, axis=-1)

    # geometry at mid-capture
    t_mid = 0.5 * (t_s[0] + t_s[-1])
    mid = {
        name: _interp_rows(np.array([t_mid]), t_s, value)[0]
        for name, value in (
            ("ground", ground),
            ("r_ecef", geo.r_ecef),
            ("body_to_ecef", geo.body_to_ecef),
            ("v_ecef", geo.v_ecef),
        )
    }
    sees_earth = bool(np.all(np.isfinite(ground)))
    centre = mid["ground"]
    x_ecef, y_ecef, los_mid = (_unit(mid["body_to_ecef"][:, k]) for k in range(3))
    r_mid = mid["r_ecef"]
    range_mid = float(np.linalg.norm(centre - r_mid))
    n_mid = ellipsoid_normal(centre)
    off_nadir = math.acos(float(np.clip(-los_mid @ _unit(r_mid), -1.0, 1.0)))
    incidence = math.acos(float(np.clip(-los_mid @ n_mid, -1.0, 1.0)))
    ifov = spec.ifov_rad
    gsd_cross = float(np.linalg.norm(ground_step(np.array(range_mid), los_mid, ifov * y_ecef, n_mid)))
    gsd_along = float(np.linalg.norm(ground_step(np.array(range_mid), los_mid, ifov * x_ecef, n_mid)))
    up_sat = _unit(r_mid)
    v_horizontal = mid["v_ecef"] - (mid["v_ecef"] @ up_sat) * up_sat
    ground_speed = (
        float(np.linalg.norm(v_horizontal)) * float(np.linalg.norm(centre)) / float(np.linalg.norm(r_mid))
    )
    if scan_ecef_m_s is not None:  # the scan, not the orbit, sweeps the lines over the ground
        ground_speed = float(np.linalg.norm(scan_ecef_m_s))
    line_time = gsd_along / ground_speed
    integration = spec.tdi_stages * line_time
    smear_px = drift_rad_s * integration / ifov
    duration = float(t_s[-1] - t_s[0])
    swath = spec.detector_pixels * gsd_cross
    strip = max(duration, line_time) * ground_speed

    target_ecef = np.zeros(3)
    lib.zk_geodetic_to_ecef(target[0], target[1], target[2], ptr(target_ecef))
    n_target = ellipsoid_normal(target_ecef)
    along_hat = _unit(x_ecef - (x_ecef @ n_target) * n_target)
    cross_hat = y_ecef - (y_ecef @ n_target) * n_target - (y_ecef @ along_hat) * along_hat
    cross_hat = _unit(cross_hat)
    footprint = _true_footprint(spec, geo, t_mid, mid, target[2]) if sees_earth else None
    # at the target's height: a centre on the ellipsoid put a target 220 m up ~200 m off at 40 deg off nadir
    error = np.array(footprint["ecef_m"]) - target_ecef if footprint else centre - target_ecef
    along_err, cross_err = float(error @ along_hat), float(error @ cross_hat)
    inside_swath = sees_earth and abs(cross_err) <= 0.5 * swath
    inside_strip = sees_earth and abs(along_err) <= 0.5 * strip
    smear_max = float(np.max(smear_px)) if sees_earth else math.inf
    failures = [
        reason
        for reason, failed in (
            ("the line of sight leaves the Earth", not sees_earth),
            ("target outside the swath", sees_earth and not inside_swath),
            ("target outside the strip", sees_earth and not inside_strip),
            ("smear above 0.5 px", smear_max > SMEAR_LIMIT_PX),
        )
        if failed
    ]
    centre_lat, centre_lon, _ = _geodetic_deg(centre) if sees_earth else (math.nan, math.nan, math.nan)
    metadata = {
        "request_id": request_id,
        "t_start_s": float(t_s[0]),
        "t_end_s": float(t_s[-1]),
        "duration_s": duration,
        "frames": len(t_s),
        "requested_lat_deg": math.degrees(target[0]),
        "requested_lon_deg": math.degrees(target[1]),
        "requested_alt_m": target[2],
        "centre_lat_deg": centre_lat,
        "centre_lon_deg": centre_lon,
        "targeting_error_m": float(np.linalg.norm(error)),
        "true_footprint": footprint,
        "along_track_error_m": along_err,
        "cross_track_error_m": cross_err,
        "off_nadir_deg": math.degrees(off_nadir),
        "incidence_deg": math.degrees(incidence),
        "range_m": range_mid,
        "gsd_cross_m": gsd_cross,
        "gsd_along_m": gsd_along,
        "swath_m": swath,
        "strip_m": strip,
        "ground_speed_m_s": ground_speed,
        "line_time_s": line_time,
        "integration_time_s": integration,
        "tdi_stages": spec.tdi_stages,
        "ifov_rad": ifov,
        "smear_px": smear_max,
        "smear_px_mean": float(np.mean(smear_px)) if sees_earth else math.inf,
        "rate_error_deg_s": math.degrees(float(np.max(drift_rad_s))) if sees_earth else math.inf,
        "inside_swath": inside_swath,
        "inside_strip": inside_strip,
        "quality_ok": not failures,
        "failures": failures,
    }
    if not sees_earth:
        image = np.zeros((1, spec.quicklook_px), dtype=np.uint8)
        metadata.update(quicklook_width=spec.quicklook_px, quicklook_height=1)
    else:
        image = _quicklook(spec, geo, metadata, t_mid, along_hat)
    metadata = {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in metadata.items()}
    data = grayscale_png(image, {METADATA_KEY: json.dumps(metadata, sort_keys=True, allow_nan=False)})
    return ImageProduct(request_id, data, metadata)


def _true_footprint(
    spec: ImagerSpec, geo: FrameGeometry, t_mid: float, mid: dict, height_m: float
) -> dict | None:
    """Where the capture truly fell, at the target's height: the boresight's point at mid-capture (its
    ECEF too), the detector's end pixels at the first and last frame (start -Y_B, start +Y_B, end +Y_B,
    end -Y_B) as (lat_deg, lon_deg, height_m), and the true position and boresight at mid-capture."""
    los_mid = _unit(mid["body_to_ecef"][:, 2])
    centre = ellipsoid_intersection(mid["r_ecef"], los_mid, height_m)
    half = 0.5 * spec.detector_pixels * spec.ifov_rad
    ends_b = [np.array([0.0, side * math.sin(half), math.cos(half)]) for side in (-1.0, 1.0)]
    corners = [
        ellipsoid_intersection(geo.r_ecef[k], geo.body_to_ecef[k] @ ends_b[e], height_m)
        for k, e in ((0, 0), (0, 1), (-1, 1), (-1, 0))
    ]
    if not all(np.all(np.isfinite(p)) for p in [centre, *corners]):
        return None
    return {
        "t_mid_s": t_mid,
        "centre": list(_geodetic_deg(centre)),
        "corners": [list(_geodetic_deg(c)) for c in corners],
        "ecef_m": centre.tolist(),
        "r_ecef_m": mid["r_ecef"].tolist(),
        "boresight_ecef": los_mid.tolist(),
    }


def _quicklook(
    spec: ImagerSpec, geo: FrameGeometry, metadata: dict, t_mid: float, along_hat: np.ndarray
) -> np.ndarray:
    """The quicklook (rows x quicklook_px, uint8) from the capture's geometry and figures; adds its size
    and pixel sizes to `metadata`."""
    swath_m, strip_m = metadata["swath_m"], metadata["strip_m"]
    t_s = geo.t_s
    cols = spec.quicklook_px
    pixel_m = swath_m / cols
    rows = int(np.clip(round(strip_m / pixel_m), 1, QUICKLOOK_ROWS_MAX_PER_COLUMN * cols))
    half_angle = 0.5 * spec.detector_pixels * spec.ifov_rad
    angles = ((np.arange(cols) + 0.5) / cols * 2.0 - 1.0) * half_angle
    pixel_b = np.stack([np.zeros(cols), np.sin(angles), np.cos(angles)], axis=-1)
    pixel_dirs = np.einsum("nij,mj->nmi", geo.body_to_ecef, pixel_b)  # frames x columns x 3
    points = ellipsoid_intersection(geo.r_ecef[:, None, :], pixel_dirs)
    # smear on the ground per frame: the line of sight's drift over the integration, carried to the ground
    blur = ground_step(
        np.linalg.norm(geo.ground - geo.r_ecef, axis=-1),
        geo.body_to_ecef[:, :, 2],
        geo.drift_ecef_rad_s * metadata["integration_time_s"],
        ellipsoid_normal(geo.ground),
    )
    t_rows = t_s[0] + (np.arange(rows) + 0.5) / rows * (t_s[-1] - t_s[0])
    line_points = _interp_rows(t_rows, t_s, points)
    line_points += ((t_rows - t_mid) * metadata["ground_speed_m_s"])[:, None, None] * along_hat
    line_blur = _interp_rows(t_rows, t_s, blur)
    blur_px = float(np.max(np.linalg.norm(line_blur, axis=-1))) / pixel_m
    samples = int(min(BLUR_SAMPLES_MAX, 1 + 2.0 * blur_px))  # 1 only with a finite blur
    if samples == 1:
        reflectance = ground_reflectance(line_points, pixel_m)
    else:
        reflectance = np.zeros((rows, cols))
        for s in np.linspace(-0.5, 0.5, samples):
            reflectance += ground_reflectance(line_points + s * line_blur[:, None, :], pixel_m)
        reflectance /= samples
    np.nan_to_num(reflectance, copy=False)
    metadata.update(
        quicklook_width=cols,
        quicklook_height=rows,
        quicklook_pixel_cross_m=pixel_m,
        quicklook_pixel_along_m=strip_m / rows,
    )
    np.clip(reflectance, 0.0, 1.0, out=reflectance)
    reflectance *= 255.0
    return np.round(reflectance, out=reflectance).astype(np.uint8)


class SimImager(Imager):
    """A pushbroom imager over the world's truth (sim.world.World, or a board's truth mirror: whatever
    holds the truth in a `zk_world` struct `c`); `frame_s` sizes the truth table for the longest capture.
    The runner calls `record()` once a frame, after the world's step (a board, at each `sim.truth`)."""

    def __init__(self, world: World, spec: ImagerSpec, frame_s: float):
        if not (spec.focal_length_m > 0.0 and spec.pixel_pitch_m > 0.0):
            raise ValueError("ImagerSpec: focal_length_m and pixel_pitch_m must be > 0")
        if not (spec.detector_pixels >= 1 and spec.tdi_stages >= 1 and spec.quicklook_px >= 1):
            raise ValueError("ImagerSpec: detector_pixels, tdi_stages and quicklook_px must be >= 1")
        if not (math.isfinite(spec.capture_max_s) and spec.capture_max_s > 0.0 and frame_s > 0.0):
            raise ValueError("ImagerSpec.capture_max_s and the frame must be finite and > 0")
        self.spec = spec
        self._world_c = world.c
        capacity = math.ceil(spec.capture_max_s / frame_s) + 2
        self._truth = np.zeros((capacity, lib.ZK_TRUTH_COLUMNS))
        self._rec = ffi.new("zk_run_record *")
        self._rec.truth = ptr(self._truth.reshape(-1))
        self._rec.truth_capacity = capacity
        self._rec.truth_every = 1
        self._frame_s = frame_s
        self._state = Imager.IDLE
        self._t_end_s = 0.0
        self._request_id = ""
        self._target = (0.0, 0.0, 0.0)
        self._strip_end: tuple[float, float] | None = None
        self._duration_s = 0.0
        self.status = np.zeros(len(Imager.STATUS))
        self.render_in_background = False
        self._rendering: BackgroundRender | None = None
        self.captures: list[tuple[str, float, float, tuple[float, float, float], bool]] = []
        """Every capture taken: request id, first and last truth time, target (lat_rad, lon_rad, alt_m) and
        whether it was a strip."""

    def start(
        self,
        request_id: str,
        duration_s: float,
        lat_rad: float,
        lon_rad: float,
        alt_m: float = 0.0,
        strip_end: tuple[float, float] | None = None,
    ) -> bool:
        if self._state != Imager.IDLE or not 0.0 < duration_s <= self.spec.capture_max_s:
            return False
        self._request_id = request_id
        self._target = (float(lat_rad), float(lon_rad), float(alt_m))
        self._strip_end = strip_end
        self._duration_s = duration_s
        self._rec.truth_n = 0
        self._t_end_s = self._world_c.t_s + duration_s - 0.5 * self._frame_s
        self._state = Imager.CAPTURING
        lib.zk_run_record_tick(self._rec, self._world_c)  # the truth at the start
        return True

    def record(self) -> None:
        """The truth of this frame into the table while capturing; the capture closes at its end."""
        if self._state != Imager.CAPTURING:
            return
        lib.zk_run_record_tick(self._rec, self._world_c)
        if self._world_c.t_s >= self._t_end_s:
            self._state = Imager.READY

    def stop(self) -> bool:
        if self._state != Imager.CAPTURING:
            return False
        self._state = Imager.READY
        return True

    def sample(self) -> bool:
        """Also closes a capture whose time is up, should `record` not have run (no frame hook)."""
        if self._state == Imager.CAPTURING and self._world_c.t_s >= self._t_end_s:
            self._state = Imager.READY
        n = self._rec.truth_n
        self.status[0] = self._state
        self.status[1] = self._truth[n - 1, 0] - self._truth[0, 0] if n > 0 else 0.0
        self.status[2] = n
        return True

    def collect(self) -> ImageProduct | None:
        """The product, rendered now; with `render_in_background` (set by real-time runs, where a render
        of ~0.2 s would overrun its frame) rendered on a thread, and None until it is done, as an imager
        board hands a product over once its transfer is done."""
        if self._rendering is not None:
            if not self._rendering.done():
                return None
            rendering, self._rendering = self._rendering, None
            return rendering.result()
        render = self.collect_later()
        if render is None:
            return None
        if not self.render_in_background:
            return render()
        self._rendering = BackgroundRender(render)
        return None

    def collect_later(self) -> Callable[[], ImageProduct] | None:
        """`collect` in two halves: the ready capture is taken now (the imager is idle at once) and the
        returned call renders its product later, on any thread (a board renders while it answers)."""
        if self._state != Imager.READY:
            return None
        self._state = Imager.IDLE
        truth = self._truth[: self._rec.truth_n].copy()
        self.captures.append(
            (
                self._request_id,
                float(truth[0, 0]),
                float(truth[-1, 0]),
                self._target,
                self._strip_end is not None,
            )
        )
        return functools.partial(
            capture_product,
            truth,
            self._world_c.jd_epoch_utc,
            self.spec,
            self._request_id,
            self._target,
            self._strip_end,
            self._duration_s,
        )
