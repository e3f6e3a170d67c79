/* orbit_filter.c - the onboard orbit's GNSS fix update (see orbit_filter.h). The arithmetic is
 * operation for operation that of the Python it replaced, so the results did not change. */
#include <math.h>
#include "orbit_filter.h"
#include "common/earth.h"

void zk_orbit_filter_fix(zk_orbit_filter *f, zk_orbit *o, double jd_utc, const double r_ecef[3],
                         const double v_ecef[3], double dt_s, int restart)
{
    const double var_r = f->var_r_m2, var_v = f->var_v_m2_s2, q = f->accel_noise_m2_s3, dt = dt_s;
    double fix_r[3], fix_v[3], a, b, c, det, k_rr, k_rv, k_vr, k_vv;
    int i;
    zk_ecef_to_eci(zk_gmst(jd_utc), r_ecef, v_ecef, fix_r, fix_v);
    if (restart) {
        for (i = 0; i < 3; i++) {
            o->r_eci[i] = fix_r[i];
            o->v_eci[i] = fix_v[i];
        }
        f->p_rr_m2 = var_r;
        f->p_rv_m2_s = 0.0;
        f->p_vv_m2_s2 = var_v;
        return;
    }
    a = f->p_rr_m2;
    b = f->p_rv_m2_s;
    c = f->p_vv_m2_s2;
    a += 2.0 * b * dt + c * dt * dt + q * pow(dt, 3.0) / 3.0;
    b += c * dt + q * dt * dt / 2.0;
    c += q * dt;
    det = (a + var_r) * (c + var_v) - b * b;
    k_rr = (a * (c + var_v) - b * b) / det;
    k_rv = b * var_r / det;
    k_vr = b * var_v / det;
    k_vv = (c * (a + var_r) - b * b) / det;
    for (i = 0; i < 3; i++) {
        const double dr = fix_r[i] - o->r_eci[i], dv = fix_v[i] - o->v_eci[i];
        o->r_eci[i] += k_rr * dr + k_rv * dv;
        o->v_eci[i] += k_vr * dr + k_vv * dv;
    }
    f->p_rr_m2 = a - k_rr * a - k_rv * b;
    f->p_rv_m2_s = b - k_rr * b - k_rv * c;
    f->p_vv_m2_s2 = c - k_vr * b - k_vv * c;
}
