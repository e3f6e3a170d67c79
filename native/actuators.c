/* actuators.c - limits of the reaction wheels and magnetorquers (see actuators.h). */
#include <math.h>
#include "actuators.h"

static double clamp(double x, double limit)
{
    if (isnan(x))
        return 0.0;
    return x > limit ? limit : (x < -limit ? -limit : x);
}

void zk_wheels_apply(zk_wheels *w, const double *speed_rad_s)
{
    int i;
    for (i = 0; i < w->n; i++) {
        double u = clamp(w->torque_cmd_nm[i], w->torque_max_nm[i]);
        double speed = speed_rad_s[i];
        if ((speed >= w->speed_max_rad_s[i] && u > 0.0) || (speed <= -w->speed_max_rad_s[i] && u < 0.0))
            u = 0.0;
        w->torque_applied_nm[i] = u;
    }
}

void zk_magnetorquers_apply(zk_magnetorquers *m)
{
    int i;
    for (i = 0; i < 3; i++)
        m->dipole_applied_am2[i] = clamp(m->dipole_cmd_am2[i], m->dipole_max_am2[i]);
}
