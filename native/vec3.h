/* vec3.h - three-vector helpers shared by the C sources (static inline; not part of the cffi API). */
#ifndef ZK_VEC3_H
#define ZK_VEC3_H
#include <math.h>

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

#endif
