/* actuators.h - reaction wheels and magnetorquers as the spacecraft sees them: a commanded
 * value, limited to what the hardware can do, latched until the next command. */
#ifndef ZK_ACTUATORS_H
#define ZK_ACTUATORS_H
#include "attitude.h"

typedef struct {
    int n;
    double torque_max_nm[ZK_MAX_WHEELS];
    double speed_max_rad_s[ZK_MAX_WHEELS];
    double torque_cmd_nm[ZK_MAX_WHEELS];        /* motor torque asked for, written by the controller */
    double torque_applied_nm[ZK_MAX_WHEELS];    /* motor torque in effect */
} zk_wheels;
/* Latch torque_cmd_nm into torque_applied_nm: each limited to +-torque_max_nm, and zero where
 * it would drive a wheel already at or beyond its speed limit further out. NaN commands give 0. */
void zk_wheels_apply(zk_wheels *w, const double *speed_rad_s);

typedef struct {
    double dipole_max_am2[3];
    double dipole_cmd_am2[3];       /* body axes */
    double dipole_applied_am2[3];
} zk_magnetorquers;
void zk_magnetorquers_apply(zk_magnetorquers *m);   /* clamp each axis, NaN gives 0 */

#endif
