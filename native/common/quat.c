/* quat.c - quaternion algebra, Hamilton convention, scalar last [x, y, z, w] (see quat.h).
 * Rotation and matrix functions accept a non-unit quaternion and use its direction, as scipy does. */
#include "quat.h"

#include <math.h>

void zk_quat_mul(const double p[4], const double q[4], double out[4])
{
    const double x = p[3] * q[0] + q[3] * p[0] + p[1] * q[2] - p[2] * q[1];
    const double y = p[3] * q[1] + q[3] * p[1] + p[2] * q[0] - p[0] * q[2];
    const double z = p[3] * q[2] + q[3] * p[2] + p[0] * q[1] - p[1] * q[0];
    const double w = p[3] * q[3] - p[0] * q[0] - p[1] * q[1] - p[2] * q[2];
    out[0] = x;
    out[1] = y;
    out[2] = z;
    out[3] = w;
}

void zk_quat_conj(const double q[4], double out[4])
{
    out[0] = -q[0];
    out[1] = -q[1];
    out[2] = -q[2];
    out[3] = q[3];
}

void zk_quat_normalize(double q[4])
{
    const double n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    double s;
    if (!(n > 0.0)) {
        q[0] = 0.0;
        q[1] = 0.0;
        q[2] = 0.0;
        q[3] = 1.0;
        return;
    }
    s = (q[3] < 0.0) ? -1.0 / n : 1.0 / n;
    q[0] *= s;
    q[1] *= s;
    q[2] *= s;
    q[3] *= s;
}

/* 2 / |q|^2, so that the rotation formulas hold for any non-zero quaternion; 0 gives the identity. */
static double two_over_norm2(const double q[4])
{
    const double n2 = q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3];
    return (n2 > 0.0) ? 2.0 / n2 : 0.0;
}

/* v' = v + s w (u x v) + s u x (u x v), u the vector part, s = 2/|q|^2 (sign of w selects R or R^T). */
static void rotate_signed(const double q[4], double w, const double v[3], double out[3])
{
    const double s = two_over_norm2(q);
    const double c0 = q[1] * v[2] - q[2] * v[1];
    const double c1 = q[2] * v[0] - q[0] * v[2];
    const double c2 = q[0] * v[1] - q[1] * v[0];
    const double d0 = q[1] * c2 - q[2] * c1;
    const double d1 = q[2] * c0 - q[0] * c2;
    const double d2 = q[0] * c1 - q[1] * c0;
    out[0] = v[0] + s * (w * c0 + d0);
    out[1] = v[1] + s * (w * c1 + d1);
    out[2] = v[2] + s * (w * c2 + d2);
}

void zk_quat_rotate(const double q[4], const double v[3], double out[3])
{
    rotate_signed(q, q[3], v, out);
}

void zk_quat_rotate_inv(const double q[4], const double v[3], double out[3])
{
    rotate_signed(q, -q[3], v, out);
}

void zk_quat_to_dcm(const double q[4], double m[9])
{
    const double s = two_over_norm2(q);
    const double x = q[0], y = q[1], z = q[2], w = q[3];
    m[0] = 1.0 - s * (y * y + z * z);
    m[1] = s * (x * y - z * w);
    m[2] = s * (x * z + y * w);
    m[3] = s * (x * y + z * w);
    m[4] = 1.0 - s * (x * x + z * z);
    m[5] = s * (y * z - x * w);
    m[6] = s * (x * z - y * w);
    m[7] = s * (y * z + x * w);
    m[8] = 1.0 - s * (x * x + y * y);
}

void zk_quat_from_dcm(const double m[9], double q[4])
{
    const double tr = m[0] + m[4] + m[8];
    /* Shepperd: pivot on the largest of 4w^2-1 ~ tr, 4x^2-1 ~ 2 m00 - tr, ... for accuracy. */
    if (tr >= m[0] && tr >= m[4] && tr >= m[8]) {
        const double t = 2.0 * sqrt(1.0 + tr);
        q[3] = 0.25 * t;
        q[0] = (m[7] - m[5]) / t;
        q[1] = (m[2] - m[6]) / t;
        q[2] = (m[3] - m[1]) / t;
    } else if (m[0] >= m[4] && m[0] >= m[8]) {
        const double t = 2.0 * sqrt(1.0 + 2.0 * m[0] - tr);
        q[0] = 0.25 * t;
        q[1] = (m[1] + m[3]) / t;
        q[2] = (m[2] + m[6]) / t;
        q[3] = (m[7] - m[5]) / t;
    } else if (m[4] >= m[8]) {
        const double t = 2.0 * sqrt(1.0 + 2.0 * m[4] - tr);
        q[1] = 0.25 * t;
        q[0] = (m[1] + m[3]) / t;
        q[2] = (m[5] + m[7]) / t;
        q[3] = (m[2] - m[6]) / t;
    } else {
        const double t = 2.0 * sqrt(1.0 + 2.0 * m[8] - tr);
        q[2] = 0.25 * t;
        q[0] = (m[2] + m[6]) / t;
        q[1] = (m[5] + m[7]) / t;
        q[3] = (m[3] - m[1]) / t;
    }
    zk_quat_normalize(q);
}

void zk_quat_from_rotvec(const double rv[3], double q[4])
{
    const double a2 = rv[0] * rv[0] + rv[1] * rv[1] + rv[2] * rv[2];
    const double a = sqrt(a2);
    /* sin(a/2)/a, by its Taylor series near 0 where the quotient loses precision. */
    const double k = (a < 1e-3) ? 0.5 - a2 / 48.0 + a2 * a2 / 3840.0 : sin(0.5 * a) / a;
    q[0] = k * rv[0];
    q[1] = k * rv[1];
    q[2] = k * rv[2];
    q[3] = cos(0.5 * a);
}

void zk_quat_to_rotvec(const double q[4], double rv[3])
{
    double u[4] = {q[0], q[1], q[2], q[3]};
    double s, a, k;
    zk_quat_normalize(u);
    s = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
    a = 2.0 * atan2(s, u[3]);
    /* a / sin(a/2), by its Taylor series near 0. */
    k = (a < 1e-3) ? 2.0 + a * a / 12.0 + 7.0 * a * a * a * a / 2880.0 : a / s;
    rv[0] = k * u[0];
    rv[1] = k * u[1];
    rv[2] = k * u[2];
}

double zk_quat_angle(const double p[4], const double q[4])
{
    double pc[4], d[4];
    zk_quat_conj(p, pc);
    zk_quat_mul(pc, q, d);
    return 2.0 * atan2(sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]), fabs(d[3]));
}
