/* disturbance.h - aerodynamic and solar-radiation-pressure torques on a spacecraft made of flat faces.
 * Each face has an area, a unit outward normal and a centre of pressure (relative to the centre of mass)
 * in body, optical coefficients and a drag coefficient. A face acts when it faces the flow (the sun);
 * faces do not shade one another. Torques are in body, N m. Nothing is allocated, no state. */
#ifndef ZK_DISTURBANCE_H
#define ZK_DISTURBANCE_H

#define ZK_MAX_SURFACES 16

typedef struct {
    double area_m2;
    double normal_b[3];         /* unit outward normal */
    double cp_b[3];             /* centre of pressure relative to the centre of mass, m */
    double specular;            /* fractions of the incident light reflected specularly and diffusely */
    double diffuse;             /* (Lambertian); the rest, 1 - specular - diffuse, is absorbed */
    double drag_coefficient;    /* C_d of the face in free-molecular flow, ~2.2 */
} zk_surface;

typedef struct {
    int n;                      /* faces in use, 0..ZK_MAX_SURFACES */
    zk_surface face[ZK_MAX_SURFACES];
} zk_surfaces;

/* Free-molecular flat plates: a face with cos i = n . v_hat > 0 feels F = -1/2 rho C_d A cos i |v|^2 v_hat
 * at its centre of pressure; torque_b = sum cp x F. v_rel_eci: velocity of the spacecraft relative
 * to the air (m/s), rho_kg_m3: air density. */
void zk_aero_torque(const zk_surfaces *s, const double q_ib[4], const double v_rel_eci[3],
                    double rho_kg_m3, double torque_b[3]);

/* Flat plates in sunlight (Wertz, Spacecraft Attitude Determination and Control, sec. 17.2): a face with
 * cos i = n . s > 0 feels F = -P A cos i [(1 - specular) s + 2 (specular cos i + diffuse / 3) n], with
 * P = 4.56e-6 N/m^2 sun_fraction / distance_au^2. sun_dir_eci: from the spacecraft to the sun
 * (normalised here); sun_fraction: visible share of the solar disk; distance_au: spacecraft to sun. */
void zk_srp_torque(const zk_surfaces *s, const double q_ib[4], const double sun_dir_eci[3],
                   double sun_fraction, double distance_au, double torque_b[3]);

#endif
