"""The simulated pushbroom imager against closed forms, over a world whose attitude the test sets.

Each frame the world steps, then the test puts the truth attitude on the ideal target-tracking profile
(zk_guidance_target of the truth orbit), optionally turned by a fixed bias or given a constant rate
error, and the imager records it. Tolerances are physical and stated where they are asserted.
"""

import json
import math
import struct
import sys
import time
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.devices import Imager
from native import ffi, lib, ptr
from native.time_scales import julian_date, parse_utc
from sim import orbit
from sim.devices.imager import METADATA_KEY, SimImager, _interp_rows
from sim.png import grayscale_png
from sim.spacecraft import DEFAULT_SPACECRAFT, ImagerSpec
from sim.world import Environment, World

FRAME_S = 0.1
DEG = math.pi / 180.0
SPEC = DEFAULT_SPACECRAFT.imager
ALTITUDE_M = 500e3
QUIET = Environment(False, False, False, False)  # the orbit then does not depend on the attitude


# --- a PNG reader written here, independently of sim.png ---------------------------------------------


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def read_png(data: bytes) -> tuple[np.ndarray, dict[str, str]]:
    """8-bit grayscale PNG to (pixels, tEXt entries): chunks and CRCs checked, filters 0-4 undone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, text, header = 8, b"", {}, None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind}"
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"tEXt":
            key, value = body.split(b"\0", 1)
            text[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    assert (depth, colour, interlace) == (8, 0, 0)
    raw = zlib.decompress(idat)
    out = np.zeros((height, width), dtype=np.uint8)
    previous = [0] * width
    for row in range(height):
        line = raw[row * (width + 1) : (row + 1) * (width + 1)]
        kind, current = line[0], list(line[1:])
        for i in range(width):
            a, b, c = (current[i - 1] if i else 0), previous[i], (previous[i - 1] if i else 0)
            predictor = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
            current[i] = (current[i] + predictor) & 0xFF
        out[row] = current
        previous = current
    return out, text


def test_png_round_trips_through_an_independent_reader():
    image = np.random.default_rng(3).integers(0, 256, size=(37, 53), dtype=np.uint8)
    pixels, text = read_png(grayscale_png(image, {"Comment": "zorka"}))
    assert np.array_equal(pixels, image)
    assert text == {"Comment": "zorka"}
    with pytest.raises(ValueError):
        grayscale_png(np.zeros((2, 2)))


# --- the quicklook's interpolation in time: np.interp's values, all columns at once ------------------


def interp_by_column(t_s: np.ndarray, t_rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    flat = values.reshape(len(t_rows), -1)
    out = np.stack([np.interp(t_s, t_rows, flat[:, k]) for k in range(flat.shape[1])], axis=-1)
    return out.reshape((len(t_s), *values.shape[1:]))


def test_rows_are_interpolated_as_np_interp_does_column_by_column():
    """A quicklook's case: 61 frames of 256 x 3 ground points, 512 lines, some columns off the Earth."""
    rng = np.random.default_rng(6)
    t_rows = 1000.0 + np.arange(61) * 0.1
    values = rng.normal(size=(61, 256, 3)) * 6e6
    values[:, :5] = np.nan
    values[20:, 7, 1] = np.nan
    t_s = t_rows[0] + (np.arange(512) + 0.5) / 512 * (t_rows[-1] - t_rows[0])
    t_s[::50] = t_rows[::5][: len(t_s[::50])]  # some lines at frames
    ours = _interp_rows(t_s, t_rows, values)
    assert ours.shape == (512, 256, 3)
    assert np.array_equal(ours, interp_by_column(t_s, t_rows, values), equal_nan=True)


finite_or_not = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_rows_knots_and_times_interpolate_as_np_interp(data):
    t_rows = np.array(sorted(data.draw(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=6, unique=True))))
    values = np.array(data.draw(st.lists(finite_or_not, min_size=2 * len(t_rows), max_size=2 * len(t_rows))))
    values = values.reshape(len(t_rows), 2)
    times = st.one_of(st.sampled_from(list(t_rows)), st.floats(-2e3, 2e3), finite_or_not)
    t_s = np.array(data.draw(st.lists(times, min_size=1, max_size=80)))  # blocks of 32 rows
    with np.errstate(all="ignore"):
        assert np.array_equal(
            _interp_rows(t_s, t_rows, values), interp_by_column(t_s, t_rows, values), equal_nan=True
        )


# --- a world flown on the ideal tracking profile -----------------------------------------------------


def new_world() -> World:
    jd = julian_date(parse_utc("2026-06-21T00:00:00Z"))
    a_m = orbit.R_EARTH_M + ALTITUDE_M
    r, v = orbit.state_from_elements(
        a_m, 0.0, orbit.sun_synchronous_inclination(a_m), orbit.raan_for_ltan(jd, 22.5), 0.0, 0.6
    )
    q, w = np.zeros(4), np.zeros(3)
    lib.zk_nadir_reference(ptr(r), ptr(v), ptr(q), ptr(w))
    return World(DEFAULT_SPACECRAFT, jd, r, v, q, np.zeros(3), environment=QUIET)


def state_after(frames: int) -> tuple[np.ndarray, np.ndarray, float]:
    """r_eci, v_eci and GMST after `frames` frames of the (attitude-independent) orbit."""
    world = new_world()
    for _ in range(frames):
        world.step(FRAME_S)
    return world.r_eci.copy(), world.v_eci.copy(), world.c.gmst_rad


def target_seen(frames: int, off_nadir_deg: float) -> tuple[float, float]:
    """Geodetic (lat, lon) of the ground point `off_nadir_deg` across track (towards r x v) after `frames`."""
    r, v, gmst = state_after(frames)
    cross = np.cross(r, v) / np.linalg.norm(np.cross(r, v))
    look = -math.cos(off_nadir_deg * DEG) * r / np.linalg.norm(r) + math.sin(off_nadir_deg * DEG) * cross
    lo, hi = 0.0, np.linalg.norm(r)  # bisect for the ellipsoid along the look
    geodetic, ecef = np.zeros(3), np.zeros(3)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lib.zk_eci_to_ecef(gmst, ptr(r + mid * look), ffi.NULL, ptr(ecef), ffi.NULL)
        lib.zk_ecef_to_geodetic(ptr(ecef), ptr(geodetic))
        lo, hi = (mid, hi) if geodetic[2] > 0.0 else (lo, mid)
    return geodetic[0], geodetic[1]


def fly(
    target: tuple[float, float],
    start_frame: int,
    duration_s: float,
    bias_b_rad=(0.0, 0.0, 0.0),
    rate_error_b_rad_s=(0.0, 0.0, 0.0),
    spec: ImagerSpec = SPEC,
) -> tuple[dict, np.ndarray]:
    """Capture `target` from `start_frame` for `duration_s`, the attitude on the ideal tracking profile
    turned by the body rotation vector `bias_b_rad`, the body rate off it by `rate_error_b_rad_s`; the
    product's metadata and quicklook."""
    world = new_world()
    imager = SimImager(world, spec, FRAME_S)
    ideal, tgt = ffi.new("zk_reference *"), ffi.new("zk_target *")
    lib.zk_target_set(tgt, target[0], target[1], 0.0)
    forces = ffi.addressof(world.c, "forces")
    bias, q = np.zeros(4), np.zeros(4)
    lib.zk_quat_from_rotvec(ptr(np.asarray(bias_b_rad, dtype=float)), ptr(bias))
    w_ref, w_b = np.zeros(3), np.zeros(3)

    def put_attitude():
        lib.zk_guidance_target(tgt, forces, world.c.gmst_rad, ptr(world.r_eci), ptr(world.v_eci), ideal)
        lib.zk_quat_mul(ptr(np.array(list(ideal.q_ib))), ptr(bias), ptr(q))
        world.q_ib[:] = q
        w_ref[:] = list(ideal.w_r)
        lib.zk_quat_rotate_inv(ptr(bias), ptr(w_ref), ptr(w_b))
        world.w_b[:] = w_b + np.asarray(rate_error_b_rad_s)

    for _ in range(start_frame):
        world.step(FRAME_S)
    put_attitude()
    assert imager.start("R1", duration_s, target[0], target[1])
    while imager.sample() and imager.state == Imager.CAPTURING:
        world.step(FRAME_S)
        put_attitude()
        imager.record()
    product = imager.collect()
    pixels, text = read_png(product.data)
    assert json.loads(text[METADATA_KEY]) == json.loads(json.dumps(product.metadata))
    assert pixels.shape == (product.metadata["quicklook_height"], product.metadata["quicklook_width"])
    return product.metadata, pixels


def geodetic_altitude_m(r_eci: np.ndarray, gmst: float) -> float:
    ecef, geodetic = np.zeros(3), np.zeros(3)
    lib.zk_eci_to_ecef(gmst, ptr(r_eci), ffi.NULL, ptr(ecef), ffi.NULL)
    lib.zk_ecef_to_geodetic(ptr(ecef), ptr(geodetic))
    return geodetic[2]


def test_gsd_at_nadir_is_altitude_times_ifov_about_half_a_metre():
    meta, _ = fly(target_seen(100, 0.0), 95, 1.0)
    altitude = geodetic_altitude_m(*state_after(100)[::2])
    gsd = f"{meta['gsd_cross_m']:.4f} x {meta['gsd_along_m']:.4f} m"
    print(f"nadir: altitude {altitude / 1e3:.1f} km, GSD {gsd}, {1.0 / meta['line_time_s']:.0f} lines/s")
    assert meta["off_nadir_deg"] < 0.5
    # 0.5 deg off nadir at most: the slant adds < 1e-4; the ellipsoid's curvature under the point < 1e-4
    assert meta["gsd_cross_m"] == pytest.approx(altitude * SPEC.ifov_rad, rel=1e-3)
    assert meta["gsd_along_m"] == pytest.approx(altitude * SPEC.ifov_rad, rel=1e-3)
    assert 0.45 < meta["gsd_cross_m"] < 0.55
    assert 9e3 < meta["swath_m"] < 11e3
    assert 7e3 < 1.0 / meta["line_time_s"] < 15e3  # lines per second of the class (7-14 k)
    assert meta["quality_ok"] and meta["smear_px"] < 0.01


@pytest.mark.parametrize("off_nadir_deg", [20.0, 30.0])
def test_gsd_grows_off_nadir_as_the_spherical_closed_form(off_nadir_deg):
    """Closed form on a sphere of the target's geocentric radius R, the satellite at radius r_s and the
    look eta off nadir across track: sin(incidence) = r_s / R sin(eta), range = R sin(incidence - eta) /
    sin(eta); across track (in the plane of incidence) GSD = range IFOV / cos(incidence), along track
    range IFOV. Within 1.5 %: the ellipsoid's local curvature and the yaw steering (~3 deg, the Earth's
    rotation) that turns the detector out of the plane of incidence."""
    target = target_seen(100, off_nadir_deg)
    meta, _ = fly(target, 95, 1.0)
    r_eci = state_after(100)[0]
    target_ecef = np.zeros(3)
    lib.zk_geodetic_to_ecef(target[0], target[1], 0.0, ptr(target_ecef))
    radius, r_s, eta = np.linalg.norm(target_ecef), np.linalg.norm(r_eci), meta["off_nadir_deg"] * DEG
    incidence = math.asin(r_s / radius * math.sin(eta))
    range_m = radius * math.sin(incidence - eta) / math.sin(eta)
    print(
        f"{off_nadir_deg} deg: range {meta['range_m']:.0f} (closed form {range_m:.0f}) m, GSD "
        f"{meta['gsd_cross_m']:.4f} x {meta['gsd_along_m']:.4f} m "
        f"(closed form {range_m * SPEC.ifov_rad / math.cos(incidence):.4f} x {range_m * SPEC.ifov_rad:.4f})"
    )
    assert abs(meta["off_nadir_deg"] - off_nadir_deg) < 0.5
    assert meta["range_m"] == pytest.approx(range_m, rel=5e-3)
    assert meta["incidence_deg"] == pytest.approx(math.degrees(incidence), abs=0.3)
    assert meta["gsd_cross_m"] == pytest.approx(range_m * SPEC.ifov_rad / math.cos(incidence), rel=0.015)
    assert meta["gsd_along_m"] == pytest.approx(range_m * SPEC.ifov_rad, rel=0.015)
    assert meta["quality_ok"]


@pytest.mark.parametrize(("axis", "component"), [(0, "cross_track_error_m"), (1, "along_track_error_m")])
def test_a_fixed_pointing_bias_of_a_hundredth_of_a_degree_is_range_times_the_angle_on_the_ground(
    axis, component
):
    """About X_B the boresight swings across track, about Y_B along it; at nadir the ground moves by
    range x angle (within 2 %: the bias is fixed in body, the look slants by < 0.5 deg over the capture)."""
    bias = np.zeros(3)
    bias[axis] = 0.01 * DEG
    meta, _ = fly(target_seen(100, 0.0), 95, 1.0, bias_b_rad=bias)
    other = "along_track_error_m" if axis == 0 else "cross_track_error_m"
    expected = meta["range_m"] * 0.01 * DEG
    print(f"bias about axis {axis}: {component} {meta[component]:.2f} m, expected {expected:.2f} m")
    assert abs(meta[component]) == pytest.approx(expected, rel=0.02)
    assert abs(meta[other]) < 0.02 * expected
    assert meta["targeting_error_m"] == pytest.approx(expected, rel=0.02)
    assert meta["quality_ok"]


def test_smear_of_a_constant_rate_error_is_rate_times_integration_time_over_ifov():
    """Across the boresight the whole rate error drifts the line of sight; about it, only the detector's
    ends move (by the rate x 5 mrad of half swath), < 1 % of that."""
    rate = 0.02 * DEG
    meta, _ = fly(target_seen(100, 20.0), 95, 1.0, rate_error_b_rad_s=(rate, 0.0, 0.0))
    expected = rate * meta["integration_time_s"] / SPEC.ifov_rad
    print(f"0.02 deg/s across: smear {meta['smear_px']:.4f} px, expected {expected:.4f} px")
    assert meta["smear_px"] == pytest.approx(expected, rel=1e-3)
    # the integration time: 16 stages of GSD along / ground speed of the sub-satellite point (~7.06 km/s)
    r, v, _ = state_after(100)
    ground_speed = np.linalg.norm(v) * orbit.R_EARTH_M / np.linalg.norm(r)
    assert meta["integration_time_s"] == pytest.approx(
        SPEC.tdi_stages * meta["gsd_along_m"] / ground_speed, rel=0.03
    )
    assert meta["quality_ok"] == (expected <= 0.5)

    about, _ = fly(target_seen(100, 20.0), 95, 1.0, rate_error_b_rad_s=(0.0, 0.0, rate))
    assert about["smear_px"] < 0.01 * expected
    ideal, _ = fly(target_seen(100, 20.0), 95, 1.0)
    assert ideal["smear_px"] < 1e-3, "the imager's ideal rate and zk_guidance_target's must agree"


def test_a_large_rate_error_fails_quality_and_blurs_the_quicklook_along_its_direction():
    """A 1 km swath on a 256 px quicklook and a 0.3 s strip (~4 m pixels) resolve the ~50 m smear of
    5 deg/s about Y_B: the lines blur along track (the attitude itself is kept on the profile: only the
    blur differs)."""
    narrow, target = ImagerSpec(detector_pixels=2000), target_seen(100, 0.0)
    sharp_meta, sharp = fly(target, 99, 0.3, spec=narrow)
    meta, blurred = fly(target, 99, 0.3, rate_error_b_rad_s=(0.0, 5.0 * DEG, 0.0), spec=narrow)
    assert meta["quicklook_pixel_along_m"] < 5.0 and meta["quicklook_pixel_cross_m"] < 5.0
    ground_m = meta["smear_px"] * meta["gsd_along_m"]
    print(f"5 deg/s about Y_B: smear {meta['smear_px']:.1f} px, {ground_m:.1f} m on the ground")
    assert meta["smear_px"] == pytest.approx(5.0 * DEG * meta["integration_time_s"] / SPEC.ifov_rad, rel=1e-3)
    assert not meta["quality_ok"] and "smear above 0.5 px" in meta["failures"]
    assert sharp_meta["quality_ok"]

    def detail(image: np.ndarray, axis: int) -> float:
        return float(np.mean(np.abs(np.diff(image.astype(float), axis=axis))))

    along, across = detail(blurred, 0) / detail(sharp, 0), detail(blurred, 1) / detail(sharp, 1)
    print(f"detail kept: along track {along:.2f}, across {across:.2f}")
    assert along < 0.6
    assert across > 0.75


def test_a_target_off_the_swath_fails_quality():
    meta, _ = fly(target_seen(100, 0.0), 95, 1.0, bias_b_rad=(1.0 * DEG, 0.0, 0.0))
    assert abs(meta["cross_track_error_m"]) > 0.5 * meta["swath_m"]
    assert not meta["inside_swath"] and "target outside the swath" in meta["failures"]


def test_a_look_at_the_sky_is_a_failed_product_not_a_crash():
    meta, _ = fly(target_seen(100, 0.0), 95, 0.5, bias_b_rad=(math.pi, 0.0, 0.0))
    assert not meta["quality_ok"] and "the line of sight leaves the Earth" in meta["failures"]


def test_an_imager_runs_one_capture_at_a_time_and_hands_its_product_over_once():
    world = new_world()
    imager = SimImager(world, SPEC, FRAME_S)
    imager.sample()
    assert imager.state == Imager.IDLE and imager.collect() is None and not imager.stop()
    assert not imager.start("R", SPEC.capture_max_s + 1.0, 0.0, 0.0)
    assert imager.start("R", 5.0, 0.0, 0.0)
    assert not imager.start("S", 5.0, 0.0, 0.0)
    for _ in range(3):
        world.step(FRAME_S)
        imager.record()
    imager.sample()
    assert imager.state == Imager.CAPTURING and imager.status[1] == pytest.approx(0.3)
    assert imager.status[2] == 4
    assert imager.stop()
    imager.sample()
    assert imager.state == Imager.READY
    product = imager.collect()
    assert product.request_id == "R" and product.metadata["frames"] == 4
    assert imager.collect() is None
    imager.sample()
    assert imager.state == Imager.IDLE


def test_an_imager_rendering_in_the_background_hands_over_the_same_product_once_it_is_done():
    """Real-time runs render on a thread so a frame is not stalled: collect() says None until the render
    is done, then gives the product the synchronous imager gives for the same capture, once."""
    products = []
    for background in (False, True):
        world = new_world()
        imager = SimImager(world, SPEC, FRAME_S)
        imager.render_in_background = background
        assert imager.start("R", 0.5, 0.0, 0.0)
        for _ in range(6):
            world.step(FRAME_S)
            imager.record()
        imager.sample()
        assert imager.state == Imager.READY
        product = imager.collect()
        if background:
            assert product is None
            imager.sample()
            assert imager.state == Imager.IDLE
            deadline = time.monotonic() + 30.0
            while product is None and time.monotonic() < deadline:
                time.sleep(0.01)
                product = imager.collect()
        assert product is not None and imager.collect() is None
        products.append(product)
    assert products[0].data == products[1].data and products[0].metadata == products[1].metadata


def test_recording_a_frame_allocates_nothing():
    """As tests/zorka/test_tick_allocation.py judges a frame: numpy only copies in place, cffi never
    allocates, and nothing is kept."""
    world = new_world()
    imager = SimImager(world, SPEC, FRAME_S)
    assert imager.start("R", SPEC.capture_max_s, 0.0, 0.0)
    seen = set()

    def profile(frame, event, arg):
        if event == "c_call":
            module = getattr(arg, "__module__", None) or type(getattr(arg, "__self__", None)).__module__
            seen.add((module, getattr(arg, "__name__", "")))

    sys.setprofile(profile)
    try:
        for _ in range(20):
            imager.record()
    finally:
        sys.setprofile(None)
    assert {name for _, name in seen} - {"setprofile"} == {"zk_run_record_tick"}
    tracemalloc.start()
    try:
        for _ in range(100):
            imager.record()
        before = tracemalloc.take_snapshot()
        for _ in range(1000):
            imager.record()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    here = tracemalloc.Filter(False, tracemalloc.__file__)
    growth = sum(
        s.size_diff for s in after.filter_traces([here]).compare_to(before.filter_traces([here]), "filename")
    )
    assert growth < 1024
    assert imager.sample() and imager.status[2] == 1121
