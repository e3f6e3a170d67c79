/* sun.h - analytic sun position (Astronomical Almanac low-precision formulae, mean equator and
 * equinox of date: within ~10 arcsec of TEME, far below the formulae's 0.01 deg) and
 * conical Earth shadow. */
#ifndef ZK_SUN_H
#define ZK_SUN_H

void zk_sun_eci(double jd_tt, double r_sun_eci[3]);     /* m, from the Earth centre */
/* Fraction of the solar disk visible from r_sat: 1 in sunlight, 0 in umbra, between in penumbra
 * (apparent disks of a spherical Earth of radius ZK_WGS84_A and of the sun). */
double zk_sun_visible_fraction(const double r_sat_eci[3], const double r_sun_eci[3]);

#endif
