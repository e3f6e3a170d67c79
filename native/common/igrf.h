/* igrf.h - main geomagnetic field: a spherical-harmonic model (IGRF-14) of degree 13 for one date.
 * The coefficients are Schmidt semi-normalised Gauss coefficients g_n^m, h_n^m in nT, filled once
 * for the run's epoch (native/igrf_model.py); evaluation is Cunningham's Cartesian recursion
 * (Montenbruck & Gill, Satellite Orbits, sec. 3.2.4-3.2.5): no trigonometry, no pole singularity,
 * nothing allocated, no state. */
#ifndef ZK_IGRF_H
#define ZK_IGRF_H

#define ZK_IGRF_DEGREE 13

typedef struct {
    double g_nt[ZK_IGRF_DEGREE + 1][ZK_IGRF_DEGREE + 1];   /* [n][m], n = 1..degree, m = 0..n */
    double h_nt[ZK_IGRF_DEGREE + 1][ZK_IGRF_DEGREE + 1];   /* [n][m]; h_n^0 = 0 */
    int degree;                 /* highest degree used, 1..ZK_IGRF_DEGREE */
    double r_ref_m;             /* reference radius, 6371200 m for IGRF */
    double decimal_year;        /* the date of the coefficients (information) */
} zk_igrf;

/* B = -grad V at a geocentric ECEF position (m), in tesla, ECEF. Zero at the Earth's centre. */
void zk_igrf_field_ecef(const zk_igrf *m, const double r_ecef[3], double b_ecef_t[3]);

#endif
