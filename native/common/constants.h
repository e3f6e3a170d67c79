/* constants.h - the one home of the numbers both sides share: mathematics, the Earth (WGS-84 shape,
 * rotation, EGM96 gravity), time scales and epochs, and the sizes that flight and sim structs agree on.
 * Python reads them through native/earth_model.py and native/time_scales.py (cffi gets each value from
 * the compiled C, so it cannot drift from what the C uses). */
#ifndef ZK_CONSTANTS_H
#define ZK_CONSTANTS_H

#define ZK_PI 3.14159265358979323846
#define ZK_TWO_PI 6.28318530717958647692

/* WGS-84 ellipsoid and the Earth's rotation rate (rad/s) */
#define ZK_WGS84_A 6378137.0
#define ZK_WGS84_F (1.0 / 298.257223563)
#define ZK_WGS84_B (ZK_WGS84_A * (1.0 - ZK_WGS84_F))
#define ZK_WGS84_E2 (ZK_WGS84_F * (2.0 - ZK_WGS84_F))
#define ZK_OMEGA_EARTH 7.292115146706979e-5

/* EGM96 gravity: GM (m^3/s^2) and the zonal harmonics J2, J3, J4 */
#define ZK_MU_EARTH 3.986004418e14
#define ZK_J2 1.08262668e-3
#define ZK_J3 -2.53265649e-6
#define ZK_J4 -1.61962159e-6

#define ZK_AU_M 149597870700.0

/* Time scales and epochs. TT - UTC = 32.184 s (TT - TAI) + 37 s (TAI - UTC, the leap seconds since
 * 2017-01-01); UT1 is taken equal to UTC. */
#define ZK_SECONDS_PER_DAY 86400.0
#define ZK_DAYS_PER_JULIAN_CENTURY 36525.0
#define ZK_JD_J2000 2451545.0
#define ZK_JD_UNIX_EPOCH 2440587.5
#define ZK_TT_MINUS_UTC_S 69.184

/* Sizes shared by flight and sim structs */
#define ZK_MAX_WHEELS 6

#endif
