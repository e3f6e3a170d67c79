/* board_msgpack.c - the msgpack subset of the board protocol (see board.h): nil, bool, integers, float32,
 * float64, str, bin, array, map. Bounded: a flat node array, an explicit nesting stack, no recursion. */
#include "board_msgpack.h"

typedef union {
    uint64_t u;
    double f;
} bits64;

typedef union {
    uint32_t u;
    float f;
} bits32;

static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < n; k++)
        v = (v << 8) | p[k];
    return v;
}

/* Signed value of an n-byte two's complement big-endian integer. */
static int64_t be_signed(const uint8_t *p, unsigned n)
{
    uint64_t v = be(p, n);
    if (n < 8 && (v >> (8 * n - 1)) & 1u)
        v |= ~(uint64_t)0 << (8 * n);
    return (int64_t)v;
}

static void set_int(zb_mp_node *node, int64_t v)
{
    if (v >= 0) {
        node->type = ZB_MP_UINT;
        node->v.u = (uint64_t)v;
    } else {
        node->type = ZB_MP_INT;
        node->v.i = v;
    }
}

/* The node at buf[*at]: its header read, *at moved past it (and past a str/bin payload). */
static int read_node(const uint8_t *buf, size_t n, size_t *at, zb_mp_node *node)
{
    static const uint8_t fixed[] = {1, 2, 4, 8}; /* payload bytes of c4..cf, indexed by type & 3 */
    size_t i = *at;
    uint8_t t = buf[i++];
    unsigned need = 0;
    node->ptr = 0;
    node->len = 0;
    node->v.u = 0;
    if (t <= 0x7f || t >= 0xe0) {
        set_int(node, (int8_t)t);
    } else if (t <= 0x8f || (t >= 0x90 && t <= 0x9f)) {
        node->type = t <= 0x8f ? ZB_MP_MAP : ZB_MP_ARRAY;
        node->len = t & 0x0fu;
    } else if (t >= 0xa0 && t <= 0xbf) {
        node->type = ZB_MP_STR;
        node->len = t & 0x1fu;
    } else if (t == 0xc0) {
        node->type = ZB_MP_NIL;
    } else if (t == 0xc2 || t == 0xc3) {
        node->type = ZB_MP_BOOL;
        node->v.b = t == 0xc3;
    } else if (t >= 0xc4 && t <= 0xc6) { /* bin 8/16/32 */
        need = fixed[t - 0xc4];
        if (n - i < need)
            return ZB_MP_E_TRUNCATED;
        node->type = ZB_MP_BIN;
        node->len = (uint32_t)be(buf + i, need);
    } else if (t == 0xca || t == 0xcb) {
        need = t == 0xca ? 4 : 8;
        if (n - i < need)
            return ZB_MP_E_TRUNCATED;
        if (t == 0xca) {
            bits32 x;
            x.u = (uint32_t)be(buf + i, 4);
            node->type = ZB_MP_F32;
            node->v.f = (double)x.f;
        } else {
            bits64 x;
            x.u = be(buf + i, 8);
            node->type = ZB_MP_F64;
            node->v.f = x.f;
        }
    } else if (t >= 0xcc && t <= 0xd3) { /* uint 8..64, int 8..64 */
        need = fixed[(t - 0xcc) & 3];
        if (n - i < need)
            return ZB_MP_E_TRUNCATED;
        if (t <= 0xcf) {
            node->type = ZB_MP_UINT;
            node->v.u = be(buf + i, need);
        } else {
            set_int(node, be_signed(buf + i, need));
        }
    } else if (t >= 0xd9 && t <= 0xdb) { /* str 8/16/32 */
        need = t == 0xd9 ? 1 : (t == 0xda ? 2 : 4);
        if (n - i < need)
            return ZB_MP_E_TRUNCATED;
        node->type = ZB_MP_STR;
        node->len = (uint32_t)be(buf + i, need);
    } else if (t >= 0xdc && t <= 0xdf) { /* array 16/32, map 16/32 */
        need = (t & 1u) ? 4 : 2;
        if (n - i < need)
            return ZB_MP_E_TRUNCATED;
        node->type = t <= 0xdd ? ZB_MP_ARRAY : ZB_MP_MAP;
        node->len = (uint32_t)be(buf + i, need);
    } else {
        return ZB_MP_E_UNSUPPORTED; /* 0xc1 and the ext types */
    }
    i += need;
    if (node->type == ZB_MP_STR || node->type == ZB_MP_BIN) {
        if (n - i < node->len)
            return ZB_MP_E_TRUNCATED;
        node->ptr = buf + i;
        i += node->len;
    }
    *at = i;
    return ZB_MP_OK;
}

int zb_mp_parse(const uint8_t *buf, size_t n, zb_mp_node *nodes, size_t max_nodes, size_t *count)
{
    /* The open containers: their node index and the items (map: keys and values) still to come. */
    size_t open_at[ZB_MP_DEPTH_MAX + 1];
    uint64_t left[ZB_MP_DEPTH_MAX + 1];
    int depth = 0;
    size_t at = 0, k = 0;
    *count = 0;
    do {
        if (at >= n)
            return ZB_MP_E_TRUNCATED;
        if (k >= max_nodes)
            return ZB_MP_E_NODES;
        zb_mp_node *node = &nodes[k];
        int rc = read_node(buf, n, &at, node);
        if (rc != ZB_MP_OK)
            return rc;
        if (depth > 0 && nodes[open_at[depth - 1]].type == ZB_MP_MAP && left[depth - 1] % 2 == 0 &&
            node->type != ZB_MP_STR)
            return ZB_MP_E_KEY;
        node->end = (uint32_t)++k;
        if (depth > 0)
            left[depth - 1]--;
        if (node->type == ZB_MP_ARRAY || node->type == ZB_MP_MAP) {
            uint64_t items = node->type == ZB_MP_MAP ? 2u * (uint64_t)node->len : node->len;
            if (items > 0) {
                if (depth > ZB_MP_DEPTH_MAX)
                    return ZB_MP_E_DEPTH;
                if (items > n - at)
                    return ZB_MP_E_TRUNCATED; /* every item takes at least one byte */
                open_at[depth] = k - 1;
                left[depth++] = items;
            }
        }
        while (depth > 0 && left[depth - 1] == 0) {
            nodes[open_at[--depth]].end = (uint32_t)k;
        }
    } while (depth > 0);
    if (at != n)
        return ZB_MP_E_TRAILING;
    *count = k;
    return ZB_MP_OK;
}

void zb_mp_writer_init(zb_mp_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->n = 0;
    w->overflow = 0;
}

static int room(zb_mp_writer *w, size_t need)
{
    if (w->overflow || w->cap - w->n < need) {
        w->overflow = 1;
        return 0;
    }
    return 1;
}

/* A type byte and an n-byte big-endian value. */
static void put_head(zb_mp_writer *w, uint8_t t, uint64_t v, unsigned n)
{
    if (!room(w, 1u + n))
        return;
    w->buf[w->n++] = t;
    for (unsigned k = n; k > 0; k--)
        w->buf[w->n++] = (uint8_t)(v >> (8 * (k - 1)));
}

static void put_bytes(zb_mp_writer *w, const uint8_t *p, size_t n)
{
    if (!room(w, n))
        return;
    for (size_t k = 0; k < n; k++)
        w->buf[w->n++] = p[k];
}

void zb_mp_put_nil(zb_mp_writer *w) { put_head(w, 0xc0, 0, 0); }

void zb_mp_put_bool(zb_mp_writer *w, int value) { put_head(w, value ? 0xc3 : 0xc2, 0, 0); }

void zb_mp_put_uint(zb_mp_writer *w, uint64_t value)
{
    if (value <= 0x7f)
        put_head(w, (uint8_t)value, 0, 0);
    else if (value <= 0xff)
        put_head(w, 0xcc, value, 1);
    else if (value <= 0xffff)
        put_head(w, 0xcd, value, 2);
    else if (value <= 0xffffffffu)
        put_head(w, 0xce, value, 4);
    else
        put_head(w, 0xcf, value, 8);
}

void zb_mp_put_int(zb_mp_writer *w, int64_t value)
{
    if (value >= 0)
        zb_mp_put_uint(w, (uint64_t)value);
    else if (value >= -32)
        put_head(w, (uint8_t)(int8_t)value, 0, 0);
    else if (value >= -128)
        put_head(w, 0xd0, (uint64_t)value & 0xffu, 1);
    else if (value >= -32768)
        put_head(w, 0xd1, (uint64_t)value & 0xffffu, 2);
    else if (value >= -2147483647 - 1)
        put_head(w, 0xd2, (uint64_t)value & 0xffffffffu, 4);
    else
        put_head(w, 0xd3, (uint64_t)value, 8);
}

void zb_mp_put_f32(zb_mp_writer *w, float value)
{
    bits32 x;
    x.f = value;
    put_head(w, 0xca, x.u, 4);
}

void zb_mp_put_f64(zb_mp_writer *w, double value)
{
    bits64 x;
    x.f = value;
    put_head(w, 0xcb, x.u, 8);
}

void zb_mp_put_str(zb_mp_writer *w, const char *s, size_t n)
{
    if (n <= 31)
        put_head(w, (uint8_t)(0xa0u | n), 0, 0);
    else if (n <= 0xff)
        put_head(w, 0xd9, n, 1);
    else if (n <= 0xffff)
        put_head(w, 0xda, n, 2);
    else
        put_head(w, 0xdb, n, 4);
    put_bytes(w, (const uint8_t *)s, n);
}

void zb_mp_put_cstr(zb_mp_writer *w, const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    zb_mp_put_str(w, s, n);
}

void zb_mp_put_bin(zb_mp_writer *w, const uint8_t *data, size_t n)
{
    if (n <= 0xff)
        put_head(w, 0xc4, n, 1);
    else if (n <= 0xffff)
        put_head(w, 0xc5, n, 2);
    else
        put_head(w, 0xc6, n, 4);
    put_bytes(w, data, n);
}

static void put_container(zb_mp_writer *w, uint32_t n, uint8_t fix, uint8_t t16)
{
    if (n <= 15)
        put_head(w, (uint8_t)(fix | n), 0, 0);
    else if (n <= 0xffff)
        put_head(w, t16, n, 2);
    else
        put_head(w, (uint8_t)(t16 + 1), n, 4);
}

void zb_mp_put_array(zb_mp_writer *w, uint32_t n) { put_container(w, n, 0x90, 0xdc); }

void zb_mp_put_map(zb_mp_writer *w, uint32_t n) { put_container(w, n, 0x80, 0xde); }

void zb_mp_put_nodes(zb_mp_writer *w, const zb_mp_node *nodes, size_t first)
{
    for (size_t k = first; k < nodes[first].end; k++) {
        const zb_mp_node *node = &nodes[k];
        switch (node->type) {
        case ZB_MP_NIL: zb_mp_put_nil(w); break;
        case ZB_MP_BOOL: zb_mp_put_bool(w, node->v.b); break;
        case ZB_MP_UINT: zb_mp_put_uint(w, node->v.u); break;
        case ZB_MP_INT: zb_mp_put_int(w, node->v.i); break;
        case ZB_MP_F32: zb_mp_put_f32(w, (float)node->v.f); break;
        case ZB_MP_F64: zb_mp_put_f64(w, node->v.f); break;
        case ZB_MP_STR: zb_mp_put_str(w, (const char *)node->ptr, node->len); break;
        case ZB_MP_BIN: zb_mp_put_bin(w, node->ptr, node->len); break;
        case ZB_MP_ARRAY: zb_mp_put_array(w, node->len); break;
        default: zb_mp_put_map(w, node->len); break;
        }
    }
}
