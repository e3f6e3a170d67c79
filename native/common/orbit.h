/* orbit.h - orbit propagation: two-body plus zonal harmonics J2, J3, J4 and optional drag in an
 * exponential atmosphere, fixed-step RK4. Inertial frame (TEME in Zorka), SI units. Used for truth
 * (sim) and for the onboard estimate (flight). */
#ifndef ZK_ORBIT_H
#define ZK_ORBIT_H

typedef struct {
    double mu;      /* m^3/s^2 */
    double r_eq;    /* equatorial radius, m */
    double j2;      /* zonal harmonics; 0 disables a term */
    double j3;
    double j4;
    double drag_area_m2_per_kg;  /* C_d A / m; 0 disables drag */
} zk_force_model;

typedef struct {
    double r_eci[3];    /* m */
    double v_eci[3];    /* m/s */
} zk_orbit;

void zk_gravity_accel(const zk_force_model *f, const double r_eci[3], double a_eci[3]);
/* Air density (kg/m^3) at a height above the WGS-84 ellipsoid: the exponential atmosphere of Vallado,
 * Fundamentals of Astrodynamics, 4th ed., Table 8-4 (base altitudes 0..1000 km; the last band above). */
double zk_atmosphere_density(double alt_m);
/* Gravity plus drag (when enabled): the acceleration the propagator integrates. Drag is
 * a = -1/2 rho (C_d A/m) |v_rel| v_rel in an atmosphere co-rotating with the Earth. */
void zk_orbit_accel(const zk_force_model *f, const double r_eci[3], const double v_eci[3], double a_eci[3]);
void zk_orbit_step(zk_orbit *o, const zk_force_model *f, double dt);
/* Advance by dt_total in equal RK4 steps of at most h_max seconds (dt_total may be negative). */
void zk_orbit_propagate(zk_orbit *o, const zk_force_model *f, double dt_total, double h_max);
/* Positions at t = k dt, k = 0..n-1, into r_eci_out (n x 3), one RK4 step per sample; o ends at the last. */
void zk_orbit_table(zk_orbit *o, const zk_force_model *f, double dt, long n, double *r_eci_out);

#endif
