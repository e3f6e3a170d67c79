/* world.h - the simulated truth stepped as one unit: orbit, attitude with wheels, power, environment.
 * A step integrates the power system, the orbit and the attitude over dt with the actuators'
 * latched outputs and the external torques (gravity gradient, magnetorquers, aerodynamic, solar
 * pressure, each switchable), then refreshes the environment at the new time: Earth rotation, sun
 * and shadow, IGRF field, atmospheric density.
 *
 * The two costly slow parts of the environment are evaluated in full once a second of world time
 * (ZK_WORLD_ENV_PERIOD_S) and carried between: the sun, a function of time alone, interpolated
 * linearly between its values at the whole seconds around t_s (error ~1 mm: its geocentric
 * acceleration is 6e-3 m/s^2); the field in ECEF, which needs the position, extrapolated linearly from
 * its last two full evaluations at the first steps of the last two seconds (0.25 nT at most against the
 * full model over a low orbit at 10 Hz, a 400th of a magnetometer's 100 nT noise; checked in
 * tests/sim/test_world_environment_rate.py). zk_world_refresh starts the knots afresh (the field in full
 * at t_s), as does a step after a gap of more than two seconds or back in time; the field is in full
 * until two knots a second apart hold. */
#ifndef ZK_WORLD_H
#define ZK_WORLD_H
#include "attitude.h"
#include "common/orbit.h"
#include "common/igrf.h"
#include "disturbance.h"
#include "actuators.h"
#include "power.h"

typedef struct {
    double t_s;                 /* seconds since the epoch */
    double jd_epoch_utc;        /* Julian date of the epoch, UTC (UT1 taken equal) */
    double tt_minus_utc_s;      /* 69.184 s since 2017 */
    zk_force_model forces;
    zk_orbit orbit;
    /* An orbit given as a table (an SGP4 truth): when not NULL, each step takes the next row
     * (r_eci, v_eci: 6 doubles, the state at the step's end) instead of integrating. A step past
     * the table's end integrates and is counted in orbit_table_misses. */
    const double *orbit_table;
    long orbit_table_len;
    long orbit_table_next;
    long orbit_table_misses;
    zk_body body;
    zk_attitude att;
    zk_igrf igrf;
    zk_surfaces surfaces;
    zk_wheels wheels;
    zk_magnetorquers mtq;
    zk_power power;
    int gravity_gradient;       /* 1 to apply the gravity-gradient torque */
    int aero_torque;            /* 1 to apply the aerodynamic torque of the surfaces */
    int srp_torque;             /* 1 to apply the solar-pressure torque of the surfaces */
    /* environment and derived truth at t_s, refreshed by zk_world_refresh */
    double gmst_rad;
    double r_sun_eci[3];
    double sun_fraction;        /* 1 sunlit, 0 umbra */
    double b_eci_t[3];
    double density_kg_m3;       /* exponential atmosphere at the geodetic height */
    double wheel_speed_rad_s[ZK_MAX_WHEELS];
    double torque_ext_b[3];     /* external torque over the last step, all sources (gravity gradient at its start) */
    /* the slow environment's full evaluations (knots), kept by zk_world_refresh and zk_world_step_to */
    double sun_knot_s;          /* r_sun_eci in full at this whole second (NAN: none) and the next */
    double sun_knot_eci[2][3];
    double field_knot_s[2];     /* the times of the last two full field evaluations, older first */
    double field_knot_ecef_t[2][3];
    int field_knots;            /* how many of them hold (0..2) */
} zk_world;

#define ZK_WORLD_ENV_PERIOD_S 1.0

/* Check and derive: zk_body_init, wheel count agreement. Returns 0 or -1. Refreshes the environment. */
int zk_world_init(zk_world *w);
void zk_world_refresh(zk_world *w);
void zk_world_step(zk_world *w, double dt);
/* Step to the time t_end_s exactly (a step of t_end_s - t_s), so that a caller counting whole frames
 * keeps the world's time on its own, with no drift from adding dt up. */
void zk_world_step_to(zk_world *w, double t_end_s);

#endif
