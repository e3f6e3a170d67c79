/* world.c - the truth of the simulation stepped as one unit (see world.h). */
#include <math.h>
#include <stddef.h>
#include "world.h"
#include "common/constants.h"
#include "common/quat.h"
#include "common/earth.h"
#include "common/sun.h"
#include "common/vec3.h"


int zk_world_init(zk_world *w)
{
    if (zk_body_init(&w->body) != 0 || w->wheels.n != w->body.n_wheels)
        return -1;
    zk_world_refresh(w);
    return 0;
}

static double jd_tt(const zk_world *w, double t_s)
{
    return w->jd_epoch_utc + t_s / ZK_SECONDS_PER_DAY + w->tt_minus_utc_s / ZK_SECONDS_PER_DAY;
}

/* The sun at t_s, linear between its full values at the whole seconds around it (see world.h). */
static void sun_between_knots(zk_world *w)
{
    const double knot_s = floor(w->t_s / ZK_WORLD_ENV_PERIOD_S) * ZK_WORLD_ENV_PERIOD_S;
    double f;
    int i;
    if (knot_s != w->sun_knot_s) {
        if (knot_s == w->sun_knot_s + ZK_WORLD_ENV_PERIOD_S)
            for (i = 0; i < 3; i++)
                w->sun_knot_eci[0][i] = w->sun_knot_eci[1][i];
        else
            zk_sun_eci(jd_tt(w, knot_s), w->sun_knot_eci[0]);
        zk_sun_eci(jd_tt(w, knot_s + ZK_WORLD_ENV_PERIOD_S), w->sun_knot_eci[1]);
        w->sun_knot_s = knot_s;
    }
    f = (w->t_s - knot_s) / ZK_WORLD_ENV_PERIOD_S;
    for (i = 0; i < 3; i++)
        w->r_sun_eci[i] = w->sun_knot_eci[0][i] + (w->sun_knot_eci[1][i] - w->sun_knot_eci[0][i]) * f;
}

/* The field in ECEF at r_ecef: in full at the first step of each second (a knot), else extrapolated
 * from the last two knots; in full while fewer than two knots a second apart hold (see world.h). */
static void field_from_knots(zk_world *w, const double r_ecef[3], double b_ecef_t[3])
{
    const double t_s = w->t_s, period_s = ZK_WORLD_ENV_PERIOD_S;
    const double *t_knot = w->field_knot_s;
    int i;
    if (w->field_knots == 2 && floor(t_s / period_s) == floor(t_knot[1] / period_s) && t_s >= t_knot[1]) {
        const double f = (t_s - t_knot[1]) / (t_knot[1] - t_knot[0]);
        for (i = 0; i < 3; i++) {
            const double b0 = w->field_knot_ecef_t[0][i], b1 = w->field_knot_ecef_t[1][i];
            b_ecef_t[i] = b1 + (b1 - b0) * f;
        }
        return;
    }
    zk_igrf_field_ecef(&w->igrf, r_ecef, b_ecef_t);
    if (w->field_knots > 0 && floor(t_s / period_s) == floor(t_knot[1] / period_s) && t_s >= t_knot[1])
        return; /* one knot only, this second's: wait for the next second's */
    if (w->field_knots > 0 && t_s > t_knot[1] && t_s - t_knot[1] <= 2.0 * period_s) {
        w->field_knot_s[0] = t_knot[1];
        for (i = 0; i < 3; i++)
            w->field_knot_ecef_t[0][i] = w->field_knot_ecef_t[1][i];
        w->field_knots = 2;
    } else {
        w->field_knots = 1;
    }
    w->field_knot_s[1] = t_s;
    for (i = 0; i < 3; i++)
        w->field_knot_ecef_t[1][i] = b_ecef_t[i];
}

/* The environment at t_s from the knots (a step) or, with the knots cleared, in full (a refresh). */
static void environment(zk_world *w)
{
    double r_ecef[3], b_ecef_t[3], geodetic[3];
    w->gmst_rad = zk_gmst(w->jd_epoch_utc + w->t_s / ZK_SECONDS_PER_DAY);
    sun_between_knots(w);
    w->sun_fraction = zk_sun_visible_fraction(w->orbit.r_eci, w->r_sun_eci);
    zk_eci_to_ecef(w->gmst_rad, w->orbit.r_eci, NULL, r_ecef, NULL);
    zk_ecef_to_geodetic(r_ecef, geodetic);
    w->density_kg_m3 = zk_atmosphere_density(geodetic[2]);
    field_from_knots(w, r_ecef, b_ecef_t);
    zk_ecef_to_eci(w->gmst_rad, b_ecef_t, NULL, w->b_eci_t, NULL);
    zk_wheel_speeds(&w->att, &w->body, w->wheel_speed_rad_s);
}

void zk_world_refresh(zk_world *w)
{
    w->sun_knot_s = NAN;
    w->field_knots = 0;
    environment(w);
}

/* Free-molecular drag on the surfaces, in the atmosphere turning with the Earth. */
static void aero_torque(const zk_world *w, double torque_b[3])
{
    const double omega[3] = {0.0, 0.0, ZK_OMEGA_EARTH};
    double wxr[3], v_rel[3];
    int i;
    zk_cross3(omega, w->orbit.r_eci, wxr);
    for (i = 0; i < 3; i++)
        v_rel[i] = w->orbit.v_eci[i] - wxr[i];
    zk_aero_torque(&w->surfaces, w->att.q_ib, v_rel, w->density_kg_m3, torque_b);
}

/* Solar radiation pressure on the surfaces, scaled by the visible part of the sun. */
static void srp_torque(const zk_world *w, double torque_b[3])
{
    double to_sun[3], distance_m;
    int i;
    for (i = 0; i < 3; i++)
        to_sun[i] = w->r_sun_eci[i] - w->orbit.r_eci[i];
    distance_m = zk_norm3(to_sun);
    for (i = 0; i < 3; i++)
        to_sun[i] /= distance_m;
    zk_srp_torque(&w->surfaces, w->att.q_ib, to_sun, w->sun_fraction, distance_m / ZK_AU_M, torque_b);
}

void zk_world_step(zk_world *w, double dt) { zk_world_step_to(w, w->t_s + dt); }

void zk_world_step_to(zk_world *w, double t_end_s)
{
    const double dt = t_end_s - w->t_s;
    double b_b[3], tq_held_b[3], tq_gg_b[3], tq_aero_b[3] = {0.0, 0.0, 0.0}, tq_srp_b[3] = {0.0, 0.0, 0.0};
    int i;
    zk_wheels_update(&w->wheels, w->wheel_speed_rad_s);
    zk_power_step(&w->power, w->att.q_ib, w->orbit.r_eci, w->r_sun_eci, w->sun_fraction,
                  w->wheels.torque_applied_nm, w->wheel_speed_rad_s, w->wheels.n, w->mtq.dipole_applied_am2, dt);
    zk_quat_rotate_inv(w->att.q_ib, w->b_eci_t, b_b);
    zk_cross3(w->mtq.dipole_applied_am2, b_b, tq_held_b);
    if (w->aero_torque)
        aero_torque(w, tq_aero_b);
    if (w->srp_torque && w->sun_fraction > 0.0)
        srp_torque(w, tq_srp_b);
    for (i = 0; i < 3; i++)
        tq_held_b[i] += tq_aero_b[i] + tq_srp_b[i];
    if (w->gravity_gradient)
        zk_gravity_gradient(&w->body, w->att.q_ib, w->orbit.r_eci, w->forces.mu, tq_gg_b);
    else
        tq_gg_b[0] = tq_gg_b[1] = tq_gg_b[2] = 0.0;
    for (i = 0; i < 3; i++)
        w->torque_ext_b[i] = tq_held_b[i] + tq_gg_b[i];
    zk_attitude_step(&w->att, &w->body, w->wheels.torque_net_nm, tq_held_b,
                     w->gravity_gradient ? w->orbit.r_eci : NULL, w->forces.mu, dt);
    if (w->orbit_table != NULL && w->orbit_table_next < w->orbit_table_len) {
        const double *row = w->orbit_table + 6 * w->orbit_table_next++;
        for (i = 0; i < 3; i++) {
            w->orbit.r_eci[i] = row[i];
            w->orbit.v_eci[i] = row[3 + i];
        }
    } else {
        if (w->orbit_table != NULL)
            w->orbit_table_misses++;
        zk_orbit_step(&w->orbit, &w->forces, dt);
    }
    w->t_s = t_end_s;
    environment(w);
}
