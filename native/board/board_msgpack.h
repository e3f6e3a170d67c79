/* board_msgpack.h - the msgpack subset of the board protocol for firmware (part of board.h, the public
 * header of native/board): nil, bool, integers (to 64 bits), float32, float64, str, bin, array and map.
 * C99, no libc, no heap. Memory: nodes and writer buffers belong to the caller; a node's ptr points into
 * the buffer it was parsed from and is valid while that buffer is unchanged. */
#ifndef ZB_BOARD_MSGPACK_H
#define ZB_BOARD_MSGPACK_H
#include <stddef.h>
#include <stdint.h>

/* Nodes one body may hold, and the nesting of arrays and maps below the body's own map. */
#define ZB_MP_NODES_MAX 384
#define ZB_MP_DEPTH_MAX 8

enum zb_mp_type { ZB_MP_NIL, ZB_MP_BOOL, ZB_MP_UINT, ZB_MP_INT, ZB_MP_F32, ZB_MP_F64, ZB_MP_STR, ZB_MP_BIN,
                  ZB_MP_ARRAY, ZB_MP_MAP };
enum zb_mp_error { ZB_MP_OK = 0, ZB_MP_E_TRUNCATED = -1, ZB_MP_E_UNSUPPORTED = -2, ZB_MP_E_DEPTH = -3,
                   ZB_MP_E_NODES = -4, ZB_MP_E_TRAILING = -5, ZB_MP_E_KEY = -6 };

/* One decoded object, in pre-order: a container is followed by its items (a map: key, value, ...).
 * Non-negative integers are UINT, negative ones INT. `ptr` points into the parsed buffer (STR, BIN):
 * valid while that buffer is. `end` is the index of the first node after this one's items. */
typedef struct {
    uint8_t type;
    uint32_t len; /* STR/BIN bytes, ARRAY items, MAP pairs */
    uint32_t end;
    const uint8_t *ptr;
    union {
        uint64_t u;
        int64_t i;
        double f;
        int b;
    } v;
} zb_mp_node;

/* Parse exactly one object from buf[0..n) into nodes[0..*count). Rejects other types (ext), nesting
 * deeper than ZB_MP_DEPTH_MAX, more than max_nodes nodes, trailing bytes and map keys that are not str. */
int zb_mp_parse(const uint8_t *buf, size_t n, zb_mp_node *nodes, size_t max_nodes, size_t *count);

/* A bounded writer into a caller's buffer; `overflow` is set (and nothing more written) when it is full.
 * Integers, str, bin and containers take their smallest form, as msgpack-python writes them. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t n;
    int overflow;
} zb_mp_writer;

void zb_mp_writer_init(zb_mp_writer *w, uint8_t *buf, size_t cap);
void zb_mp_put_nil(zb_mp_writer *w);
void zb_mp_put_bool(zb_mp_writer *w, int value);
void zb_mp_put_uint(zb_mp_writer *w, uint64_t value);
void zb_mp_put_int(zb_mp_writer *w, int64_t value);
void zb_mp_put_f32(zb_mp_writer *w, float value);
void zb_mp_put_f64(zb_mp_writer *w, double value);
void zb_mp_put_str(zb_mp_writer *w, const char *s, size_t n);
void zb_mp_put_cstr(zb_mp_writer *w, const char *s);
void zb_mp_put_bin(zb_mp_writer *w, const uint8_t *data, size_t n);
void zb_mp_put_array(zb_mp_writer *w, uint32_t n);
void zb_mp_put_map(zb_mp_writer *w, uint32_t n);
/* Nodes [first, nodes[first].end) written back, in their own types (an object re-encoded). */
void zb_mp_put_nodes(zb_mp_writer *w, const zb_mp_node *nodes, size_t first);

#endif
