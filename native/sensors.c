/* sensors.c - measurement models of the simulated sensors (see sensors.h). */
#include <math.h>
#include "sensors.h"
#include "quat.h"
#include "earth.h"
#include "vec3.h"

void zk_gyro_measure(zk_gyro *g, const double w_b_true[3])
{
    int i;
    for (i = 0; i < 3; i++)
        g->rate_b[i] = w_b_true[i] + g->bias_b[i] + g->noise_rad_s * zk_rng_normal(&g->rng);
}

void zk_star_tracker_measure(zk_star_tracker *st, const double q_ib_true[4])
{
    double rv_s[3], rv_b[3], dq[4];
    rv_s[0] = st->noise_cross_rad * zk_rng_normal(&st->rng);
    rv_s[1] = st->noise_cross_rad * zk_rng_normal(&st->rng);
    rv_s[2] = st->noise_about_rad * zk_rng_normal(&st->rng);
    zk_quat_rotate(st->q_bs, rv_s, rv_b);
    zk_quat_from_rotvec(rv_b, dq);
    zk_quat_mul(q_ib_true, dq, st->q_ib);
    zk_quat_normalize(st->q_ib);
}

void zk_magnetometer_measure(zk_magnetometer *m, const double q_ib_true[4], const double b_eci_t[3])
{
    int i;
    zk_quat_rotate_inv(q_ib_true, b_eci_t, m->b_b_t);
    for (i = 0; i < 3; i++)
        m->b_b_t[i] += m->bias_b_t[i] + m->noise_t * zk_rng_normal(&m->rng);
}

void zk_sun_sensor_measure(zk_sun_sensor *s, const double q_ib_true[4], const double r_sat_eci[3],
                           const double r_sun_eci[3], double visible_fraction)
{
    double d_i[3], d_b[3], rv[3], dq[4], t1[3], t2[3], e[3] = {0.0, 0.0, 0.0};
    int i, k = 0;
    double a1 = s->noise_rad * zk_rng_normal(&s->rng);
    double a2 = s->noise_rad * zk_rng_normal(&s->rng);
    if (visible_fraction < 0.5) {
        s->valid = 0;
        s->s_b[0] = s->s_b[1] = s->s_b[2] = 0.0;
        return;
    }
    for (i = 0; i < 3; i++)
        d_i[i] = r_sun_eci[i] - r_sat_eci[i];
    zk_quat_rotate_inv(q_ib_true, d_i, d_b);
    zk_normalize3(d_b);
    /* two directions across the sun line, from the body axis least aligned with it */
    for (i = 1; i < 3; i++)
        if (fabs(d_b[i]) < fabs(d_b[k]))
            k = i;
    e[k] = 1.0;
    zk_cross3(d_b, e, t1);
    zk_normalize3(t1);
    zk_cross3(d_b, t1, t2);
    for (i = 0; i < 3; i++)
        rv[i] = a1 * t1[i] + a2 * t2[i];
    zk_quat_from_rotvec(rv, dq);
    zk_quat_rotate(dq, d_b, s->s_b);
    s->valid = 1;
}

void zk_gnss_measure(zk_gnss *g, double gmst, const double r_eci_true[3], const double v_eci_true[3])
{
    int i;
    zk_eci_to_ecef(gmst, r_eci_true, v_eci_true, g->r_ecef, g->v_ecef);
    for (i = 0; i < 3; i++) {
        g->r_ecef[i] += g->noise_pos_m * zk_rng_normal(&g->rng);
        g->v_ecef[i] += g->noise_vel_m_s * zk_rng_normal(&g->rng);
    }
}
