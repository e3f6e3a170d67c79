/* fused.c - many frames of the attitude loop and the world in one call (see fused.h). Each step below
 * names the Python it stands for; the arithmetic is that Python's, operation for operation. */
#include <math.h>
#include "fused.h"
#include "common/constants.h"
#include "common/earth.h"

/* Guidance law `i`'s `update(t_s)` (flight/adcs/guidance.py). */
static void law_update(zk_fused *f, int i, double t_s)
{
    zk_fused_law *law = &f->laws[i];
    const double *r = f->orbit->r_eci, *v = f->orbit->v_eci;
    switch (law->kind) {
    case ZK_LAW_NADIR:
        zk_guidance_nadir(law->forces, r, v, law->ref);
        break;
    case ZK_LAW_HOLD:
        zk_guidance_hold(law->q_hold_ib, law->ref);
        break;
    case ZK_LAW_SUN:
        zk_guidance_sun(law->sun, law->forces, law->jd_tt_epoch + t_s / ZK_SECONDS_PER_DAY, r, v, law->ref);
        break;
    case ZK_LAW_TARGET:
        if (law->strip)
            zk_target_at(law->target, t_s);
        law->status = zk_guidance_target(law->target, law->forces,
                                         zk_gmst(law->epoch_jd_utc + t_s / ZK_SECONDS_PER_DAY), r, v, law->ref);
        break;
    case ZK_LAW_JOIN:
        law_update(f, law->join_to, t_s);
        zk_join_slew_eval(law->join, t_s, f->laws[law->join_to].ref, law->ref);
        break;
    default:
        break;
    }
}

/* AttitudeLoop._determine: the MEKF on the gyro (trapezoidal rate) and the star tracker. */
static void determine(zk_fused *f, double t_s)
{
    const double *w = f->w_meas_b;
    zk_mekf *mekf = f->mekf;
    int i;
    for (i = 0; i < 3; i++) {
        f->w_step_b[i] = f->w_last_b[i] + w[i];
        f->w_step_b[i] *= 0.5;
    }
    for (i = 0; i < 3; i++)
        f->w_last_b[i] = w[i];
    zk_mekf_propagate(mekf, f->w_step_b, f->frame_s);
    if (isfinite(w[0] + w[1] + w[2]))
        for (i = 0; i < 3; i++) {
            mekf->w_meas_b[i] = w[i];
            mekf->w_b[i] = mekf->w_meas_b[i] - mekf->bias_b[i];
        }
    if (!zk_star_tracker_measure(f->star_tracker, f->world->t_s, f->star_tracker_truth, f->world->orbit.r_eci,
                                 f->world->r_sun_eci, f->world->sun_fraction)) {
        f->star_tracker_misses++;
        if (f->star_tracker->blinded)
            f->last_star_blind_s = t_s;
        return;
    }
    if (zk_mekf_update_attitude(mekf, f->q_star_ib))
        f->last_star_fix_s = t_s;
}

/* MomentumDumping.tick (flight/adcs/magnetic_control.py): the duty cycle, the field sampled at its start. */
static void dump_tick(zk_fused *f)
{
    int phase = f->dump_phase, i;
    f->dump_phase = phase == f->dump_last ? 0 : phase + 1;
    if (phase == f->dump_last) {
        for (i = 0; i < 3; i++) {
            f->dump->torque_b[i] = 0.0;
            f->dipole_cmd_am2[i] = 0.0;
        }
        zk_magnetorquers_apply(f->torquers);
        return;
    }
    if (phase == 0) {
        int ok = zk_magnetometer_measure(f->magnetometer, f->mag_q_ib, f->mag_b_eci_t, f->mag_dipole_am2);
        for (i = 0; i < 3; i++)
            f->b_clean_b_t[i] = ok ? f->mag_b_b_t[i] : 0.0;
    }
    zk_momentum_dump_step(f->dump, f->h_wheel_b, f->b_clean_b_t, f->dipole_cmd_am2);
    zk_magnetorquers_apply(f->torquers);
}

/* AttitudeLoop.tick in a pointing mode with an estimate and an orbit, the mode already entered. */
static void attitude_tick(zk_fused *f, double t_s)
{
    zk_fused_law *join;
    int i, n = f->wheels->n;
    f->ticks++;
    if (!zk_gyro_measure(f->gyro, f->gyro_truth))
        f->gyro_misses++;
    if (!zk_wheels_read(f->wheels, f->wheel_truth, f->wheel_speed_rad_s))
        f->wheel_misses++;
    for (i = 0; i < n; i++) {
        f->wheel_current_a[i] = fabs(f->wheels->torque_applied_nm[i]);
        f->wheel_current_a[i] /= f->motor_constant_nm_a;
        f->wheel_current_a[i] += f->no_load_current_a;
    }
    determine(f, t_s);
    zk_wheel_monitor_tick(f->monitor, f->torque_cmd_nm, f->wheel_speed_rad_s, f->frame_s);
    if (t_s - f->orbit_t_s != 0.0) {
        zk_orbit_propagate(f->orbit, f->orbit_forces, t_s - f->orbit_t_s, f->orbit_step_s);
        f->orbit_t_s = t_s;
    }
    zk_wheel_map_momentum(f->map, f->wheel_inertia, f->wheel_speed_rad_s, f->h_wheel_b);
    dump_tick(f);
    join = &f->laws[f->guidance];
    if (join->kind == ZK_LAW_JOIN && t_s >= join->join->t_end_s)
        f->guidance = f->law;
    law_update(f, f->guidance, t_s);
    zk_wheel_monitor_coast(f->monitor, f->dump->torque_b, f->h_wheel_b, f->frame_s);
    f->control->hold_integral = f->map->torque_scale < 1.0 || f->laws[f->guidance].kind == ZK_LAW_JOIN;
    {
        const zk_reference *ref = f->laws[f->guidance].ref;
        zk_pd_control_track(f->control, ref->q_ib, ref->w_r, ref->alpha_r, f->mekf->q_ib, f->mekf->w_b,
                            f->h_wheel_b, f->monitor->torque_ext_b);
    }
    zk_wheel_map_distribute(f->map, f->control->torque_b, f->wheel_speed_rad_s, f->torque_cmd_nm);
    zk_wheel_map_add_friction(f->map, f->wheel_speed_rad_s, f->torque_cmd_nm);
    zk_wheels_apply(f->wheels, f->wheel_truth);
}

/* The outputs of one call start empty. */
static void begin(zk_fused *f)
{
    f->ticks = f->gyro_misses = f->wheel_misses = f->star_tracker_misses = 0;
    f->last_star_fix_s = f->last_star_blind_s = NAN;
}

void zk_fused_tick(zk_fused *f, long frame)
{
    begin(f);
    attitude_tick(f, (double)frame * f->frame_s);
}

void zk_fused_advance(zk_fused *f, long frame)
{
    zk_world_step_to(f->world, (double)(frame + 1) * f->frame_s);
    zk_run_record_tick(f->rec, f->world);
    if (f->rec->truth_n != f->rows_noted) {
        if (f->rec->truth_n - 1 < f->nadir_rows_len)
            f->nadir_rows[f->rec->truth_n - 1] = f->guidance == f->nadir;
        f->rows_noted = f->rec->truth_n;
    }
    if (f->capturing) {
        zk_run_record_tick(f->capture, f->world);
        if (f->world->t_s >= f->capture_end_s)
            f->capturing = 0;
    }
}

long zk_fused_run(zk_fused *f, long frame, long count)
{
    long k;
    begin(f);
    for (k = frame; k < frame + count; k++) {
        attitude_tick(f, (double)k * f->frame_s);
        zk_fused_advance(f, k);
    }
    return count;
}
