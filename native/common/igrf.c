/* igrf.c - spherical-harmonic main field in Cartesian form. See igrf.h.
 *
 * With V_nm + i W_nm = (a/r)^(n+1) P_nm(cos theta) e^(i m phi) (P_nm unnormalised, no Condon-Shortley
 * phase) the potential is V = a sum_nm (C_nm V_nm + S_nm W_nm), where C_nm = s_nm g_n^m and
 * S_nm = s_nm h_n^m, s_nm = sqrt(2 (n-m)! / (n+m)!) for m > 0 and 1 for m = 0 (Schmidt factors).
 * V_nm and W_nm follow from x, y, z by recursion, and grad V is a sum of degree-(n+1) terms
 * (Montenbruck & Gill, eqs. 3.29-3.33, with GM/R replaced by a). B = -grad V. */
#include "igrf.h"

#include <math.h>

#define ZK_NT 1e-9
#define ZK_VW_DEGREE (ZK_IGRF_DEGREE + 1)

void zk_igrf_field_ecef(const zk_igrf *m, const double r_ecef[3], double b_ecef_t[3])
{
    const int degree = m->degree < 1 ? 1 : (m->degree > ZK_IGRF_DEGREE ? ZK_IGRF_DEGREE : m->degree);
    const double a = m->r_ref_m;
    const double x = r_ecef[0], y = r_ecef[1], z = r_ecef[2];
    const double r2 = x * x + y * y + z * z;
    b_ecef_t[0] = b_ecef_t[1] = b_ecef_t[2] = 0.0;
    if (!(r2 > 0.0)) {
        return;
    }
    const double rho = a / r2;
    const double x0 = x * rho, y0 = y * rho, z0 = z * rho, rho2 = a * rho;
    double v[ZK_VW_DEGREE + 1][ZK_VW_DEGREE + 1], w[ZK_VW_DEGREE + 1][ZK_VW_DEGREE + 1];
    const int top = degree + 1;

    v[0][0] = a / sqrt(r2);
    w[0][0] = 0.0;
    for (int k = 0; k <= top; ++k) {
        if (k > 0) {
            const double f = 2.0 * k - 1.0;
            v[k][k] = f * (x0 * v[k - 1][k - 1] - y0 * w[k - 1][k - 1]);
            w[k][k] = f * (x0 * w[k - 1][k - 1] + y0 * v[k - 1][k - 1]);
        }
        if (k + 1 <= top) {
            v[k + 1][k] = (2.0 * k + 1.0) * z0 * v[k][k];
            w[k + 1][k] = (2.0 * k + 1.0) * z0 * w[k][k];
        }
        for (int n = k + 2; n <= top; ++n) {
            const double c1 = (2.0 * n - 1.0) / (n - k), c2 = (n + k - 1.0) / (n - k);
            v[n][k] = c1 * z0 * v[n - 1][k] - c2 * rho2 * v[n - 2][k];
            w[n][k] = c1 * z0 * w[n - 1][k] - c2 * rho2 * w[n - 2][k];
        }
    }

    double gx = 0.0, gy = 0.0, gz = 0.0;   /* grad V, nT */
    for (int n = 1; n <= degree; ++n) {
        const double c0 = m->g_nt[n][0];
        gx -= c0 * v[n + 1][1];
        gy -= c0 * w[n + 1][1];
        gz -= (n + 1.0) * c0 * v[n + 1][0];
        double schmidt = 1.0;
        for (int k = 1; k <= n; ++k) {
            schmidt /= sqrt(k == 1 ? 0.5 * n * (n + 1.0) : (n + k) * (n - k + 1.0));
            const double c = schmidt * m->g_nt[n][k], s = schmidt * m->h_nt[n][k];
            const double f = (n - k + 2.0) * (n - k + 1.0);
            const double *v1 = v[n + 1], *w1 = w[n + 1];
            gx += 0.5 * (-c * v1[k + 1] - s * w1[k + 1] + f * (c * v1[k - 1] + s * w1[k - 1]));
            gy += 0.5 * (-c * w1[k + 1] + s * v1[k + 1] + f * (-c * w1[k - 1] + s * v1[k - 1]));
            gz += (n - k + 1.0) * (-c * v1[k] - s * w1[k]);
        }
    }
    b_ecef_t[0] = -gx * ZK_NT;
    b_ecef_t[1] = -gy * ZK_NT;
    b_ecef_t[2] = -gz * ZK_NT;
}
