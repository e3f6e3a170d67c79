"""The ground texture's C against a numpy re-statement of the formulas of native/sim/scene_texture.h, bit
for bit, and against the properties a texture must have: a range of [0, 1], a value fixed by the place,
NaN where there is no point, and a coarse sample that keeps the mean of the detail it stands for.

The reference below is written from the header's definition alone, vectorised and evaluated left to right
as written (its one sine through Python's math.sin, libm's as the C's: numpy's own may differ by an ulp).
"""

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native import lib, ptr
from native.earth_model import MEAN_SPHERE_RADIUS_M
from sim.scene_texture import TEXTURE_RADIUS_M, ground_reflectance

# --- the reference ------------------------------------------------------------------------------------

PRIMES = np.array([0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB], dtype=np.uint64)
M1, M2 = 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53
INT64_MIN = np.iinfo(np.int64).min


def ref_lattice(whole: np.ndarray) -> np.ndarray:
    """Integral doubles as uint64 lattice coordinates: int64 modulo 2^64, INT64_MIN out of range."""
    inside = (whole >= -(2.0**63)) & (whole < 2.0**63)
    return np.where(inside, np.where(inside, whole, 0.0).astype(np.int64), INT64_MIN).astype(np.uint64)


def ref_hash(cells: np.ndarray, salt: int) -> np.ndarray:
    """hash(c, salt) of rows of three uint64 lattice coordinates."""
    h = (
        cells[:, 0] * PRIMES[0]
        ^ cells[:, 1] * PRIMES[1]
        ^ cells[:, 2] * PRIMES[2]
        ^ np.uint64(salt * M2 % 2**64)
    )
    for mix in (M1, M2):
        h ^= h >> np.uint64(33)
        h *= np.uint64(mix)
    h ^= h >> np.uint64(33)
    return (h >> np.uint64(11)).astype(np.float64) * 2.0**-53


def ref_noise(q: np.ndarray, salt: int) -> np.ndarray:
    base = np.floor(q)
    f = q - base
    u = f * f * (3.0 - 2.0 * f)
    lower = ref_lattice(base)
    total = np.zeros(len(q))
    for corner in range(8):
        e = [(corner >> k) & 1 for k in range(3)]
        w = [u[:, k] if e[k] else 1.0 - u[:, k] for k in range(3)]
        total = total + w[0] * w[1] * w[2] * ref_hash(lower + np.array(e, dtype=np.uint64), salt)
    return total


def ref_fbm(q: np.ndarray, salt: int) -> np.ndarray:
    return (
        ref_noise(q, salt) + 0.5 * ref_noise(2.0 * q, salt + 1) + 0.25 * ref_noise(4.0 * q, salt + 2)
    ) / 1.75


def ref_clip(x):
    """numpy's clip: NaN stays, -0 becomes +0."""
    return np.where(np.isnan(x), x, np.minimum(np.maximum(x, 0.0), 1.0))


def ref_margin(p: np.ndarray, cell: float, width: float) -> np.ndarray:
    a = p / cell
    return (np.min(np.abs(a - np.rint(a)) * cell, axis=1) < width / 2).astype(float)


def ref_smooth(lo: float, hi: float, x: np.ndarray) -> np.ndarray:
    t = ref_clip((x - lo) / (hi - lo))
    return t * t * (3.0 - 2.0 * t)


def reference(points: np.ndarray, footprint: float) -> np.ndarray:
    """The reflectance of rows of 3 points as the header defines it."""
    with np.errstate(all="ignore"):
        squares = points * points
        p = np.nan_to_num(
            points * (TEXTURE_RADIUS_M / np.sqrt(squares[:, 0] + squares[:, 1] + squares[:, 2]))[:, None]
        )
        detail = {s: float(ref_clip(2.0 - 4.0 * footprint / s)) for s in (12.0, 6.0, 4.0)}
        cover = ref_fbm(p / 3000.0, 11)
        modulation = 0.85 + 0.3 * ref_noise(p / 10000.0, 17)
        forest = 0.1 + 0.12 * ref_noise(p / 60.0, 23) + 0.04
        if detail[12.0] > 0.0:
            forest = forest + detail[12.0] * 0.08 * (ref_noise(p / 12.0, 29) - 0.5)
        parcel = ref_lattice(np.floor(p / 250.0))
        fields = 0.22 + 0.45 * ref_hash(parcel, 37)
        if detail[6.0] > 0.0:
            d = np.stack([ref_hash(parcel, 31 + k) - 0.5 for k in range(3)], axis=1)
            d = d / (np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1] + d[:, 2] * d[:, 2]) + 1e-12)[:, None]
            phase = (p[:, 0] * d[:, 0] + p[:, 1] * d[:, 1] + p[:, 2] * d[:, 2]) * (2.0 * math.pi / 6.0)
            fields = fields * (
                1.0
                + detail[6.0]
                * 0.12
                * np.array([math.sin(x) if math.isfinite(x) else math.nan for x in phase])
            )
        fields = fields * (1.0 - 0.016 * (1.0 - detail[4.0]))
        if detail[4.0] > 0.0:
            fields = fields * (1.0 - 0.5 * detail[4.0] * ref_margin(p, 250.0, 4.0))
        roofs = 0.45 + 0.4 * ref_hash(ref_lattice(np.floor(p / 80.0)), 41)
        streets = detail[12.0] * ref_margin(p, 80.0, 12.0) if detail[12.0] > 0.0 else 0.0
        urban = roofs + (streets + (1.0 - detail[12.0]) * 0.28) * (0.28 - roofs)
        w_forest = 1.0 - ref_smooth(0.4, 0.46, cover)
        w_urban = ref_smooth(0.6, 0.65, cover)
        w_fields = 1.0 - w_forest - w_urban
        out = ref_clip(modulation * (w_forest * forest + w_fields * fields + w_urban * urban))
    return np.where(np.isnan(points).any(axis=1), np.nan, out)


def same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Equal bit for bit, or both NaN (of any sign and payload)."""
    return (a.view(np.uint64) == b.view(np.uint64)) | (np.isnan(a) & np.isnan(b))


# --- places -------------------------------------------------------------------------------------------


def ecef(lat_rad: float, lon_rad: float, alt_m: float = 0.0) -> np.ndarray:
    out = np.zeros(3)
    lib.zk_geodetic_to_ecef(lat_rad, lon_rad, alt_m, ptr(out))
    return out


def patch(lat_rad: float, lon_rad: float, size_m: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points drawn uniformly over a `size_m` square of the local horizontal plane at a place."""
    centre = ecef(lat_rad, lon_rad)
    up = centre / np.linalg.norm(centre)
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east)
    north = np.cross(up, east)
    a, b = rng.uniform(-size_m / 2, size_m / 2, size=(2, n))
    return centre + a[:, None] * east + b[:, None] * north


def anywhere(n: int, rng: np.random.Generator) -> np.ndarray:
    """n points over the whole Earth, at -1 to 10 km of height, in clusters a few km wide (so that every land
    cover and every detail appears)."""
    centres = rng.normal(size=(n // 100, 3))
    centres *= rng.uniform(6.36e6, 6.39e6, size=(len(centres), 1)) / np.linalg.norm(
        centres, axis=1, keepdims=True
    )
    return np.repeat(centres, 100, axis=0) + rng.uniform(-3e3, 3e3, size=(len(centres) * 100, 3))


# Footprints that switch the detail terms: crowns and streets (12 m) fade from 3 to 6 m, crop rows (6 m)
# from 1.5 to 3 m, margins (4 m) from 1 to 2 m.
FOOTPRINTS_M = (0.0, 0.5, 1.0, 1.25, 1.5, 2.0, 2.4, 3.0, 4.5, 6.0, 55.0)


@pytest.mark.parametrize("footprint_m", FOOTPRINTS_M)
def test_the_c_is_the_headers_formulas_bit_for_bit(footprint_m):
    points = anywhere(20000, np.random.default_rng(int(footprint_m * 100)))
    assert np.all(same_bits(ground_reflectance(points, footprint_m), reference(points, footprint_m)))


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=24, max_size=24 * 8), st.floats(allow_nan=True, allow_infinity=True))
def test_any_bits_as_points_and_any_footprint_give_the_reference_bits(data, footprint_m):
    """Whatever the doubles (NaN, infinities, subnormals, far out of range), the C and the reference agree."""
    points = np.frombuffer(data[: len(data) // 24 * 24], dtype=np.float64).reshape(-1, 3)
    assert np.all(same_bits(ground_reflectance(points, footprint_m), reference(points, footprint_m)))


def test_a_point_with_a_nan_coordinate_is_nan_and_leaves_its_neighbours_alone():
    points = patch(0.8, 0.4, 2000.0, 1000, np.random.default_rng(1))
    clean = ground_reflectance(points, 0.5)
    points[::7, 1] = np.nan
    points[3::7] = np.nan
    holed = ground_reflectance(points, 0.5)
    missing = np.isnan(points).any(axis=1)
    assert np.all(np.isnan(holed[missing]))
    assert np.array_equal(holed[~missing], clean[~missing])


def test_reflectance_is_in_the_unit_interval_fixed_by_place_and_varies_between_places():
    rng = np.random.default_rng(2)
    points = anywhere(50000, rng)
    for footprint_m in (0.5, 2.0, 55.0):
        here = ground_reflectance(points, footprint_m)
        assert np.all((here >= 0.0) & (here <= 1.0))
        assert np.array_equal(here, ground_reflectance(points.copy(), footprint_m))
    grid = (
        ecef(0.8, 0.4)
        + np.stack(np.meshgrid(np.arange(64.0), np.arange(64.0), [0.0]), -1).reshape(-1, 3) * 40.0
    )
    here, elsewhere = (
        ground_reflectance(grid, 40.0),
        ground_reflectance(grid + np.array([30e3, -20e3, 10e3]), 40.0),
    )
    assert here.std() > 0.05
    assert abs(np.corrcoef(here, elsewhere)[0, 1]) < 0.3


def test_a_point_is_seen_where_it_projects_on_the_sphere_whatever_its_height():
    """The texture is of the sphere: a point and the same direction 5 km up differ only by the rounding of
    the projection (at most a detail's slope over a few nanometres)."""
    points = patch(-0.6, 2.5, 3000.0, 5000, np.random.default_rng(3))
    up = points * (1.0 + 5e3 / np.linalg.norm(points, axis=1, keepdims=True))
    assert np.max(np.abs(ground_reflectance(points, 0.5) - ground_reflectance(up, 0.5))) < 1e-6
    assert TEXTURE_RADIUS_M == MEAN_SPHERE_RADIUS_M


def test_shapes_follow_the_points_and_bad_shapes_are_refused_in_one_line():
    grid = ecef(0.1, 0.2) + np.arange(24.0).reshape(2, 4, 3)
    image = ground_reflectance(grid, 1.0)
    assert image.shape == (2, 4)
    assert np.array_equal(image.reshape(-1), ground_reflectance(grid.reshape(-1, 3), 1.0))
    assert ground_reflectance(grid[0, 0], 1.0).shape == ()
    assert ground_reflectance(grid[:, ::2, :], 1.0).shape == (2, 2)  # not contiguous: copied first
    for bad, shape in ((np.zeros((4, 2)), "(4, 2)"), (3.0, "()")):
        with pytest.raises(ValueError, match=r"^points_ecef_m: rows of 3 [^\n]*") as refused:
            ground_reflectance(bad)
        assert str(refused.value).endswith(shape)


def test_a_quicklook_of_texture_allocates_only_its_result():
    points = patch(0.8, 0.4, 10e3, 512 * 256, np.random.default_rng(4)).reshape(512, 256, 3)
    tracemalloc.start()
    try:
        ground_reflectance(points, 55.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 512 * 256 * 8 + 4096


# --- the mip-map: a coarse sample keeps the mean of the detail it replaces -----------------------------


def median_shift(lat_rad: float, lon_rad: float) -> float:
    """Over 30 patches of 1 km within 0.01 rad of a place: the median of the mean reflectance at 0.25 m
    footprints (every detail) less the mean at 50 m (none) over the patch's 10,000 points."""
    rng = np.random.default_rng(5)
    shifts = []
    for _ in range(30):
        points = patch(
            lat_rad + rng.uniform(-0.01, 0.01), lon_rad + rng.uniform(-0.01, 0.01), 1000.0, 10000, rng
        )
        shifts.append(np.mean(ground_reflectance(points, 0.25)) - np.mean(ground_reflectance(points, 50.0)))
    return float(np.median(shifts))


@pytest.mark.parametrize("place", [(0.0, 0.0), (0.0, math.pi / 2), (math.pi / 2 - 0.01, 0.3)])
def test_a_coarse_sample_keeps_the_mean_where_the_ground_faces_a_lattice_axis(place):
    """Where the ground is parallel to one family of lattice planes, parcel margins and streets run in the
    two other directions, as the coarse means assume (margins 2 x 4 m of 250 m, streets 1 - (1 - 12/80)^2
    ~ 0.28); crowns and crop rows average out. Dropping the margins' mean darkening fails it at every
    place, crowns' noise centred on 0.4 instead of 0.5 at one (streets are too rare to move the median)."""
    assert abs(median_shift(*place)) < 0.001


THREE_FAMILIES = (
    "the coarse means count two families of lattice planes; ground oblique to the lattice crosses three "
    "(margins 4.7 %, not 3.2 %, streets 0.39, not 0.28): there the detailed texture is darker, by "
    "0.002-0.004 in the median patch; correcting the means changes every quicklook"
)


@pytest.mark.xfail(strict=True, reason=THREE_FAMILIES)
@pytest.mark.parametrize("place", [(0.8, 0.4), (-0.5, 2.0)])
def test_a_coarse_sample_keeps_the_mean_where_the_ground_is_oblique_to_the_lattice(place):
    assert abs(median_shift(*place)) < 0.001
