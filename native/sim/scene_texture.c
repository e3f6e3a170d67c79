/* scene_texture.c - the ground texture of scene_texture.h, a point at a time, every operation in the order
 * the header writes it (the arithmetic of the numpy version this replaced, so quicklooks keep their bits). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include "common/constants.h"
#include "scene_texture.h"

#define MIX1 0xFF51AFD7ED558CCDULL
#define MIX2 0xC4CEB9FE1A85EC53ULL
#define INT64_MIN_AS_U64 0x8000000000000000ULL

static const uint64_t PRIME[3] = {0x9E3779B97F4A7C15ULL, 0xBF58476D1CE4E5B9ULL, 0x94D049BB133111EBULL};

/* MurmurHash3's 64-bit finaliser, to a double in [0, 1) from the top 53 bits. */
static double finish(uint64_t h)
{
    h ^= h >> 33;
    h *= MIX1;
    h ^= h >> 33;
    h *= MIX2;
    h ^= h >> 33;
    return (double)(h >> 11) * 0x1.0p-53;
}

/* floor(x) into *whole, and its lattice coordinate: the int64 of floor(x) modulo 2^64, INT64_MIN when out
 * of range (what x86's conversion gives, as numpy's astype(int64) does there). Within +-2^52 by one
 * truncation, where -0 floors to +0: no value downstream differs for it. */
static uint64_t lattice_floor(double x, double *whole)
{
    if (fabs(x) < 0x1.0p52) {
        int64_t i = (int64_t)x;
        if ((double)i > x)
            i -= 1;
        *whole = (double)i;
        return (uint64_t)i;
    }
    *whole = floor(x);
    return *whole >= -0x1.0p63 && *whole < 0x1.0p63 ? (uint64_t)(int64_t)*whole : INT64_MIN_AS_U64;
}

/* hash(floor(p / cell), salt) */
static double cell_hash(const double p[3], double cell, uint64_t salt)
{
    uint64_t h = salt * MIX2;
    double whole;
    int k;
    for (k = 0; k < 3; k++)
        h ^= lattice_floor(p[k] / cell, &whole) * PRIME[k];
    return finish(h);
}

/* The hashes of the corners of the lattice cell a noise layer last looked at: neighbouring samples of a
 * quicklook mostly fall in the same cell of the coarser layers, whose hashes are then not redone. */
typedef struct {
    int valid;
    uint64_t lower[3];
    double corner[8];
} cell_corners;

/* noise(q, salt), the cell's corner hashes from `cell` if it is the same cell */
static double noise(const double q[3], uint64_t salt, cell_corners *cell)
{
    double w[3][2], total = 0.0;
    uint64_t lower[3];
    int k, corner;
    for (k = 0; k < 3; k++) {
        double base, f, u;
        lower[k] = lattice_floor(q[k], &base);
        f = q[k] - base;
        u = f * f * (3.0 - 2.0 * f);
        w[k][0] = 1.0 - u;
        w[k][1] = u;
    }
    if (!cell->valid || lower[0] != cell->lower[0] || lower[1] != cell->lower[1] || lower[2] != cell->lower[2]) {
        const uint64_t s = salt * MIX2;
        uint64_t t[3][2];
        for (k = 0; k < 3; k++) {
            t[k][0] = lower[k] * PRIME[k];
            t[k][1] = (lower[k] + 1) * PRIME[k];
            cell->lower[k] = lower[k];
        }
        for (corner = 0; corner < 8; corner++)
            cell->corner[corner] = finish(t[0][corner & 1] ^ t[1][(corner >> 1) & 1] ^ t[2][(corner >> 2) & 1] ^ s);
        cell->valid = 1;
    }
    for (corner = 0; corner < 8; corner++)
        total += w[0][corner & 1] * w[1][(corner >> 1) & 1] * w[2][(corner >> 2) & 1] * cell->corner[corner];
    return total;
}

/* noise(p / scale, salt) */
static double noise_at(const double p[3], double scale, uint64_t salt, cell_corners *cell)
{
    const double q[3] = {p[0] / scale, p[1] / scale, p[2] / scale};
    return noise(q, salt, cell);
}

/* fbm(p / scale, salt), an octave's cell in cells[octave] */
static double fbm_at(const double p[3], double scale, uint64_t salt, cell_corners cells[3])
{
    const double q[3] = {p[0] / scale, p[1] / scale, p[2] / scale};
    const double q2[3] = {q[0] * 2.0, q[1] * 2.0, q[2] * 2.0};
    const double q4[3] = {q[0] * 4.0, q[1] * 4.0, q[2] * 4.0};
    double total = 0.0;
    total += 1.0 * noise(q, salt, &cells[0]);
    total += 0.5 * noise(q2, salt + 1, &cells[1]);
    total += 0.25 * noise(q4, salt + 2, &cells[2]);
    return total / 1.75;
}

/* clip(x, 0, 1) as numpy's: NaN stays NaN, -0 becomes +0 */
static double clip01(double x)
{
    if (isnan(x))
        return x;
    x = x > 0.0 ? x : 0.0;
    return x < 1.0 ? x : 1.0;
}

static double detail(double scale_m, double footprint_m) { return clip01(2.0 - 4.0 * footprint_m / scale_m); }

/* margin(cell, width) */
static double margin(const double p[3], double cell, double width)
{
    int k;
    for (k = 0; k < 3; k++) {
        const double a = p[k] / cell;
        if (fabs(a - rint(a)) * cell < 0.5 * width)
            return 1.0;
    }
    return 0.0;
}

static double smooth(double lo, double hi, double x)
{
    const double t = clip01((x - lo) / (hi - lo));
    return t * t * (3.0 - 2.0 * t);
}

/* The crop rows' brightening factor of the parcel around p (before the detail weight). */
static double crop_rows(const double p[3])
{
    double d[3], norm;
    int k;
    for (k = 0; k < 3; k++)
        d[k] = cell_hash(p, 250.0, 31 + (uint64_t)k) - 0.5;
    norm = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) + 1e-12;
    for (k = 0; k < 3; k++)
        d[k] /= norm;
    return sin((p[0] * d[0] + p[1] * d[1] + p[2] * d[2]) * (2.0 * ZK_PI / 6.0));
}

/* p of a point, NaN to 0 and infinities to +-DBL_MAX */
static double projected(double x, double scale)
{
    const double p = x * scale;
    if (isnan(p))
        return 0.0;
    if (isinf(p))
        return p > 0.0 ? DBL_MAX : -DBL_MAX;
    return p;
}

void zk_ground_reflectance(const double *points_ecef_m, long n, double footprint_m, double *reflectance)
{
    const double crowns = detail(12.0, footprint_m), rows = detail(6.0, footprint_m);
    const double margins = detail(4.0, footprint_m), streets = detail(12.0, footprint_m);
    const double crowns_gain = crowns * 0.08, rows_gain = rows * 0.12, margins_gain = 0.5 * margins;
    const double margins_mean = 1.0 - 0.016 * (1.0 - margins), streets_mean = (1.0 - streets) * 0.28;
    cell_corners cover_cells[3] = {{0}}, modulation_cell = {0}, forest_cell = {0}, crowns_cell = {0};
    long i;
    for (i = 0; i < n; i++) {
        const double *r = points_ecef_m + 3 * i;
        double p[3], scale, cover, modulation, forest, fields, roofs, street_share, urban;
        double w_forest, w_urban, w_fields;
        if (isnan(r[0]) || isnan(r[1]) || isnan(r[2])) {
            reflectance[i] = NAN;
            continue;
        }
        scale = ZK_TEXTURE_RADIUS_M / sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
        p[0] = projected(r[0], scale);
        p[1] = projected(r[1], scale);
        p[2] = projected(r[2], scale);

        cover = fbm_at(p, 3000.0, 11, cover_cells);
        modulation = 0.85 + 0.3 * noise_at(p, 10000.0, 17, &modulation_cell);

        forest = 0.1 + 0.12 * noise_at(p, 60.0, 23, &forest_cell) + 0.04;
        if (crowns > 0.0)
            forest += crowns_gain * (noise_at(p, 12.0, 29, &crowns_cell) - 0.5);

        fields = 0.22 + 0.45 * cell_hash(p, 250.0, 37);
        if (rows > 0.0)
            fields *= 1.0 + rows_gain * crop_rows(p);
        fields *= margins_mean;
        if (margins > 0.0)
            fields *= 1.0 - margins_gain * margin(p, 250.0, 4.0);

        roofs = 0.45 + 0.4 * cell_hash(p, 80.0, 41);
        street_share = streets > 0.0 ? streets * margin(p, 80.0, 12.0) : 0.0;
        urban = roofs + (street_share + streets_mean) * (0.28 - roofs);

        w_forest = 1.0 - smooth(0.4, 0.46, cover);
        w_urban = smooth(0.6, 0.65, cover);
        w_fields = 1.0 - w_forest - w_urban;
        reflectance[i] = clip01(modulation * (w_forest * forest + w_fields * fields + w_urban * urban));
    }
}
