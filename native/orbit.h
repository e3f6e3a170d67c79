/* orbit.h - orbit propagation: two-body plus zonal harmonics J2, J3, J4, fixed-step RK4.
 * Inertial frame (TEME in Zorka), SI units. Used for truth (sim) and for the onboard estimate. */
#ifndef ZK_ORBIT_H
#define ZK_ORBIT_H

typedef struct {
    double mu;      /* m^3/s^2 */
    double r_eq;    /* equatorial radius, m */
    double j2;      /* zonal harmonics; 0 disables a term */
    double j3;
    double j4;
} zk_gravity;

typedef struct {
    double r_eci[3];    /* m */
    double v_eci[3];    /* m/s */
} zk_orbit;

void zk_gravity_accel(const zk_gravity *g, const double r_eci[3], double a_eci[3]);
void zk_orbit_step(zk_orbit *o, const zk_gravity *g, double dt);
/* Advance by dt_total in equal RK4 steps of at most h_max seconds (dt_total may be negative). */
void zk_orbit_propagate(zk_orbit *o, const zk_gravity *g, double dt_total, double h_max);

#endif
