/* record.c - per-tick truth records of a mission run (see record.h). */
#include <math.h>
#include "record.h"
#include "adcs.h"
#include "quat.h"

#define RAD_TO_DEG 57.29577951308232

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
    zk_nadir_reference(w->orbit.r_eci, w->orbit.v_eci, q_ref, w_ref_i);
    zk_quat_rotate_inv(w->att.q_ib, w_ref_i, w_ref_b);
    for (i = 0; i < 3; i++)
        d[i] = w->att.w_b[i] - w_ref_b[i];
    rec->err_deg[rec->n] = zk_quat_angle(q_ref, w->att.q_ib) * RAD_TO_DEG;
    rec->rate_err_deg_s[rec->n] = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) * RAD_TO_DEG;
    rec->n++;
}
