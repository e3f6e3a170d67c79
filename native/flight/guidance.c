/* guidance.c - attitude guidance profiles (see guidance.h). */
#include "guidance.h"

#include <math.h>
#include <stddef.h>

#include "adcs.h"
#include "common/constants.h"
#include "common/earth.h"
#include "common/quat.h"
#include "common/sun.h"
#include "common/vec3.h"

#define JERK_STEP_S 0.1
#define SUN_STEP_S 3600.0
#define SUN_SECONDARY_MIN_SIN 1e-3  /* below: the sun is along the orbit normal, use nadir */
#define TARGET_SECONDARY_MIN_SIN 1e-6
#define AXES_MIN_SIN 1e-9

/* A vector and its first two time derivatives. */
typedef struct {
    double v[3];
    double d1[3];
    double d2[3];
} kin3;

/* u = f / |f| and its derivatives: with n = |f|, n' = f'.u, u' = (f' - n' u) / n,
 * n'' = f''.u + f'.u', u'' = (f'' - n'' u - 2 n' u') / n. Returns n (0: u untouched). */
static double unit_kin(const kin3 *f, kin3 *u)
{
    const double n = zk_norm3(f->v);
    double n1, n2;
    int i;
    if (!(n > 0.0))
        return 0.0;
    for (i = 0; i < 3; i++)
        u->v[i] = f->v[i] / n;
    n1 = zk_dot3(f->d1, u->v);
    for (i = 0; i < 3; i++)
        u->d1[i] = (f->d1[i] - n1 * u->v[i]) / n;
    n2 = zk_dot3(f->d2, u->v) + zk_dot3(f->d1, u->d1);
    for (i = 0; i < 3; i++)
        u->d2[i] = (f->d2[i] - n2 * u->v[i] - 2.0 * n1 * u->d1[i]) / n;
    return n;
}

/* out = g - (g.e) e and its derivatives, e a unit kin3. */
static void perp_kin(const kin3 *g, const kin3 *e, kin3 *out)
{
    const double c0 = zk_dot3(g->v, e->v);
    const double c1 = zk_dot3(g->d1, e->v) + zk_dot3(g->v, e->d1);
    const double c2 = zk_dot3(g->d2, e->v) + 2.0 * zk_dot3(g->d1, e->d1) + zk_dot3(g->v, e->d2);
    int i;
    for (i = 0; i < 3; i++) {
        out->v[i] = g->v[i] - c0 * e->v[i];
        out->d1[i] = g->d1[i] - c1 * e->v[i] - c0 * e->d1[i];
        out->d2[i] = g->d2[i] - c2 * e->v[i] - 2.0 * c1 * e->d1[i] - c0 * e->d2[i];
    }
}

/* out = a x b and its derivatives. */
static void cross_kin(const kin3 *a, const kin3 *b, kin3 *out)
{
    double t[3];
    int i;
    zk_cross3(a->v, b->v, out->v);
    zk_cross3(a->d1, b->v, out->d1);
    zk_cross3(a->v, b->d1, t);
    for (i = 0; i < 3; i++)
        out->d1[i] += t[i];
    zk_cross3(a->d2, b->v, out->d2);
    zk_cross3(a->d1, b->d1, t);
    for (i = 0; i < 3; i++)
        out->d2[i] += 2.0 * t[i];
    zk_cross3(a->v, b->d2, t);
    for (i = 0; i < 3; i++)
        out->d2[i] += t[i];
}

/* R with unit body axis a_b on p and unit body axis b_b (orthogonal to a_b) on s made orthogonal to p.
 * The inertial triad e1 = p/|p|, e2 = unit(s - (s.e1) e1), e3 = e1 x e2 is R's image of (a, b, c = a x b):
 * R(q_ib) = [e1 e2 e3] [a b c]^T. 0, or -1 (out untouched) if p is zero or s is within min_sin of p. */
static int two_vector_reference(const kin3 *p, const kin3 *s, const double a_b[3], const double b_b[3],
                                double min_sin, zk_reference *out)
{
    kin3 e1, e2, e3, s_perp;
    double w_t[3], alpha_t[3], c_b[3], m[9];
    int r, c;
    if (!(unit_kin(p, &e1) > 0.0))
        return -1;
    perp_kin(s, &e1, &s_perp);
    if (!(zk_norm3(s_perp.v) > min_sin * zk_norm3(s->v)))
        return -1;
    unit_kin(&s_perp, &e2);
    cross_kin(&e1, &e2, &e3);
    /* de_i/dt = w x e_i gives w.e1 = e2'.e3 and its cycle; alpha.e1 = e2''.e3 + e2'.e3' likewise. */
    w_t[0] = zk_dot3(e2.d1, e3.v);
    w_t[1] = zk_dot3(e3.d1, e1.v);
    w_t[2] = zk_dot3(e1.d1, e2.v);
    alpha_t[0] = zk_dot3(e2.d2, e3.v) + zk_dot3(e2.d1, e3.d1);
    alpha_t[1] = zk_dot3(e3.d2, e1.v) + zk_dot3(e3.d1, e1.d1);
    alpha_t[2] = zk_dot3(e1.d2, e2.v) + zk_dot3(e1.d1, e2.d1);
    zk_cross3(a_b, b_b, c_b);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 3; c++)
            m[3 * r + c] = e1.v[r] * a_b[c] + e2.v[r] * b_b[c] + e3.v[r] * c_b[c];
    zk_quat_from_dcm(m, out->q_ib);
    for (r = 0; r < 3; r++) {
        out->w_r[r] = w_t[0] * a_b[r] + w_t[1] * b_b[r] + w_t[2] * c_b[r];
        out->alpha_r[r] = alpha_t[0] * a_b[r] + alpha_t[1] * b_b[r] + alpha_t[2] * c_b[r];
        out->w_i[r] = w_t[0] * e1.v[r] + w_t[1] * e2.v[r] + w_t[2] * e3.v[r];
    }
    return 0;
}

/* The satellite's gravity acceleration and jerk (the acceleration's derivative along v). */
static void satellite_accel_jerk(const zk_force_model *f, const double r[3], const double v[3], double a[3],
                                 double jerk[3])
{
    double rp[3], rm[3], ap[3], am[3];
    int i;
    zk_gravity_accel(f, r, a);
    for (i = 0; i < 3; i++) {
        rp[i] = r[i] + JERK_STEP_S * v[i];
        rm[i] = r[i] - JERK_STEP_S * v[i];
    }
    zk_gravity_accel(f, rp, ap);
    zk_gravity_accel(f, rm, am);
    for (i = 0; i < 3; i++)
        jerk[i] = (ap[i] - am[i]) / (2.0 * JERK_STEP_S);
}

static void zero_rates(zk_reference *out)
{
    int i;
    for (i = 0; i < 3; i++) {
        out->w_r[i] = 0.0;
        out->w_i[i] = 0.0;
        out->alpha_r[i] = 0.0;
    }
}

void zk_guidance_hold(const double q_ib[4], zk_reference *out)
{
    int i;
    for (i = 0; i < 4; i++)
        out->q_ib[i] = q_ib[i];
    zk_quat_normalize(out->q_ib);
    zero_rates(out);
}

void zk_guidance_nadir(const zk_force_model *f, const double r_eci[3], const double v_eci[3],
                       zk_reference *out)
{
    double a[3], h[3], r_x_a[3], alpha_i[3], r2, rv;
    int i;
    zk_nadir_reference(r_eci, v_eci, out->q_ib, out->w_i);
    zk_gravity_accel(f, r_eci, a);
    zk_cross3(r_eci, v_eci, h);
    zk_cross3(r_eci, a, r_x_a);
    r2 = zk_dot3(r_eci, r_eci);
    rv = zk_dot3(r_eci, v_eci);
    for (i = 0; i < 3; i++)
        alpha_i[i] = r_x_a[i] / r2 - 2.0 * rv * h[i] / (r2 * r2);
    zk_quat_rotate_inv(out->q_ib, out->w_i, out->w_r);
    zk_quat_rotate_inv(out->q_ib, alpha_i, out->alpha_r);
}

int zk_guidance_sun(const zk_sun_pointing *p, const zk_force_model *f, double jd_tt, const double r_eci[3],
                    const double v_eci[3], zk_reference *out)
{
    const double step_d = SUN_STEP_S / ZK_SECONDS_PER_DAY;
    double a_b[3], b_b[3], sun[3], sun_p[3], sun_m[3], a[3], jerk[3], t[3], ab;
    kin3 to_sun, normal;
    int i;
    for (i = 0; i < 3; i++)
        a_b[i] = p->axis_b[i];
    if (!(zk_norm3(a_b) > 0.0))
        return -1;
    zk_normalize3(a_b);
    ab = zk_dot3(p->secondary_b, a_b);
    for (i = 0; i < 3; i++)
        b_b[i] = p->secondary_b[i] - ab * a_b[i];
    if (!(zk_norm3(b_b) > AXES_MIN_SIN * zk_norm3(p->secondary_b)))
        return -1;
    zk_normalize3(b_b);
    zk_sun_eci(jd_tt, sun);
    zk_sun_eci(jd_tt + step_d, sun_p);
    zk_sun_eci(jd_tt - step_d, sun_m);
    satellite_accel_jerk(f, r_eci, v_eci, a, jerk);
    for (i = 0; i < 3; i++) {
        to_sun.v[i] = sun[i] - r_eci[i];
        to_sun.d1[i] = (sun_p[i] - sun_m[i]) / (2.0 * SUN_STEP_S) - v_eci[i];
        to_sun.d2[i] = (sun_p[i] - 2.0 * sun[i] + sun_m[i]) / (SUN_STEP_S * SUN_STEP_S) - a[i];
    }
    /* orbit normal h = r x v: h' = r x a, h'' = v x a + r x jerk */
    zk_cross3(r_eci, v_eci, normal.v);
    zk_cross3(r_eci, a, normal.d1);
    zk_cross3(v_eci, a, normal.d2);
    zk_cross3(r_eci, jerk, t);
    for (i = 0; i < 3; i++)
        normal.d2[i] += t[i];
    if (two_vector_reference(&to_sun, &normal, a_b, b_b, SUN_SECONDARY_MIN_SIN, out) == 0)
        return 0;
    for (i = 0; i < 3; i++) {
        normal.v[i] = -r_eci[i];
        normal.d1[i] = -v_eci[i];
        normal.d2[i] = -a[i];
    }
    return two_vector_reference(&to_sun, &normal, a_b, b_b, 0.0, out);
}

void zk_target_set(zk_target *t, double lat_rad, double lon_rad, double alt_m)
{
    int i;
    zk_geodetic_to_ecef(lat_rad, lon_rad, alt_m, t->r_ecef);
    t->up_ecef[0] = cos(lat_rad) * cos(lon_rad);
    t->up_ecef[1] = cos(lat_rad) * sin(lon_rad);
    t->up_ecef[2] = sin(lat_rad);
    for (i = 0; i < 3; i++) {
        t->v_ecef[i] = t->strip_v_ecef[i] = 0.0;
        t->strip_start_ecef[i] = t->r_ecef[i];
    }
    t->strip_t0_s = t->strip_t1_s = 0.0;
    t->off_nadir_rad = 0.0;
    t->elevation_rad = 0.0;
    t->range_m = 0.0;
}

void zk_target_strip(zk_target *t, double lat0_rad, double lon0_rad, double lat1_rad, double lon1_rad,
                     double alt_m, double t0_s, double t1_s)
{
    double end[3];
    int i;
    zk_geodetic_to_ecef(lat1_rad, lon1_rad, alt_m, end);
    zk_target_set(t, lat0_rad, lon0_rad, alt_m);
    if (!(t1_s > t0_s))
        return;
    t->strip_t0_s = t0_s;
    t->strip_t1_s = t1_s;
    for (i = 0; i < 3; i++)
        t->strip_v_ecef[i] = (end[i] - t->strip_start_ecef[i]) / (t1_s - t0_s);
}

void zk_target_at(zk_target *t, double t_s)
{
    int i;
    if (!(t->strip_t1_s > t->strip_t0_s))
        return;
    for (i = 0; i < 3; i++) {
        t->r_ecef[i] = t->strip_start_ecef[i] + (t_s - t->strip_t0_s) * t->strip_v_ecef[i];
        t->v_ecef[i] = t->strip_v_ecef[i];
    }
}

/* out = omega_earth x v, the Earth turning about +Z. */
static void earth_turn(const double v[3], double out[3])
{
    out[0] = -ZK_OMEGA_EARTH * v[1];
    out[1] = ZK_OMEGA_EARTH * v[0];
    out[2] = 0.0;
}

int zk_guidance_target(zk_target *t, const zk_force_model *f, double gmst_rad, const double r_eci[3],
                       const double v_eci[3], zk_reference *out)
{
    static const double z_b[3] = {0.0, 0.0, 1.0};
    static const double x_b[3] = {1.0, 0.0, 0.0};
    double p[4][3], q[3][3], a[3], jerk[3], up_i[3], nadir[3], c[3], range;
    kin3 los, v_rel;
    int i, k;
    /* The target and its derivatives in the inertial frame: p0 = R r, p1 = w x p0 + q, p2 = w x p1 + w x q,
     * p3 = w x p2 + w x (w x q), with q = R v the Earth-fixed scan velocity (constant) turned inertial. */
    zk_ecef_to_eci(gmst_rad, t->r_ecef, NULL, p[0], NULL);
    zk_ecef_to_eci(gmst_rad, t->v_ecef, NULL, q[0], NULL);
    earth_turn(q[0], q[1]);
    earth_turn(q[1], q[2]);
    for (i = 1; i < 4; i++) {
        earth_turn(p[i - 1], p[i]);
        for (k = 0; k < 3; k++)
            p[i][k] += q[i - 1][k];
    }
    satellite_accel_jerk(f, r_eci, v_eci, a, jerk);
    for (i = 0; i < 3; i++) {
        los.v[i] = p[0][i] - r_eci[i];
        los.d1[i] = p[1][i] - v_eci[i];
        los.d2[i] = p[2][i] - a[i];
        v_rel.v[i] = -los.d1[i];
        v_rel.d1[i] = -los.d2[i];
        v_rel.d2[i] = jerk[i] - p[3][i];
    }
    if (two_vector_reference(&los, &v_rel, z_b, x_b, TARGET_SECONDARY_MIN_SIN, out) != 0)
        return -1;
    range = zk_norm3(los.v);
    for (i = 0; i < 3; i++)
        nadir[i] = -r_eci[i];
    zk_cross3(nadir, los.v, c);
    t->off_nadir_rad = atan2(zk_norm3(c), zk_dot3(nadir, los.v));
    zk_ecef_to_eci(gmst_rad, t->up_ecef, NULL, up_i, NULL);
    t->elevation_rad = asin(fmax(-1.0, fmin(1.0, -zk_dot3(los.v, up_i) / range)));
    t->range_m = range;
    return 0;
}

double zk_slew_time(double angle_rad, double rate_max_rad_s, double accel_max_rad_s2)
{
    if (!(angle_rad > 0.0))
        return 0.0;
    if (angle_rad * accel_max_rad_s2 < rate_max_rad_s * rate_max_rad_s)
        return 2.0 * sqrt(angle_rad / accel_max_rad_s2);
    return angle_rad / rate_max_rad_s + rate_max_rad_s / accel_max_rad_s2;
}

int zk_slew_plan(zk_slew *s, const double q0_ib[4], const double q1_ib[4], double t0_s,
                 double rate_max_rad_s, double accel_max_rad_s2)
{
    double q0_inv[4], dq[4], rv[3], angle;
    int i;
    if (!(rate_max_rad_s > 0.0 && accel_max_rad_s2 > 0.0))
        return -1;
    for (i = 0; i < 4; i++) {
        s->q0_ib[i] = q0_ib[i];
        s->q1_ib[i] = q1_ib[i];
    }
    zk_quat_normalize(s->q0_ib);
    zk_quat_normalize(s->q1_ib);
    zk_quat_conj(s->q0_ib, q0_inv);
    zk_quat_mul(q0_inv, s->q1_ib, dq);
    zk_quat_to_rotvec(dq, rv);
    angle = zk_norm3(rv);
    for (i = 0; i < 3; i++)
        s->axis_r[i] = angle > 0.0 ? rv[i] / angle : 0.0;
    s->angle_rad = angle;
    s->rate_max_rad_s = rate_max_rad_s;
    s->accel_max_rad_s2 = accel_max_rad_s2;
    if (angle * accel_max_rad_s2 < rate_max_rad_s * rate_max_rad_s) {
        s->t_accel_s = sqrt(angle / accel_max_rad_s2);
        s->t_coast_s = 0.0;
        s->rate_peak_rad_s = accel_max_rad_s2 * s->t_accel_s;
    } else {
        s->t_accel_s = rate_max_rad_s / accel_max_rad_s2;
        s->t_coast_s = angle / rate_max_rad_s - s->t_accel_s;
        s->rate_peak_rad_s = rate_max_rad_s;
    }
    s->t0_s = t0_s;
    s->t_end_s = t0_s + 2.0 * s->t_accel_s + s->t_coast_s;
    return 0;
}

void zk_slew_eval(const zk_slew *s, double t_s, zk_reference *out)
{
    const double tau = t_s - s->t0_s;
    const double ta = s->t_accel_s, tc = s->t_coast_s, a = s->accel_max_rad_s2, w = s->rate_peak_rad_s;
    double th, th1, th2, rv[3], dq[4];
    int i;
    if (tau <= 0.0) {
        zk_guidance_hold(s->q0_ib, out);
        return;
    }
    if (t_s >= s->t_end_s) {
        zk_guidance_hold(s->q1_ib, out);
        return;
    }
    if (tau < ta) {
        th = 0.5 * a * tau * tau;
        th1 = a * tau;
        th2 = a;
    } else if (tau < ta + tc) {
        th = 0.5 * w * ta + w * (tau - ta);
        th1 = w;
        th2 = 0.0;
    } else {
        const double left = 2.0 * ta + tc - tau;
        th = s->angle_rad - 0.5 * a * left * left;
        th1 = a * left;
        th2 = -a;
    }
    for (i = 0; i < 3; i++) {
        rv[i] = s->axis_r[i] * th;
        out->w_r[i] = s->axis_r[i] * th1;
        out->alpha_r[i] = s->axis_r[i] * th2;
    }
    zk_quat_from_rotvec(rv, dq);
    zk_quat_mul(s->q0_ib, dq, out->q_ib);
    zk_quat_normalize(out->q_ib);
    zk_quat_rotate(out->q_ib, out->w_r, out->w_i);
}

int zk_join_slew_plan(zk_join_slew *s, const zk_reference *from, const zk_reference *to_at_t0, double t0_s,
                      double rate_max_rad_s, double accel_max_rad_s2)
{
    static const double identity[4] = {0.0, 0.0, 0.0, 1.0};
    double q_to_inv[4], d0[4], u[3], dw0[3], rv[3], turn[4], d_blend[4], speed, t_blend;
    zk_slew rest;
    int i;
    zk_quat_conj(to_at_t0->q_ib, q_to_inv);
    zk_quat_mul(q_to_inv, from->q_ib, d0);
    zk_quat_normalize(d0);
    zk_quat_rotate_inv(d0, to_at_t0->w_r, u);
    for (i = 0; i < 3; i++)
        dw0[i] = from->w_r[i] - u[i];
    speed = zk_norm3(dw0);
    t_blend = accel_max_rad_s2 > 0.0 ? speed / accel_max_rad_s2 : 0.0;
    for (i = 0; i < 3; i++)
        rv[i] = 0.5 * dw0[i] * t_blend;
    zk_quat_from_rotvec(rv, turn);
    zk_quat_mul(d0, turn, d_blend);
    if (zk_slew_plan(&rest, d_blend, identity, t0_s + t_blend, rate_max_rad_s, accel_max_rad_s2) != 0)
        return -1;
    s->t0_s = t0_s;
    for (i = 0; i < 4; i++)
        s->d0[i] = d0[i];
    for (i = 0; i < 3; i++)
        s->dw0_r[i] = dw0[i];
    s->t_blend_s = t_blend;
    s->rest = rest;
    s->t_end_s = rest.t_end_s;
    return 0;
}

void zk_join_slew_eval(const zk_join_slew *s, double t_s, const zk_reference *to, zk_reference *out)
{
    const double tau = t_s > s->t0_s ? t_s - s->t0_s : 0.0;
    zk_reference d;
    double u[3], u_x_wd[3], ra[3];
    int i;
    if (t_s >= s->t_end_s) {
        *out = *to;
        return;
    }
    if (tau < s->t_blend_s) {
        const double k = tau - 0.5 * tau * tau / s->t_blend_s;
        double rv[3], turn[4];
        for (i = 0; i < 3; i++) {
            rv[i] = s->dw0_r[i] * k;
            d.w_r[i] = s->dw0_r[i] * (1.0 - tau / s->t_blend_s);
            d.alpha_r[i] = -s->dw0_r[i] / s->t_blend_s;
        }
        zk_quat_from_rotvec(rv, turn);
        zk_quat_mul(s->d0, turn, d.q_ib);
    } else {
        zk_slew_eval(&s->rest, t_s, &d);
    }
    zk_quat_mul(to->q_ib, d.q_ib, out->q_ib);
    zk_quat_normalize(out->q_ib);
    zk_quat_rotate_inv(d.q_ib, to->w_r, u);
    zk_quat_rotate_inv(d.q_ib, to->alpha_r, ra);
    zk_cross3(u, d.w_r, u_x_wd);
    for (i = 0; i < 3; i++) {
        out->w_r[i] = u[i] + d.w_r[i];
        out->alpha_r[i] = ra[i] + d.alpha_r[i] + u_x_wd[i];
    }
    zk_quat_rotate(out->q_ib, out->w_r, out->w_i);
}

/* Largest eigenvalue of the symmetric part of j (closed form, Smith 1961). */
static double largest_eigenvalue(const double j[9])
{
    const double a01 = 0.5 * (j[1] + j[3]), a02 = 0.5 * (j[2] + j[6]), a12 = 0.5 * (j[5] + j[7]);
    const double q = (j[0] + j[4] + j[8]) / 3.0;
    const double b00 = j[0] - q, b11 = j[4] - q, b22 = j[8] - q;
    const double off2 = a01 * a01 + a02 * a02 + a12 * a12;
    const double p = sqrt((b00 * b00 + b11 * b11 + b22 * b22 + 2.0 * off2) / 6.0);
    double r;
    if (!(p > 0.0))
        return q;
    r = (b00 * (b11 * b22 - a12 * a12) - a01 * (a01 * b22 - a12 * a02) + a02 * (a01 * a12 - b11 * a02)) /
        (2.0 * p * p * p);
    r = fmax(-1.0, fmin(1.0, r));
    return q + 2.0 * p * cos(acos(r) / 3.0);
}

int zk_slew_limits_from_wheels(zk_slew_limits *out, int n, const double *axis_b, const double *torque_max_nm,
                               const double *momentum_max_nms, const double j_b[9], double margin)
{
    double m[9] = {0.0}, adj[9], det, scale, torque = HUGE_VAL, momentum = HUGE_VAL, inertia;
    int i, r, c;
    if (n < 3 || !(margin > 0.0 && margin <= 1.0))
        return -1;
    for (i = 0; i < n; i++) {
        if (!(torque_max_nm[i] > 0.0 && momentum_max_nms[i] > 0.0))
            return -1;
        for (r = 0; r < 3; r++)
            for (c = 0; c < 3; c++)
                m[3 * r + c] += axis_b[3 * i + r] * axis_b[3 * i + c];
    }
    /* (A A^T)^-1 = adj / det; for a symmetric matrix the adjugate's rows are the cross products of
     * its rows taken cyclically. */
    zk_cross3(&m[3], &m[6], &adj[0]);
    zk_cross3(&m[6], &m[0], &adj[3]);
    zk_cross3(&m[0], &m[3], &adj[6]);
    det = zk_dot3(&m[0], &adj[0]);
    scale = (m[0] + m[4] + m[8]) / 3.0;
    if (!(det > 1e-12 * scale * scale * scale))
        return -1;
    for (i = 0; i < n; i++) {
        const double *a = &axis_b[3 * i];
        const double p[3] = {zk_dot3(&adj[0], a) / det, zk_dot3(&adj[3], a) / det, zk_dot3(&adj[6], a) / det};
        const double np = zk_norm3(p);
        torque = fmin(torque, torque_max_nm[i] / np);
        momentum = fmin(momentum, momentum_max_nms[i] / np);
    }
    inertia = largest_eigenvalue(j_b);
    if (!(inertia > 0.0))
        return -1;
    out->torque_nm = torque;
    out->momentum_nms = momentum;
    out->inertia_kg_m2 = inertia;
    out->accel_max_rad_s2 = margin * torque / inertia;
    out->rate_max_rad_s = margin * momentum / inertia;
    return 0;
}
