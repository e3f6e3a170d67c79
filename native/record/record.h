/* record.h - what the mission runner records of the truth each tick, without leaving C:
 * the true pointing and rate errors into preallocated arrays, running peaks, and every `truth_every`
 * ticks a row of the truth state for the run's ephemeris files.
 *
 * The errors are against the reference the attitude controller `control` tracked in the frame just
 * stepped, carried to the end of the frame (the truth's time) by its rate and acceleration: the
 * spacecraft's true pointing against what it was told to point at, in any mode. A frame in which the
 * controller took no step (detumbling, no estimate yet) records NaN. Without a controller (NULL), the
 * errors are against nadir.
 *
 * The public header of native/record, the one room that sees both sides: it reads the world's truth
 * (native/sim) against a flight controller's reference (native/flight).
 *
 * Memory: the caller allocates the zk_run_record (ffi.new) and everything it points to, and frees
 * them; zk_run_record_tick only writes into the arrays and allocates nothing.
 *   err_deg, rate_err_deg_s - capacity doubles each, owned by the caller (numpy arrays held beside the
 *     record); they must live as long as the record is ticked.
 *   truth - truth_capacity * ZK_TRUTH_COLUMNS doubles, owned by the caller, living as long.
 *   control - borrowed: a flight controller the record only reads; it must outlive the record's ticks
 *     (or be NULL). */
#ifndef ZK_RECORD_H
#define ZK_RECORD_H
#include "flight/adcs.h"
#include "sim/world.h"
#include "kvn_rows.h"

#define ZK_TRUTH_COLUMNS 14

typedef struct {
    double *err_deg;            /* [capacity] true pointing error against the reference, deg */
    double *rate_err_deg_s;     /* [capacity] true body-rate error against the reference's rate, deg/s */
    const zk_pd_control *control;   /* the controller whose reference counts (NULL: nadir) */
    long control_steps;         /* its steps seen so far */
    double frame_s;             /* the time from a controller step to the truth recorded after it */
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
