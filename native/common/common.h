/* common.h - the public header of native/common: what the flight software and the simulated world both
 * use. Vectors and quaternions, the Earth (rotation, WGS-84 geodesy, gravity and orbit propagation, the
 * IGRF field), the analytic sun, and the shared constants. Includes nothing of the other rooms.
 *
 * Memory: no struct of this room holds a pointer (zk_force_model, zk_orbit and zk_igrf are plain data).
 * The caller allocates every struct and array (from Python: ffi.new or a numpy array, freed when the
 * last Python reference goes); a function reads and writes them only during the call, keeps no pointer
 * to them, and allocates nothing. vec3.h holds static inline helpers for the C of the rooms only. */
#ifndef ZK_COMMON_H
#define ZK_COMMON_H

#include "constants.h"
#include "quat.h"
#include "earth.h"
#include "sun.h"
#include "orbit.h"
#include "igrf.h"

#endif
