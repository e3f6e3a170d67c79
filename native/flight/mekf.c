/* mekf.c - multiplicative extended Kalman filter and TRIAD (see mekf.h). */
#include <math.h>
#include "mekf.h"
#include "common/quat.h"
#include "common/vec3.h"

#define N 9
#define SMALL_ANGLE_RAD 1e-2    /* below it, Phi's coefficients by their Taylor series */
#define UNIT_NORM2_TOL 1e-3     /* a star-tracker quaternion further from unit norm is not a reading */

static void symmetrize(double *p)
{
    int i, j;
    for (i = 0; i < N; i++)
        for (j = i + 1; j < N; j++) {
            const double m = 0.5 * (p[N * i + j] + p[N * j + i]);
            p[N * i + j] = m;
            p[N * j + i] = m;
        }
}

static void refresh_outputs(zk_mekf *f)
{
    int i;
    for (i = 0; i < 3; i++) {
        f->bias_b[i] = f->bias_walk_b[i] + f->bias_markov_b[i];
        f->w_b[i] = f->w_meas_b[i] - f->bias_b[i];
        f->sigma_att_rad[i] = sqrt(f->p[N * i + i]);
    }
}

/* The Markov term is modelled only with a positive sigma and correlation time. */
static int has_markov(const zk_mekf *f)
{
    return f->markov_sigma_rad_s > 0.0 && f->markov_time_s > 0.0;
}

void zk_mekf_init(zk_mekf *f, const double q_ib[4], const double bias_b[3], double sigma_att_rad,
                  double sigma_bias_rad_s)
{
    const double var_s[3] = {f->st_cross_rad * f->st_cross_rad, f->st_cross_rad * f->st_cross_rad,
                             f->st_about_rad * f->st_about_rad};
    double c_bs[9];
    int i, j, k;
    zk_quat_to_dcm(f->q_bs, c_bs);
    for (i = 0; i < 3; i++)
        for (j = 0; j < 3; j++) {
            double s = 0.0;
            for (k = 0; k < 3; k++)
                s += c_bs[3 * i + k] * var_s[k] * c_bs[3 * j + k];
            f->r_st_b[3 * i + j] = s;
        }
    for (i = 0; i < 4; i++)
        f->q_ib[i] = q_ib[i];
    zk_quat_normalize(f->q_ib);
    for (i = 0; i < N * N; i++)
        f->p[i] = 0.0;
    for (i = 0; i < 3; i++) {
        f->bias_walk_b[i] = bias_b[i];
        f->bias_markov_b[i] = 0.0;
        f->p[N * i + i] = sigma_att_rad * sigma_att_rad;
        f->p[N * (i + 3) + i + 3] = sigma_bias_rad_s * sigma_bias_rad_s;
        f->p[N * (i + 6) + i + 6] = has_markov(f) ? f->markov_sigma_rad_s * f->markov_sigma_rad_s : 0.0;
        f->w_meas_b[i] = 0.0;
        f->residual_b[i] = 0.0;
    }
    f->nis = 0.0;
    f->accepted = 0;
    f->rejected = 0;
    f->rejected_in_row = 0;
    f->restarts = 0;
    f->invalid = 0;
    refresh_outputs(f);
}

/* The blocks of Phi = [[A, B, B exp(-dt / 2 tau)], [0, I, 0], [0, 0, exp(-dt / tau) I]] over dt for the
 * corrected rate w: A = R(exp(-w dt)), B = [w x] (1 - cos th) / |w|^2 - I dt - [w x]^2 (th - sin th) /
 * |w|^3, th = |w| dt. The Markov column is B with the term's mean decay over the step (exact to second
 * order in dt / tau). */
static void transition(const double w[3], double dt_s, double a[9], double b[9])
{
    const double wx[9] = {0.0, -w[2], w[1], w[2], 0.0, -w[0], -w[1], w[0], 0.0};
    const double w_norm = zk_norm3(w);
    const double theta = w_norm * dt_s;
    double rv[3], dq[4], c1, c2;
    int i, j;
    if (theta < SMALL_ANGLE_RAD) {
        const double t2 = theta * theta;
        c1 = dt_s * dt_s * (0.5 - t2 / 24.0 + t2 * t2 / 720.0);
        c2 = dt_s * dt_s * dt_s * (1.0 / 6.0 - t2 / 120.0 + t2 * t2 / 5040.0);
    } else {
        c1 = (1.0 - cos(theta)) / (w_norm * w_norm);
        c2 = (theta - sin(theta)) / (w_norm * w_norm * w_norm);
    }
    for (i = 0; i < 3; i++)
        rv[i] = -w[i] * dt_s;
    zk_quat_from_rotvec(rv, dq);
    zk_quat_to_dcm(dq, a);
    for (i = 0; i < 3; i++)
        for (j = 0; j < 3; j++) {
            const double wx2 = wx[3 * i] * wx[j] + wx[3 * i + 1] * wx[3 + j] + wx[3 * i + 2] * wx[6 + j];
            b[3 * i + j] = wx[3 * i + j] * c1 - wx2 * c2 - (i == j ? dt_s : 0.0);
        }
}

/* P <- Phi P Phi^T by 3x3 blocks, Phi = [[A, B, c B], [0, I, 0], [0, 0, d I]]: about a fifth of the
 * multiplications of the full 9x9 products. */
static void transition_covariance(const double a[9], const double b[9], double c, double d, double p[N * N])
{
    double m[N * N]; /* Phi P */
    int r, col, k;
    for (col = 0; col < N; col++) {
        for (r = 0; r < 3; r++) {
            double sum = 0.0;
            for (k = 0; k < 3; k++)
                sum += a[3 * r + k] * p[N * k + col] +
                       b[3 * r + k] * (p[N * (3 + k) + col] + c * p[N * (6 + k) + col]);
            m[N * r + col] = sum;
        }
        for (r = 3; r < 6; r++)
            m[N * r + col] = p[N * r + col];
        for (r = 6; r < N; r++)
            m[N * r + col] = d * p[N * r + col];
    }
    for (r = 0; r < N; r++) {
        const double *mr = m + N * r;
        for (col = 0; col < 3; col++) {
            double sum = 0.0;
            for (k = 0; k < 3; k++)
                sum += mr[k] * a[3 * col + k] + (mr[3 + k] + c * mr[6 + k]) * b[3 * col + k];
            p[N * r + col] = sum;
        }
        for (col = 3; col < 6; col++)
            p[N * r + col] = mr[col];
        for (col = 6; col < N; col++)
            p[N * r + col] = d * mr[col];
    }
}

void zk_mekf_propagate(zk_mekf *f, const double w_meas_b[3], double dt_s)
{
    const double var_v = f->arw_rad_sqrt_s * f->arw_rad_sqrt_s;
    const double var_u = f->rrw_rad_s_sqrt_s * f->rrw_rad_s_sqrt_s;
    const int markov = has_markov(f);
    const double var_g = markov ? f->markov_sigma_rad_s * f->markov_sigma_rad_s : 0.0;
    const double decay = markov ? exp(-dt_s / f->markov_time_s) : 1.0;
    const double q_g = markov ? 2.0 * var_g / f->markov_time_s : 0.0; /* eta_g's density */
    double w[3], rv[3], dq[4], q[4], a[9], b[9];
    int i;
    if (!(dt_s > 0.0))
        return;
    if (isfinite(w_meas_b[0]) && isfinite(w_meas_b[1]) && isfinite(w_meas_b[2]))
        for (i = 0; i < 3; i++)
            f->w_meas_b[i] = w_meas_b[i];
    else
        f->invalid++;
    for (i = 0; i < 3; i++) {
        w[i] = f->w_meas_b[i] - f->bias_b[i];
        rv[i] = w[i] * dt_s;
    }
    zk_quat_from_rotvec(rv, dq);
    zk_quat_mul(f->q_ib, dq, q);
    zk_quat_normalize(q);
    for (i = 0; i < 4; i++)
        f->q_ib[i] = q[i];
    for (i = 0; i < 3; i++)
        f->bias_markov_b[i] *= decay;

    transition(w, dt_s, a, b);
    transition_covariance(a, b, sqrt(decay), decay, f->p);
    /* Q = [[(sv^2 dt + (su^2 + qg) dt^3 / 3) I, -(su^2 dt^2 / 2) I, -(qg dt^2 / 2) I],
     *      [., su^2 dt I, 0], [., 0, sg^2 (1 - exp(-2 dt / tau)) I]] */
    for (i = 0; i < 3; i++) {
        f->p[N * i + i] += var_v * dt_s + (var_u + q_g) * dt_s * dt_s * dt_s / 3.0;
        f->p[N * i + i + 3] -= 0.5 * var_u * dt_s * dt_s;
        f->p[N * (i + 3) + i] -= 0.5 * var_u * dt_s * dt_s;
        f->p[N * (i + 3) + i + 3] += var_u * dt_s;
        f->p[N * i + i + 6] -= 0.5 * q_g * dt_s * dt_s;
        f->p[N * (i + 6) + i] -= 0.5 * q_g * dt_s * dt_s;
        f->p[N * (i + 6) + i + 6] += var_g * (1.0 - decay * decay);
    }
    symmetrize(f->p);
    refresh_outputs(f);
}

/* Attitude from the reading, its covariance the reading's; the bias terms and their covariance kept. */
static void restart(zk_mekf *f, const double q_ib_meas[4])
{
    int i, j;
    for (i = 0; i < 4; i++)
        f->q_ib[i] = q_ib_meas[i];
    zk_quat_normalize(f->q_ib);
    for (i = 0; i < 3; i++) {
        for (j = 0; j < 3; j++)
            f->p[N * i + j] = f->r_st_b[3 * i + j];
        for (j = 3; j < N; j++) {
            f->p[N * i + j] = 0.0;
            f->p[N * j + i] = 0.0;
        }
    }
    f->accepted++;
    f->restarts++;
    f->rejected_in_row = 0;
    refresh_outputs(f);
}

int zk_mekf_update_attitude(zk_mekf *f, const double q_ib_meas[4])
{
    double q_inv[4], dq[4], q[4], z[3], s[9], s_inv[9], k[N * 3], dx[N], x[N * N], kr[N * 3];
    const double norm2 = q_ib_meas[0] * q_ib_meas[0] + q_ib_meas[1] * q_ib_meas[1] +
                         q_ib_meas[2] * q_ib_meas[2] + q_ib_meas[3] * q_ib_meas[3];
    double nis = 0.0;
    int i, j, m;
    if (!(fabs(norm2 - 1.0) < UNIT_NORM2_TOL)) {
        f->invalid++;
        return 0;
    }
    zk_quat_conj(f->q_ib, q_inv);
    zk_quat_mul(q_inv, q_ib_meas, dq);
    zk_quat_to_rotvec(dq, z);
    for (i = 0; i < 3; i++)
        for (j = 0; j < 3; j++)
            s[3 * i + j] = f->p[N * i + j] + f->r_st_b[3 * i + j];
    if (zk_mat3_inverse(s, s_inv) > 0.0)
        for (i = 0; i < 3; i++)
            for (j = 0; j < 3; j++)
                nis += z[i] * s_inv[3 * i + j] * z[j];
    else
        nis = NAN;
    for (i = 0; i < 3; i++)
        f->residual_b[i] = z[i];
    f->nis = nis;
    if (!(nis <= f->nis_gate)) {
        if (f->restart_after > 0 && f->rejected_in_row >= f->restart_after) {
            restart(f, q_ib_meas);
            return 2;
        }
        f->rejected++;
        f->rejected_in_row++;
        return 0;
    }

    /* K = P H^T S^-1 with H = [I 0 0]; dx = K z */
    for (i = 0; i < N; i++) {
        dx[i] = 0.0;
        for (j = 0; j < 3; j++) {
            double sum = 0.0;
            for (m = 0; m < 3; m++)
                sum += f->p[N * i + m] * s_inv[3 * m + j];
            k[3 * i + j] = sum;
            dx[i] += sum * z[j];
        }
    }
    /* Joseph form, P = (I - K H) P (I - K H)^T + K R K^T, with H = [I 0 0] taken as the first three
     * rows or columns: X = P - K P[0:3, :], then P = X - X[:, 0:3] K^T + (K R) K^T */
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++) {
            double sum = f->p[N * i + j];
            for (m = 0; m < 3; m++)
                sum -= k[3 * i + m] * f->p[N * m + j];
            x[N * i + j] = sum;
        }
    for (i = 0; i < N; i++)
        for (j = 0; j < 3; j++) {
            double sum = 0.0;
            for (m = 0; m < 3; m++)
                sum += k[3 * i + m] * f->r_st_b[3 * m + j];
            kr[3 * i + j] = sum;
        }
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++) {
            double sum = x[N * i + j];
            for (m = 0; m < 3; m++)
                sum += (kr[3 * i + m] - x[N * i + m]) * k[3 * j + m];
            f->p[N * i + j] = sum;
        }
    symmetrize(f->p);

    /* reset: the attitude error folded into q, the bias errors into b and g */
    zk_quat_from_rotvec(dx, dq);
    zk_quat_mul(f->q_ib, dq, q);
    zk_quat_normalize(q);
    for (i = 0; i < 4; i++)
        f->q_ib[i] = q[i];
    for (i = 0; i < 3; i++) {
        f->bias_walk_b[i] += dx[3 + i];
        f->bias_markov_b[i] += dx[6 + i];
    }
    f->accepted++;
    f->rejected_in_row = 0;
    refresh_outputs(f);
    return 1;
}

/* Orthonormal triad of a pair: t1 along u, t2 along u x v, t3 = t1 x t2; the columns of m. -1 if a
 * vector is zero or sin of their angle is below min_sin. */
static int triad_frame(const double u[3], const double v[3], double min_sin, double m[9])
{
    double t1[3], t2[3], t3[3];
    const double nu = zk_norm3(u), nv = zk_norm3(v);
    double n2;
    int i;
    if (!(nu > 0.0 && nv > 0.0))
        return -1;
    zk_cross3(u, v, t2);
    n2 = zk_norm3(t2);
    if (!(n2 > 0.0 && n2 >= min_sin * nu * nv))
        return -1;
    for (i = 0; i < 3; i++) {
        t1[i] = u[i] / nu;
        t2[i] /= n2;
    }
    zk_cross3(t1, t2, t3);
    for (i = 0; i < 3; i++) {
        m[3 * i + 0] = t1[i];
        m[3 * i + 1] = t2[i];
        m[3 * i + 2] = t3[i];
    }
    return 0;
}

int zk_triad(const double b1_b[3], const double r1_i[3], const double b2_b[3], const double r2_i[3],
             double min_angle_rad, double q_ib[4])
{
    const double min_sin = sin(min_angle_rad);
    double mb[9], mr[9], c_ib[9];
    int i, j;
    if (triad_frame(b1_b, b2_b, min_sin, mb) != 0 || triad_frame(r1_i, r2_i, min_sin, mr) != 0)
        return -1;
    /* C_ib = M_r M_b^T maps each body triad vector onto its inertial one */
    for (i = 0; i < 3; i++)
        for (j = 0; j < 3; j++)
            c_ib[3 * i + j] =
                mr[3 * i] * mb[3 * j] + mr[3 * i + 1] * mb[3 * j + 1] + mr[3 * i + 2] * mb[3 * j + 2];
    zk_quat_from_dcm(c_ib, q_ib);
    return 0;
}
