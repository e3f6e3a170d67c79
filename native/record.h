/* record.h - what the mission runner records of the truth each tick, without leaving C:
 * the pointing and rate errors against nadir into preallocated arrays, and running peaks. */
#ifndef ZK_RECORD_H
#define ZK_RECORD_H
#include "world.h"

typedef struct {
    double *err_deg;            /* [capacity] pointing error against nadir, deg */
    double *rate_err_deg_s;     /* [capacity] body-rate error against the nadir frame's rate, deg/s */
    long capacity;
    long n;                     /* ticks recorded; recording stops at capacity */
    double peak_wheel_speed_rad_s;
    double peak_wheel_speed_fraction;   /* max |Omega_i| / Omega_max,i: the momentum fraction per wheel */
} zk_run_record;

void zk_run_record_tick(zk_run_record *rec, const zk_world *w);

#endif
