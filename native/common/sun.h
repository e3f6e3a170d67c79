/* sun.h - analytic sun position and the Earth's shadow.
 * Position: VSOP87 (Bretagnon & Francou 1988) as abridged by Meeus (Astronomical Algorithms, 2nd ed.,
 * App. III), truncated to its 17 largest longitude terms, with nutation (Meeus ch. 22, four terms) and
 * annual aberration: the apparent geocentric sun in TEME (true equator, mean equinox of date), the
 * inertial frame of Zorka. Within 0.0014 deg of DE421 from 1950 to 2050 (0.0008 deg over 2025-2030). */
#ifndef ZK_SUN_H
#define ZK_SUN_H

void zk_sun_eci(double jd_tt, double r_sun_eci[3]);     /* m, from the Earth centre; jd_tt: Julian date, TT */
/* Fraction of the solar disk visible from r_sat: 1 in sunlight, 0 in umbra, between in penumbra.
 * Apparent disks of a spherical Earth of radius ZK_WGS84_A (no atmosphere) and of the sun (696,000 km). */
double zk_sun_visible_fraction(const double r_sat_eci[3], const double r_sun_eci[3]);

#endif
