/* sensors.h - measurement models of the simulated sensors. Each takes the truth it senses and
 * writes its reading into its own struct; each owns its generator, so one sensor's draws never
 * shift another's. Nothing is allocated. A measurement function returns 1 when it gives a reading,
 * 0 when none came (the last reading is kept). Every generator must be seeded before use.
 *
 * Faults: each device struct holds a zk_fault, applied by its measurement (or actuator) function.
 * A fault never changes the draws, so a device's noise after a fault is cleared is what it would
 * have been without it. */
#ifndef ZK_SENSORS_H
#define ZK_SENSORS_H
#include "rng.h"

/* Fault kinds. STUCK: the output freezes (readings repeat, an actuator holds its last output).
 * DEAD: no reading (0 returned), an actuator gives nothing. NOISY: the white noise is multiplied by
 * factor. BIASED: bias is added, in the units and order of the device's output. */
#define ZK_FAULT_NONE 0
#define ZK_FAULT_STUCK 1
#define ZK_FAULT_DEAD 2
#define ZK_FAULT_NOISY 3
#define ZK_FAULT_BIASED 4
#define ZK_FAULT_BIAS_MAX 12

typedef struct {
    int kind;                           /* ZK_FAULT_*; zeroed is no fault */
    double factor;                      /* NOISY */
    double bias[ZK_FAULT_BIAS_MAX];     /* BIASED */
} zk_fault;
double zk_fault_noise_factor(const zk_fault *f);    /* factor when NOISY, else 1 */

/* Rate gyro: truth + constant bias + a sum of first-order Gauss-Markov biases (the bias
 * instability) + a rate random walk + white noise (the angle random walk), per axis, one sample
 * per call. Discrete parameters are per sample. */
#define ZK_GYRO_MARKOV_MAX 4
typedef struct {
    zk_rng rng;
    double bias_b[3];                               /* rad/s, constant */
    double noise_rad_s;                             /* white noise, 1 sigma per sample, rad/s */
    int n_markov;
    double markov_phi[ZK_GYRO_MARKOV_MAX];          /* exp(-dt / correlation time) */
    double markov_step_rad_s[ZK_GYRO_MARKOV_MAX];   /* driving noise, 1 sigma per sample, rad/s */
    double markov_b[3 * ZK_GYRO_MARKOV_MAX];        /* states, rad/s: term k axis i at [3 k + i] */
    double walk_step_rad_s;                         /* rate random walk, 1 sigma per sample, rad/s */
    double walk_b[3];                               /* state, rad/s */
    zk_fault fault;                                 /* bias: rad/s */
    double rate_b[3];                               /* reading, rad/s */
} zk_gyro;
/* Draw the Gauss-Markov states from their stationary distribution (once, before sampling). */
void zk_gyro_start(zk_gyro *g);
int zk_gyro_measure(zk_gyro *g, const double w_b_true[3]);
/* n consecutive samples of a constant true rate into rate_b_out (n x 3, row-major), as a record
 * for characterisation (Allan variance). Leaves rate_b at the last sample. */
void zk_gyro_measure_n(zk_gyro *g, const double w_b_true[3], double *rate_b_out, long n);

/* Star tracker: the truth attitude rotated by noise in the sensor frame, a reading every period_s;
 * none while the sunlit satellite has the sun within sun_exclusion_rad of the boresight, or the
 * Earth's limb within earth_exclusion_rad of it (counted only in sunlight: a satellite sees the
 * sun exactly when some of its visible cap of the Earth is in daylight, for a cylindrical shadow). */
typedef struct {
    zk_rng rng;
    double q_bs[4];             /* sensor frame to body; sensor +Z is the boresight */
    double noise_cross_rad;     /* 1 sigma about sensor X and Y */
    double noise_about_rad;     /* 1 sigma about the boresight */
    double period_s;            /* between readings; 0: a reading at every sample */
    double t_next_s;            /* time of the next reading */
    double sun_exclusion_rad;
    double earth_exclusion_rad;
    int blinded;                /* 1 when the last reading due was lost to the sun or the Earth (never when dead) */
    zk_fault fault;             /* bias: rotation vector in the sensor frame, rad */
    double q_ib[4];             /* reading: body attitude */
} zk_star_tracker;
/* r_sat_eci NULL: nothing blinds the tracker (r_sun_eci and sun_fraction unused). */
int zk_star_tracker_measure(zk_star_tracker *st, double t_s, const double q_ib_true[4],
                            const double *r_sat_eci, const double *r_sun_eci, double sun_fraction);

/* Magnetometer: the field in body + bias + the torquers' field (coupling times the applied dipole)
 * + white noise. */
typedef struct {
    zk_rng rng;
    double bias_b_t[3];                 /* tesla */
    double noise_t;                     /* 1 sigma per axis, tesla */
    double coupling_t_per_am2[9];       /* 3x3 row-major: field in body per applied body dipole */
    zk_fault fault;                     /* bias: tesla */
    double b_b_t[3];                    /* reading, tesla */
} zk_magnetometer;
int zk_magnetometer_measure(zk_magnetometer *m, const double q_ib_true[4], const double b_eci_t[3],
                            const double dipole_am2[3]);

/* Coarse sun sensor: cosine heads, current = scale max(0, n . s) sun_fraction + noise. The sun
 * direction is a least-squares fit in two passes: over the lit heads (above lit_a), then over the
 * heads facing that first fit (so neither a noise spike on a dark head nor a dim head left out biases
 * it), normalised; valid when some head is lit and the fit's length is at least valid_fraction of
 * full sun (at least that much of the disk seen). */
#define ZK_SUN_HEADS_MAX 12
typedef struct {
    zk_rng rng;
    int n_heads;
    double normal_b[3 * ZK_SUN_HEADS_MAX];  /* unit head normals in body */
    double scale_a;                         /* current at normal incidence in full sun, A */
    double noise_a;                         /* 1 sigma per head, A */
    double lit_a;                           /* a head above this current is lit */
    double valid_fraction;
    zk_fault fault;                         /* bias: per head, A */
    double current_a[ZK_SUN_HEADS_MAX];     /* head readings, A */
    double s_b[3];                          /* reading: unit sun direction in body (zero when invalid) */
    int valid;
} zk_sun_sensor;
int zk_sun_sensor_measure(zk_sun_sensor *s, const double q_ib_true[4], const double r_sat_eci[3],
                          const double r_sun_eci[3], double sun_fraction);

/* GNSS receiver: Earth-fixed fix with white noise every period_s, none during outages (exponential
 * gaps and durations). */
typedef struct {
    zk_rng rng;
    double noise_pos_m;             /* 1 sigma per axis */
    double noise_vel_m_s;           /* 1 sigma per axis */
    double period_s;                /* between fixes, > 0 */
    double t_next_s;                /* time of the next fix */
    double outage_gap_mean_s;       /* mean time from an outage's end to the next's start (inf: none) */
    double outage_mean_s;           /* mean outage duration */
    double outage_start_s;          /* the current or next outage */
    double outage_end_s;
    zk_fault fault;                 /* bias: position then velocity, m and m/s */
    double r_ecef[3];               /* reading */
    double v_ecef[3];
} zk_gnss;
/* First fix due at t_s; the first outage drawn from t_s. */
void zk_gnss_start(zk_gnss *g, double t_s);
int zk_gnss_measure(zk_gnss *g, double t_s, double gmst, const double r_eci_true[3],
                    const double v_eci_true[3]);

#endif
