/* attitude.h - rigid-body attitude dynamics of a gyrostat: a spacecraft with N reaction wheels.
 * State: q_ib, body rate w_b (rad/s) and the wheels' absolute axial angular momenta h_wheel (N m s),
 * h_i = I_s,i (a_i . w_b + Omega_i) with Omega_i the wheel speed relative to the body.
 * Total angular momentum in body: H_b = J w_b + sum_i a_i h_i, where J (j_b) is the spacecraft
 * inertia less the wheels' axial inertia I_s,i a_i a_i^T (Markley & Crassidis 2014, sec. 3.3.5).
 * Equations: J dw/dt = T_ext - sum_i a_i u_i - w x H_b,  dh_i/dt = u_i,  dq/dt = 1/2 q (x) [w, 0],
 * u_i being the motor torque on wheel i. Fixed-step RK4; nothing is allocated. */
#ifndef ZK_ATTITUDE_H
#define ZK_ATTITUDE_H

#include "common/constants.h"

typedef struct {
    double j_b[9];                          /* kg m^2, spacecraft less wheels' axial inertia */
    double j_total_b[9];                    /* kg m^2, j_b plus the wheels' axial inertia (zk_body_init) */
    double j_inv_b[9];                      /* inverse of j_b (zk_body_init) */
    int n_wheels;
    double wheel_axis_b[3 * ZK_MAX_WHEELS]; /* unit spin axes in body, three per wheel */
    double wheel_inertia[ZK_MAX_WHEELS];    /* axial inertia I_s, kg m^2 */
} zk_body;

typedef struct {
    double q_ib[4];
    double w_b[3];
    double h_wheel[ZK_MAX_WHEELS];
} zk_attitude;

/* Fill j_total_b and j_inv_b from j_b and the wheels. Returns 0, or -1 if j_b is singular
 * or n_wheels is outside [0, ZK_MAX_WHEELS]. */
int zk_body_init(zk_body *b);

/* Gravity-gradient torque in body: 3 mu / r^3 (n_b x J n_b), n_b the unit nadir-to-satellite
 * direction r_eci/|r| expressed in body, J = j_total_b. */
void zk_gravity_gradient(const zk_body *b, const double q_ib[4], const double r_eci[3], double mu,
                         double torque_b[3]);

/* One RK4 step of dt seconds. u_wheel: motor torque on each wheel (N m), held over the step.
 * torque_b: external torque in body, held over the step. r_eci: if not NULL, gravity-gradient
 * torque with gravitational parameter mu is added, evaluated at every stage (orbit held).
 * The quaternion is renormalised after the step. */
void zk_attitude_step(zk_attitude *s, const zk_body *b, const double *u_wheel, const double torque_b[3],
                      const double *r_eci, double mu, double dt);

/* Wheel speeds relative to the body, rad/s: Omega_i = h_i / I_s,i - a_i . w_b. */
void zk_wheel_speeds(const zk_attitude *s, const zk_body *b, double *omega_rad_s);

#endif
