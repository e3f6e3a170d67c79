/* sim.h - the public header of native/sim: the simulated world's truth. Rigid-body attitude with
 * wheels (attitude.h), sensor and actuator models with their faults (sensors.h, actuators.h), the
 * electrical power system (power.h), surface torques (disturbance.h), seeded generators (rng.h), the
 * world stepped as one unit (world.h) and the imager's ground texture (scene_texture.h). Includes
 * native/common only: the world runs no flight software.
 *
 * Memory: nothing here allocates; the caller allocates every struct (from Python: ffi.new, held by the
 * sim object that owns the model, freed with it). One struct holds a pointer:
 *   zk_world.orbit_table - borrowed, not owned: orbit_table_len rows of 6 doubles that the caller
 *     allocates and frees (a numpy array it keeps a reference to). It must stay alive and unmoved while
 *     any zk_world_step runs with it set; set it to NULL (no table) before the array goes. The world
 *     only reads it and never frees it. */
#ifndef ZK_SIM_H
#define ZK_SIM_H

#include "rng.h"
#include "attitude.h"
#include "disturbance.h"
#include "sensors.h"
#include "actuators.h"
#include "power.h"
#include "world.h"
#include "scene_texture.h"

#endif
