/* earth.c - Earth rotation (IAU-82 GMST) and WGS-84 geodesy. See earth.h. */
#include "earth.h"

#include <math.h>
#include <stddef.h>

#include "constants.h"

double zk_gmst(double jd_ut1)
{
    /* Vallado eq. 3-47. The (876600 h) T term is a whole number of turns per day, so it is taken
     * as the fraction of the day since J2000 to keep full precision. */
    const double days = jd_ut1 - ZK_JD_J2000;
    const double t = days / ZK_DAYS_PER_JULIAN_CENTURY;
    double sec = 67310.54841 + ZK_SECONDS_PER_DAY * fmod(days, 1.0)
                 + t * (8640184.812866 + t * (0.093104 - t * 6.2e-6));
    sec = fmod(sec, ZK_SECONDS_PER_DAY);
    if (sec < 0.0) {
        sec += ZK_SECONDS_PER_DAY;
    }
    double gmst = sec * (ZK_TWO_PI / ZK_SECONDS_PER_DAY);
    return gmst < ZK_TWO_PI ? gmst : 0.0;
}

void zk_eci_to_ecef(double gmst, const double r_eci[3], const double *v_eci, double r_ecef[3], double *v_ecef)
{
    const double c = cos(gmst), s = sin(gmst);
    const double rx = c * r_eci[0] + s * r_eci[1];
    const double ry = -s * r_eci[0] + c * r_eci[1];
    const double rz = r_eci[2];
    if (v_eci != NULL && v_ecef != NULL) {
        /* v_ecef = R v_eci - omega x r_ecef */
        const double vx = c * v_eci[0] + s * v_eci[1] + ZK_OMEGA_EARTH * ry;
        const double vy = -s * v_eci[0] + c * v_eci[1] - ZK_OMEGA_EARTH * rx;
        const double vz = v_eci[2];
        v_ecef[0] = vx;
        v_ecef[1] = vy;
        v_ecef[2] = vz;
    }
    r_ecef[0] = rx;
    r_ecef[1] = ry;
    r_ecef[2] = rz;
}

void zk_ecef_to_eci(double gmst, const double r_ecef[3], const double *v_ecef, double r_eci[3], double *v_eci)
{
    const double c = cos(gmst), s = sin(gmst);
    const double x = r_ecef[0], y = r_ecef[1], z = r_ecef[2];
    if (v_ecef != NULL && v_eci != NULL) {
        /* v_eci = R^T (v_ecef + omega x r_ecef) */
        const double wx = v_ecef[0] - ZK_OMEGA_EARTH * y;
        const double wy = v_ecef[1] + ZK_OMEGA_EARTH * x;
        const double vz = v_ecef[2];
        v_eci[0] = c * wx - s * wy;
        v_eci[1] = s * wx + c * wy;
        v_eci[2] = vz;
    }
    r_eci[0] = c * x - s * y;
    r_eci[1] = s * x + c * y;
    r_eci[2] = z;
}

void zk_geodetic_to_ecef(double lat_rad, double lon_rad, double alt_m, double r_ecef[3])
{
    const double sl = sin(lat_rad), cl = cos(lat_rad);
    const double n = ZK_WGS84_A / sqrt(1.0 - ZK_WGS84_E2 * sl * sl);
    const double rho = (n + alt_m) * cl;
    r_ecef[0] = rho * cos(lon_rad);
    r_ecef[1] = rho * sin(lon_rad);
    r_ecef[2] = (n * (1.0 - ZK_WGS84_E2) + alt_m) * sl;
}

/* Foot point on the meridian ellipse (a cos beta, b sin beta), beta the parametric latitude: the
 * normal there passes through (p, z) when f(beta) = a p sin beta - b z cos beta - (a^2 - b^2) sin beta
 * cos beta = 0. For p, z >= 0, f(0) <= 0 <= f(pi/2), so a Newton iteration kept inside a shrinking
 * bracket (bisection when a step leaves it) converges for every point, the centre included. */
static double foot_point_beta(double p, double z)
{
    const double a = ZK_WGS84_A, b = ZK_WGS84_B, c2 = a * a - b * b;
    double lo = 0.0, hi = 0.5 * ZK_PI;
    double beta = atan2(a * z, b * p);
    for (int i = 0; i < 100; ++i) {
        const double sb = sin(beta), cb = cos(beta);
        const double f = a * p * sb - b * z * cb - c2 * sb * cb;
        if (f == 0.0) {
            break;
        }
        if (f < 0.0) {
            lo = beta;
        } else {
            hi = beta;
        }
        const double df = a * p * cb + b * z * sb - c2 * (cb * cb - sb * sb);
        if (df > 0.0 && fabs(f) <= 1e-15 * df) {
            beta -= f / df;     /* converged: the Newton step is below 1e-15 rad */
            break;
        }
        double next = df > 0.0 ? beta - f / df : lo - 1.0;
        if (!(next > lo && next < hi)) {
            next = 0.5 * (lo + hi);
        }
        if (hi - lo <= 1e-15) {
            break;
        }
        beta = next;
    }
    return beta;
}

void zk_ecef_to_geodetic(const double r_ecef[3], double out[3])
{
    const double x = r_ecef[0], y = r_ecef[1], z = r_ecef[2];
    const double p = hypot(x, y);
    const double za = fabs(z);
    const double beta = foot_point_beta(p, za);
    const double sb = sin(beta), cb = cos(beta);
    const double lat = atan2(ZK_WGS84_A * sb, ZK_WGS84_B * cb);
    /* Signed distance from the foot point along the ellipsoid normal. */
    const double alt = (p - ZK_WGS84_A * cb) * cos(lat) + (za - ZK_WGS84_B * sb) * sin(lat);
    out[0] = copysign(lat, z);
    out[1] = atan2(y, x);
    out[2] = alt;
}
