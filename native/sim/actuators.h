/* actuators.h - reaction wheels and magnetorquers as the spacecraft sees them: a commanded
 * value, limited to what the hardware can do, latched until the next command; and, for the
 * wheels, the torque that actually spins them (motor noise and bearing friction), which the
 * world integrates. Faults (sensors.h) act on the latched outputs. */
#ifndef ZK_ACTUATORS_H
#define ZK_ACTUATORS_H
#include "attitude.h"
#include "sensors.h"

typedef struct {
    int n;
    double torque_max_nm[ZK_MAX_WHEELS];
    double speed_max_rad_s[ZK_MAX_WHEELS];
    double inertia_kg_m2[ZK_MAX_WHEELS];            /* axial; with step_s, for the look-ahead limits */
    double step_s;                                  /* time a latched torque acts (the world's step) */
    double friction_coulomb_nm[ZK_MAX_WHEELS];
    double friction_viscous_nm_s_rad[ZK_MAX_WHEELS];
    double noise_nm;                                /* motor torque noise, 1 sigma per update */
    zk_rng rng;
    zk_fault fault[ZK_MAX_WHEELS];                  /* one per wheel; bias[0]: motor torque, N m */
    double torque_cmd_nm[ZK_MAX_WHEELS];            /* motor torque asked for, written by the controller */
    double torque_applied_nm[ZK_MAX_WHEELS];        /* motor torque in effect, latched by zk_wheels_apply */
    double torque_motor_nm[ZK_MAX_WHEELS];          /* over the step: applied plus noise, limited */
    double torque_net_nm[ZK_MAX_WHEELS];            /* over the step: motor minus friction (body: opposite) */
} zk_wheels;
/* Speed limit: with step_s and the inertia known (> 0), a motor torque is limited so that acting
 * for step_s it leaves the wheel within +-speed_max_rad_s (braking a wheel found beyond it); with
 * either unknown (0), a torque that drives a wheel at or beyond the limit further out is refused.
 * Then every motor torque is clamped to +-torque_max_nm, whatever the command (NaN counts as 0). */

/* Latch torque_cmd_nm into torque_applied_nm through the limits. */
void zk_wheels_apply(zk_wheels *w, const double *speed_rad_s);
/* At the start of a world step: torque_motor_nm = the limits applied to torque_applied_nm plus
 * noise, torque_net_nm = torque_motor_nm minus bearing friction (Coulomb + viscous, opposing the
 * spin; with step_s and inertia known, a wheel its motor cannot turn against Coulomb friction stops
 * at rest within the step instead of reversing). */
void zk_wheels_update(zk_wheels *w, const double *speed_rad_s);
/* The tachometers: speed_rad_s = the truth, except a dead wheel's, which is kept. 0 if any is dead. */
int zk_wheels_read(const zk_wheels *w, const double *speed_true_rad_s, double *speed_rad_s);

typedef struct {
    double dipole_max_am2[3];
    double noise_am2;               /* dipole noise, 1 sigma per axis per command */
    zk_rng rng;
    zk_fault fault;                 /* bias: A m^2 per axis */
    double dipole_cmd_am2[3];       /* body axes */
    double dipole_applied_am2[3];
} zk_magnetorquers;
/* Latch the command plus noise, clamped to each axis's limit; NaN gives 0. */
void zk_magnetorquers_apply(zk_magnetorquers *m);

#endif
