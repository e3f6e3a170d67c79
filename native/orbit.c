/* orbit.c - two-body plus J2, J3, J4 zonal gravity and fixed-step RK4 propagation (see orbit.h).
 * Zonal accelerations are the gradient of U = -mu/r sum_n J_n (R/r)^n P_n(z/r)
 * (Vallado, Fundamentals of Astrodynamics, 4th ed., sec. 8.6.1). */
#include "orbit.h"

#include <math.h>

void zk_gravity_accel(const zk_force_model *g, const double r_eci[3], double a_eci[3])
{
    const double x = r_eci[0], y = r_eci[1], z = r_eci[2];
    const double r2 = x * x + y * y + z * z;
    const double r = sqrt(r2);
    const double k0 = g->mu / (r2 * r);   /* mu / r^3 */
    double ax = -k0 * x, ay = -k0 * y, az = -k0 * z;

    if (g->j2 != 0.0 || g->j3 != 0.0 || g->j4 != 0.0) {
        const double s = z / r, s2 = s * s;
        const double q = g->r_eq / r;      /* R / r */
        const double mu_r2 = g->mu / r2;
        const double ex = x / r, ey = y / r;
        if (g->j2 != 0.0) {
            const double k = -1.5 * g->j2 * mu_r2 * q * q;
            const double kxy = k * (1.0 - 5.0 * s2);
            ax += kxy * ex;
            ay += kxy * ey;
            az += k * s * (3.0 - 5.0 * s2);
        }
        if (g->j3 != 0.0) {
            const double k = -2.5 * g->j3 * mu_r2 * q * q * q;
            const double kxy = k * s * (3.0 - 7.0 * s2);
            ax += kxy * ex;
            ay += kxy * ey;
            az += k * (6.0 * s2 - 7.0 * s2 * s2 - 0.6);
        }
        if (g->j4 != 0.0) {
            const double k = 1.875 * g->j4 * mu_r2 * q * q * q * q;
            const double kxy = k * (1.0 - 14.0 * s2 + 21.0 * s2 * s2);
            ax += kxy * ex;
            ay += kxy * ey;
            az += k * s * (5.0 - 70.0 / 3.0 * s2 + 21.0 * s2 * s2);
        }
    }
    a_eci[0] = ax;
    a_eci[1] = ay;
    a_eci[2] = az;
}

void zk_orbit_accel(const zk_force_model *f, const double r_eci[3], const double v_eci[3], double a_eci[3])
{
    (void)v_eci;
    zk_gravity_accel(f, r_eci, a_eci);
}

void zk_orbit_step(zk_orbit *o, const zk_force_model *g, double dt)
{
    const double stage_dt[3] = {0.5 * dt, 0.5 * dt, dt};
    const double weight[4] = {dt / 6.0, dt / 3.0, dt / 3.0, dt / 6.0};
    double r[3], v[3], a[3], r_new[3], v_new[3];
    int stage, k;

    for (k = 0; k < 3; ++k) {
        r[k] = r_new[k] = o->r_eci[k];
        v[k] = v_new[k] = o->v_eci[k];
    }
    for (stage = 0; stage < 4; ++stage) {
        zk_orbit_accel(g, r, v, a);
        for (k = 0; k < 3; ++k) {
            r_new[k] += weight[stage] * v[k];
            v_new[k] += weight[stage] * a[k];
        }
        if (stage < 3) {
            for (k = 0; k < 3; ++k) {
                r[k] = o->r_eci[k] + stage_dt[stage] * v[k];
                v[k] = o->v_eci[k] + stage_dt[stage] * a[k];
            }
        }
    }
    for (k = 0; k < 3; ++k) {
        o->r_eci[k] = r_new[k];
        o->v_eci[k] = v_new[k];
    }
}

void zk_orbit_propagate(zk_orbit *o, const zk_force_model *g, double dt_total, double h_max)
{
    double n_steps, h;
    long i, n;
    if (dt_total == 0.0 || !isfinite(dt_total))
        return;
    /* A non-positive or non-finite h_max leaves no sensible subdivision: take one step. */
    n_steps = (h_max > 0.0 && isfinite(h_max)) ? ceil(fabs(dt_total) / h_max) : 1.0;
    n = (long)n_steps;
    h = dt_total / (double)n;
    for (i = 0; i < n; ++i)
        zk_orbit_step(o, g, h);
}
