/* wheel_monitor.h - failure detection of reaction wheels from their own tachometers: each wheel's
 * speed change over a check period against the change its commanded motor torque (limited, less the
 * calibrated friction) should have made. A wheel off by more than the threshold on `strikes_to_fail`
 * checks in a row is declared failed (dead, stuck or running away alike). */
#ifndef ZK_WHEEL_MONITOR_H
#define ZK_WHEEL_MONITOR_H
#include "common/constants.h"

typedef struct {
    int n;
    double inertia_kg_m2[ZK_MAX_WHEELS];
    double torque_max_nm[ZK_MAX_WHEELS];
    double friction_coulomb_nm[ZK_MAX_WHEELS];
    double friction_viscous_nm_s[ZK_MAX_WHEELS];
    double axis_b[3 * ZK_MAX_WHEELS];
    double threshold_rad_s;     /* residual of one check above which a wheel gets a strike */
    int strikes_to_fail;
    /* state */
    double expected_change_rad_s[ZK_MAX_WHEELS];
    double speed_at_check_rad_s[ZK_MAX_WHEELS];
    double residual_rad_s[ZK_MAX_WHEELS];   /* of the last check */
    int strikes[ZK_MAX_WHEELS];
    int failed[ZK_MAX_WHEELS];
    int started;
    double coast_speed_rad_s[ZK_MAX_WHEELS];    /* failed wheels: speed spinning down on friction */
    double torque_ext_b[3];                     /* output of zk_wheel_monitor_coast */
} zk_wheel_monitor;

/* Each tick, after the command is sent: accumulate the speed change it should make over dt. */
void zk_wheel_monitor_tick(zk_wheel_monitor *m, const double *torque_cmd_nm, const double *speed_rad_s, double dt_s);
/* Each check period: compare, count strikes, start the next period. Returns the index of a wheel
 * newly declared failed, or -1. The first call only starts the first period. */
int zk_wheel_monitor_check(zk_wheel_monitor *m, const double *speed_rad_s);

/* The failed wheels spinning down on the calibrated friction from their last good speed: their body
 * torque plus `other_torque_b` into torque_ext_b (the controller takes it as a known external torque),
 * their momentum added to h_wheel_b (which holds the wheels in use); then the spin-down advances by dt. */
void zk_wheel_monitor_coast(zk_wheel_monitor *m, const double other_torque_b[3], double h_wheel_b[3],
                            double dt_s);

#endif
