/* adcs.h - onboard attitude numerics: nadir guidance, quaternion-feedback PD control and the
 * distribution of a body torque over the reaction wheels. */
#ifndef ZK_ADCS_H
#define ZK_ADCS_H
#include "attitude.h"

/* Nadir frame: +Z to nadir (-r), +Y along -(r x v), +X = Y x Z (along track).
 * q_ib: the reference attitude; w_i: its angular velocity in inertial (r x v / |r|^2). */
void zk_nadir_reference(const double r_eci[3], const double v_eci[3], double q_ib[4], double w_i[3]);

/* Propagate an attitude estimate by the body rate over dt: q <- q (x) exp(w dt / 2), renormalised. */
void zk_attitude_propagate(double q_ib[4], const double w_b[3], double dt);

typedef struct {
    double kp[3];           /* N m per rad of error, per body axis */
    double kd[3];           /* N m per rad/s of rate error */
    double j_b[9];          /* inertia used for the gyroscopic term */
    double torque_b[3];     /* output: torque to apply on the body */
    double angle_err_rad;   /* output: rotation angle between reference and estimate */
    double rate_err_b[3];   /* output: w_b - w_ref_b, rad/s */
} zk_pd_control;
/* torque = -kp sign(dq_w) dq_v - kd (w_b - w_ref_b) + w_b x (J w_b + h_wheel_b),
 * dq = q_ref^-1 (x) q_ib, w_ref_b = R(q_ib)^T w_ref_i. */
void zk_pd_control_step(zk_pd_control *c, const double q_ref_ib[4], const double w_ref_i[3],
                        const double q_ib[4], const double w_b[3], const double h_wheel_b[3]);

typedef struct {
    int n;
    double axis_b[3 * ZK_MAX_WHEELS];
    double torque_max_nm[ZK_MAX_WHEELS];
    double pinv[3 * ZK_MAX_WHEELS];     /* row per wheel: pseudo-inverse of the 3 x n axis matrix */
    double friction_coulomb_nm[ZK_MAX_WHEELS];   /* calibrated bearing friction, for feed-forward */
    double friction_viscous_nm_s[ZK_MAX_WHEELS]; /* N m per rad/s */
} zk_wheel_map;
int zk_wheel_map_init(zk_wheel_map *m);     /* 0, or -1 if the axes do not span 3-D */
/* Motor torques u (on the wheels) so that the body receives torque_b = -sum a_i u_i, minimum
 * norm, scaled down as a whole when any wheel would exceed its limit (direction kept). */
void zk_wheel_map_distribute(const zk_wheel_map *m, const double torque_b[3], double *u_wheel_nm);
/* Add to u the motor torque that cancels each wheel's bearing friction at its measured speed, so that
 * the net torque is the one distributed: c sign(Omega) + v Omega. A wheel slower than
 * 0.1 rad/s is taken as still: the Coulomb part then follows the sign of u, the way the
 * wheel is about to turn, so that friction leaves no dead band around zero speed. */
void zk_wheel_map_add_friction(const zk_wheel_map *m, const double *speed_rad_s, double *u_wheel_nm);
/* Wheel momentum in body from relative speeds: sum a_i I_s,i Omega_i. */
void zk_wheel_map_momentum(const zk_wheel_map *m, const double *inertia, const double *speed_rad_s,
                           double h_b[3]);

#endif
