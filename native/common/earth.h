/* earth.h - Earth rotation and WGS-84 geodesy.
 * ECEF = R_z(GMST) TEME (IAU-82 GMST, polar motion ignored). Julian dates are UT1 (taken = UTC). */
#ifndef ZK_EARTH_H
#define ZK_EARTH_H

#include "constants.h"

double zk_gmst(double jd_ut1);    /* rad in [0, 2 pi) */
/* v arguments may be NULL to convert positions only; velocities include the Earth-rotation term. */
void zk_eci_to_ecef(double gmst, const double r_eci[3], const double *v_eci, double r_ecef[3], double *v_ecef);
void zk_ecef_to_eci(double gmst, const double r_ecef[3], const double *v_ecef, double r_eci[3], double *v_eci);
void zk_geodetic_to_ecef(double lat_rad, double lon_rad, double alt_m, double r_ecef[3]);
/* out = [lat_rad, lon_rad, alt_m]; exact to < 1 mm for altitudes from -100 km to 100,000 km. */
void zk_ecef_to_geodetic(const double r_ecef[3], double out[3]);

#endif
