/* quat.h - quaternion algebra.
 * Hamilton convention, scalar last [x, y, z, w], as scipy.spatial.transform.Rotation.
 * q_ib maps body components to inertial: v_i = R(q_ib) v_b. Matrices are 3x3 row-major. */
#ifndef ZK_QUAT_H
#define ZK_QUAT_H

void zk_quat_mul(const double p[4], const double q[4], double out[4]);      /* out = p (x) q */
void zk_quat_conj(const double q[4], double out[4]);
void zk_quat_normalize(double q[4]);                                        /* also makes w >= 0 */
void zk_quat_rotate(const double q[4], const double v[3], double out[3]);   /* out = R(q) v */
void zk_quat_rotate_inv(const double q[4], const double v[3], double out[3]); /* out = R(q)^T v */
void zk_quat_to_dcm(const double q[4], double m[9]);
void zk_quat_from_dcm(const double m[9], double q[4]);                      /* Shepperd, w >= 0 */
void zk_quat_from_rotvec(const double rv[3], double q[4]);                  /* axis * angle [rad] */
void zk_quat_to_rotvec(const double q[4], double rv[3]);                    /* shortest, |rv| <= pi */
double zk_quat_angle(const double p[4], const double q[4]);                 /* angle of p^-1 q, [0, pi] */

#endif
