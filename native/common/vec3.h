/* vec3.h - three-vector and 3x3-matrix helpers shared by the C sources of every room but board
 * (static inline; not part of the cffi API). Matrices are row-major. */
#ifndef ZK_VEC3_H
#define ZK_VEC3_H
#include <math.h>

static inline double zk_dot3(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* out = a x b; out may alias a or b. */
static inline void zk_cross3(const double a[3], const double b[3], double out[3])
{
    const double x = a[1] * b[2] - a[2] * b[1];
    const double y = a[2] * b[0] - a[0] * b[2];
    const double z = a[0] * b[1] - a[1] * b[0];
    out[0] = x;
    out[1] = y;
    out[2] = z;
}

static inline double zk_norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

static inline void zk_normalize3(double v[3])
{
    const double n = zk_norm3(v);
    v[0] /= n;
    v[1] /= n;
    v[2] /= n;
}

/* Angle between two vectors (rad, [0, pi]), accurate near 0 and pi. */
static inline double zk_angle3(const double a[3], const double b[3])
{
    double c[3];
    zk_cross3(a, b, c);
    return atan2(zk_norm3(c), zk_dot3(a, b));
}

/* out = m v; out must not alias v. */
static inline void zk_mat3_vec(const double m[9], const double v[3], double out[3])
{
    out[0] = zk_dot3(&m[0], v);
    out[1] = zk_dot3(&m[3], v);
    out[2] = zk_dot3(&m[6], v);
}

/* Inverse of a 3x3 matrix by cofactors. Returns the determinant; `inv` is written only if it is not 0,
 * so callers judge singularity by their own measure. */
static inline double zk_mat3_inverse(const double a[9], double inv[9])
{
    const double c00 = a[4] * a[8] - a[5] * a[7];
    const double c01 = a[5] * a[6] - a[3] * a[8];
    const double c02 = a[3] * a[7] - a[4] * a[6];
    const double det = a[0] * c00 + a[1] * c01 + a[2] * c02;
    if (det == 0.0)
        return det;
    inv[0] = c00 / det;
    inv[1] = (a[2] * a[7] - a[1] * a[8]) / det;
    inv[2] = (a[1] * a[5] - a[2] * a[4]) / det;
    inv[3] = c01 / det;
    inv[4] = (a[0] * a[8] - a[2] * a[6]) / det;
    inv[5] = (a[2] * a[3] - a[0] * a[5]) / det;
    inv[6] = c02 / det;
    inv[7] = (a[1] * a[6] - a[0] * a[7]) / det;
    inv[8] = (a[0] * a[4] - a[1] * a[3]) / det;
    return det;
}

#endif
