/* access.c - visibility windows of ground targets and the per-pass capture sequencing. See access.h. */
#include "access.h"

#include <math.h>
#include <stdlib.h>

#include "common/constants.h"
#include "common/earth.h"
#include "common/sun.h"
#include "common/vec3.h"

#define ZK_SUN_STEP_S 600.0  /* the sun moves 0.007 deg in 600 s: linear in between is exact to 1e-8 rad */

void zk_access_frames(int n, double jd_utc0, double dt_s, double tt_minus_utc_s, const double *r_eci,
                      double *gmst, double *r_ecef, double *sun_ecef)
{
    double turns = 0.0, previous = 0.0;
    double sun_a[3] = {0.0, 0.0, 0.0}, sun_b[3] = {0.0, 0.0, 0.0};
    long segment = -1;
    for (int k = 0; k < n; ++k) {
        const double t = k * dt_s;
        const double g = zk_gmst(jd_utc0 + t / ZK_SECONDS_PER_DAY);
        if (k > 0 && g < previous - ZK_PI) {
            turns += ZK_TWO_PI;
        }
        previous = g;
        gmst[k] = g + turns;
        const long m = (long)floor(t / ZK_SUN_STEP_S);
        if (m != segment) {
            const double jd_tt = jd_utc0 + (m * ZK_SUN_STEP_S + tt_minus_utc_s) / ZK_SECONDS_PER_DAY;
            zk_sun_eci(jd_tt, sun_a);
            zk_sun_eci(jd_tt + ZK_SUN_STEP_S / ZK_SECONDS_PER_DAY, sun_b);
            segment = m;
        }
        const double f = (t - m * ZK_SUN_STEP_S) / ZK_SUN_STEP_S;
        double sun[3];
        for (int i = 0; i < 3; ++i) {
            sun[i] = sun_a[i] + f * (sun_b[i] - sun_a[i]);
        }
        zk_eci_to_ecef(g, r_eci + 3 * k, NULL, r_ecef + 3 * k, NULL);
        zk_eci_to_ecef(g, sun, NULL, sun_ecef + 3 * k, NULL);
    }
}

static int sample_feasible(const double *r, const double *sun, const double *p, const double *up,
                           double cos_max_off_nadir, double sin_min_sun)
{
    const double l[3] = {p[0] - r[0], p[1] - r[1], p[2] - r[2]};
    if (zk_dot3(l, up) >= 0.0) {
        return 0; /* the satellite is on or below the target's horizon */
    }
    if (-zk_dot3(l, r) < cos_max_off_nadir * zk_norm3(l) * zk_norm3(r)) {
        return 0;
    }
    const double s[3] = {sun[0] - p[0], sun[1] - p[1], sun[2] - p[2]};
    return zk_dot3(s, up) >= sin_min_sun * zk_norm3(s);
}

/* Central angle within which a target can be seen at max_off_nadir, plus the most the sub-satellite
 * direction moves in half a coarse step: a coarse sample farther than this has no feasible sample within
 * half a step of it. */
static double prefilter_angle(int n, const double *r_ecef, int n_targets, const double *target_ecef,
                              double max_off_nadir_rad, int coarse)
{
    double r_max = 0.0, step_max = 0.0, r_min_target = INFINITY;
    for (int k = 0; k < n; ++k) {
        const double *r = r_ecef + 3 * k;
        r_max = fmax(r_max, zk_norm3(r));
        if (k > 0) {
            const double *q = r - 3;
            const double c = zk_dot3(r, q) / (zk_norm3(r) * zk_norm3(q));
            step_max = fmax(step_max, acos(fmin(1.0, fmax(-1.0, c))));
        }
    }
    for (int i = 0; i < n_targets; ++i) {
        r_min_target = fmin(r_min_target, zk_norm3(target_ecef + 3 * i));
    }
    const double x = r_max / r_min_target * sin(max_off_nadir_rad);
    const double reach = x < 1.0 ? asin(x) - max_off_nadir_rad : 0.5 * ZK_PI;
    return reach + step_max * (0.5 * coarse + 1.0) + 1e-6;
}

/* Coarse samples binned by their unit sub-satellite direction in a grid of cubes over [-1, 1]^3, cubes at
 * least the screen's chord wide: the samples that can pass a target's screen lie in the 27 cubes around
 * its direction. CSR lists: the samples of cube q are item[start[q] .. start[q + 1]), ascending. */
typedef struct {
    int side;
    int *start, *item;
} sample_grid;

#define ZK_GRID_SIDE_MAX 64

static int grid_cell(const sample_grid *g, const double *u, int axis)
{
    const int i = (int)floor((u[axis] + 1.0) * 0.5 * g->side);
    return i < 0 ? 0 : (i >= g->side ? g->side - 1 : i);
}

static int grid_build(sample_grid *g, const double *unit, int m, double chord)
{
    const int side = chord > 0.0 ? (int)floor(2.0 / chord) : ZK_GRID_SIDE_MAX;
    g->side = side < 1 ? 1 : (side > ZK_GRID_SIDE_MAX ? ZK_GRID_SIDE_MAX : side);
    const int cells = g->side * g->side * g->side;
    g->start = calloc((size_t)cells + 1, sizeof(int));
    g->item = malloc(sizeof(int) * (size_t)m);
    int *cell = malloc(sizeof(int) * (size_t)m);
    if (g->start == NULL || g->item == NULL || cell == NULL) {
        free(cell);
        return 0;
    }
    for (int c = 0; c < m; ++c) {
        const double *u = unit + 3 * c;
        cell[c] = (grid_cell(g, u, 0) * g->side + grid_cell(g, u, 1)) * g->side + grid_cell(g, u, 2);
        ++g->start[cell[c] + 1];
    }
    for (int q = 0; q < cells; ++q) {
        g->start[q + 1] += g->start[q];
    }
    for (int c = 0; c < m; ++c) { /* ascending c: each cube's list comes out ascending */
        g->item[g->start[cell[c]]++] = c;
    }
    for (int q = cells; q > 0; --q) {
        g->start[q] = g->start[q - 1];
    }
    g->start[0] = 0;
    free(cell);
    return 1;
}

static int by_int(const void *a, const void *b)
{
    const int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The coarse samples of the 27 cubes around the unit direction u, ascending, into out; their count. */
static int grid_near(const sample_grid *g, const double *u, int *out)
{
    const int ix = grid_cell(g, u, 0), iy = grid_cell(g, u, 1), iz = grid_cell(g, u, 2);
    int count = 0;
    for (int x = ix - 1; x <= ix + 1; ++x) {
        for (int y = iy - 1; y <= iy + 1; ++y) {
            for (int z = iz - 1; z <= iz + 1; ++z) {
                if (x < 0 || y < 0 || z < 0 || x >= g->side || y >= g->side || z >= g->side) {
                    continue;
                }
                const int q = (x * g->side + y) * g->side + z;
                for (int i = g->start[q]; i < g->start[q + 1]; ++i) {
                    out[count++] = g->item[i];
                }
            }
        }
    }
    qsort(out, (size_t)count, sizeof(int), by_int);
    return count;
}

int zk_access_windows(int n, const double *r_ecef, const double *sun_ecef, int n_targets,
                      const double *target_ecef, const double *target_up, double max_off_nadir_rad,
                      double min_sun_elevation_rad, int coarse, int capacity, int *win_target,
                      int *win_first, int *win_last)
{
    if (n <= 0 || n_targets <= 0) {
        return 0;
    }
    coarse = coarse < 1 ? 1 : coarse;
    const double pre = fmin(ZK_PI, prefilter_angle(n, r_ecef, n_targets, target_ecef, max_off_nadir_rad, coarse));
    const double cos_pre = cos(pre);
    const double cos_max = cos(max_off_nadir_rad), sin_sun = sin(min_sun_elevation_rad);
    const int n_coarse = (n - 1) / coarse + 2; /* every coarse-th sample, and the last one */
    double *unit = malloc(sizeof(double) * 3 * (size_t)n_coarse);
    int *index = malloc(sizeof(int) * (size_t)n_coarse);
    int *near = malloc(sizeof(int) * (size_t)n_coarse);
    sample_grid grid = {0, NULL, NULL};
    if (unit == NULL || index == NULL || near == NULL) {
        free(unit), free(index), free(near);
        return ZK_ACCESS_NO_MEMORY;
    }
    int m = 0;
    for (int k = 0; k < n; k += coarse) {
        index[m++] = k;
    }
    if (index[m - 1] != n - 1) {
        index[m++] = n - 1;
    }
    for (int c = 0; c < m; ++c) {
        const double *r = r_ecef + 3 * index[c];
        const double norm = zk_norm3(r);
        for (int i = 0; i < 3; ++i) {
            unit[3 * c + i] = r[i] / norm;
        }
    }
    /* a cube at least as wide as the chord of the screen's angle (a little more, for rounding) */
    if (!grid_build(&grid, unit, m, 2.0 * sin(0.5 * pre) * (1.0 + 1e-9) + 1e-12)) {
        free(unit), free(index), free(near), free(grid.start), free(grid.item);
        return ZK_ACCESS_NO_MEMORY;
    }
    int count = 0;
    for (int t = 0; t < n_targets; ++t) {
        const double *p = target_ecef + 3 * t, *up = target_up + 3 * t;
        const double norm_p = zk_norm3(p);
        const double direction[3] = {p[0] / norm_p, p[1] / norm_p, p[2] / norm_p};
        const int n_near = grid_near(&grid, direction, near);
        int checked = -1, first = -1;
        for (int k = 0; k < n_near; ++k) {
            const int c = near[k];
            if (zk_dot3(unit + 3 * c, p) < cos_pre * norm_p) {
                continue;
            }
            const int lo = index[c] - coarse > checked + 1 ? index[c] - coarse : checked + 1;
            const int hi = index[c] + coarse < n - 1 ? index[c] + coarse : n - 1;
            if (first >= 0 && lo > checked + 1) { /* a gap of unchecked, hence infeasible, samples */
                if (count < capacity) {
                    win_target[count] = t, win_first[count] = first, win_last[count] = checked;
                }
                ++count;
                first = -1;
            }
            for (int j = lo; j <= hi; ++j) {
                if (sample_feasible(r_ecef + 3 * j, sun_ecef + 3 * j, p, up, cos_max, sin_sun)) {
                    first = first < 0 ? j : first;
                } else if (first >= 0) {
                    if (count < capacity) {
                        win_target[count] = t, win_first[count] = first, win_last[count] = j - 1;
                    }
                    ++count;
                    first = -1;
                }
            }
            checked = hi > checked ? hi : checked;
        }
        if (first >= 0) {
            if (count < capacity) {
                win_target[count] = t, win_first[count] = first, win_last[count] = checked;
            }
            ++count;
        }
    }
    free(unit), free(index), free(near), free(grid.start), free(grid.item);
    return count;
}

/* ---- per-pass dynamic programming ---- */

typedef struct {
    const double *start_s, *end_s, *los_start, *los_end, *slew_table;
    const int *target;
    const int *pred;
    int n_slew;
} pass_view;

static int can_follow(const pass_view *pv, int q, int k)
{
    const double gap = pv->start_s[k] - pv->end_s[q];
    if (gap + 1e-9 < pv->slew_table[0]) {
        return 0;
    }
    if (gap + 1e-9 >= pv->slew_table[pv->n_slew - 1]) {
        return 1;
    }
    double c = zk_dot3(pv->los_end + 3 * q, pv->los_start + 3 * k);
    c = fmin(1.0, fmax(-1.0, c));
    int i = (int)ceil(acos(c) * (pv->n_slew - 1) / ZK_PI - 1e-9);
    i = i < 0 ? 0 : (i > pv->n_slew - 1 ? pv->n_slew - 1 : i);
    return pv->slew_table[i] <= gap + 1e-9;
}

static int path_has(const pass_view *pv, int q, int target)
{
    for (; q >= 0; q = pv->pred[q]) {
        if (pv->target[q] == target) {
            return 1;
        }
    }
    return 0;
}

typedef struct {
    double release;
    int track;
} release_key;

static int by_release(const void *a, const void *b)
{
    const release_key *x = a, *y = b;
    if (x->release != y->release) {
        return x->release < y->release ? -1 : 1;
    }
    return x->track - y->track;
}

int zk_plan_pass(int n_nodes, const double *start_s, const double *end_s, const double *value,
                 const int *target, const int *track, const double *los_start, const double *los_end,
                 int n_tracks, const int *track_offset, const int *track_node, const unsigned char *banned,
                 const double *slew_table, int n_slew, int *path, int *path_len, double *path_value)
{
    *path_len = 0;
    *path_value = 0.0;
    if (n_nodes <= 0 || n_tracks <= 0) {
        return 0;
    }
    double *v = malloc(sizeof(double) * (size_t)n_nodes);
    int *pred = malloc(sizeof(int) * (size_t)n_nodes);
    int *pbest = malloc(sizeof(int) * (size_t)n_nodes);   /* best node of its track up to itself */
    int *tpos = malloc(sizeof(int) * (size_t)n_nodes);    /* position in its track */
    int *far = malloc(sizeof(int) * (size_t)n_nodes);     /* nodes of tracks no slew can reach past */
    int *done = calloc((size_t)n_tracks, sizeof(int));    /* nodes of each track processed so far */
    int *active = malloc(sizeof(int) * (size_t)n_tracks);
    char *is_far = calloc((size_t)n_tracks, 1);
    release_key *order = malloc(sizeof(release_key) * (size_t)n_tracks);
    if (!v || !pred || !pbest || !tpos || !far || !done || !active || !is_far || !order) {
        free(v), free(pred), free(pbest), free(tpos), free(far), free(done), free(active), free(is_far), free(order);
        return ZK_ACCESS_NO_MEMORY;
    }
    const pass_view pv = {start_s, end_s, los_start, los_end, slew_table, target, pred, n_slew};
    const double slew_max = slew_table[n_slew - 1];

    for (int t = 0; t < n_tracks; ++t) {
        const int a = track_offset[t], b = track_offset[t + 1];
        order[t].track = t;
        order[t].release = b > a ? end_s[track_node[b - 1]] + slew_max : -INFINITY;
        for (int i = a; i < b; ++i) {
            tpos[track_node[i]] = i - a;
        }
    }
    qsort(order, (size_t)n_tracks, sizeof(release_key), by_release);

    int n_far = 0, far_best = -1, next_far = 0, n_active = 0;
    for (int k = 0; k < n_nodes; ++k) {
        const double s = start_s[k];
        while (next_far < n_tracks && order[next_far].release <= s) {
            const int t = order[next_far++].track;
            is_far[t] = 1;
            for (int i = track_offset[t]; i < track_offset[t + 1]; ++i) {
                const int q = track_node[i];
                if (v[q] >= 0.0) {
                    far[n_far++] = q;
                    far_best = (far_best < 0 || v[q] > v[far_best]) ? q : far_best;
                }
            }
        }
        const int tk = track[k], target_k = target[k];
        double best = 0.0;
        int best_q = -1;
        if (banned[target_k]) {
            v[k] = -1.0;
        } else {
            if (far_best >= 0) {
                if (!path_has(&pv, far_best, target_k)) {
                    best = v[far_best], best_q = far_best;
                } else {
                    for (int i = 0; i < n_far; ++i) {
                        const int q = far[i];
                        if (v[q] > best && !path_has(&pv, q, target_k)) {
                            best = v[q], best_q = q;
                        }
                    }
                }
            }
            if (tpos[k] > 0) { /* the previous start's predecessor first: it makes the bounds below bite */
                const int q = pred[track_node[track_offset[tk] + tpos[k] - 1]];
                if (q >= 0 && v[q] > best && can_follow(&pv, q, k) && !path_has(&pv, q, target_k)) {
                    best = v[q], best_q = q;
                }
            }
            int kept = 0;
            for (int a = 0; a < n_active; ++a) {
                const int t = active[a];
                if (is_far[t]) {
                    continue;
                }
                active[kept++] = t;
                const int *nodes = track_node + track_offset[t];
                const int m = done[t];
                if (m == 0 || target[nodes[0]] == target_k) {
                    continue;
                }
                const int top = pbest[nodes[m - 1]]; /* the track's best so far bounds what it can give */
                if (top < 0 || v[top] <= best || !can_follow(&pv, nodes[0], k)) {
                    continue;
                }
                int lo = 0, hi = m - 1; /* largest feasible position, taking feasibility as monotone */
                if (!can_follow(&pv, nodes[hi], k)) {
                    while (hi - lo > 1) {
                        const int mid = (lo + hi) / 2;
                        if (can_follow(&pv, nodes[mid], k)) {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    hi = lo;
                }
                const int c = pbest[nodes[hi]];
                if (c < 0 || v[c] <= best) {
                    continue;
                }
                if (can_follow(&pv, c, k) && !path_has(&pv, c, target_k)) {
                    best = v[c], best_q = c;
                    continue;
                }
                for (int i = 0; i <= hi; ++i) { /* feasibility was not monotone, or the path repeats */
                    const int q = nodes[i];
                    if (v[q] > best && can_follow(&pv, q, k) && !path_has(&pv, q, target_k)) {
                        best = v[q], best_q = q;
                    }
                }
            }
            n_active = kept;
            v[k] = value[k] + best;
        }
        pred[k] = best_q;
        const int previous = tpos[k] > 0 ? pbest[track_node[track_offset[tk] + tpos[k] - 1]] : -1;
        pbest[k] = (previous >= 0 && v[previous] >= v[k]) ? previous : (v[k] >= 0.0 ? k : previous);
        if (done[tk]++ == 0 && !banned[target_k]) {
            active[n_active++] = tk;
        }
    }

    int last = -1;
    for (int k = 0; k < n_nodes; ++k) {
        if (v[k] > 0.0 && (last < 0 || v[k] > v[last])) {
            last = k;
        }
    }
    const double total = last >= 0 ? v[last] : 0.0;
    int len = 0;
    for (int q = last; q >= 0; q = pred[q]) {
        path[len++] = q;
    }
    for (int i = 0; i < len / 2; ++i) {
        const int x = path[i];
        path[i] = path[len - 1 - i];
        path[len - 1 - i] = x;
    }
    *path_len = len;
    *path_value = total;
    free(v), free(pred), free(pbest), free(tpos), free(far), free(done), free(active), free(is_far), free(order);
    return 0;
}
