/* record.c - per-tick truth records of a mission run (see record.h). */
#include <math.h>
#include <stddef.h>
#include "record.h"
#include "flight/adcs.h"
#include "common/quat.h"

#define RAD_TO_DEG 57.29577951308232

/* The controller's last reference carried over dt_s (its attitude turned at the mid-step rate, its rate
 * advanced by its acceleration), and that rate in the body frame of attitude q_ib as the controller
 * takes it: w_ref_b = R(q_ref^-1 q_ib)^T w_ref_r. */
static void carried_reference(const zk_pd_control *c, double dt_s, const double q_ib[4], double q_ref[4],
                              double w_ref_b[3])
{
    double turn[3], dq[4], w_ref_r[3], q_ref_inv[4];
    int i;
    for (i = 0; i < 3; i++) {
        turn[i] = (c->w_ref_r[i] + 0.5 * c->alpha_ref_r[i] * dt_s) * dt_s;
        w_ref_r[i] = c->w_ref_r[i] + c->alpha_ref_r[i] * dt_s;
    }
    zk_quat_from_rotvec(turn, dq);
    zk_quat_mul(c->q_ref_ib, dq, q_ref);
    zk_quat_normalize(q_ref);
    zk_quat_conj(q_ref, q_ref_inv);
    zk_quat_mul(q_ref_inv, q_ib, dq);
    zk_quat_rotate_inv(dq, w_ref_r, w_ref_b);
}

void zk_run_record_tick(zk_run_record *rec, const zk_world *w)
{
    double q_ref[4], w_ref_i[3], w_ref_b[3], d[3];
    int i;
    if (w->power.soc < rec->min_soc)
        rec->min_soc = w->power.soc;
    for (i = 0; i < w->wheels.n; i++) {
        double speed = fabs(w->wheel_speed_rad_s[i]);
        double fraction = speed / w->wheels.speed_max_rad_s[i];
        if (speed > rec->peak_wheel_speed_rad_s)
            rec->peak_wheel_speed_rad_s = speed;
        if (fraction > rec->peak_wheel_speed_fraction)
            rec->peak_wheel_speed_fraction = fraction;
    }
    if (rec->truth_every > 0 && (rec->ticks + 1) % rec->truth_every == 0 && rec->truth_n < rec->truth_capacity) {
        double *row = rec->truth + ZK_TRUTH_COLUMNS * rec->truth_n;
        row[0] = w->t_s;
        for (i = 0; i < 3; i++) {
            row[1 + i] = w->orbit.r_eci[i];
            row[4 + i] = w->orbit.v_eci[i];
            row[11 + i] = w->att.w_b[i];
        }
        for (i = 0; i < 4; i++)
            row[7 + i] = w->att.q_ib[i];
        rec->truth_n++;
    }
    rec->ticks++;
    if (rec->n >= rec->capacity)
        return;
    if (rec->control == NULL) {
        zk_nadir_reference(w->orbit.r_eci, w->orbit.v_eci, q_ref, w_ref_i);
        zk_quat_rotate_inv(w->att.q_ib, w_ref_i, w_ref_b);
    } else if (rec->control->steps == rec->control_steps) {
        rec->err_deg[rec->n] = NAN;
        rec->rate_err_deg_s[rec->n] = NAN;
        rec->n++;
        return;
    } else {
        rec->control_steps = rec->control->steps;
        carried_reference(rec->control, rec->frame_s, w->att.q_ib, q_ref, w_ref_b);
    }
    for (i = 0; i < 3; i++)
        d[i] = w->att.w_b[i] - w_ref_b[i];
    rec->err_deg[rec->n] = zk_quat_angle(q_ref, w->att.q_ib) * RAD_TO_DEG;
    rec->rate_err_deg_s[rec->n] = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) * RAD_TO_DEG;
    rec->n++;
}
