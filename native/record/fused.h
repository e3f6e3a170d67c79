/* fused.h - the fused loop: many 10 Hz frames of the attitude loop and the world in one C call.
 *
 * Between the events Python must see (a 1 Hz group, a telecommand, a fault, a capture, a mode change)
 * a frame of a mission is the same few C calls every time: the simulated gyro, wheels and star tracker
 * read the truth; the MEKF propagates and updates; the onboard orbit propagates; the wheel momentum,
 * momentum dumping, guidance, wheel monitor, PD control and wheel distribution run; the wheels and
 * torquers act; the world steps to the frame's end; the run record writes its row. zk_fused_run makes
 * exactly those calls, in the order and with the arithmetic of the Python per-frame path
 * (flight/adcs/attitude_loop.py AttitudeLoop.tick, zorka/run/mission.py Mission._advance), so both paths
 * give bit-identical states for the same seed. The mission runner (zorka/run/fused_loop.py) decides when
 * a span of frames may be fused and copies the few Python-side values in and out around the call.
 *
 * In native/record because it steps both sides: the flight software's structs and the world's.
 *
 * Memory: the caller allocates the zk_fused (ffi.new) and keeps every struct and array it points to alive
 * and unmoved while zk_fused_run runs; all pointers are borrowed, none is freed here, nothing allocates. */
#ifndef ZK_FUSED_H
#define ZK_FUSED_H
#include "record.h"
#include "flight/flight.h"
#include "sim/sim.h"

#define ZK_FUSED_LAWS 8
#define ZK_LAW_NADIR 1
#define ZK_LAW_HOLD 2
#define ZK_LAW_SUN 3
#define ZK_LAW_TARGET 4
#define ZK_LAW_JOIN 5

/* One guidance law as flight/adcs/guidance.py's `update` runs it. */
typedef struct {
    int kind;                       /* ZK_LAW_* (0: unused) */
    zk_reference *ref;              /* what the law writes */
    const zk_force_model *forces;   /* the law's own force model (NADIR, SUN, TARGET) */
    const double *q_hold_ib;        /* HOLD: the attitude held */
    const zk_sun_pointing *sun;     /* SUN */
    double jd_tt_epoch;             /* SUN: onboard time 0 as a TT Julian date */
    zk_target *target;              /* TARGET */
    int strip;                      /* TARGET: a strip (zk_target_at first) */
    double epoch_jd_utc;            /* TARGET: onboard time 0 as a UTC Julian date (for GMST) */
    int status;                     /* TARGET, output: the last zk_guidance_target status */
    const zk_join_slew *join;       /* JOIN */
    int join_to;                    /* JOIN: index of the law it joins (updated under it) */
} zk_fused_law;

typedef struct {
    /* the world and what records it */
    zk_world *world;
    zk_run_record *rec;
    unsigned char *nadir_rows;      /* per truth row: the ADCS flew its nadir law (Mission.nadir_rows) */
    long nadir_rows_len;
    long rows_noted;                /* in/out: truth rows whose nadir flag is written */
    zk_run_record *capture;         /* the simulated imager's truth table (SimImager.record) */
    int capturing;                  /* in/out: a capture is being recorded; 0 once it ended */
    double capture_end_s;           /* the world time that ends it */
    /* the simulated devices */
    zk_gyro *gyro;
    const double *gyro_truth;
    zk_wheels *wheels;
    const double *wheel_truth;
    double *wheel_speed_rad_s;      /* the wheels' speed reading */
    double *wheel_current_a;
    double motor_constant_nm_a;
    double no_load_current_a;
    zk_star_tracker *star_tracker;
    const double *star_tracker_truth;
    zk_magnetometer *magnetometer;
    const double *mag_q_ib, *mag_b_eci_t, *mag_dipole_am2;
    zk_magnetorquers *torquers;
    /* the flight software */
    zk_mekf *mekf;
    double *w_last_b;               /* the previous frame's gyro reading */
    double *w_step_b;               /* the mean rate over the last frame */
    const double *w_meas_b;         /* the gyro's reading (its output buffer) */
    const double *q_star_ib;        /* the star tracker's reading */
    zk_wheel_monitor *monitor;
    zk_orbit *orbit;
    const zk_force_model *orbit_forces;
    double orbit_t_s;               /* in/out: onboard time of the orbit estimate */
    double orbit_step_s;
    zk_wheel_map *map;
    const double *wheel_inertia;
    double *h_wheel_b;
    double *torque_cmd_nm;          /* the wheels' torque command */
    zk_momentum_dump *dump;
    double *b_clean_b_t;            /* the dumping's last clean field reading */
    const double *mag_b_b_t;        /* the magnetometer's reading */
    double *dipole_cmd_am2;         /* the torquers' command */
    int dump_phase;                 /* in/out: the duty cycle's phase */
    int dump_last;                  /* its last (off) phase */
    zk_pd_control *control;
    zk_fused_law laws[ZK_FUSED_LAWS];
    int guidance;                   /* in/out: index of the law flown */
    int law;                        /* the law a join slew hands over to */
    int nadir;                      /* index of the nadir law */
    double frame_s;
    /* out, from each call alone (zeroed, or NaN, as it starts): what the Python path counts and notes */
    long ticks;
    long gyro_misses;
    long wheel_misses;
    long star_tracker_misses;
    double last_star_fix_s;         /* NaN: no fix taken */
    double last_star_blind_s;       /* NaN: not blinded */
} zk_fused;

/* The attitude loop of frame `frame` alone (a frame whose other rate groups run in Python). */
void zk_fused_tick(zk_fused *f, long frame);

/* The end of frame `frame`: the world stepped to it, recorded, the truth row's nadir flag noted, and the
 * truth into the imager's table while a capture runs. */
void zk_fused_advance(zk_fused *f, long frame);

/* Run `count` frames from frame `frame` (onboard time frame * frame_s): the attitude loop of each, then
 * the world stepped to its end and recorded. Returns the frames run (count). */
long zk_fused_run(zk_fused *f, long frame, long count);

#endif
