"""A procedural ground texture: the reflectance of any point on Earth, the same in every run.

The value at a point depends only on where it is: points are projected radially onto a sphere of
radius `TEXTURE_RADIUS_M` and fed to value noise whose lattice values are hashes of the lattice
coordinates (no random generator, no seed). Land cover changes over a few kilometres between forest
(dark, fine crowns), fields (a patchwork of ~250 m parcels with crop rows and dark field margins) and
urban blocks (~80 m, bright roofs between streets), under a slow ~10 km brightness modulation.

Features finer than the `footprint_m` a sample stands for are replaced by their mean (as a mip-map
would), so a coarse quicklook does not alias the crop rows into noise. The means of the field margins and
streets count the two families of lattice planes that ground facing a lattice axis crosses; ground
oblique to the lattice crosses three, and there the detailed texture is darker than its coarse mean by
0.002-0.004 in a median 1 km patch (tests/sim/test_scene_texture.py).

The texture is evaluated in C, a point at a time without temporaries (`native/sim/scene_texture.h`
writes out its formulas): a quicklook samples it at every pixel.
"""

import numpy as np

from native import lib, ptr

TEXTURE_RADIUS_M: float = lib.ZK_TEXTURE_RADIUS_M


def ground_reflectance(points_ecef_m: np.ndarray, footprint_m: float = 0.5) -> np.ndarray:
    """Reflectance in [0, 1] at Earth-fixed points (rows of 3, m; any leading shape); NaN rows give NaN."""
    points = np.asarray(points_ecef_m, dtype=float)
    if points.ndim == 0 or points.shape[-1] != 3:
        raise ValueError(
            f"points_ecef_m: rows of 3 coordinates (m) expected, not an array of shape {points.shape}"
        )
    points = np.ascontiguousarray(points)
    reflectance = np.empty(points.shape[:-1])
    lib.zk_ground_reflectance(
        ptr(points.reshape(-1)), reflectance.size, float(footprint_m), ptr(reflectance.reshape(-1))
    )
    return reflectance
