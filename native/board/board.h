/* board.h - the board side of the board protocol (hal/board_protocol.md) as a portable C99 library for
 * firmware: a streaming frame decoder, the msgpack subset of the protocol, a dispatcher with the
 * retransmission cache, the board messages, the watchdog, reaction wheels and a gyro.
 *
 * Like board_frame.h it includes nothing of Zorka, calls no libc and takes nothing from the heap: every
 * buffer is in a zb_board the firmware owns (static storage: sizeof(zb_board) is the library's RAM).
 *
 * Ownership and lifetime: a zb_board belongs to the caller and lives as long as it is used; the library
 * keeps no pointer to anything outside it, except the board_id copied at zb_board_init (the pointer is
 * not kept). zb_board_rx may run in an interrupt while the main loop is outside zb_board_poll or inside it
 * (one producer, one consumer: the ring's indices are each written by one side only). Every other call
 * is from the main loop. A zb_write_fn gets bytes that live only during the call. Time comes from the
 * firmware: now_ms is a free-running millisecond counter (it may wrap at 2^32). GCC may turn the zeroing in
 * zb_board_init and struct copies into memset/memcpy calls, which a freestanding build must provide (as
 * GCC requires of every freestanding program).
 *
 * What it serves (identity "zorka-c-board", protocol 2): board.ping/reset/configure/status, gyro.read,
 * wheels.read/torque/speed/applied and sim.truth, each field checked as hal/board_protocol.md says before
 * anything is done. A configuration takes the gyro and wheels specs of sim/spacecraft.py by field name
 * (missing fields keep the power-on defaults, which are that file's) and echoes them whole; another wheel
 * count or another device is a config_mismatch. Models: the gyro reads the truth's w_b plus the spec's
 * bias_rad_s plus white noise of angle_random_walk_rad_sqrt_s / sqrt(frame_s) (xoshiro256** seeded from
 * the configured seed; the bias instability and rate random walk are taken and echoed, not modelled);
 * the wheels latch torques through the torque limit and the speed limit over frame_s, hold speed commands
 * with the drive's loop (speed_loop_time_s, friction feed-forward) and spin by viscous and Coulomb
 * friction on the board's own tick, until a sim.truth brings wheel speeds: from then on (until a reset or
 * a configuration) the rig's truth is their speed. */
#ifndef ZB_BOARD_H
#define ZB_BOARD_H
#include <stddef.h>
#include <stdint.h>
#include "board_frame.h"
#include "board_msgpack.h"

/* Sizes, fixed at build: encoded frame bytes between delimiters; the longest body that always fits a
 * frame; bytes queued between the ISR and zb_board_poll (a power of two); dev, msg and board_id
 * characters; the wheels this board drives; devices a configuration may list; load_on entries a sim.truth
 * may carry (this board has no EPS); model ticks one poll may catch up. */
#define ZB_FRAME_MAX 4096
#define ZB_BODY_MAX 4077
#define ZB_RX_RING 4096
#define ZB_NAME_MAX 32
#define ZB_WHEELS 4
#define ZB_CONFIG_DEVICES_MAX 16
#define ZB_LOADS_MAX 32
#define ZB_CATCHUP_STEPS_MAX 100
#define ZB_PROTOCOL 2

/* ---- frames ---- */
/* Rejects by reason, as hal/board_frame.py FrameCounters (msgpack and not_a_map counted by the board). */
typedef struct {
    uint32_t frames, cobs, crc, too_short, too_long, msgpack, not_a_map;
} zb_frame_counters;

typedef struct {
    uint8_t buf[ZB_FRAME_MAX];
    size_t n;
    int discarding;
    zb_frame_counters counters;
} zb_frame_decoder;

void zb_frame_decoder_init(zb_frame_decoder *d);
/* Take one byte of the line. Returns the body length (CRC stripped, > 0) when the byte completes a frame
 * whose COBS and CRC are good, the body then in d->buf until the next call; 0 otherwise (a reject
 * counted, idle fill, or a frame still arriving). Resynchronises on every 0x00. */
size_t zb_frame_feed(zb_frame_decoder *d, uint8_t byte);
/* The wire bytes 0x00 COBS(body || CRC) 0x00 of body[0..n) into out (cap bytes); body must have room for
 * n + 2 bytes (the CRC is written after it). Returns the byte count, 0 if the frame would not fit. */
size_t zb_frame_encode(uint8_t *body, size_t n, uint8_t *out, size_t cap);

/* ---- the board ---- */
typedef struct {
    double axis_b[ZB_WHEELS][3];
    double inertia_kg_m2, torque_max_nm, speed_max_rad_s, friction_coulomb_nm, friction_viscous_nm_s,
        torque_noise_nm, motor_constant_nm_a, no_load_current_a, speed_loop_time_s;
} zb_wheel_spec;

typedef struct {
    double angle_random_walk_rad_sqrt_s, bias_instability_rad_s, instability_correlation_s[3],
        rate_random_walk_rad_s_sqrt_s, bias_rad_s[3];
} zb_gyro_spec;

typedef struct {
    uint64_t s[4];
} zb_rng; /* xoshiro256** */

typedef void (*zb_write_fn)(void *ctx, const uint8_t *data, size_t n);

typedef struct {
    uint32_t requests, replies_ok, replies_error, retransmissions;
} zb_board_counters;

typedef struct {
    /* receive ring: head written by zb_board_rx only, tail by zb_board_poll only */
    volatile uint8_t ring[ZB_RX_RING];
    volatile uint32_t head, tail, rx_overruns;
    zb_frame_decoder dec;
    zb_mp_node nodes[ZB_MP_NODES_MAX];
    uint8_t reply[ZB_BODY_MAX + 2];
    uint8_t tx[ZB_FRAME_MAX + 2]; /* the last reply's frame: also the retransmission cache */
    size_t tx_n;
    int have_last;
    uint64_t last_seq;
    char last_dev[ZB_NAME_MAX], last_msg[ZB_NAME_MAX];
    uint32_t last_dev_n, last_msg_n;
    char board_id[ZB_NAME_MAX + 1];
    uint64_t power_on_seed;
    const char *err_code;
    char err_text[200];
    size_t err_n;
    zb_board_counters counters;
    /* configuration */
    int configured;
    uint64_t seed;
    double frame_s, t0_s, watchdog_s;
    uint8_t devices[ZB_CONFIG_DEVICES_MAX], n_devices; /* as configured, for the echo */
    uint8_t spec_order[2], n_specs;
    zb_gyro_spec gyro_spec;
    zb_wheel_spec wheel_spec;
    /* watchdog */
    int wd_armed, wd_tripped;
    uint32_t wd_trips, wd_last_ms, config_mismatches, now_ms, last_poll_ms;
    int have_poll;
    double tick_acc_s;
    /* truth (sim.truth) and models */
    double t_s, w_b[3];
    int wheels_from_truth; /* a sim.truth gave wheel speeds: the rig owns their dynamics */
    double gyro_sigma_rad_s, gyro_rate_b[3];
    zb_rng gyro_rng, wheel_rng;
    double speed_rad_s[ZB_WHEELS], speed_cmd_rad_s[ZB_WHEELS], torque_cmd_nm[ZB_WHEELS],
        torque_applied_nm[ZB_WHEELS];
    int holding_speed;
} zb_board;

/* Power on: board_id (1..ZB_NAME_MAX characters, NUL-terminated; copied; a longer one is cut), the
 * power-on seed of the models' noise. Returns 0, or -1 if board_id is empty. */
int zb_board_init(zb_board *b, const char *board_id, uint64_t seed);
/* One received byte into the ring (ISR-safe, O(1)); a full ring drops it and counts rx_overruns. */
void zb_board_rx(zb_board *b, uint8_t byte);
/* Decode the queued bytes, answer every request through write, trip the watchdog when its time has
 * passed, and step the models over the time since the last poll in whole frame_s ticks (at most
 * ZB_CATCHUP_STEPS_MAX per call; wheel speeds from a sim.truth stop the board's own wheel dynamics). */
void zb_board_poll(zb_board *b, uint32_t now_ms, zb_write_fn write, void *ctx);
/* One request body (msgpack, CRC stripped) handled as if it came in a frame at now_ms. Returns the
 * length of the reply frame, then in b->tx (valid until the next call), or 0 if the body was rejected
 * (counted as msgpack or not_a_map). body is not kept. */
size_t zb_board_handle(zb_board *b, const uint8_t *body, size_t n, uint32_t now_ms);
/* One model tick of dt_s (the board's own wheel dynamics; poll calls it). */
void zb_board_step(zb_board *b, double dt_s);

#endif
