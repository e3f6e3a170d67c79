/* world.c - the truth of the simulation stepped as one unit (see world.h). */
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

void zk_world_refresh(zk_world *w)
{
    double r_ecef[3], b_ecef_t[3], geodetic[3];
    double jd_utc = w->jd_epoch_utc + w->t_s / ZK_SECONDS_PER_DAY;
    w->gmst_rad = zk_gmst(jd_utc);
    zk_sun_eci(jd_utc + w->tt_minus_utc_s / ZK_SECONDS_PER_DAY, w->r_sun_eci);
    w->sun_fraction = zk_sun_visible_fraction(w->orbit.r_eci, w->r_sun_eci);
    zk_eci_to_ecef(w->gmst_rad, w->orbit.r_eci, NULL, r_ecef, NULL);
    zk_ecef_to_geodetic(r_ecef, geodetic);
    w->density_kg_m3 = zk_atmosphere_density(geodetic[2]);
    zk_igrf_field_ecef(&w->igrf, r_ecef, b_ecef_t);
    zk_ecef_to_eci(w->gmst_rad, b_ecef_t, NULL, w->b_eci_t, NULL);
    zk_wheel_speeds(&w->att, &w->body, w->wheel_speed_rad_s);
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
    zk_world_refresh(w);
}
