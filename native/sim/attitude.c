/* attitude.c - gyrostat attitude dynamics with reaction wheels, fixed-step RK4 (see attitude.h). */
#include "attitude.h"

#include <math.h>
#include <stddef.h>

#include "common/quat.h"
#include "common/vec3.h"

int zk_body_init(zk_body *b)
{
    const double *j = b->j_b;
    double cof[9], det, scale = 0.0;
    int i, k;

    if (b->n_wheels < 0 || b->n_wheels > ZK_MAX_WHEELS)
        return -1;

    cof[0] = j[4] * j[8] - j[5] * j[7];
    cof[1] = j[2] * j[7] - j[1] * j[8];
    cof[2] = j[1] * j[5] - j[2] * j[4];
    cof[3] = j[5] * j[6] - j[3] * j[8];
    cof[4] = j[0] * j[8] - j[2] * j[6];
    cof[5] = j[2] * j[3] - j[0] * j[5];
    cof[6] = j[3] * j[7] - j[4] * j[6];
    cof[7] = j[1] * j[6] - j[0] * j[7];
    cof[8] = j[0] * j[4] - j[1] * j[3];
    det = j[0] * cof[0] + j[1] * cof[3] + j[2] * cof[6];
    for (k = 0; k < 9; ++k)
        if (fabs(j[k]) > scale)
            scale = fabs(j[k]);
    /* Singular, or so ill-conditioned that the inverse is meaningless, or not finite. */
    if (!(fabs(det) > 1e-12 * scale * scale * scale) || !isfinite(det))
        return -1;
    for (k = 0; k < 9; ++k)
        b->j_inv_b[k] = cof[k] / det;

    for (k = 0; k < 9; ++k)
        b->j_total_b[k] = j[k];
    for (i = 0; i < b->n_wheels; ++i) {
        const double *a = &b->wheel_axis_b[3 * i];
        int r, c;
        for (r = 0; r < 3; ++r)
            for (c = 0; c < 3; ++c)
                b->j_total_b[3 * r + c] += b->wheel_inertia[i] * a[r] * a[c];
    }
    return 0;
}

void zk_gravity_gradient(const zk_body *b, const double q_ib[4], const double r_eci[3], double mu,
                         double torque_b[3])
{
    const double r2 = r_eci[0] * r_eci[0] + r_eci[1] * r_eci[1] + r_eci[2] * r_eci[2];
    const double r = sqrt(r2);
    double n_b[3], jn[3], k;
    int i;
    if (!(r > 0.0)) {
        torque_b[0] = torque_b[1] = torque_b[2] = 0.0;
        return;
    }
    zk_quat_rotate_inv(q_ib, r_eci, n_b);
    for (i = 0; i < 3; ++i)
        n_b[i] /= r;
    zk_mat3_vec(b->j_total_b, n_b, jn);
    zk_cross3(n_b, jn, torque_b);
    k = 3.0 * mu / (r2 * r);
    for (i = 0; i < 3; ++i)
        torque_b[i] *= k;
}

/* Time derivative of the state (q, w, h) under wheel torques u and a constant external torque. */
static void derivative(const zk_body *b, const double q[4], const double w[3], const double *h,
                       const double *u, const double torque_b[3], const double *r_eci, double mu,
                       double dq[4], double dw[3], double *dh)
{
    const double w_quat[4] = {w[0], w[1], w[2], 0.0};
    double h_b[3], wxh[3], rhs[3];
    int i, k;

    zk_mat3_vec(b->j_b, w, h_b);
    for (k = 0; k < 3; ++k)
        rhs[k] = (torque_b != NULL) ? torque_b[k] : 0.0;
    for (i = 0; i < b->n_wheels; ++i) {
        const double *a = &b->wheel_axis_b[3 * i];
        const double u_i = (u != NULL) ? u[i] : 0.0;
        for (k = 0; k < 3; ++k) {
            h_b[k] += a[k] * h[i];
            rhs[k] -= a[k] * u_i;
        }
        dh[i] = u_i;
    }
    if (r_eci != NULL) {
        double t_gg[3];
        zk_gravity_gradient(b, q, r_eci, mu, t_gg);
        for (k = 0; k < 3; ++k)
            rhs[k] += t_gg[k];
    }
    zk_cross3(w, h_b, wxh);
    for (k = 0; k < 3; ++k)
        rhs[k] -= wxh[k];
    zk_mat3_vec(b->j_inv_b, rhs, dw);

    zk_quat_mul(q, w_quat, dq);
    for (k = 0; k < 4; ++k)
        dq[k] *= 0.5;
}

void zk_attitude_step(zk_attitude *s, const zk_body *b, const double *u_wheel, const double torque_b[3],
                      const double *r_eci, double mu, double dt)
{
    const int n = b->n_wheels;
    const double stage_dt[3] = {0.5 * dt, 0.5 * dt, dt};
    const double weight[4] = {dt / 6.0, dt / 3.0, dt / 3.0, dt / 6.0};
    double dq[4], dw[3], dh[ZK_MAX_WHEELS];
    double q[4], w[3], h[ZK_MAX_WHEELS];
    double q_new[4], w_new[3], h_new[ZK_MAX_WHEELS];
    int stage, k;

    for (k = 0; k < 4; ++k)
        q[k] = q_new[k] = s->q_ib[k];
    for (k = 0; k < 3; ++k)
        w[k] = w_new[k] = s->w_b[k];
    for (k = 0; k < n; ++k)
        h[k] = h_new[k] = s->h_wheel[k];

    for (stage = 0; stage < 4; ++stage) {
        derivative(b, q, w, h, u_wheel, torque_b, r_eci, mu, dq, dw, dh);
        for (k = 0; k < 4; ++k)
            q_new[k] += weight[stage] * dq[k];
        for (k = 0; k < 3; ++k)
            w_new[k] += weight[stage] * dw[k];
        for (k = 0; k < n; ++k)
            h_new[k] += weight[stage] * dh[k];
        if (stage < 3) {
            for (k = 0; k < 4; ++k)
                q[k] = s->q_ib[k] + stage_dt[stage] * dq[k];
            for (k = 0; k < 3; ++k)
                w[k] = s->w_b[k] + stage_dt[stage] * dw[k];
            for (k = 0; k < n; ++k)
                h[k] = s->h_wheel[k] + stage_dt[stage] * dh[k];
        }
    }

    zk_quat_normalize(q_new);
    for (k = 0; k < 4; ++k)
        s->q_ib[k] = q_new[k];
    for (k = 0; k < 3; ++k)
        s->w_b[k] = w_new[k];
    for (k = 0; k < n; ++k)
        s->h_wheel[k] = h_new[k];
}

void zk_wheel_speeds(const zk_attitude *s, const zk_body *b, double *omega_rad_s)
{
    int i;
    for (i = 0; i < b->n_wheels; ++i) {
        const double *a = &b->wheel_axis_b[3 * i];
        const double a_dot_w = a[0] * s->w_b[0] + a[1] * s->w_b[1] + a[2] * s->w_b[2];
        omega_rad_s[i] = s->h_wheel[i] / b->wheel_inertia[i] - a_dot_w;
    }
}
