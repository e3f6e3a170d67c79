/* flight.h - the public header of native/flight: the onboard numerics of the flight software.
 * Attitude determination (mekf.h), guidance (guidance.h), control, wheel distribution and the magnetic
 * laws (adcs.h), wheel failure detection (wheel_monitor.h), the onboard orbit's GNSS update (orbit_filter.h),
 * imaging access and pass planning (access.h).
 * Includes native/common only: flight cannot see the simulated world.
 *
 * Memory: no struct of this room holds a pointer; each is plain data (configuration, state and outputs
 * in one), allocated by its owner (from Python: ffi.new, held by the flight object that steps it, freed
 * with it) and living as long as that owner steps it. Functions keep no pointer past the call. Only
 * access.h takes memory from the heap: scratch arrays, given back before the function returns;
 * ZK_ACCESS_NO_MEMORY says that it could not be had. */
#ifndef ZK_FLIGHT_H
#define ZK_FLIGHT_H

#include "adcs.h"
#include "guidance.h"
#include "mekf.h"
#include "wheel_monitor.h"
#include "orbit_filter.h"
#include "access.h"

#endif
