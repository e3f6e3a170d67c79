"""A procedural ground texture: the reflectance of any point on Earth, the same in every run.

The value at a point depends only on where it is: points are projected radially onto a sphere of
radius `TEXTURE_RADIUS_M` and fed to value noise whose lattice values are hashes of the lattice
coordinates (no random generator, no seed). Land cover changes over a few kilometres between forest
(dark, fine crowns), fields (a patchwork of ~250 m parcels with crop rows and dark field margins) and
urban blocks (~80 m, bright roofs between streets), under a slow ~10 km brightness modulation.

Features finer than the `footprint_m` a sample stands for are replaced by their mean (as a mip-map
would), so a coarse quicklook does not alias the crop rows into noise.
"""

import numpy as np

from native.earth_model import MEAN_SPHERE_RADIUS_M

TEXTURE_RADIUS_M = MEAN_SPHERE_RADIUS_M
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_PRIMES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
_SHIFT = np.uint64(33)
_UNIT = 2.0**-53


def _salted(salt: int) -> np.uint64:
    return np.uint64((salt * int(_MIX2)) % 2**64)


def _finish(h: np.ndarray) -> np.ndarray:
    """A 64-bit mix of `h` (MurmurHash3's finaliser, in place) to a float in [0, 1)."""
    h ^= h >> _SHIFT
    h *= _MIX1
    h ^= h >> _SHIFT
    h *= _MIX2
    h ^= h >> _SHIFT
    return (h >> np.uint64(11)).astype(np.float64) * _UNIT


def lattice_hash(cells: np.ndarray, salt: int) -> np.ndarray:
    """A value in [0, 1) per integer lattice point (rows of 3 int64), fixed by the point and `salt`."""
    u = cells.astype(np.uint64)
    return _finish(u[..., 0] * _PRIMES[0] ^ u[..., 1] * _PRIMES[1] ^ u[..., 2] * _PRIMES[2] ^ _salted(salt))


def value_noise(p: np.ndarray, salt: int) -> np.ndarray:
    """Smooth noise in [0, 1] of points `p` (rows of 3, in lattice units): the `lattice_hash` values of
    the cell's corners blended with a smoothstep."""
    base = np.floor(p)
    f = p - base
    u = f * f * (3.0 - 2.0 * f)
    weights = (1.0 - u, u)  # per axis, the weight of the lower and the upper corner
    lower = base.astype(np.int64).astype(np.uint64)
    terms = [(lower[..., k] * _PRIMES[k], (lower[..., k] + np.uint64(1)) * _PRIMES[k]) for k in range(3)]
    salted = _salted(salt)
    total = np.zeros(p.shape[:-1])
    for corner in range(8):
        b = [(corner >> axis) & 1 for axis in range(3)]
        weight = weights[b[0]][..., 0] * weights[b[1]][..., 1] * weights[b[2]][..., 2]
        total += weight * _finish(terms[0][b[0]] ^ terms[1][b[1]] ^ terms[2][b[2]] ^ salted)
    return total


def _fbm(p: np.ndarray, octaves: int, salt: int) -> np.ndarray:
    """Fractal sum of value noise, octaves halving in size and weight; in [0, 1]."""
    total, weight, norm = np.zeros(p.shape[:-1]), 1.0, 0.0
    for octave in range(octaves):
        total += weight * value_noise(p * 2.0**octave, salt + octave)
        norm += weight
        weight *= 0.5
    return total / norm


def _smoothstep(lo: float, hi: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _detail(scale_m: float, footprint_m: float) -> float:
    """How much of a feature of `scale_m` a sample of `footprint_m` resolves: 1 down to 0 as the
    footprint grows from a quarter of the feature to half of it."""
    return float(np.clip(2.0 - 4.0 * footprint_m / scale_m, 0.0, 1.0))


def _margin(p_m: np.ndarray, cell_m: float, width_m: float) -> np.ndarray:
    """1 within `width_m / 2` of a face of the `cell_m` lattice, else 0."""
    d = np.abs(p_m / cell_m - np.round(p_m / cell_m)) * cell_m
    return (np.min(d, axis=-1) < 0.5 * width_m).astype(float)


def ground_reflectance(points_ecef_m: np.ndarray, footprint_m: float = 0.5) -> np.ndarray:
    """Reflectance in [0, 1] at Earth-fixed points (rows of 3, m); NaN rows give NaN."""
    points = np.asarray(points_ecef_m, dtype=float)
    p = points * (TEXTURE_RADIUS_M / np.linalg.norm(points, axis=-1, keepdims=True))
    p = np.nan_to_num(p)
    cover = _fbm(p / 3000.0, 3, 11)
    modulation = 0.85 + 0.3 * value_noise(p / 10000.0, 17)

    crowns = _detail(12.0, footprint_m)
    forest = 0.1 + 0.12 * value_noise(p / 60.0, 23) + 0.04
    if crowns > 0.0:
        forest += crowns * 0.08 * (value_noise(p / 12.0, 29) - 0.5)

    parcel = np.floor(p / 250.0).astype(np.int64)
    fields = 0.22 + 0.45 * lattice_hash(parcel, 37)
    rows = _detail(6.0, footprint_m)
    if rows > 0.0:
        row_dir = np.stack([lattice_hash(parcel, 31 + k) - 0.5 for k in range(3)], axis=-1)
        row_dir /= np.linalg.norm(row_dir, axis=-1, keepdims=True) + 1e-12
        phase = np.sum(p * row_dir, axis=-1) * (2.0 * np.pi / 6.0)
        fields *= 1.0 + rows * 0.12 * np.sin(phase)
    margins = _detail(4.0, footprint_m)
    fields *= 1.0 - 0.016 * (1.0 - margins)  # the margins' mean share of a parcel's darkening
    if margins > 0.0:
        fields *= 1.0 - 0.5 * margins * _margin(p, 250.0, 4.0)

    blocks = np.floor(p / 80.0).astype(np.int64)
    roofs = 0.45 + 0.4 * lattice_hash(blocks, 41)
    streets = _detail(12.0, footprint_m)
    street_share = streets * _margin(p, 80.0, 12.0) if streets > 0.0 else 0.0
    urban = roofs + (street_share + (1.0 - streets) * 0.28) * (0.28 - roofs)

    w_forest = 1.0 - _smoothstep(0.4, 0.46, cover)
    w_urban = _smoothstep(0.6, 0.65, cover)
    w_fields = 1.0 - w_forest - w_urban
    reflectance = np.clip(modulation * (w_forest * forest + w_fields * fields + w_urban * urban), 0.0, 1.0)
    return np.where(np.isnan(points).any(axis=-1), np.nan, reflectance)
