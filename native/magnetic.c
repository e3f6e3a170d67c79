/* magnetic.c - centred tilted dipole from the degree-1 Gauss coefficients. See magnetic.h.
 *
 * V = a (a/r)^2 (g10 cos theta + (g11 cos phi + h11 sin phi) sin theta) = a^3 (g . r) / r^3 with
 * g = (g11, h11, g10) in ECEF, so B = -grad V = a^3 (3 (g . u) u - g) / r^3, u = r / |r|. */
#include "magnetic.h"

#include <math.h>

void zk_dipole_field_ecef(const zk_dipole *d, const double r_ecef[3], double b_ecef_t[3])
{
    const double gx = d->g11_nt * 1e-9, gy = d->h11_nt * 1e-9, gz = d->g10_nt * 1e-9;
    const double r = sqrt(r_ecef[0] * r_ecef[0] + r_ecef[1] * r_ecef[1] + r_ecef[2] * r_ecef[2]);
    if (!(r > 0.0)) {
        b_ecef_t[0] = 0.0;
        b_ecef_t[1] = 0.0;
        b_ecef_t[2] = 0.0;
        return;
    }
    const double ux = r_ecef[0] / r, uy = r_ecef[1] / r, uz = r_ecef[2] / r;
    const double q = d->r_ref_m / r;
    const double scale = q * q * q;
    const double gu3 = 3.0 * (gx * ux + gy * uy + gz * uz);
    b_ecef_t[0] = scale * (gu3 * ux - gx);
    b_ecef_t[1] = scale * (gu3 * uy - gy);
    b_ecef_t[2] = scale * (gu3 * uz - gz);
}
