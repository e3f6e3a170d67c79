/* guidance.h - attitude guidance: the reference attitude, rate and angular acceleration to track.
 *
 * Every profile writes a zk_reference. R is the reference frame, the attitude the body should have:
 *   q_ib     R to inertial (v_i = R(q_ib) v_r), Hamilton, scalar last, w >= 0;
 *   w_r      angular velocity of R with respect to inertial, in R's own axes, rad/s;
 *   w_i      the same vector in inertial axes, R(q_ib) w_r;
 *   alpha_r  d/dt of w_r, rad/s^2. Since w x w = 0 it is also the inertial derivative of w_i in R's axes:
 *            alpha_r = R(q_ib)^T dw_i/dt.
 * With the body on R, w_r and alpha_r are the body's rate and acceleration: the controller's
 * feed-forward (zk_pd_control_track takes them as w_ref_r, alpha_ref_r).
 *
 * Two-vector profiles (sun pointing, target tracking) build R from a primary direction p(t) and a
 * secondary direction s(t): body axis a_b on p, body axis b_b (orthogonal to a_b) on the part of s
 * orthogonal to p. Rate and acceleration are analytic: from p, s and their first two time derivatives
 * through the unit-vector and cross-product rules, w . e1 = de2/dt . e3 (and cyclic), alpha . e1 =
 * d2e2/dt2 . e3 + de2/dt . de3/dt (and cyclic). The satellite's acceleration is the force model's
 * gravity (zk_gravity_accel; drag, ~1e-6 m/s^2 at 500 km, is left out) and its jerk the derivative of
 * that gravity along v, by a central difference over +-0.1 s (relative error ~1e-8).
 * Nothing here allocates. */
#ifndef ZK_GUIDANCE_H
#define ZK_GUIDANCE_H
#include "common/orbit.h"

typedef struct {
    double q_ib[4];
    double w_r[3];
    double w_i[3];
    double alpha_r[3];
} zk_reference;

/* Inertial hold: R = q_ib (normalised), no rate, no acceleration. */
void zk_guidance_hold(const double q_ib[4], zk_reference *out);

/* Nadir pointing, the frame of zk_nadir_reference (+Z_R to nadir, +Y_R along -(r x v), +X_R along
 * track), with its q_ib and w_i unchanged (bit for bit); w_r = R^T w_i, alpha_r = R^T d/dt(r x v / r^2)
 * with the force model's gravity: (r x a) / r^2 - 2 (r . v)(r x v) / r^4. */
void zk_guidance_nadir(const zk_force_model *f, const double r_eci[3], const double v_eci[3],
                       zk_reference *out);

/* Sun pointing (safe mode): axis_b (the solar arrays' normal) on the sun as seen from the satellite,
 * secondary_b as near as that allows to the orbit normal r x v. secondary_b is made orthogonal to
 * axis_b (Gram-Schmidt) at each call. Within 1e-3 rad of the sun lying along the orbit normal
 * (beta ~ 90 deg) secondary_b goes to nadir (-r) instead. The sun's velocity and acceleration come from
 * central differences of zk_sun_eci over +-1 h (relative error ~1e-7); the reference turns at ~1e-7
 * to 1e-6 rad/s (the sun's annual motion, parallax, J2 motion of the orbit normal). */
typedef struct {
    double axis_b[3];       /* unit body axis put on the sun */
    double secondary_b[3];  /* body axis turned towards the orbit normal; not parallel to axis_b */
} zk_sun_pointing;
/* jd_tt: Julian date (TT) of the instant of r_eci, v_eci. 0, or -1 (out unchanged) if the axes are
 * parallel or zero. */
int zk_guidance_sun(const zk_sun_pointing *p, const zk_force_model *f, double jd_tt, const double r_eci[3],
                    const double v_eci[3], zk_reference *out);

/* Ground-target tracking: +Z_R (the imager boresight) from the satellite at a WGS-84 point fixed on
 * the rotating Earth (ECEF -> inertial by R_z(-gmst), turning at ZK_OMEGA_EARTH), with yaw steering:
 * +X_R in the plane of the boresight and the satellite's velocity relative to the target,
 * v_rel = v_eci - omega_earth x r_target_eci, on its side (+X_R . v_rel > 0), +Y_R = Z_R x X_R. +X_R is
 * then the pushbroom scan direction, Earth rotation compensated (at nadir over a non-rotating Earth
 * it is the nadir frame's along-track +X). The line of sight then moves along +-X_R only (w_r . X_R = 0).
 * Rate and acceleration are analytic (see the top): against differences of the attitude along a J2 orbit
 * they agree to 3e-11 rad/s and 6e-13 rad/s^2 (tests/native/test_target_tracking.py). Gravity the force
 * model leaves out moves the yaw rate by its acceleration over |v_rel|: ~5e-9 rad/s for J3 + J4 when the
 * model stops at J2, ~3e-11 rad/s for drag. */
typedef struct {
    double r_ecef[3];       /* m, the target (zk_target_set; zk_target_at moves it along a strip) */
    double up_ecef[3];      /* unit WGS-84 ellipsoid normal at the target (zk_target_set) */
    double v_ecef[3];       /* m/s, the target's motion over the ground (a strip's scan), else 0 */
    double strip_start_ecef[3]; /* m, where a strip scan starts (zk_target_strip) */
    double strip_v_ecef[3]; /* m/s, the scan's velocity over the ground */
    double strip_t0_s;      /* onboard time the scan starts */
    double strip_t1_s;      /* ... and ends */
    double off_nadir_rad;   /* output: angle between nadir (-r_eci) and the line of sight */
    double elevation_rad;   /* output: the satellite's elevation above the target's horizon */
    double range_m;         /* output: satellite-to-target distance */
} zk_target;
void zk_target_set(zk_target *t, double lat_rad, double lon_rad, double alt_m);
/* A strip: the target runs at constant Earth-fixed velocity along the chord from the WGS-84 point
 * (lat0, lon0) to (lat1, lon1) (both at alt_m), passing the first at t0_s and the second at t1_s, and on
 * along the same line before and after (run-up and run-out: the scan starts and ends at full rate, and a
 * slew joins it while it moves). The chord sags below the ellipsoid by L^2 / 8R (50 m for 50 km,
 * 0.005 deg seen from 600 km). The rate and acceleration of the reference include the target's motion,
 * so a pushbroom scans the strip without smear. */
void zk_target_strip(zk_target *t, double lat0_rad, double lon0_rad, double lat1_rad, double lon1_rad,
                     double alt_m, double t0_s, double t1_s);
/* Move a strip's target to where it is on its line at onboard time t_s (no-op for a fixed target). */
void zk_target_at(zk_target *t, double t_s);
/* gmst_rad: Earth rotation angle at the instant of r_eci, v_eci. 0, or -1 (out and the outputs of t
 * unchanged) if the satellite is at the target or moves along the line of sight (never for a target
 * above the horizon of a low orbit). */
int zk_guidance_target(zk_target *t, const zk_force_model *f, double gmst_rad, const double r_eci[3],
                       const double v_eci[3], zk_reference *out);

/* Rest-to-rest eigen-axis slew from q0_ib to q1_ib (the shorter way), angle theta about a body axis fixed
 * in body and inertial: accelerate at accel_max up to rate_max, coast, decelerate at accel_max
 * (bang-coast-bang); triangular, peaking at sqrt(theta accel_max), when theta < rate_max^2 / accel_max.
 * Duration 2 sqrt(theta / a) (triangular) or theta / w + w / a (trapezoidal). Before t0 the reference
 * is q0_ib, from t_end on exactly q1_ib, both at rest. */
typedef struct {
    double q0_ib[4];
    double q1_ib[4];
    double axis_r[3];           /* unit eigen-axis in R's axes (zero when q0 = q1) */
    double angle_rad;           /* theta, [0, pi] */
    double rate_max_rad_s;
    double accel_max_rad_s2;
    double rate_peak_rad_s;     /* rate of the coast, or of the peak of a triangular profile */
    double t0_s;
    double t_accel_s;           /* duration of the acceleration, and of the deceleration */
    double t_coast_s;           /* 0 for a triangular profile */
    double t_end_s;             /* t0_s + 2 t_accel_s + t_coast_s */
} zk_slew;
/* 0, or -1 (s unchanged) unless rate_max and accel_max are > 0. */
int zk_slew_plan(zk_slew *s, const double q0_ib[4], const double q1_ib[4], double t0_s,
                 double rate_max_rad_s, double accel_max_rad_s2);
void zk_slew_eval(const zk_slew *s, double t_s, zk_reference *out);
double zk_slew_time(double angle_rad, double rate_max_rad_s, double accel_max_rad_s2);

/* A slew that joins a moving profile T (tracking, nadir, sun) from a reference F at t0, matching
 * attitude and rate at both ends. The reference is written q_ref = q_T (x) d, d the offset of R from T:
 *   1. blend (t0 .. t0 + t_blend): d starts at d0 = q_T(t0)^-1 (x) q_F(t0) turning at
 *      dw0 = w_F_r - R(d0)^T w_T_r (so that R starts on F, at F's rate) and that relative rate decays
 *      linearly to zero at accel_max about its own axis, t_blend = |dw0| / accel_max;
 *   2. rest-to-rest eigen-axis slew of d to identity with rate_max and accel_max (zk_slew).
 * Rate and acceleration of R: w_r = R(d)^T w_T_r + w_d, alpha_r = R(d)^T alpha_T_r + alpha_d +
 * (R(d)^T w_T_r) x w_d. At t_end R is T with T's rate (hand-over without a jump in attitude or rate;
 * the acceleration steps by the end of the deceleration, as in any bang-coast-bang). The limits bound
 * the relative motion d: the body rate stays below |w_T| + max(rate_max, |dw0|), so rate_max and
 * accel_max should leave room for T's own rate and acceleration (~0.015 rad/s and ~2e-4 rad/s^2 when
 * tracking from 500 km). */
typedef struct {
    double t0_s;
    double d0[4];               /* offset at t0 */
    double dw0_r[3];            /* relative rate at t0, R's axes */
    double t_blend_s;
    zk_slew rest;               /* phase 2, from the offset at the end of the blend to identity */
    double t_end_s;
} zk_join_slew;
/* from, to_at_t0: F and T evaluated at t0. 0, or -1 (s unchanged) unless the limits are > 0. */
int zk_join_slew_plan(zk_join_slew *s, const zk_reference *from, const zk_reference *to_at_t0, double t0_s,
                      double rate_max_rad_s, double accel_max_rad_s2);
/* to: T evaluated at t_s. Before t0 the offset is held at d0 with rate dw0; from t_end on out is *to. */
void zk_join_slew_eval(const zk_join_slew *s, double t_s, const zk_reference *to, zk_reference *out);

/* Slew limits from the reaction wheels, for any eigen-axis. The wheels are driven through the
 * minimum-norm pseudo-inverse P = A^T (A A^T)^-1 (as zk_wheel_map_distribute does), so a body torque t e
 * (unit e) takes t |p_i . e| from wheel i: every axis gets at least torque_nm = min_i tau_max,i / |p_i|,
 * and the wheels absorb at least momentum_nms = min_i h_max,i / |p_i| of body momentum about any axis.
 * An eigen-axis slew about e needs |J e| alpha of torque and |J e| w of momentum (the gyroscopic
 * w x (J w + h_wheel) is zero while the total momentum is: it is dumped), and |J e| <= the largest
 * eigenvalue of J; hence the conservative limits
 *   accel_max = margin torque_nm / lambda_max(J),   rate_max = margin momentum_nms / lambda_max(J).
 * margin (0, 1] keeps the rest for feedback, friction feed-forward, the null-space speed bias and
 * momentum already stored. */
typedef struct {
    double torque_nm;           /* body torque available about any axis */
    double momentum_nms;        /* body momentum the wheels absorb about any axis */
    double inertia_kg_m2;       /* largest principal inertia */
    double accel_max_rad_s2;
    double rate_max_rad_s;
} zk_slew_limits;
/* axis_b: n unit axes, three per wheel; j_b: the spacecraft's inertia, row-major. 0, or -1 (out
 * unchanged) if n < 3, the axes do not span 3-D, a limit is not > 0, J is not positive or margin is
 * outside (0, 1]. */
int zk_slew_limits_from_wheels(zk_slew_limits *out, int n, const double *axis_b, const double *torque_max_nm,
                               const double *momentum_max_nms, const double j_b[9], double margin);

#endif
