/* sensors.c - measurement models of the simulated sensors (see sensors.h). */
#include <math.h>
#include <stddef.h>
#include "sensors.h"
#include "common/constants.h"
#include "common/quat.h"
#include "common/earth.h"
#include "common/vec3.h"

#define TIME_EPS_S 1e-6         /* readings due at t are taken at t - TIME_EPS_S (sums of ticks round) */
#define SUN_FIT_DAMPING 1e-9    /* keeps the fit defined with fewer than three independent lit heads */

double zk_fault_noise_factor(const zk_fault *f) { return f->kind == ZK_FAULT_NOISY ? f->factor : 1.0; }

/* 1 if a reading is due at t_s (and move *t_next_s past t_s on the grid of period_s), else 0. */
static int reading_due(double *t_next_s, double period_s, double t_s)
{
    if (period_s <= 0.0)
        return 1;
    if (t_s < *t_next_s - TIME_EPS_S)
        return 0;
    *t_next_s += period_s * (floor((t_s + TIME_EPS_S - *t_next_s) / period_s) + 1.0);
    return 1;
}

/* --- gyro ----------------------------------------------------------------------------------- */

void zk_gyro_start(zk_gyro *g)
{
    int k, i;
    for (k = 0; k < g->n_markov; k++) {
        const double phi = g->markov_phi[k];
        const double sigma = g->markov_step_rad_s[k] / sqrt(1.0 - phi * phi);
        for (i = 0; i < 3; i++)
            g->markov_b[3 * k + i] = sigma * zk_rng_normal(&g->rng);
    }
}

int zk_gyro_measure(zk_gyro *g, const double w_b_true[3])
{
    const zk_fault *f = &g->fault;
    const double nf = zk_fault_noise_factor(f);
    double rate_b[3];
    int i, k;
    for (i = 0; i < 3; i++) {
        double bias = g->bias_b[i];
        for (k = 0; k < g->n_markov; k++) {
            double *x = &g->markov_b[3 * k + i];
            *x = g->markov_phi[k] * *x + g->markov_step_rad_s[k] * zk_rng_normal(&g->rng);
            bias += *x;
        }
        if (g->walk_step_rad_s > 0.0)
            g->walk_b[i] += g->walk_step_rad_s * zk_rng_normal(&g->rng);
        rate_b[i] = w_b_true[i] + bias + g->walk_b[i] + nf * g->noise_rad_s * zk_rng_normal(&g->rng);
        if (f->kind == ZK_FAULT_BIASED)
            rate_b[i] += f->bias[i];
    }
    if (f->kind == ZK_FAULT_DEAD)
        return 0;
    if (f->kind != ZK_FAULT_STUCK)
        for (i = 0; i < 3; i++)
            g->rate_b[i] = rate_b[i];
    return 1;
}

void zk_gyro_measure_n(zk_gyro *g, const double w_b_true[3], double *rate_b_out, long n)
{
    long j;
    int i;
    for (j = 0; j < n; j++) {
        zk_gyro_measure(g, w_b_true);
        for (i = 0; i < 3; i++)
            rate_b_out[3 * j + i] = g->rate_b[i];
    }
}

/* --- star tracker --------------------------------------------------------------------------- */

/* In umbra the sun is hidden and the whole visible cap of the Earth is in night (a satellite sees
 * the sun exactly when its visible cap holds daylight, for a cylindrical shadow; the umbra cone lies
 * inside that cylinder). Otherwise the sun and the Earth's limb are checked against their angles. */
static int tracker_blinded(const zk_star_tracker *st, const double q_ib_true[4], const double r_sat_eci[3],
                           const double r_sun_eci[3], double sun_fraction)
{
    const double z_s[3] = {0.0, 0.0, 1.0};
    double bore_b[3], bore_i[3], sun_i[3], nadir_i[3], r_m, earth_radius_rad;
    int i;
    if (sun_fraction <= 0.0)
        return 0;
    zk_quat_rotate(st->q_bs, z_s, bore_b);
    zk_quat_rotate(q_ib_true, bore_b, bore_i);
    r_m = zk_norm3(r_sat_eci);
    for (i = 0; i < 3; i++) {
        sun_i[i] = r_sun_eci[i] - r_sat_eci[i];
        nadir_i[i] = -r_sat_eci[i] / r_m;
    }
    zk_normalize3(sun_i);
    if (zk_angle3(bore_i, sun_i) < st->sun_exclusion_rad)
        return 1;
    earth_radius_rad = r_m > ZK_WGS84_A ? asin(ZK_WGS84_A / r_m) : 0.5 * ZK_PI;
    return zk_angle3(bore_i, nadir_i) - earth_radius_rad < st->earth_exclusion_rad;
}

int zk_star_tracker_measure(zk_star_tracker *st, double t_s, const double q_ib_true[4],
                            const double *r_sat_eci, const double *r_sun_eci, double sun_fraction)
{
    const zk_fault *f = &st->fault;
    const double nf = zk_fault_noise_factor(f);
    double rv_s[3], rv_b[3], dq[4], q_ib[4];
    int i;
    if (!reading_due(&st->t_next_s, st->period_s, t_s))
        return 0;
    /* A dead tracker says nothing at all, not even that it is blinded. */
    st->blinded = f->kind != ZK_FAULT_DEAD && r_sat_eci != NULL
                  && tracker_blinded(st, q_ib_true, r_sat_eci, r_sun_eci, sun_fraction);
    if (st->blinded)
        return 0;
    rv_s[0] = nf * st->noise_cross_rad * zk_rng_normal(&st->rng);
    rv_s[1] = nf * st->noise_cross_rad * zk_rng_normal(&st->rng);
    rv_s[2] = nf * st->noise_about_rad * zk_rng_normal(&st->rng);
    if (f->kind == ZK_FAULT_BIASED)
        for (i = 0; i < 3; i++)
            rv_s[i] += f->bias[i];
    zk_quat_rotate(st->q_bs, rv_s, rv_b);
    zk_quat_from_rotvec(rv_b, dq);
    zk_quat_mul(q_ib_true, dq, q_ib);
    zk_quat_normalize(q_ib);
    if (f->kind == ZK_FAULT_DEAD)
        return 0;
    if (f->kind != ZK_FAULT_STUCK)
        for (i = 0; i < 4; i++)
            st->q_ib[i] = q_ib[i];
    return 1;
}

/* --- magnetometer --------------------------------------------------------------------------- */

int zk_magnetometer_measure(zk_magnetometer *m, const double q_ib_true[4], const double b_eci_t[3],
                            const double dipole_am2[3])
{
    const zk_fault *f = &m->fault;
    const double nf = zk_fault_noise_factor(f);
    double b_b_t[3];
    int i;
    zk_quat_rotate_inv(q_ib_true, b_eci_t, b_b_t);
    for (i = 0; i < 3; i++) {
        b_b_t[i] += m->bias_b_t[i] + zk_dot3(&m->coupling_t_per_am2[3 * i], dipole_am2) +
                    nf * m->noise_t * zk_rng_normal(&m->rng);
        if (f->kind == ZK_FAULT_BIASED)
            b_b_t[i] += f->bias[i];
    }
    if (f->kind == ZK_FAULT_DEAD)
        return 0;
    if (f->kind != ZK_FAULT_STUCK)
        for (i = 0; i < 3; i++)
            m->b_b_t[i] = b_b_t[i];
    return 1;
}

/* --- sun sensor ----------------------------------------------------------------------------- */


/* Least-squares sun vector (full-sun units) over the heads above lit_a (facing NULL) or over the heads
 * whose normal has a positive component along facing. Returns the number of heads used. */
static int sun_fit(const zk_sun_sensor *s, const double *current_a, const double *facing, double v[3])
{
    double a[9] = {SUN_FIT_DAMPING, 0.0, 0.0, 0.0, SUN_FIT_DAMPING, 0.0, 0.0, 0.0, SUN_FIT_DAMPING};
    double b[3] = {0.0, 0.0, 0.0}, a_inv[9];
    int h, i, j, used = 0;
    for (h = 0; h < s->n_heads; h++) {
        const double *n = &s->normal_b[3 * h];
        if (facing == NULL ? current_a[h] <= s->lit_a : zk_dot3(n, facing) <= 0.0)
            continue;
        used++;
        for (i = 0; i < 3; i++) {
            b[i] += n[i] * current_a[h] / s->scale_a;
            for (j = 0; j < 3; j++)
                a[3 * i + j] += n[i] * n[j];
        }
    }
    zk_mat3_inverse(a, a_inv); /* the damping keeps a positive definite */
    for (i = 0; i < 3; i++)
        v[i] = a_inv[3 * i] * b[0] + a_inv[3 * i + 1] * b[1] + a_inv[3 * i + 2] * b[2];
    return used;
}

int zk_sun_sensor_measure(zk_sun_sensor *s, const double q_ib_true[4], const double r_sat_eci[3],
                          const double r_sun_eci[3], double sun_fraction)
{
    const zk_fault *f = &s->fault;
    const double nf = zk_fault_noise_factor(f);
    double d_i[3], d_b[3], current_a[ZK_SUN_HEADS_MAX], lit_v[3], v[3], length;
    int h, i, lit;
    for (i = 0; i < 3; i++)
        d_i[i] = r_sun_eci[i] - r_sat_eci[i];
    zk_quat_rotate_inv(q_ib_true, d_i, d_b);
    zk_normalize3(d_b);
    for (h = 0; h < s->n_heads; h++) {
        const double c = zk_dot3(&s->normal_b[3 * h], d_b);
        current_a[h] = s->scale_a * (c > 0.0 ? c : 0.0) * sun_fraction + nf * s->noise_a * zk_rng_normal(&s->rng);
        if (f->kind == ZK_FAULT_BIASED)
            current_a[h] += f->bias[h];
    }
    if (f->kind == ZK_FAULT_DEAD)
        return 0;
    if (f->kind == ZK_FAULT_STUCK)
        return s->valid;
    for (h = 0; h < s->n_heads; h++)
        s->current_a[h] = current_a[h];
    lit = sun_fit(s, current_a, NULL, lit_v);
    sun_fit(s, current_a, lit_v, v);
    length = zk_norm3(v);
    s->valid = lit > 0 && length >= s->valid_fraction;
    for (i = 0; i < 3; i++)
        s->s_b[i] = s->valid ? v[i] / length : 0.0;
    return s->valid;
}

/* --- GNSS ----------------------------------------------------------------------------------- */

static double exponential(zk_rng *r, double mean)
{
    return isinf(mean) ? mean : -mean * log(1.0 - zk_rng_uniform(r));
}

static void gnss_next_outage(zk_gnss *g, double from_s)
{
    g->outage_start_s = from_s + exponential(&g->rng, g->outage_gap_mean_s);
    g->outage_end_s = g->outage_start_s + exponential(&g->rng, g->outage_mean_s);
}

void zk_gnss_start(zk_gnss *g, double t_s)
{
    g->t_next_s = t_s;
    gnss_next_outage(g, t_s);
}

int zk_gnss_measure(zk_gnss *g, double t_s, double gmst, const double r_eci_true[3],
                    const double v_eci_true[3])
{
    const zk_fault *f = &g->fault;
    const double nf = zk_fault_noise_factor(f);
    double r_ecef[3], v_ecef[3];
    int i;
    if (!reading_due(&g->t_next_s, g->period_s, t_s))
        return 0;
    while (t_s >= g->outage_end_s)
        gnss_next_outage(g, g->outage_end_s);
    if (t_s >= g->outage_start_s)
        return 0;
    zk_eci_to_ecef(gmst, r_eci_true, v_eci_true, r_ecef, v_ecef);
    for (i = 0; i < 3; i++) {
        r_ecef[i] += nf * g->noise_pos_m * zk_rng_normal(&g->rng);
        v_ecef[i] += nf * g->noise_vel_m_s * zk_rng_normal(&g->rng);
        if (f->kind == ZK_FAULT_BIASED) {
            r_ecef[i] += f->bias[i];
            v_ecef[i] += f->bias[3 + i];
        }
    }
    if (f->kind == ZK_FAULT_DEAD)
        return 0;
    if (f->kind != ZK_FAULT_STUCK)
        for (i = 0; i < 3; i++) {
            g->r_ecef[i] = r_ecef[i];
            g->v_ecef[i] = v_ecef[i];
        }
    return 1;
}
