/* sensors.h - measurement models of the simulated sensors. Each takes the truth it senses and
 * writes its reading into its own struct; each owns its generator, so one sensor's draws never
 * shift another's. Nothing is allocated. */
#ifndef ZK_SENSORS_H
#define ZK_SENSORS_H
#include "rng.h"

typedef struct {
    zk_rng rng;
    double bias_b[3];       /* rad/s, constant */
    double noise_rad_s;     /* 1 sigma white noise per sample, rad/s */
    double rate_b[3];       /* reading, rad/s */
} zk_gyro;
void zk_gyro_measure(zk_gyro *g, const double w_b_true[3]);

typedef struct {
    zk_rng rng;
    double q_bs[4];             /* sensor frame to body; sensor +Z is the boresight */
    double noise_cross_rad;     /* 1 sigma about sensor X and Y */
    double noise_about_rad;     /* 1 sigma about the boresight */
    double q_ib[4];             /* reading: body attitude */
} zk_star_tracker;
void zk_star_tracker_measure(zk_star_tracker *st, const double q_ib_true[4]);

typedef struct {
    zk_rng rng;
    double bias_b_t[3];     /* tesla */
    double noise_t;         /* 1 sigma per axis, tesla */
    double b_b_t[3];        /* reading, tesla */
} zk_magnetometer;
void zk_magnetometer_measure(zk_magnetometer *m, const double q_ib_true[4], const double b_eci_t[3]);

typedef struct {
    zk_rng rng;
    double noise_rad;       /* 1 sigma of each of two angles across the sun direction */
    double s_b[3];          /* reading: unit sun direction in body (zero when invalid) */
    int valid;              /* 0 in eclipse (less than half the disk visible) */
} zk_sun_sensor;
void zk_sun_sensor_measure(zk_sun_sensor *s, const double q_ib_true[4], const double r_sat_eci[3],
                           const double r_sun_eci[3], double visible_fraction);

typedef struct {
    zk_rng rng;
    double noise_pos_m;     /* 1 sigma per axis */
    double noise_vel_m_s;   /* 1 sigma per axis */
    double r_ecef[3];       /* reading */
    double v_ecef[3];
} zk_gnss;
void zk_gnss_measure(zk_gnss *g, double gmst, const double r_eci_true[3], const double v_eci_true[3]);

#endif
