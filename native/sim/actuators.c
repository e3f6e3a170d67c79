/* actuators.c - limits, noise, friction and faults of the reaction wheels and magnetorquers
 * (see actuators.h). */
#include <math.h>
#include "actuators.h"

static double clamp(double x, double limit)
{
    if (isnan(x))
        return 0.0;
    return x > limit ? limit : (x < -limit ? -limit : x);
}

static int look_ahead(const zk_wheels *w, int i) { return w->step_s > 0.0 && w->inertia_kg_m2[i] > 0.0; }

/* Motor torque u on wheel i turning at speed, through the speed and torque limits. */
static double wheel_limited(const zk_wheels *w, int i, double u, double speed)
{
    const double top = w->speed_max_rad_s[i];
    if (isnan(u))
        u = 0.0;
    if (look_ahead(w, i)) {
        const double k = w->inertia_kg_m2[i] / w->step_s;
        const double hi = k * (top - speed), lo = k * (-top - speed);
        u = u > hi ? hi : (u < lo ? lo : u);
    } else if ((speed >= top && u > 0.0) || (speed <= -top && u < 0.0)) {
        u = 0.0;
    }
    return clamp(u, w->torque_max_nm[i]);
}

/* Motor torque minus bearing friction on wheel i. */
static double wheel_net(const zk_wheels *w, int i, double motor, double speed)
{
    const double coulomb = w->friction_coulomb_nm[i];
    const double moving = speed != 0.0 ? speed : motor;
    const double sign = moving > 0.0 ? 1.0 : (moving < 0.0 ? -1.0 : 0.0);
    const double net = motor - coulomb * sign - w->friction_viscous_nm_s_rad[i] * speed;
    if (look_ahead(w, i) && fabs(motor) <= coulomb) {
        const double k = w->inertia_kg_m2[i] / w->step_s;
        if (speed * (speed + net / k) <= 0.0)
            return -k * speed;
    }
    return net;
}

void zk_wheels_apply(zk_wheels *w, const double *speed_rad_s)
{
    int i;
    for (i = 0; i < w->n; i++) {
        const zk_fault *f = &w->fault[i];
        double u = w->torque_cmd_nm[i];
        if (f->kind == ZK_FAULT_STUCK)
            continue;
        if (f->kind == ZK_FAULT_DEAD) {
            w->torque_applied_nm[i] = 0.0;
            continue;
        }
        if (isnan(u))
            u = 0.0;
        if (f->kind == ZK_FAULT_BIASED)
            u += f->bias[0];
        w->torque_applied_nm[i] = wheel_limited(w, i, u, speed_rad_s[i]);
    }
}

void zk_wheels_update(zk_wheels *w, const double *speed_rad_s)
{
    int i;
    for (i = 0; i < w->n; i++) {
        const zk_fault *f = &w->fault[i];
        const double noise = w->noise_nm > 0.0 ? w->noise_nm * zk_rng_normal(&w->rng) : 0.0;
        double motor = 0.0;
        if (f->kind != ZK_FAULT_DEAD)
            motor = wheel_limited(w, i, w->torque_applied_nm[i] + zk_fault_noise_factor(f) * noise,
                                  speed_rad_s[i]);
        w->torque_motor_nm[i] = motor;
        w->torque_net_nm[i] = wheel_net(w, i, motor, speed_rad_s[i]);
    }
}

int zk_wheels_read(const zk_wheels *w, const double *speed_true_rad_s, double *speed_rad_s)
{
    int i, ok = 1;
    for (i = 0; i < w->n; i++) {
        if (w->fault[i].kind == ZK_FAULT_DEAD)
            ok = 0;
        else
            speed_rad_s[i] = speed_true_rad_s[i];
    }
    return ok;
}

void zk_magnetorquers_apply(zk_magnetorquers *m)
{
    const zk_fault *f = &m->fault;
    const double nf = zk_fault_noise_factor(f);
    int i;
    for (i = 0; i < 3; i++) {
        const double noise = m->noise_am2 > 0.0 ? m->noise_am2 * zk_rng_normal(&m->rng) : 0.0;
        double u = m->dipole_cmd_am2[i];
        if (f->kind == ZK_FAULT_STUCK)
            continue;
        if (f->kind == ZK_FAULT_DEAD || isnan(u)) {
            m->dipole_applied_am2[i] = 0.0;
            continue;
        }
        u += nf * noise;
        if (f->kind == ZK_FAULT_BIASED)
            u += f->bias[i];
        m->dipole_applied_am2[i] = clamp(u, m->dipole_max_am2[i]);
    }
}
