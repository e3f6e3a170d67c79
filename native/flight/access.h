/* access.h - imaging access: when can targets on the ground be seen, and which captures fit together.
 * Frames as in earth.h: r_eci is TEME, ECEF = R_z(GMST) TEME. An ephemeris table is sampled at a uniform
 * step; every test is made at its samples. A sample is feasible for a target when the off-nadir angle of
 * the line of sight (from the geocentric nadir) is <= the maximum, the satellite is above the target's
 * horizon (WGS-84 normal) and the sun is >= the minimum elevation there. */
#ifndef ZK_ACCESS_H
#define ZK_ACCESS_H

/* Returned when the scratch memory these functions take from the heap (and give back before they
 * return) cannot be had. */
#define ZK_ACCESS_NO_MEMORY -1

/* Per sample k (time jd_utc0 + k dt_s): GMST (rad, unwrapped so it can be interpolated), the satellite in
 * ECEF and the sun in ECEF (m; zk_sun_eci every 600 s at TT = UTC + tt_minus_utc_s, linearly between). */
void zk_access_frames(int n, double jd_utc0, double dt_s, double tt_minus_utc_s, const double *r_eci,
                      double *gmst, double *r_ecef, double *sun_ecef);

/* Maximal runs of feasible samples [first, last] of each target (ECEF position and unit up vector per
 * target, n_targets x 3). Samples are first screened every `coarse` samples by the central angle between
 * satellite and target (a bound that cannot miss a feasible sample), then tested one by one; a grid of cubes
 * over the coarse samples' sub-satellite directions gives each target only the samples near it to screen
 * (no target-by-sample sweep). Writes up to
 * `capacity` windows, target by target and in time order; returns how many there are (call again with a
 * larger capacity when that exceeds it), or ZK_ACCESS_NO_MEMORY. */
int zk_access_windows(int n, const double *r_ecef, const double *sun_ecef, int n_targets,
                      const double *target_ecef, const double *target_up, double max_off_nadir_rad,
                      double min_sun_elevation_rad, int coarse, int capacity, int *win_target,
                      int *win_first, int *win_last);

/* The best sequence of candidate captures of one pass (dynamic programming over candidates sorted by
 * start): node i captures target[i] over [start_s[i], end_s[i]] worth value[i], looking along the unit
 * ECI vectors los_start and los_end (n_nodes x 3) at its ends. A capture may follow another when
 * start_next >= end_prev + slew(angle between los_end of prev and los_start of next), slew read upward
 * from slew_table (n_slew values over angles 0..pi, non-decreasing). Nodes of one visibility window form a
 * track (track_offset/track_node: CSR lists of node indices, ascending); a target is used at most once and
 * never when banned[target]. Writes the chosen node indices in time order to path (n_nodes at most), their
 * count to path_len and their total value to path_value; returns 0, or ZK_ACCESS_NO_MEMORY (nothing
 * chosen). */
int zk_plan_pass(int n_nodes, const double *start_s, const double *end_s, const double *value,
                 const int *target, const int *track, const double *los_start, const double *los_end,
                 int n_tracks, const int *track_offset, const int *track_node, const unsigned char *banned,
                 const double *slew_table, int n_slew, int *path, int *path_len, double *path_value);

#endif
