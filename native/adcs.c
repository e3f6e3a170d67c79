/* adcs.c - onboard attitude numerics (see adcs.h). */
#include <math.h>
#include "adcs.h"
#include "quat.h"
#include "vec3.h"

#define ZK_WHEEL_STILL_RAD_S 0.1

void zk_nadir_reference(const double r_eci[3], const double v_eci[3], double q_ib[4], double w_i[3])
{
    double h[3], x[3], y[3], z[3], m[9], r2, nr, nh;
    int i;
    zk_cross3(r_eci, v_eci, h);
    nr = zk_norm3(r_eci);
    nh = zk_norm3(h);
    r2 = nr * nr;
    for (i = 0; i < 3; i++) {
        z[i] = -r_eci[i] / nr;
        y[i] = -h[i] / nh;
        w_i[i] = h[i] / r2;
    }
    zk_cross3(y, z, x);
    for (i = 0; i < 3; i++) {
        m[3 * i + 0] = x[i];
        m[3 * i + 1] = y[i];
        m[3 * i + 2] = z[i];
    }
    zk_quat_from_dcm(m, q_ib);
}

void zk_attitude_propagate(double q_ib[4], const double w_b[3], double dt)
{
    double rv[3], dq[4], q[4];
    int i;
    for (i = 0; i < 3; i++)
        rv[i] = w_b[i] * dt;
    zk_quat_from_rotvec(rv, dq);
    zk_quat_mul(q_ib, dq, q);
    zk_quat_normalize(q);
    for (i = 0; i < 4; i++)
        q_ib[i] = q[i];
}

void zk_pd_control_step(zk_pd_control *c, const double q_ref_ib[4], const double w_ref_i[3],
                        const double q_ib[4], const double w_b[3], const double h_wheel_b[3])
{
    double q_ref_inv[4], dq[4], w_ref_b[3], hw[3], gyro[3], sgn, nv;
    int i;
    zk_quat_conj(q_ref_ib, q_ref_inv);
    zk_quat_mul(q_ref_inv, q_ib, dq);
    sgn = dq[3] < 0.0 ? -1.0 : 1.0;
    nv = zk_norm3(dq);
    c->angle_err_rad = 2.0 * atan2(nv, fabs(dq[3]));
    zk_quat_rotate_inv(q_ib, w_ref_i, w_ref_b);
    for (i = 0; i < 3; i++) {
        const double *j = &c->j_b[3 * i];
        c->rate_err_b[i] = w_b[i] - w_ref_b[i];
        hw[i] = j[0] * w_b[0] + j[1] * w_b[1] + j[2] * w_b[2] + h_wheel_b[i];
    }
    zk_cross3(w_b, hw, gyro);
    for (i = 0; i < 3; i++)
        c->torque_b[i] = -c->kp[i] * 2.0 * sgn * dq[i] - c->kd[i] * c->rate_err_b[i] + gyro[i];
}

static int invert3(const double a[9], double inv[9])
{
    double det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
                 a[2] * (a[3] * a[7] - a[4] * a[6]);
    double scale = fabs(a[0]) + fabs(a[4]) + fabs(a[8]);
    if (!(fabs(det) > 1e-12 * scale * scale * scale))
        return -1;
    inv[0] = (a[4] * a[8] - a[5] * a[7]) / det;
    inv[1] = (a[2] * a[7] - a[1] * a[8]) / det;
    inv[2] = (a[1] * a[5] - a[2] * a[4]) / det;
    inv[3] = (a[5] * a[6] - a[3] * a[8]) / det;
    inv[4] = (a[0] * a[8] - a[2] * a[6]) / det;
    inv[5] = (a[2] * a[3] - a[0] * a[5]) / det;
    inv[6] = (a[3] * a[7] - a[4] * a[6]) / det;
    inv[7] = (a[1] * a[6] - a[0] * a[7]) / det;
    inv[8] = (a[0] * a[4] - a[1] * a[3]) / det;
    return 0;
}

int zk_wheel_map_init(zk_wheel_map *m)
{
    double aat[9] = {0}, inv[9];
    int i, r, c;
    if (m->n < 3 || m->n > ZK_MAX_WHEELS)
        return -1;
    for (i = 0; i < m->n; i++)
        for (r = 0; r < 3; r++)
            for (c = 0; c < 3; c++)
                aat[3 * r + c] += m->axis_b[3 * i + r] * m->axis_b[3 * i + c];
    if (invert3(aat, inv) != 0)
        return -1;
    for (i = 0; i < m->n; i++)
        for (c = 0; c < 3; c++) {
            const double *a = &m->axis_b[3 * i];
            m->pinv[3 * i + c] = a[0] * inv[c] + a[1] * inv[3 + c] + a[2] * inv[6 + c];
        }
    return 0;
}

void zk_wheel_map_distribute(const zk_wheel_map *m, const double torque_b[3], double *u_wheel_nm)
{
    double worst = 1.0;
    int i;
    for (i = 0; i < m->n; i++) {
        const double *p = &m->pinv[3 * i];
        double u = -(p[0] * torque_b[0] + p[1] * torque_b[1] + p[2] * torque_b[2]);
        double ratio = fabs(u) / m->torque_max_nm[i];
        u_wheel_nm[i] = u;
        if (ratio > worst)
            worst = ratio;
    }
    for (i = 0; i < m->n; i++)
        u_wheel_nm[i] /= worst;
}

void zk_wheel_map_add_friction(const zk_wheel_map *m, const double *speed_rad_s, double *u_wheel_nm)
{
    int i;
    for (i = 0; i < m->n; i++) {
        const double speed = speed_rad_s[i];
        const double u = u_wheel_nm[i];
        const double moving = fabs(speed) > ZK_WHEEL_STILL_RAD_S ? speed : u;
        const double sign = moving > 0.0 ? 1.0 : (moving < 0.0 ? -1.0 : 0.0);
        u_wheel_nm[i] = u + m->friction_coulomb_nm[i] * sign + m->friction_viscous_nm_s[i] * speed;
    }
}

void zk_wheel_map_momentum(const zk_wheel_map *m, const double *inertia, const double *speed_rad_s,
                           double h_b[3])
{
    int i, k;
    h_b[0] = h_b[1] = h_b[2] = 0.0;
    for (i = 0; i < m->n; i++)
        for (k = 0; k < 3; k++)
            h_b[k] += m->axis_b[3 * i + k] * inertia[i] * speed_rad_s[i];
}
