/* wheel_monitor.c - reaction-wheel failure detection from tachometer residuals (see wheel_monitor.h). */
#include <math.h>
#include "wheel_monitor.h"

static double friction_nm(const zk_wheel_monitor *m, int i, double speed)
{
    const double sign = speed > 0.0 ? 1.0 : (speed < 0.0 ? -1.0 : 0.0);
    return m->friction_coulomb_nm[i] * sign + m->friction_viscous_nm_s[i] * speed;
}

void zk_wheel_monitor_tick(zk_wheel_monitor *m, const double *torque_cmd_nm, const double *speed_rad_s, double dt_s)
{
    int i;
    for (i = 0; i < m->n; i++) {
        double u = torque_cmd_nm[i];
        if (isnan(u))
            u = 0.0;
        u = u > m->torque_max_nm[i] ? m->torque_max_nm[i] : (u < -m->torque_max_nm[i] ? -m->torque_max_nm[i] : u);
        u -= friction_nm(m, i, speed_rad_s[i]);
        m->expected_change_rad_s[i] += u * dt_s / m->inertia_kg_m2[i];
    }
}

void zk_wheel_monitor_coast(zk_wheel_monitor *m, const double other_torque_b[3], double h_wheel_b[3],
                            double dt_s)
{
    int i, k;
    for (k = 0; k < 3; k++)
        m->torque_ext_b[k] = other_torque_b[k];
    for (i = 0; i < m->n; i++) {
        double speed, f, next;
        if (!m->failed[i])
            continue;
        speed = m->coast_speed_rad_s[i];
        f = friction_nm(m, i, speed);
        for (k = 0; k < 3; k++) {
            m->torque_ext_b[k] += m->axis_b[3 * i + k] * f;
            h_wheel_b[k] += m->axis_b[3 * i + k] * m->inertia_kg_m2[i] * speed;
        }
        next = speed - f * dt_s / m->inertia_kg_m2[i];
        m->coast_speed_rad_s[i] = next * speed > 0.0 ? next : 0.0;
    }
}

int zk_wheel_monitor_check(zk_wheel_monitor *m, const double *speed_rad_s)
{
    int i, newly_failed = -1;
    for (i = 0; i < m->n; i++) {
        if (m->started) {
            const double change = speed_rad_s[i] - m->speed_at_check_rad_s[i];
            m->residual_rad_s[i] = fabs(change - m->expected_change_rad_s[i]);
            m->strikes[i] = m->residual_rad_s[i] > m->threshold_rad_s ? m->strikes[i] + 1 : 0;
            if (!m->failed[i] && m->strikes[i] >= m->strikes_to_fail) {
                m->failed[i] = 1;
                m->coast_speed_rad_s[i] = m->speed_at_check_rad_s[i];
                if (newly_failed < 0)
                    newly_failed = i;
            }
        }
        m->speed_at_check_rad_s[i] = speed_rad_s[i];
        m->expected_change_rad_s[i] = 0.0;
    }
    m->started = 1;
    return newly_failed;
}
