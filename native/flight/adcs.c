/* adcs.c - onboard attitude numerics (see adcs.h). */
#include <math.h>
#include "adcs.h"
#include "common/quat.h"
#include "common/vec3.h"

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

static double clamp(double x, double limit) { return x > limit ? limit : (x < -limit ? -limit : x); }

void zk_pd_control_track(zk_pd_control *c, const double q_ref_ib[4], const double w_ref_r[3],
                         const double alpha_ref_r[3], const double q_ib[4], const double w_b[3],
                         const double h_wheel_b[3], const double torque_ext_b[3])
{
    double q_ref_inv[4], dq[4], w_ref_b[3], alpha_ref_b[3], transport[3], wd_ref_b[3], j_wd[3], hw[3],
        gyro[3], err[3], sgn;
    int i, integrate;
    for (i = 0; i < 4; i++)
        c->q_ref_ib[i] = q_ref_ib[i];
    for (i = 0; i < 3; i++) {
        c->w_ref_r[i] = w_ref_r[i];
        c->alpha_ref_r[i] = alpha_ref_r[i];
    }
    c->steps++;
    zk_quat_conj(q_ref_ib, q_ref_inv);
    zk_quat_mul(q_ref_inv, q_ib, dq);
    sgn = dq[3] < 0.0 ? -1.0 : 1.0;
    c->angle_err_rad = 2.0 * atan2(zk_norm3(dq), fabs(dq[3]));
    zk_quat_rotate_inv(dq, w_ref_r, w_ref_b);
    zk_quat_rotate_inv(dq, alpha_ref_r, alpha_ref_b);
    for (i = 0; i < 3; i++) {
        c->rate_err_b[i] = w_b[i] - w_ref_b[i];
        err[i] = 2.0 * sgn * dq[i];
    }
    zk_cross3(c->rate_err_b, w_ref_b, transport);
    for (i = 0; i < 3; i++)
        wd_ref_b[i] = alpha_ref_b[i] - transport[i];
    zk_mat3_vec(c->j_b, wd_ref_b, j_wd);
    zk_mat3_vec(c->j_b, w_b, hw);
    for (i = 0; i < 3; i++)
        hw[i] += h_wheel_b[i];
    zk_cross3(w_b, hw, gyro);
    integrate = !c->hold_integral && c->angle_err_rad < c->integral_zone_rad;
    for (i = 0; i < 3; i++) {
        if (!(c->ki[i] > 0.0))
            c->integral_rad_s[i] = 0.0;
        else if (integrate)
            c->integral_rad_s[i] =
                clamp(c->integral_rad_s[i] + err[i] * c->dt_s, c->integral_max_nm[i] / c->ki[i]);
        c->torque_b[i] = j_wd[i] + gyro[i] - c->kp[i] * err[i] - c->kd[i] * c->rate_err_b[i] -
                         c->ki[i] * c->integral_rad_s[i] - torque_ext_b[i];
    }
}

/* Inverse of a = A A^T; -1 if the wheel axes in it do not span 3-D (a relative determinant test). */
static int invert_aat(const double a[9], double inv[9])
{
    const double scale = fabs(a[0]) + fabs(a[4]) + fabs(a[8]);
    const double det = zk_mat3_inverse(a, inv);
    return fabs(det) > 1e-12 * scale * scale * scale ? 0 : -1;
}

int zk_wheel_map_init(zk_wheel_map *m)
{
    double aat[9] = {0}, inv[9] = {0};
    int i, j, r, c, active = 0;
    if (m->n < 3 || m->n > ZK_MAX_WHEELS)
        return -1;
    for (i = 0; i < m->n; i++) {
        if (m->failed[i])
            continue;
        active++;
        for (r = 0; r < 3; r++)
            for (c = 0; c < 3; c++)
                aat[3 * r + c] += m->axis_b[3 * i + r] * m->axis_b[3 * i + c];
    }
    if (active < 3 || invert_aat(aat, inv) != 0)
        return -1;
    m->n_active = active;
    for (i = 0; i < m->n; i++)
        for (c = 0; c < 3; c++) {
            const double *a = &m->axis_b[3 * i];
            m->pinv[3 * i + c] = m->failed[i] ? 0.0 : a[0] * inv[c] + a[1] * inv[3 + c] + a[2] * inv[6 + c];
        }
    for (i = 0; i < m->n; i++)
        for (j = 0; j < m->n; j++) {
            double nij = 0.0;
            if (active > 3 && !m->failed[i] && !m->failed[j])
                nij = (i == j ? 1.0 : 0.0) - zk_dot3(&m->pinv[3 * i], &m->axis_b[3 * j]);
            m->null_proj[ZK_MAX_WHEELS * i + j] = nij;
        }
    return 0;
}

int zk_wheel_map_set_failed(zk_wheel_map *m, int i, int failed)
{
    int was;
    if (i < 0 || i >= m->n || i >= ZK_MAX_WHEELS)
        return -1;
    was = m->failed[i];
    m->failed[i] = failed ? 1 : 0;
    if (zk_wheel_map_init(m) == 0)
        return 0;
    m->failed[i] = was;
    zk_wheel_map_init(m);
    return -1;
}

void zk_wheel_map_distribute(zk_wheel_map *m, const double torque_b[3], const double *speed_rad_s,
                             double *u_wheel_nm)
{
    double pull[ZK_MAX_WHEELS], u_null[ZK_MAX_WHEELS], worst = 1.0, share = 1.0;
    int i, j;
    for (i = 0; i < m->n; i++) {
        const double u = -zk_dot3(&m->pinv[3 * i], torque_b);
        const double ratio = fabs(u) / m->torque_max_nm[i];
        u_wheel_nm[i] = u;
        if (ratio > worst)
            worst = ratio;
        pull[i] = m->failed[i] ? 0.0 : m->null_gain_nm_s[i] * (m->speed_bias_rad_s[i] - speed_rad_s[i]);
    }
    for (i = 0; i < m->n; i++) {
        const double *row = &m->null_proj[ZK_MAX_WHEELS * i];
        const double limit = m->torque_max_nm[i];
        double room;
        u_wheel_nm[i] /= worst;
        u_null[i] = 0.0;
        for (j = 0; j < m->n; j++)
            u_null[i] += row[j] * pull[j];
        if (u_null[i] != 0.0) {
            room = (u_null[i] > 0.0 ? limit - u_wheel_nm[i] : limit + u_wheel_nm[i]) / fabs(u_null[i]);
            if (room < share)
                share = room > 0.0 ? room : 0.0;
        }
    }
    for (i = 0; i < m->n; i++)
        u_wheel_nm[i] += share * u_null[i];
    m->torque_scale = 1.0 / worst;
    m->null_scale = share;
}

void zk_wheel_map_add_friction(const zk_wheel_map *m, const double *speed_rad_s, double *u_wheel_nm)
{
    int i;
    for (i = 0; i < m->n; i++) {
        const double speed = speed_rad_s[i];
        const double u = u_wheel_nm[i];
        const double moving = fabs(speed) > ZK_WHEEL_STILL_RAD_S ? speed : u;
        const double sign = moving > 0.0 ? 1.0 : (moving < 0.0 ? -1.0 : 0.0);
        if (!m->failed[i])
            u_wheel_nm[i] = u + m->friction_coulomb_nm[i] * sign + m->friction_viscous_nm_s[i] * speed;
    }
}

void zk_wheel_map_momentum(const zk_wheel_map *m, const double *inertia, const double *speed_rad_s,
                           double h_b[3])
{
    int i, k;
    h_b[0] = h_b[1] = h_b[2] = 0.0;
    for (i = 0; i < m->n; i++)
        if (!m->failed[i])
            for (k = 0; k < 3; k++)
                h_b[k] += m->axis_b[3 * i + k] * inertia[i] * speed_rad_s[i];
}

/* Scale a dipole down as a whole so that every axis is within its limit. */
static void fit_dipole(double dipole_am2[3], const double dipole_max_am2[3])
{
    double worst = 1.0;
    int i;
    for (i = 0; i < 3; i++) {
        const double ratio = fabs(dipole_am2[i]) / dipole_max_am2[i];
        if (ratio > worst)
            worst = ratio;
    }
    for (i = 0; i < 3; i++)
        dipole_am2[i] /= worst;
}

void zk_momentum_dump_step(zk_momentum_dump *c, const double h_wheel_b[3], const double b_b_t[3],
                           double dipole_am2[3])
{
    const double b2 = zk_dot3(b_b_t, b_b_t);
    double excess[3];
    int i;
    for (i = 0; i < 3; i++)
        excess[i] = h_wheel_b[i] - c->h_target_b_nms[i];
    zk_cross3(excess, b_b_t, dipole_am2);
    for (i = 0; i < 3; i++)
        dipole_am2[i] = b2 > 0.0 ? c->gain_per_s * dipole_am2[i] / b2 : 0.0;
    fit_dipole(dipole_am2, c->dipole_max_am2);
    zk_cross3(dipole_am2, b_b_t, c->torque_b);
}

void zk_bdot_reset(zk_bdot *c)
{
    int i;
    c->readings = 0;
    for (i = 0; i < 3; i++)
        c->db_dt_b_t_s[i] = 0.0;
}

void zk_bdot_step(zk_bdot *c, const double b_b_t[3], double dt_s, double dipole_am2[3])
{
    const double a = c->filter_s > 0.0 ? 1.0 - exp(-dt_s / c->filter_s) : 1.0;
    int i;
    for (i = 0; i < 3; i++) {
        const double raw = (b_b_t[i] - c->b_last_b_t[i]) / dt_s;
        if (c->readings == 1)
            c->db_dt_b_t_s[i] = raw;
        else if (c->readings == 2)
            c->db_dt_b_t_s[i] += a * (raw - c->db_dt_b_t_s[i]);
        c->b_last_b_t[i] = b_b_t[i];
        dipole_am2[i] = -c->gain_am2_s_t * c->db_dt_b_t_s[i];
    }
    if (c->readings < 2)
        c->readings++;
    fit_dipole(dipole_am2, c->dipole_max_am2);
}
