/* scene_texture.h - the simulated imager's procedural ground texture: the reflectance of any point on
 * Earth, the same in every run (sim/scene_texture.py is its Python face). Nothing is allocated, no state.
 *
 * A point r (ECEF, m) is projected radially onto the sphere of radius ZK_TEXTURE_RADIUS_M,
 * p = r * (R / |r|) with |r| = sqrt((x^2 + y^2) + z^2); a NaN in p becomes 0, an infinity +-DBL_MAX.
 *
 * hash(c, salt) of an integer lattice point c (three int64, taken modulo 2^64 as uint64), in [0, 1):
 *   h = (c0 * P0) ^ (c1 * P1) ^ (c2 * P2) ^ (salt * M2), all products modulo 2^64, then MurmurHash3's
 *   finaliser: h ^= h >> 33; h *= M1; h ^= h >> 33; h *= M2; h ^= h >> 33; the value (h >> 11) * 2^-53.
 *   P = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB; M1 = 0xFF51AFD7ED558CCD,
 *   M2 = 0xC4CEB9FE1A85EC53.
 * noise(q, salt), value noise in [0, 1] of q in lattice units: b = floor(q) (as int64), f = q - floor(q),
 *   u = f * f * (3 - 2 f) per axis; the sum over the 8 corners b + e (e in {0,1}^3, x the lowest bit of
 *   the corner's number, corners in number order) of (w0 * w1) * w2 * hash(b + e, salt), w_k = u_k where
 *   e_k = 1 else 1 - u_k.
 * fbm(q, salt) = (noise(q) + 0.5 noise(2q, salt + 1) + 0.25 noise(4q, salt + 2)) / 1.75.
 * detail(s) = clip(2 - 4 footprint / s, 0, 1): how much of a feature of size s a sample resolves.
 * margin(cell, width) = 1 if min_k |p_k / cell - rint(p_k / cell)| * cell < width / 2, else 0.
 * smooth(lo, hi, x) = t * t * (3 - 2 t), t = clip((x - lo) / (hi - lo), 0, 1).
 *
 *   cover      = fbm(p / 3000, 11)                                            land cover, ~3 km
 *   modulation = 0.85 + 0.3 noise(p / 10000, 17)                              brightness, ~10 km
 *   forest     = 0.1 + 0.12 noise(p / 60, 23) + 0.04
 *                + detail(12) * 0.08 * (noise(p / 12, 29) - 0.5)              crowns
 *   fields     = (0.22 + 0.45 hash(floor(p / 250), 37))                       parcels
 *                * (1 + detail(6) * 0.12 * sin(p . d * 2 pi / 6))             crop rows, d the unit
 *                  vector (hash(floor(p / 250), 31 + k) - 0.5)_k / (|.| + 1e-12)
 *                * (1 - 0.016 (1 - detail(4)))                                the margins' mean darkening
 *                * (1 - 0.5 detail(4) margin(250, 4))                         field margins
 *   roofs      = 0.45 + 0.4 hash(floor(p / 80), 41)                           urban blocks
 *   urban      = roofs + (detail(12) margin(80, 12) + (1 - detail(12)) 0.28) * (0.28 - roofs)   streets
 *   w_forest = 1 - smooth(0.4, 0.46, cover), w_urban = smooth(0.6, 0.65, cover),
 *   w_fields = 1 - w_forest - w_urban
 *   reflectance = clip(modulation * (w_forest forest + w_fields fields + w_urban urban), 0, 1)
 * evaluated left to right as written, a detail term skipped where its detail() is not > 0; a point with
 * a NaN coordinate has a NaN reflectance, as has every point under a NaN footprint (and a point within
 * ~1e-154 m of the centre, which projects to infinity, may have one). floor() values beyond int64 hash
 * as INT64_MIN. */
#ifndef ZK_SCENE_TEXTURE_H
#define ZK_SCENE_TEXTURE_H

#define ZK_TEXTURE_RADIUS_M 6371e3  /* the Earth's mean sphere (IUGG) */

/* The reflectance of n points (rows of 3 doubles, ECEF m) into reflectance[n], each sample standing for
 * footprint_m (m) of ground. */
void zk_ground_reflectance(const double *points_ecef_m, long n, double footprint_m, double *reflectance);

#endif
