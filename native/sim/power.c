/* power.c - solar arrays, battery, bus and loads (see power.h). */
#include <math.h>
#include "power.h"
#include "common/constants.h"
#include "common/quat.h"
#include "common/vec3.h"

#define ZK_SOLAR_CONSTANT_W_M2 1361.0

double zk_power_solar_w(const zk_power *p, const double q_ib[4], const double r_sat_eci[3],
                        const double r_sun_eci[3], double sun_fraction)
{
    double to_sun_eci[3], s_b[3], d, flux, sum = 0.0;
    int i, k;
    if (sun_fraction <= 0.0)
        return 0.0;
    for (i = 0; i < 3; i++)
        to_sun_eci[i] = r_sun_eci[i] - r_sat_eci[i];
    d = zk_norm3(to_sun_eci);
    zk_quat_rotate_inv(q_ib, to_sun_eci, s_b);
    for (i = 0; i < 3; i++)
        s_b[i] /= d;
    for (k = 0; k < p->n_panels; k++) {
        const double *n = &p->panel_normal_b[3 * k];
        const double c = n[0] * s_b[0] + n[1] * s_b[1] + n[2] * s_b[2];
        if (c > 0.0)
            sum += p->panel_area_m2[k] * p->panel_efficiency[k] * p->panel_packing[k] * c;
    }
    flux = ZK_SOLAR_CONSTANT_W_M2 * (ZK_AU_M / d) * (ZK_AU_M / d);
    return flux * sum * sun_fraction;
}

double zk_power_wheels_w(const zk_power *p, const double *wheel_torque_nm, const double *wheel_speed_rad_s,
                         int n_wheels)
{
    double mech = 0.0;
    int i;
    for (i = 0; i < n_wheels; i++)
        mech += fabs(wheel_torque_nm[i] * wheel_speed_rad_s[i]);
    return n_wheels * p->wheel_idle_w + mech / p->wheel_motor_efficiency;
}

double zk_power_magnetorquers_w(const zk_power *p, const double mtq_dipole_am2[3])
{
    const double *m = mtq_dipole_am2;
    return p->mtq_w_per_am2_sq * (m[0] * m[0] + m[1] * m[1] + m[2] * m[2]);
}

double zk_power_bus_voltage_v(const zk_power *p, double soc, double p_battery_w)
{
    /* V = V_oc + R I and V I = P give R I^2 + V_oc I - P = 0; the root taken in the form that holds
     * for R = 0 too. Past the pack's maximum discharge power the root is complex: take its peak. */
    const double v_oc = p->v_empty_v + (p->v_full_v - p->v_empty_v) * soc;
    const double disc = v_oc * v_oc + 4.0 * p->r_internal_ohm * p_battery_w;
    const double current_a =
        disc > 0.0 ? 2.0 * p_battery_w / (v_oc + sqrt(disc)) : -v_oc / (2.0 * p->r_internal_ohm);
    return v_oc + p->r_internal_ohm * current_a;
}

void zk_power_step(zk_power *p, const double q_ib[4], const double r_sat_eci[3], const double r_sun_eci[3],
                   double sun_fraction, const double *wheel_torque_nm, const double *wheel_speed_rad_s,
                   int n_wheels, const double mtq_dipole_am2[3], double dt)
{
    const double stored_j = p->soc * p->capacity_j;
    double demand_w = 0.0, net_w;
    int k;

    if ((p->flags & ZK_POWER_BROWNOUT) && p->soc >= p->soc_recover)
        p->flags &= ~ZK_POWER_BROWNOUT;
    p->solar_power_w = zk_power_solar_w(p, q_ib, r_sat_eci, r_sun_eci, sun_fraction);
    for (k = 0; k < p->n_loads; k++)
        if (p->load_on[k])
            demand_w += p->load_w[k];
    demand_w += zk_power_wheels_w(p, wheel_torque_nm, wheel_speed_rad_s, n_wheels);
    demand_w += zk_power_magnetorquers_w(p, mtq_dipole_am2);

    net_w = p->solar_power_w - demand_w;
    if (net_w < 0.0 && (-net_w > p->discharge_max_w || -net_w * dt > stored_j * p->discharge_efficiency))
        p->flags |= ZK_POWER_BROWNOUT;
    if (p->flags & ZK_POWER_BROWNOUT) {
        p->load_power_w = 0.0;
        net_w = p->solar_power_w;
    } else {
        p->load_power_w = demand_w;
    }

    if (net_w >= 0.0) {
        const double room_w = (p->capacity_j - stored_j) / (p->charge_efficiency * dt);
        p->battery_power_w = fmax(0.0, fmin(net_w, fmin(p->charge_max_w, room_w)));
        p->shunt_power_w = net_w - p->battery_power_w;
        p->soc = fmin(1.0, (stored_j + p->battery_power_w * p->charge_efficiency * dt) / p->capacity_j);
    } else {
        p->battery_power_w = net_w;
        p->shunt_power_w = 0.0;
        p->soc = fmax(0.0, (stored_j + net_w * dt / p->discharge_efficiency) / p->capacity_j);
    }
    if (p->shunt_power_w > 0.0)
        p->flags |= ZK_POWER_SHUNT;
    else
        p->flags &= ~ZK_POWER_SHUNT;
    p->bus_voltage_v = zk_power_bus_voltage_v(p, p->soc, p->battery_power_w);
}

void zk_power_measure(zk_power_telemetry *m, const zk_power *p)
{
    const double truth[ZK_POWER_N_READINGS] = {p->soc, p->bus_voltage_v, p->solar_power_w, p->load_power_w,
                                               p->battery_power_w};
    int i;
    for (i = 0; i < ZK_POWER_N_READINGS; i++)
        m->readings[i] = truth[i] * (1.0 + m->noise_fraction * zk_rng_normal(&m->rng));
    m->readings[ZK_POWER_SOC] = fmin(1.0, fmax(0.0, m->readings[ZK_POWER_SOC]));
    m->flags = p->flags;
    for (i = 0; i < ZK_POWER_MAX_LOADS; i++)
        m->load_on[i] = i < p->n_loads ? p->load_on[i] : 0;
}
