/* sun.c - analytic sun (truncated VSOP87 with nutation and aberration) and the conical Earth shadow
 * with penumbra. See sun.h. */
#include "sun.h"

#include <math.h>

#include "constants.h"
#include "earth.h"
#include "vec3.h"

#define ZK_ARCSEC (ZK_PI / 648000.0)
#define ZK_DEG (ZK_PI / 180.0)
#define ZK_SUN_RADIUS_M 696000000.0

/* VSOP87D terms of the Earth (Meeus, App. III): amplitude A (1e-8 rad or 1e-8 AU), phase B (rad),
 * frequency C (rad per Julian millennium); a series is sum A cos(B + C tau). Kept: the longitude terms
 * of at least 500e-8 rad, the two largest of the tau series and the constant of the tau^2 series, the
 * largest latitude term (0.6") and the distance terms of at least 1000e-8 AU. */
static const double earth_l0[][3] = {
    {175347046.0, 0.0, 0.0},          {3341656.0, 4.6692568, 6283.07585}, {34894.0, 4.6261, 12566.1517},
    {3497.0, 2.7441, 5753.3849},      {3418.0, 2.8289, 3.5231},           {3136.0, 3.6277, 77713.7715},
    {2676.0, 4.4181, 7860.4194},      {2343.0, 6.1352, 3930.2097},        {1324.0, 0.7425, 11506.7698},
    {1273.0, 2.0371, 529.691},        {1199.0, 1.1096, 1577.3435},        {990.0, 5.233, 5884.927},
    {902.0, 2.045, 26.298},           {857.0, 3.508, 398.149},            {780.0, 1.179, 5223.694},
    {753.0, 2.533, 5507.553},         {505.0, 4.583, 18849.228},
};
static const double earth_l1[][3] = {{628331966747.0, 0.0, 0.0}, {206059.0, 2.678235, 6283.07585}};
static const double earth_l2_constant = 52919.0;
static const double earth_b0[3] = {280.0, 3.199, 84334.662};
static const double earth_r0[][3] = {
    {100013989.0, 0.0, 0.0},   {1670700.0, 3.0984635, 6283.07585}, {13956.0, 3.05525, 12566.1517},
    {3084.0, 5.1985, 77713.7715}, {1628.0, 1.1739, 5753.3849},     {1576.0, 2.8469, 7860.4194},
};
static const double earth_r1[3] = {103019.0, 1.10749, 6283.07585};

#define ZK_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static double series(const double (*terms)[3], int n, double tau)
{
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
        sum += terms[i][0] * cos(terms[i][1] + terms[i][2] * tau);
    }
    return sum;
}

void zk_sun_eci(double jd_tt, double r_sun_eci[3])
{
    const double t = (jd_tt - ZK_JD_J2000) / ZK_DAYS_PER_JULIAN_CENTURY;  /* Julian centuries */
    const double tau = 0.1 * t;                      /* Julian millennia */
    /* Heliocentric Earth, ecliptic and mean equinox of date. */
    const double l1 = series(earth_l1, ZK_COUNT(earth_l1), tau) + tau * earth_l2_constant;
    const double l_earth = 1e-8 * (series(earth_l0, ZK_COUNT(earth_l0), tau) + tau * l1);
    const double b_earth = 1e-8 * earth_b0[0] * cos(earth_b0[1] + earth_b0[2] * tau);
    const double r_au = 1e-8 * (series(earth_r0, ZK_COUNT(earth_r0), tau)
                                + tau * earth_r1[0] * cos(earth_r1[1] + earth_r1[2] * tau));
    /* Nutation (Meeus ch. 22): node of the Moon's orbit, mean longitudes of the sun and the Moon. */
    const double node = fmod(125.04452 - 1934.136261 * t, 360.0) * ZK_DEG;
    const double l_sun = fmod(280.4665 + 36000.7698 * t, 360.0) * ZK_DEG;
    const double l_moon = fmod(218.3165 + 481267.8813 * t, 360.0) * ZK_DEG;
    const double dpsi = (-17.20 * sin(node) - 1.32 * sin(2.0 * l_sun) - 0.23 * sin(2.0 * l_moon)
                         + 0.21 * sin(2.0 * node)) * ZK_ARCSEC;
    const double deps = (9.20 * cos(node) + 0.57 * cos(2.0 * l_sun) + 0.10 * cos(2.0 * l_moon)
                         - 0.09 * cos(2.0 * node)) * ZK_ARCSEC;
    const double eps = (84381.448 - 46.8150 * t) * ZK_ARCSEC + deps;   /* true obliquity */
    /* Apparent geocentric sun, true ecliptic and equinox of date (aberration 20.4898" / R). */
    const double lon = l_earth + ZK_PI + dpsi - 20.4898 * ZK_ARCSEC / r_au;
    const double lat = -b_earth;
    const double x_ecl = cos(lat) * cos(lon), y_ecl = cos(lat) * sin(lon), z_ecl = sin(lat);
    /* True equator and equinox of date, then TEME: right ascension less the equation of the equinoxes. */
    const double x_tod = x_ecl;
    const double y_tod = y_ecl * cos(eps) - z_ecl * sin(eps);
    const double z_tod = y_ecl * sin(eps) + z_ecl * cos(eps);
    const double eq_equinoxes = dpsi * cos(eps);
    const double c = cos(eq_equinoxes), s = sin(eq_equinoxes);
    const double r_m = r_au * ZK_AU_M;
    r_sun_eci[0] = r_m * (c * x_tod + s * y_tod);
    r_sun_eci[1] = r_m * (c * y_tod - s * x_tod);
    r_sun_eci[2] = r_m * z_tod;
}

static double clamp_unit(double x)
{
    return x < -1.0 ? -1.0 : (x > 1.0 ? 1.0 : x);
}

double zk_sun_visible_fraction(const double r_sat_eci[3], const double r_sun_eci[3])
{
    const double to_sun[3] = {r_sun_eci[0] - r_sat_eci[0], r_sun_eci[1] - r_sat_eci[1],
                              r_sun_eci[2] - r_sat_eci[2]};
    const double to_earth[3] = {-r_sat_eci[0], -r_sat_eci[1], -r_sat_eci[2]};
    const double d_sun = zk_norm3(to_sun);
    const double d_earth = zk_norm3(to_earth);
    if (d_earth <= ZK_WGS84_A) {
        return 0.0;
    }
    if (d_sun <= ZK_SUN_RADIUS_M) {
        return 1.0;
    }
    const double a = asin(ZK_SUN_RADIUS_M / d_sun);  /* apparent radius of the sun */
    const double b = asin(ZK_WGS84_A / d_earth);     /* apparent radius of the Earth */
    const double c = zk_angle3(to_sun, to_earth);       /* separation of the centres */

    if (c >= a + b) {
        return 1.0;
    }
    if (c <= b - a) {
        return 0.0;
    }
    if (c <= a - b) {
        return 1.0 - (b * b) / (a * a);
    }
    /* Partial overlap of two circles (radii a and b, centres c apart); x is the distance from the
     * sun's centre to the chord through the intersection points. */
    const double x = (c * c + (a - b) * (a + b)) / (2.0 * c);
    const double y = sqrt(fmax(a * a - x * x, 0.0));
    const double area = a * a * acos(clamp_unit(x / a)) + b * b * acos(clamp_unit((c - x) / b)) - c * y;
    const double fraction = 1.0 - area / (ZK_PI * a * a);
    return fraction < 0.0 ? 0.0 : (fraction > 1.0 ? 1.0 : fraction);
}
