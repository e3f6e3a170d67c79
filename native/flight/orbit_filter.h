/* orbit_filter.h - the onboard orbit's GNSS fix update (flight/adcs/orbit_estimate.py says why this
 * filter): a Kalman update of position and velocity with the covariance of one axis' position and
 * velocity errors, the same for the three axes, propagated as free motion with a white acceleration
 * noise. Plain data, allocated by its owner. */
#ifndef ZK_ORBIT_FILTER_H
#define ZK_ORBIT_FILTER_H

#include "common/orbit.h"

typedef struct {
    double var_r_m2;                /* the receiver's position noise per axis, m^2 (configuration) */
    double var_v_m2_s2;             /* its velocity noise per axis, m^2/s^2 */
    double accel_noise_m2_s3;       /* density of the unmodelled acceleration */
    double p_rr_m2, p_rv_m2_s, p_vv_m2_s2;   /* one axis' error covariance */
} zk_orbit_filter;

/* Take the receiver's Earth-fixed fix (r_ecef, v_ecef at jd_utc, turned inertial with GMST) into the
 * orbit o, already propagated to the fix's time: with restart, the fix becomes the orbit and the
 * covariance the receiver's noise; else the covariance is propagated over dt_s (since the last fix)
 * and the state and covariance updated. */
void zk_orbit_filter_fix(zk_orbit_filter *f, zk_orbit *o, double jd_utc, const double r_ecef[3],
                         const double v_ecef[3], double dt_s, int restart);

#endif
