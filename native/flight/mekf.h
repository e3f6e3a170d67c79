/* mekf.h - onboard attitude determination: a multiplicative extended Kalman filter on gyro and star
 * tracker, and TRIAD for a coarse attitude from two vector pairs.
 *
 * MEKF (Markley & Crassidis, Fundamentals of Spacecraft Attitude Determination and Control, 2014,
 * sec. 6.2.4; Crassidis & Junkins, Optimal Estimation of Dynamic Systems, sec. 7.2). State: q_ib and
 * the gyro bias as two parts, a random walk b_b and a first-order Gauss-Markov term g_b; error state
 * x = [dtheta_b, db_b, dg_b] with q_true = q_ib (x) exp(dtheta_b / 2), b_true = b_b + db_b,
 * g_true = g_b + dg_b. Gyro model: w_meas = w + b + g + eta_v (angle random walk, sigma_v), b' = eta_u
 * (rate random walk, sigma_u), g' = -g / tau + eta_g (steady 1 sigma sigma_g). The Markov term is the
 * part of a gyro's bias instability that wanders faster than the filter can follow: through a
 * star-tracker outage its estimate decays instead of being carried as a constant, and the attitude
 * sigma grows as the error does (with sigma_g = 0 it is inert and the filter is the 6-state MEKF).
 * The star tracker reads q_ib (x) exp(v_b / 2), v_b = R(q_bs) v_s with v_s of 1 sigma
 * (cross, cross, about) in the sensor frame. Nothing is allocated; all state is here. */
#ifndef ZK_MEKF_H
#define ZK_MEKF_H

typedef struct {
    /* configuration, set before zk_mekf_init */
    double arw_rad_sqrt_s;          /* sigma_v: angle random walk, rad / sqrt(s) */
    double rrw_rad_s_sqrt_s;        /* sigma_u: rate random walk, rad/s / sqrt(s) */
    double markov_sigma_rad_s;      /* sigma_g: steady 1 sigma of the Markov bias, rad/s (0: none) */
    double markov_time_s;           /* tau: its correlation time, s (> 0 when sigma_g > 0) */
    double q_bs[4];                 /* star-tracker frame to body; sensor +Z is the boresight */
    double st_cross_rad;            /* star-tracker noise, 1 sigma about sensor X and Y */
    double st_about_rad;            /* star-tracker noise, 1 sigma about the boresight */
    double nis_gate;                /* refuse a reading whose NIS exceeds this (chi-square, 3 dof) */
    long restart_after;             /* after this many refused in a row, restart from the next (0: never) */
    /* derived by zk_mekf_init */
    double r_st_b[9];               /* star-tracker noise covariance in body, rad^2, row-major */
    /* state */
    double q_ib[4];
    double bias_walk_b[3];          /* b_b, rad/s */
    double bias_markov_b[3];        /* g_b, rad/s */
    double p[81];                   /* error covariance, 9x9 row-major, [rad, rad/s, rad/s] */
    /* outputs */
    double bias_b[3];               /* the gyro bias estimate b_b + g_b, rad/s */
    double w_meas_b[3];             /* last gyro reading, rad/s */
    double w_b[3];                  /* bias-corrected body rate, rad/s */
    double sigma_att_rad[3];        /* 1 sigma attitude error about each body axis */
    double residual_b[3];           /* last star-tracker residual (rotation vector in body), rad */
    double nis;                     /* its normalised innovation squared */
    long accepted;                  /* star-tracker readings taken (restarts included) */
    long rejected;                  /* readings refused by the gate */
    long rejected_in_row;           /* refused since the last one taken */
    long restarts;                  /* attitude restarts from a reading after restart_after refusals */
    long invalid;                   /* non-finite gyro or star-tracker readings ignored */
} zk_mekf;

/* Derive r_st_b, set the state (b_b = bias_b, g_b = 0), P = diag(sigma_att^2 I, sigma_bias^2 I,
 * sigma_g^2 I), clear the outputs and counts. */
void zk_mekf_init(zk_mekf *f, const double q_ib[4], const double bias_b[3], double sigma_att_rad,
                  double sigma_bias_rad_s);
/* Propagate over dt_s with the gyro reading w_meas_b: q <- q (x) exp((w_meas - b - g) dt / 2) (exact
 * for a constant rate), g <- g exp(-dt / tau), P <- Phi P Phi^T + Q with the closed-form Phi (its
 * attitude-to-Markov block to second order in dt / tau) and the discrete Q of sigma_v, sigma_u, sigma_g
 * (exact for the Markov block, first order in dt / tau for its cross terms).
 * A non-finite reading is counted in invalid and the last good one used instead; dt_s <= 0 does nothing. */
void zk_mekf_propagate(zk_mekf *f, const double w_meas_b[3], double dt_s);
/* Take a star-tracker reading q_ib_meas (a non-finite or far from unit one is counted in invalid and
 * refused, returns 0): residual z = rotvec(q^-1 (x) q_meas), S = P_att + R_st_b,
 * NIS = z^T S^-1 z. Above nis_gate: counted, nothing changed, returns 0. Otherwise Joseph-form update,
 * reset (dtheta folded into q, renormalised; db into b, dg into g), returns 1. A filter that has lost the truth
 * refuses every reading; so once restart_after readings were refused in a row, the next refused one
 * restarts the attitude: q = q_meas, P_att = R_st_b, no attitude-bias correlation, the bias terms and
 * their covariance kept; returns 2. */
int zk_mekf_update_attitude(zk_mekf *f, const double q_ib_meas[4]);

/* TRIAD: the attitude q_ib with body vectors b1_b, b2_b observed along inertial references r1_i, r2_i.
 * The first pair is matched exactly, the second fixes the rotation about it: give the more accurate
 * first. Vectors need not be unit. Returns 0, or -1 (q_ib untouched) if a vector is zero or the two
 * body vectors or the two references are within min_angle_rad of parallel or anti-parallel (the error
 * about the first vector grows as 1 / sin of their angle). */
int zk_triad(const double b1_b[3], const double r1_i[3], const double b2_b[3], const double r2_i[3],
             double min_angle_rad, double q_ib[4]);

#endif
