/* magnetic.h - geomagnetic field: a tilted, centred dipole from the first-degree Gauss
 * coefficients of a main-field model (IGRF). */
#ifndef ZK_MAGNETIC_H
#define ZK_MAGNETIC_H

typedef struct {
    double g10_nt;
    double g11_nt;
    double h11_nt;
    double r_ref_m;     /* reference radius of the model, 6371200 m for IGRF */
} zk_dipole;

void zk_dipole_field_ecef(const zk_dipole *d, const double r_ecef[3], double b_ecef_t[3]);   /* tesla */

#endif
