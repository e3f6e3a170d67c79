/* record.h - what the mission runner records of the truth each tick, without leaving C:
 * the pointing and rate errors against nadir into preallocated arrays, running peaks, and every
 * `truth_every` ticks a row of the truth state for the run's ephemeris files. */
#ifndef ZK_RECORD_H
#define ZK_RECORD_H
#include "world.h"

#define ZK_TRUTH_COLUMNS 14

typedef struct {
    double *err_deg;            /* [capacity] pointing error against nadir, deg */
    double *rate_err_deg_s;     /* [capacity] body-rate error against the nadir frame's rate, deg/s */
    long capacity;
    long n;                     /* ticks recorded; recording stops at capacity */
    double peak_wheel_speed_rad_s;
    double peak_wheel_speed_fraction;   /* max |Omega_i| / Omega_max,i: the momentum fraction per wheel */
    double min_soc;             /* lowest battery state of charge seen (start it at the initial one) */
    double *truth;              /* [truth_capacity * ZK_TRUTH_COLUMNS]: t_s, r_eci, v_eci, q_ib, w_b */
    long truth_capacity;
    long truth_n;
    long truth_every;           /* a row after every truth_every-th tick (0: no rows) */
    long ticks;                 /* ticks seen */
} zk_run_record;


void zk_run_record_tick(zk_run_record *rec, const zk_world *w);

#endif
