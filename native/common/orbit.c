/* orbit.c - two-body plus J2, J3, J4 zonal gravity, drag in an exponential atmosphere, and
 * fixed-step RK4 propagation (see orbit.h).
 * Zonal accelerations are the gradient of U = -mu/r sum_n J_n (R/r)^n P_n(z/r)
 * (Vallado, Fundamentals of Astrodynamics, 4th ed., sec. 8.6.1). */
#include "orbit.h"

#include <math.h>

#include "constants.h"
#include "earth.h"


/* Vallado, 4th ed., Table 8-4: base altitude (km), nominal density (kg/m^3), scale height (km). */
static const double atmosphere_band[][3] = {
    {0.0, 1.225, 7.249},         {25.0, 3.899e-2, 6.349},     {30.0, 1.774e-2, 6.682},
    {40.0, 3.972e-3, 7.554},     {50.0, 1.057e-3, 8.382},     {60.0, 3.206e-4, 7.714},
    {70.0, 8.770e-5, 6.549},     {80.0, 1.905e-5, 5.799},     {90.0, 3.396e-6, 5.382},
    {100.0, 5.297e-7, 5.877},    {110.0, 9.661e-8, 7.263},    {120.0, 2.438e-8, 9.473},
    {130.0, 8.484e-9, 12.636},   {140.0, 3.845e-9, 16.149},   {150.0, 2.070e-9, 22.523},
    {180.0, 5.464e-10, 29.740},  {200.0, 2.789e-10, 37.105},  {250.0, 7.248e-11, 45.546},
    {300.0, 2.418e-11, 53.628},  {350.0, 9.518e-12, 53.298},  {400.0, 3.725e-12, 58.515},
    {450.0, 1.585e-12, 60.828},  {500.0, 6.967e-13, 63.822},  {600.0, 1.454e-13, 71.835},
    {700.0, 3.614e-14, 88.667},  {800.0, 1.170e-14, 124.64},  {900.0, 5.245e-15, 181.05},
    {1000.0, 3.019e-15, 268.00},
};
#define ZK_ATMOSPHERE_BANDS ((int)(sizeof atmosphere_band / sizeof atmosphere_band[0]))

double zk_atmosphere_density(double alt_m)
{
    const double h_km = alt_m * 1e-3;
    int i = ZK_ATMOSPHERE_BANDS - 1;
    while (i > 0 && h_km < atmosphere_band[i][0])
        --i;
    return atmosphere_band[i][1] * exp((atmosphere_band[i][0] - h_km) / atmosphere_band[i][2]);
}

/* Height above the WGS-84 ellipsoid, taken along the radius: |r| minus the ellipsoid radius at the
 * geocentric latitude. It exceeds the height along the normal by about h (f sin 2 lat)^2 / 2: at most
 * 2.6 m at 500 km, 4.9 m at 1000 km (under 0.005 % of a density). A height needs no rotation to ECEF. */
static double ellipsoid_height_m(const double r_eci[3])
{
    const double a = ZK_WGS84_A, b = ZK_WGS84_B;
    const double p2 = r_eci[0] * r_eci[0] + r_eci[1] * r_eci[1], z2 = r_eci[2] * r_eci[2];
    const double r = sqrt(p2 + z2);
    return r * (1.0 - a * b / sqrt(b * b * p2 + a * a * z2));
}

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
    zk_gravity_accel(f, r_eci, a_eci);
    if (f->drag_area_m2_per_kg > 0.0) {
        /* Velocity relative to an atmosphere turning with the Earth: v - omega_E z x r. */
        const double vx = v_eci[0] + ZK_OMEGA_EARTH * r_eci[1];
        const double vy = v_eci[1] - ZK_OMEGA_EARTH * r_eci[0];
        const double vz = v_eci[2];
        const double k = -0.5 * zk_atmosphere_density(ellipsoid_height_m(r_eci)) * f->drag_area_m2_per_kg
                         * sqrt(vx * vx + vy * vy + vz * vz);
        a_eci[0] += k * vx;
        a_eci[1] += k * vy;
        a_eci[2] += k * vz;
    }
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

void zk_orbit_table(zk_orbit *o, const zk_force_model *g, double dt, long n, double *r_eci_out)
{
    long k;
    for (k = 0; k < n; ++k) {
        if (k > 0)
            zk_orbit_step(o, g, dt);
        r_eci_out[3 * k] = o->r_eci[0];
        r_eci_out[3 * k + 1] = o->r_eci[1];
        r_eci_out[3 * k + 2] = o->r_eci[2];
    }
}
