/* world.c - the truth of the simulation stepped as one unit (see world.h). */
#include <stddef.h>
#include "world.h"
#include "quat.h"
#include "earth.h"
#include "sun.h"
#include "vec3.h"

#define SECONDS_PER_DAY 86400.0

int zk_world_init(zk_world *w)
{
    if (zk_body_init(&w->body) != 0 || w->wheels.n != w->body.n_wheels)
        return -1;
    zk_world_refresh(w);
    return 0;
}

void zk_world_refresh(zk_world *w)
{
    double r_ecef[3], b_ecef_t[3];
    double jd_utc = w->jd_epoch_utc + w->t_s / SECONDS_PER_DAY;
    w->gmst_rad = zk_gmst(jd_utc);
    zk_sun_eci(jd_utc + w->tt_minus_utc_s / SECONDS_PER_DAY, w->r_sun_eci);
    w->sun_fraction = zk_sun_visible_fraction(w->orbit.r_eci, w->r_sun_eci);
    zk_eci_to_ecef(w->gmst_rad, w->orbit.r_eci, NULL, r_ecef, NULL);
    zk_dipole_field_ecef(&w->dipole, r_ecef, b_ecef_t);
    zk_ecef_to_eci(w->gmst_rad, b_ecef_t, NULL, w->b_eci_t, NULL);
    zk_wheel_speeds(&w->att, &w->body, w->wheel_speed_rad_s);
}

void zk_world_step(zk_world *w, double dt) { zk_world_step_to(w, w->t_s + dt); }

void zk_world_step_to(zk_world *w, double t_end_s)
{
    const double dt = t_end_s - w->t_s;
    double b_b[3], tq_mtq_b[3], tq_gg_b[3];
    int i;
    zk_power_step(&w->power, w->att.q_ib, w->orbit.r_eci, w->r_sun_eci, w->sun_fraction,
                  w->wheels.torque_applied_nm, w->wheel_speed_rad_s, w->wheels.n, w->mtq.dipole_applied_am2, dt);
    zk_quat_rotate_inv(w->att.q_ib, w->b_eci_t, b_b);
    zk_cross3(w->mtq.dipole_applied_am2, b_b, tq_mtq_b);
    if (w->gravity_gradient)
        zk_gravity_gradient(&w->body, w->att.q_ib, w->orbit.r_eci, w->forces.mu, tq_gg_b);
    else
        tq_gg_b[0] = tq_gg_b[1] = tq_gg_b[2] = 0.0;
    for (i = 0; i < 3; i++)
        w->torque_ext_b[i] = tq_mtq_b[i] + tq_gg_b[i];
    zk_attitude_step(&w->att, &w->body, w->wheels.torque_applied_nm, tq_mtq_b,
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
