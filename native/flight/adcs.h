/* adcs.h - onboard attitude numerics: nadir guidance, quaternion-feedback control with feed-forward,
 * the distribution of a body torque over the reaction wheels (with null-space speed management and
 * reconfiguration), and the magnetic laws: momentum dumping and B-dot detumbling. Nothing allocates. */
#ifndef ZK_ADCS_H
#define ZK_ADCS_H
#include "common/constants.h"

/* Nadir frame: +Z to nadir (-r), +Y along -(r x v), +X = Y x Z (along track).
 * q_ib: the reference attitude; w_i: its angular velocity in inertial (r x v / |r|^2). */
void zk_nadir_reference(const double r_eci[3], const double v_eci[3], double q_ib[4], double w_i[3]);

/* Propagate an attitude estimate by the body rate over dt: q <- q (x) exp(w dt / 2), renormalised. */
void zk_attitude_propagate(double q_ib[4], const double w_b[3], double dt);

/* Quaternion and rate feedback with feed-forward and an optional integral (PID).
 * Error rotation dq = q_ref_ib^-1 (x) q_ib (body to reference), attitude error e = 2 sign(dq_w) dq_xyz
 * (rad, the rotation vector for small angles), C = R(dq). The reference's rate w_ref_r and angular
 * acceleration alpha_ref_r are given in the reference frame's own axes (alpha_ref_r is also the inertial
 * derivative of w_ref, in those axes); in body: w_ref_b = C^T w_ref_r, rate error w_e = w_b - w_ref_b.
 *   torque_b = J (C^T alpha_ref_r - w_e x w_ref_b) + w_b x (J w_b + h_wheel_b)
 *              - kp e - kd w_e - ki integral - torque_ext_b
 * The first term is the body-frame derivative of w_ref_b (its transport term included), so that with
 * the torque delivered the error obeys J dw_e/dt = -kp e - kd w_e - ki integral + unknown torques.
 * J = j_b, the whole spacecraft's inertia (the wheels' axial part, ~1e-4 of it, is neglected in J alpha).
 * Integral of e: runs only while the angle error is below integral_zone_rad and hold_integral is 0
 * (set it while the actuators saturate), and is clamped so that |ki integral| <= integral_max_nm per
 * axis; an axis with ki 0 keeps it at 0. A zeroed struct has no integral. */
typedef struct {
    double kp[3];               /* N m per rad of error, per body axis */
    double kd[3];               /* N m per rad/s of rate error */
    double ki[3];               /* N m per rad s of integrated error */
    double j_b[9];              /* kg m^2, row-major */
    double integral_max_nm[3];  /* anti-windup clamp of the integral torque */
    double integral_zone_rad;   /* the integral runs only below this angle error */
    double dt_s;                /* control period, for the integral */
    int hold_integral;          /* input: 1 freezes the integral (actuators saturated) */
    double integral_rad_s[3];   /* state: time integral of e */
    double torque_b[3];         /* output: torque to apply on the body, N m */
    double angle_err_rad;       /* output: rotation angle between reference and estimate */
    double rate_err_b[3];       /* output: w_e, rad/s */
    double q_ref_ib[4];         /* output: the reference of the last step, as given */
    double w_ref_r[3];          /* output: its rate, rad/s, in its own axes */
    double alpha_ref_r[3];      /* output: its angular acceleration, rad/s^2, in its own axes */
    long steps;                 /* output: steps taken (a recorder sees which frames tracked a reference) */
} zk_pd_control;
/* The law above; torque_ext_b: external torque known to act over the next step (e.g. the magnetic
 * dumping torque), which the wheels then do not have to fight through the feedback. */
void zk_pd_control_track(zk_pd_control *c, const double q_ref_ib[4], const double w_ref_r[3],
                         const double alpha_ref_r[3], const double q_ib[4], const double w_b[3],
                         const double h_wheel_b[3], const double torque_ext_b[3]);

/* Reaction wheels as the controller sees them. Axis matrix A (3 x n, column i = axis_b of wheel i);
 * the body receives -A u for motor torques u. Wheels marked failed are left out: their columns count as
 * zero, they are commanded 0 and get no friction feed-forward. */
typedef struct {
    int n;
    double axis_b[3 * ZK_MAX_WHEELS];
    double torque_max_nm[ZK_MAX_WHEELS];
    double friction_coulomb_nm[ZK_MAX_WHEELS];   /* calibrated bearing friction, for feed-forward */
    double friction_viscous_nm_s[ZK_MAX_WHEELS]; /* N m per rad/s */
    int failed[ZK_MAX_WHEELS];                   /* 1: out of use (zk_wheel_map_set_failed) */
    double null_gain_nm_s[ZK_MAX_WHEELS];        /* null-space speed gain k_i, N m per rad/s; 0: none */
    double speed_bias_rad_s[ZK_MAX_WHEELS];      /* speeds pursued in the null space */
    /* derived by zk_wheel_map_init */
    int n_active;
    double pinv[3 * ZK_MAX_WHEELS];              /* row per wheel: pseudo-inverse of A (0 for failed) */
    double null_proj[ZK_MAX_WHEELS * ZK_MAX_WHEELS]; /* N = I - pinv A over the active wheels, row-major */
    /* outputs of the last zk_wheel_map_distribute */
    double torque_scale;                         /* 1, or < 1 when the body torque was scaled down */
    double null_scale;                           /* share of the null-space command kept, [0, 1] */
} zk_wheel_map;
/* Derive pinv and null_proj from the active wheels (N = 0 exactly with 3 of them). 0, or -1 if the
 * active axes do not span 3-D or n is outside [3, ZK_MAX_WHEELS]. */
int zk_wheel_map_init(zk_wheel_map *m);
/* Mark wheel i failed (1) or back in use (0) and re-derive. 0, or -1 (map unchanged) if i is out of
 * range or the wheels left in use would not span 3-D. */
int zk_wheel_map_set_failed(zk_wheel_map *m, int i, int failed);
/* Motor torques u = s_t (-pinv torque_b) + s_n N k (speed_bias - speed): the body receives
 * -A u = -s_t torque_b (the null-space part gives none). s_t <= 1 scales the body torque as a whole so
 * that no wheel exceeds its limit (direction kept); s_n in [0, 1] is the largest share of the
 * null-space command that then still fits: the null-space part yields first. */
void zk_wheel_map_distribute(zk_wheel_map *m, const double torque_b[3], const double *speed_rad_s,
                             double *u_wheel_nm);
/* Add to u the motor torque that cancels each wheel's bearing friction at its measured speed, so that
 * the net torque is the one distributed: c sign(Omega) + v Omega. A wheel slower than
 * 0.1 rad/s is taken as still: the Coulomb part then follows the sign of u, the way the
 * wheel is about to turn, so that friction leaves no dead band around zero speed. */
void zk_wheel_map_add_friction(const zk_wheel_map *m, const double *speed_rad_s, double *u_wheel_nm);
/* Wheel momentum in body from relative speeds of the wheels in use: sum a_i I_s,i Omega_i. */
void zk_wheel_map_momentum(const zk_wheel_map *m, const double *inertia, const double *speed_rad_s,
                           double h_b[3]);

/* Wheel momentum management by magnetorquers (cross-product law):
 * m = gain (h_excess x B) / |B|^2, h_excess = h_wheel_b - h_target_b; then the magnetic torque
 * m x B = -gain (h_excess less its component along B): it removes the excess it can reach, at the rate
 * gain. The dipole is scaled down as a whole to fit every axis's limit (direction kept); B = 0 gives 0. */
typedef struct {
    double gain_per_s;
    double h_target_b_nms[3];
    double dipole_max_am2[3];
    double torque_b[3];         /* output: m x B, the torque expected from the dipole, N m */
} zk_momentum_dump;
void zk_momentum_dump_step(zk_momentum_dump *c, const double h_wheel_b[3], const double b_b_t[3],
                           double dipole_am2[3]);

/* B-dot detumbling: m = -gain dB/dt, dB/dt the body-frame rate of the field from successive readings,
 * through a first-order low-pass of time constant filter_s (0: none); scaled down as a whole to fit
 * every axis's limit. With dB/dt ~ -w x B the torque is -gain |B|^2 (w less its part along B). */
typedef struct {
    double gain_am2_s_t;        /* A m^2 per T/s */
    double filter_s;
    double dipole_max_am2[3];
    int readings;               /* state: 0 none held, 1 one reading, 2 the filter runs */
    double b_last_b_t[3];       /* state: the previous reading */
    double db_dt_b_t_s[3];      /* state and output: filtered dB/dt, T/s */
} zk_bdot;
/* Forget the readings (after a missed one, or on entering detumbling). */
void zk_bdot_reset(zk_bdot *c);
/* A reading b_b_t taken dt_s after the previous one: the dipole to command (0 until two readings). */
void zk_bdot_step(zk_bdot *c, const double b_b_t[3], double dt_s, double dipole_am2[3]);

#endif
