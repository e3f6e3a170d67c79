/* disturbance.c - flat-plate aerodynamic and solar-radiation-pressure torques. See disturbance.h. */
#include "disturbance.h"

#include <math.h>

#include "common/quat.h"
#include "common/vec3.h"

#define ZK_SOLAR_PRESSURE_1AU_N_M2 4.56e-6

static int face_count(const zk_surfaces *s)
{
    return s->n < 0 ? 0 : (s->n > ZK_MAX_SURFACES ? ZK_MAX_SURFACES : s->n);
}

/* torque += cp x force */
static void add_moment(const double cp[3], const double force[3], double torque[3])
{
    double m[3];
    zk_cross3(cp, force, m);
    torque[0] += m[0];
    torque[1] += m[1];
    torque[2] += m[2];
}

void zk_aero_torque(const zk_surfaces *s, const double q_ib[4], const double v_rel_eci[3],
                    double rho_kg_m3, double torque_b[3])
{
    double v_b[3];
    torque_b[0] = torque_b[1] = torque_b[2] = 0.0;
    zk_quat_rotate_inv(q_ib, v_rel_eci, v_b);
    const double speed = zk_norm3(v_b);
    if (!(speed > 0.0) || !(rho_kg_m3 > 0.0)) {
        return;
    }
    const double v_hat[3] = {v_b[0] / speed, v_b[1] / speed, v_b[2] / speed};
    const double dynamic_pressure = 0.5 * rho_kg_m3 * speed * speed;
    for (int i = 0; i < face_count(s); ++i) {
        const zk_surface *f = &s->face[i];
        const double *n = f->normal_b;
        const double cos_i = n[0] * v_hat[0] + n[1] * v_hat[1] + n[2] * v_hat[2];
        if (cos_i <= 0.0) {
            continue;
        }
        const double k = -dynamic_pressure * f->drag_coefficient * f->area_m2 * cos_i;
        const double force[3] = {k * v_hat[0], k * v_hat[1], k * v_hat[2]};
        add_moment(f->cp_b, force, torque_b);
    }
}

void zk_srp_torque(const zk_surfaces *s, const double q_ib[4], const double sun_dir_eci[3],
                   double sun_fraction, double distance_au, double torque_b[3])
{
    double s_b[3];
    torque_b[0] = torque_b[1] = torque_b[2] = 0.0;
    zk_quat_rotate_inv(q_ib, sun_dir_eci, s_b);
    const double norm = zk_norm3(s_b);
    if (!(norm > 0.0) || !(sun_fraction > 0.0) || !(distance_au > 0.0)) {
        return;
    }
    s_b[0] /= norm;
    s_b[1] /= norm;
    s_b[2] /= norm;
    const double pressure = ZK_SOLAR_PRESSURE_1AU_N_M2 * sun_fraction / (distance_au * distance_au);
    for (int i = 0; i < face_count(s); ++i) {
        const zk_surface *f = &s->face[i];
        const double *n = f->normal_b;
        const double cos_i = n[0] * s_b[0] + n[1] * s_b[1] + n[2] * s_b[2];
        if (cos_i <= 0.0) {
            continue;
        }
        const double k = -pressure * f->area_m2 * cos_i;
        const double along_sun = k * (1.0 - f->specular);
        const double along_normal = k * 2.0 * (f->specular * cos_i + f->diffuse / 3.0);
        const double force[3] = {along_sun * s_b[0] + along_normal * n[0],
                                 along_sun * s_b[1] + along_normal * n[1],
                                 along_sun * s_b[2] + along_normal * n[2]};
        add_moment(f->cp_b, force, torque_b);
    }
}
