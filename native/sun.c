/* sun.c - analytic sun (Astronomical Almanac low-precision formulae, Vallado Algorithm 29) and the
 * conical Earth shadow with penumbra. See sun.h. */
#include "sun.h"

#include <math.h>

#include "earth.h"
#include "vec3.h"

#define ZK_PI 3.14159265358979323846
#define ZK_DEG (ZK_PI / 180.0)
#define ZK_AU_M 149597870700.0
#define ZK_SUN_RADIUS_M 696000000.0

void zk_sun_eci(double jd_tt, double r_sun_eci[3])
{
    const double t = (jd_tt - 2451545.0) / 36525.0;
    /* Mean longitude (aberration included) and mean anomaly, reduced to one turn before use. */
    const double lon_mean_deg = fmod(280.460 + 36000.771 * t, 360.0);
    const double m = fmod(357.5291092 + 35999.05034 * t, 360.0) * ZK_DEG;
    const double lon_ecl = (lon_mean_deg + 1.914666471 * sin(m) + 0.019994643 * sin(2.0 * m)) * ZK_DEG;
    const double r_au = 1.000140612 - 0.016708617 * cos(m) - 0.000139589 * cos(2.0 * m);
    const double eps = (23.439291 - 0.0130042 * t) * ZK_DEG;
    const double r_m = r_au * ZK_AU_M;
    const double sl = sin(lon_ecl);
    r_sun_eci[0] = r_m * cos(lon_ecl);
    r_sun_eci[1] = r_m * cos(eps) * sl;
    r_sun_eci[2] = r_m * sin(eps) * sl;
}

/* Angle between two vectors, accurate for small and large angles. */
static double angle3(const double u[3], const double v[3])
{
    const double cx = u[1] * v[2] - u[2] * v[1];
    const double cy = u[2] * v[0] - u[0] * v[2];
    const double cz = u[0] * v[1] - u[1] * v[0];
    const double dot = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
    return atan2(sqrt(cx * cx + cy * cy + cz * cz), dot);
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
    const double c = angle3(to_sun, to_earth);       /* separation of the centres */

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
