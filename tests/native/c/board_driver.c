/* board_driver.c - drives native/board (board.h) for tests/native/test_board_c_library.py, built with
 * ASan and UBSan. Modes:
 *   unit            the library's unit tests; prints "ok <checks>"
 *   recode          stdin: one frame a line (hex, delimiters included); stdout: each decoded by the
 *                   streaming decoder and the msgpack parser, re-encoded and framed again (hex), or
 *                   "error <what>"
 *   fuzz FILE       FILE: records (4-byte little-endian length, bytes), one stream fed to a board byte by
 *                   byte, closed by 0x00; each record also parsed alone as msgpack. Prints the counters
 *   gen N SEED      N inputs made here (valid requests, mutated, garbage), fed to a board; checks that every
 *                   delimited frame is counted once, as a request or a reject, and every request answered */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"

static zb_board board;
static zb_mp_node nodes[ZB_MP_NODES_MAX];
static int checks, failures;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        checks++;                                                                    \
        if (!(cond)) {                                                               \
            failures++;                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* ---- replies: each written frame decoded again, and kept for a test to look at ---- */
static size_t replies;
static uint8_t last_reply[ZB_FRAME_MAX + 2];
static size_t last_reply_n;
static zb_frame_decoder reply_decoder;

static void on_reply(void *ctx, const uint8_t *data, size_t n)
{
    (void)ctx;
    size_t bodies = 0, count;
    replies++;
    memcpy(last_reply, data, n);
    last_reply_n = n;
    for (size_t k = 0; k < n; k++) {
        size_t body_n = zb_frame_feed(&reply_decoder, data[k]);
        if (body_n) {
            bodies++;
            if (zb_mp_parse(reply_decoder.buf, body_n, nodes, ZB_MP_NODES_MAX, &count) != ZB_MP_OK ||
                nodes[0].type != ZB_MP_MAP) {
                fprintf(stderr, "a reply is not a msgpack map\n");
                abort();
            }
        }
    }
    if (bodies != 1) {
        fprintf(stderr, "a reply is not one frame\n");
        abort();
    }
}

/* A request body from a writer, framed and fed to the board, which polls at now_ms. */
static void send_body(zb_mp_writer *w, uint32_t now_ms)
{
    uint8_t frame[ZB_FRAME_MAX + 8];
    size_t n = zb_frame_encode(w->buf, w->n, frame, sizeof frame);
    for (size_t k = 0; k < n; k++)
        zb_board_rx(&board, frame[k]);
    zb_board_poll(&board, now_ms, on_reply, 0);
}

static void header(zb_mp_writer *w, uint8_t *buf, uint32_t pairs, const char *dev, const char *msg,
                   uint64_t seq)
{
    zb_mp_writer_init(w, buf, ZB_BODY_MAX);
    zb_mp_put_map(w, pairs);
    zb_mp_put_cstr(w, "dev");
    zb_mp_put_cstr(w, dev);
    zb_mp_put_cstr(w, "msg");
    zb_mp_put_cstr(w, msg);
    zb_mp_put_cstr(w, "seq");
    zb_mp_put_uint(w, seq);
}

/* The value of key in the last reply's body (a map), or NULL. */
static const zb_mp_node *reply_field(const char *key)
{
    static zb_frame_decoder d;
    static zb_mp_node reply_nodes[ZB_MP_NODES_MAX];
    size_t body_n = 0, count;
    zb_frame_decoder_init(&d);
    for (size_t k = 0; k < last_reply_n && !body_n; k++)
        body_n = zb_frame_feed(&d, last_reply[k]);
    if (!body_n || zb_mp_parse(d.buf, body_n, reply_nodes, ZB_MP_NODES_MAX, &count) != ZB_MP_OK)
        return 0;
    size_t at = 1;
    for (uint32_t p = 0; p < reply_nodes[0].len; p++) {
        const zb_mp_node *k = &reply_nodes[at];
        if (k->len == strlen(key) && memcmp(k->ptr, key, k->len) == 0)
            return k + 1;
        at = reply_nodes[at + 1].end;
    }
    return 0;
}

static int reply_is(const char *key, const char *value)
{
    const zb_mp_node *v = reply_field(key);
    return v && v->type == ZB_MP_STR && v->len == strlen(value) && memcmp(v->ptr, value, v->len) == 0;
}

static void simple(const char *dev, const char *msg, uint64_t seq, uint32_t now_ms)
{
    uint8_t buf[ZB_BODY_MAX + 2];
    zb_mp_writer w;
    header(&w, buf, 3, dev, msg, seq);
    send_body(&w, now_ms);
}

static void torque(uint64_t seq, double t, uint32_t now_ms)
{
    uint8_t buf[ZB_BODY_MAX + 2];
    zb_mp_writer w;
    header(&w, buf, 4, "wheels", "torque", seq);
    zb_mp_put_cstr(&w, "torque_nm");
    zb_mp_put_array(&w, 4);
    for (int i = 0; i < 4; i++)
        zb_mp_put_f64(&w, t);
    send_body(&w, now_ms);
}

static void unit_msgpack(void)
{
    uint8_t buf[256];
    zb_mp_writer w;
    size_t count;
    static const uint64_t U[] = {0, 127, 128, 255, 256, 65535, 65536, 4294967295u, 4294967296u, UINT64_MAX};
    static const int64_t I[] = {-1,     -32,           -33,           -128,     -129,
                                -32768, -32769, -2147483648LL, -2147483649LL, INT64_MIN};
    static const size_t UN[] = {1, 1, 2, 2, 3, 3, 5, 5, 9, 9}, IN[] = {1, 1, 2, 2, 3, 3, 5, 5, 9, 9};
    for (int k = 0; k < 10; k++) {
        zb_mp_writer_init(&w, buf, sizeof buf);
        zb_mp_put_uint(&w, U[k]);
        CHECK(w.n == UN[k] && zb_mp_parse(buf, w.n, nodes, 8, &count) == ZB_MP_OK);
        CHECK(nodes[0].type == ZB_MP_UINT && nodes[0].v.u == U[k]);
        zb_mp_writer_init(&w, buf, sizeof buf);
        zb_mp_put_int(&w, I[k]);
        CHECK(w.n == IN[k] && zb_mp_parse(buf, w.n, nodes, 8, &count) == ZB_MP_OK);
        CHECK(nodes[0].type == ZB_MP_INT && nodes[0].v.i == I[k]);
    }
    /* a positive value in a signed form is read as unsigned */
    const uint8_t int8_pos[] = {0xd0, 0x05};
    CHECK(zb_mp_parse(int8_pos, 2, nodes, 8, &count) == ZB_MP_OK);
    CHECK(nodes[0].type == ZB_MP_UINT && nodes[0].v.u == 5);
    zb_mp_writer_init(&w, buf, sizeof buf);
    zb_mp_put_array(&w, 6);
    zb_mp_put_nil(&w);
    zb_mp_put_bool(&w, 1);
    zb_mp_put_f32(&w, 1.5f);
    zb_mp_put_f64(&w, -0.1);
    zb_mp_put_bin(&w, (const uint8_t *)"\0\1", 2);
    zb_mp_put_map(&w, 1);
    zb_mp_put_cstr(&w, "k");
    zb_mp_put_cstr(&w, "");
    CHECK(zb_mp_parse(buf, w.n, nodes, 16, &count) == ZB_MP_OK && count == 9 && nodes[0].end == 9);
    CHECK(nodes[1].type == ZB_MP_NIL && nodes[2].v.b == 1);
    CHECK(nodes[3].type == ZB_MP_F32 && nodes[3].v.f == 1.5);
    CHECK(nodes[4].v.f == -0.1 && nodes[5].type == ZB_MP_BIN && nodes[5].len == 2 && nodes[6].end == 9);
    uint8_t again[256];
    zb_mp_writer w2;
    zb_mp_writer_init(&w2, again, sizeof again);
    zb_mp_put_nodes(&w2, nodes, 0);
    CHECK(w2.n == w.n && memcmp(again, buf, w.n) == 0);
    /* each refusal by its code */
    CHECK(zb_mp_parse(buf, w.n - 1, nodes, 16, &count) == ZB_MP_E_TRUNCATED);
    CHECK(zb_mp_parse(buf, w.n, nodes, 8, &count) == ZB_MP_E_NODES);
    const uint8_t two[] = {0xc0, 0xc0}, ext[] = {0xd4, 0x01, 0x02}, never[] = {0xc1};
    const uint8_t int_key[] = {0x81, 0x01, 0x02};
    CHECK(zb_mp_parse(two, 2, nodes, 8, &count) == ZB_MP_E_TRAILING);
    CHECK(zb_mp_parse(ext, 3, nodes, 8, &count) == ZB_MP_E_UNSUPPORTED);
    CHECK(zb_mp_parse(never, 1, nodes, 8, &count) == ZB_MP_E_UNSUPPORTED);
    CHECK(zb_mp_parse(int_key, 3, nodes, 8, &count) == ZB_MP_E_KEY);
    uint8_t deep[ZB_MP_DEPTH_MAX + 3];
    for (int k = 0; k < ZB_MP_DEPTH_MAX + 2; k++)
        deep[k] = 0x91;
    deep[ZB_MP_DEPTH_MAX + 2] = 0xc0;
    CHECK(zb_mp_parse(deep, ZB_MP_DEPTH_MAX + 3, nodes, 64, &count) == ZB_MP_E_DEPTH);
    CHECK(zb_mp_parse(deep + 1, ZB_MP_DEPTH_MAX + 2, nodes, 64, &count) == ZB_MP_OK);
    const uint8_t huge[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0};
    CHECK(zb_mp_parse(huge, sizeof huge, nodes, 64, &count) == ZB_MP_E_TRUNCATED);
    zb_mp_writer_init(&w, buf, 4);
    zb_mp_put_cstr(&w, "four");
    CHECK(w.overflow);
}

static void unit_frames(void)
{
    zb_frame_decoder d;
    uint8_t body[300] = {0x81, 0xa1, 'a', 0x00}, frame[400];
    zb_frame_decoder_init(&d);
    size_t n = zb_frame_encode(body, 4, frame, sizeof frame), got = 0;
    for (size_t k = 0; k < n; k++)
        got = got ? got : zb_frame_feed(&d, frame[k]);
    CHECK(got == 4 && d.buf[3] == 0 && d.counters.frames == 0);
    const uint8_t short_one[] = {0, 2, 1, 0}, bad_cobs[] = {0, 5, 1, 0}, bad_crc[] = {0, 4, 1, 2, 3, 0};
    for (size_t k = 0; k < sizeof short_one; k++)
        zb_frame_feed(&d, short_one[k]);
    for (size_t k = 0; k < sizeof bad_cobs; k++)
        zb_frame_feed(&d, bad_cobs[k]);
    for (size_t k = 0; k < sizeof bad_crc; k++)
        zb_frame_feed(&d, bad_crc[k]);
    for (size_t k = 0; k < ZB_FRAME_MAX + 10; k++)
        zb_frame_feed(&d, 7);
    zb_frame_feed(&d, 0);
    CHECK(d.counters.too_short == 1 && d.counters.cobs == 1);
    CHECK(d.counters.crc == 1 && d.counters.too_long == 1);
    /* exactly ZB_FRAME_MAX bytes is not too long */
    for (size_t k = 0; k < ZB_FRAME_MAX; k++)
        zb_frame_feed(&d, 7);
    zb_frame_feed(&d, 0);
    CHECK(d.counters.too_long == 1 && d.counters.cobs == 2);
}

static void unit_board(void)
{
    CHECK(zb_board_init(&board, "unit-1", 5) == 0);
    zb_frame_decoder_init(&reply_decoder);
    simple("board", "ping", 1, 0);
    CHECK(replies == 1 && reply_is("msg", "ping.ok"));
    CHECK(reply_is("identity", "zorka-c-board") && reply_is("board_id", "unit-1"));
    /* a retransmission: the same bytes, not acted on again (the gyro draws no new noise) */
    simple("gyro", "read", 2, 0);
    uint8_t first[ZB_FRAME_MAX + 2];
    size_t first_n = last_reply_n;
    memcpy(first, last_reply, first_n);
    simple("gyro", "read", 2, 0);
    CHECK(last_reply_n == first_n && memcmp(first, last_reply, first_n) == 0);
    CHECK(board.counters.retransmissions == 1);
    zb_board twin;
    zb_board_init(&twin, "unit-1", 5);
    zb_board saved = board;
    board = twin;
    simple("gyro", "read", 2, 0);
    simple("gyro", "read", 3, 0);
    const zb_mp_node *w_b = reply_field("w_b");
    double twin_x = w_b ? w_b[1].v.f : 0.0;
    board = saved;
    simple("gyro", "read", 3, 0);
    w_b = reply_field("w_b");
    CHECK(w_b && w_b[1].v.f == twin_x);
    /* an error reply is cached too; a new seq is answered anew */
    simple("wheels", "fly", 4, 0);
    CHECK(reply_is("code", "unknown_message"));
    simple("wheels", "fly", 4, 0);
    CHECK(board.counters.retransmissions == 2);
    /* the watchdog: disarmed by a reset, armed by a command, tripped after watchdog_s (1 s), latched */
    simple("board", "reset", 50, 1000);
    torque(5, 0.01, 1000);
    CHECK(board.torque_applied_nm[0] == 0.01);
    zb_board_poll(&board, 1999, on_reply, 0);
    CHECK(!board.wd_tripped);
    zb_board_poll(&board, 2000, on_reply, 0);
    CHECK(board.wd_tripped && board.wd_trips == 1 && board.torque_applied_nm[0] == 0.0);
    zb_board_poll(&board, 9000, on_reply, 0);
    CHECK(board.wd_trips == 1);
    simple("board", "status", 6, 9000);
    const zb_mp_node *trips = reply_field("watchdog_trips");
    CHECK(trips && trips->v.u == 1 && reply_field("watchdog_tripped")->v.b == 1);
    /* the watchdog across the wrap of the millisecond counter */
    torque(7, 0.01, 0xFFFFFF00u);
    zb_board_poll(&board, 0xFFFFFF00u + 999u, on_reply, 0);
    CHECK(board.wd_trips == 1);
    zb_board_poll(&board, 0xFFFFFF00u + 1000u, on_reply, 0);
    CHECK(board.wd_trips == 2);
    /* the torque latched through the torque limit, the board's own wheels spun by it */
    zb_board_init(&board, "unit-1", 5);
    torque(1, 1.0, 0);
    CHECK(board.torque_applied_nm[0] == 0.2);
    zb_board_poll(&board, 500, on_reply, 0);
    CHECK(board.speed_rad_s[0] > 30.0 && board.speed_rad_s[0] < 50.0);
    /* a configuration refused changes nothing and counts a mismatch */
    uint8_t buf[ZB_BODY_MAX + 2];
    zb_mp_writer w;
    header(&w, buf, 9, "board", "configure", 2);
    zb_mp_put_cstr(&w, "seed");
    zb_mp_put_uint(&w, 1);
    zb_mp_put_cstr(&w, "frame_s");
    zb_mp_put_f64(&w, 0.05);
    zb_mp_put_cstr(&w, "t_s");
    zb_mp_put_f64(&w, 0.0);
    zb_mp_put_cstr(&w, "watchdog_s");
    zb_mp_put_f64(&w, 0.0);
    zb_mp_put_cstr(&w, "devices");
    zb_mp_put_array(&w, 1);
    zb_mp_put_cstr(&w, "wheels");
    zb_mp_put_cstr(&w, "specs");
    zb_mp_put_map(&w, 1);
    zb_mp_put_cstr(&w, "wheels");
    zb_mp_put_map(&w, 1);
    zb_mp_put_cstr(&w, "axis_b");
    zb_mp_put_array(&w, 3);
    for (int i = 0; i < 3; i++) {
        zb_mp_put_array(&w, 3);
        zb_mp_put_f64(&w, 1.0);
        zb_mp_put_f64(&w, 0.0);
        zb_mp_put_f64(&w, 0.0);
    }
    send_body(&w, 600);
    CHECK(reply_is("code", "config_mismatch") && board.frame_s == 0.1 && board.config_mismatches == 1);
    CHECK(board.torque_applied_nm[0] == 0.2 && !board.configured);
    /* a bad seq: an error with nil seq, never cached */
    zb_mp_writer_init(&w, buf, ZB_BODY_MAX);
    zb_mp_put_map(&w, 3);
    zb_mp_put_cstr(&w, "dev");
    zb_mp_put_cstr(&w, "board");
    zb_mp_put_cstr(&w, "msg");
    zb_mp_put_cstr(&w, "ping");
    zb_mp_put_cstr(&w, "seq");
    zb_mp_put_int(&w, -1);
    send_body(&w, 600);
    send_body(&w, 600);
    CHECK(reply_is("code", "bad_field") && reply_field("seq")->type == ZB_MP_NIL);
    CHECK(board.counters.retransmissions == 0);
    /* a full receive ring drops and counts */
    for (int k = 0; k < ZB_RX_RING + 5; k++)
        zb_board_rx(&board, 0);
    CHECK(board.rx_overruns == 5);
    zb_board_poll(&board, 600, on_reply, 0);
}

static int unit(void)
{
    unit_msgpack();
    unit_frames();
    unit_board();
    if (failures)
        return 1;
    printf("ok %d\n", checks);
    return 0;
}

static int hex_value(int c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

static int recode(void)
{
    static char line[3 * ZB_FRAME_MAX];
    static uint8_t body[ZB_BODY_MAX + 2], out[ZB_FRAME_MAX + 8];
    zb_frame_decoder d;
    while (fgets(line, sizeof line, stdin)) {
        size_t body_n = 0, count;
        zb_frame_decoder_init(&d);
        for (size_t k = 0; line[k] && line[k + 1] && line[k] != '\n'; k += 2) {
            size_t n = zb_frame_feed(&d, (uint8_t)(hex_value(line[k]) * 16 + hex_value(line[k + 1])));
            body_n = n ? n : body_n;
        }
        int rc = body_n ? zb_mp_parse(d.buf, body_n, nodes, ZB_MP_NODES_MAX, &count) : 99;
        if (rc != ZB_MP_OK) {
            printf("error %d\n", rc);
            continue;
        }
        zb_mp_writer w;
        zb_mp_writer_init(&w, body, ZB_BODY_MAX);
        zb_mp_put_nodes(&w, nodes, 0);
        size_t n = zb_frame_encode(body, w.n, out, sizeof out);
        for (size_t k = 0; k < n; k++)
            printf("%02x", out[k]);
        printf("\n");
    }
    return 0;
}

static void feed(const uint8_t *data, size_t n, uint32_t *now_ms)
{
    for (size_t k = 0; k < n; k++) {
        zb_board_rx(&board, data[k]);
        if ((k & 1023) == 1023)
            zb_board_poll(&board, *now_ms, on_reply, 0);
    }
    zb_board_poll(&board, ++*now_ms, on_reply, 0);
}

static void print_counters(const char *label)
{
    const zb_frame_counters *c = &board.dec.counters;
    printf("%s frames=%u cobs=%u crc=%u too_short=%u too_long=%u msgpack=%u not_a_map=%u replies=%zu\n",
           label,
           c->frames, c->cobs, c->crc, c->too_short, c->too_long, c->msgpack, c->not_a_map, replies);
}

static int fuzz(const char *path)
{
    FILE *f = fopen(path, "rb");
    static uint8_t data[1 << 16];
    uint8_t len[4];
    uint32_t now_ms = 0;
    size_t count;
    if (!f)
        return 2;
    zb_board_init(&board, "fuzz", 1);
    zb_frame_decoder_init(&reply_decoder);
    while (fread(len, 1, 4, f) == 4) {
        size_t n = (size_t)len[0] | (size_t)len[1] << 8 | (size_t)len[2] << 16 | (size_t)len[3] << 24;
        if (n > sizeof data || fread(data, 1, n, f) != n)
            return 2;
        zb_mp_parse(data, n, nodes, ZB_MP_NODES_MAX, &count);
        feed(data, n, &now_ms);
    }
    fclose(f);
    const uint8_t end = 0;
    feed(&end, 1, &now_ms);
    print_counters("counters");
    return replies == board.dec.counters.frames ? 0 : 1;
}

/* ---- the C-side generator ---- */
static uint64_t gen_state;

static uint32_t gen_next(void)
{
    gen_state ^= gen_state << 13;
    gen_state ^= gen_state >> 7;
    gen_state ^= gen_state << 17;
    return (uint32_t)(gen_state >> 11);
}

/* A valid request of one of a few kinds, framed; its length. */
static size_t gen_request(uint8_t *out, size_t cap, uint64_t seq)
{
    static const char *const KINDS[][2] = {{"board", "ping"}, {"gyro", "read"},   {"wheels", "read"},
                                           {"board", "status"}, {"wheels", "applied"}, {"wheels", "torque"},
                                           {"sim", "truth"},   {"wheels", "speed"}, {"board", "reset"}};
    uint8_t body[ZB_BODY_MAX + 2];
    zb_mp_writer w;
    const uint32_t kind = gen_next() % 9;
    header(&w, body, kind >= 5 && kind <= 7 ? 4 : 3, KINDS[kind][0], KINDS[kind][1], seq);
    if (kind == 5 || kind == 7) {
        zb_mp_put_cstr(&w, kind == 5 ? "torque_nm" : "speed_rad_s");
        zb_mp_put_array(&w, 4);
        for (int i = 0; i < 4; i++)
            zb_mp_put_f64(&w, ((double)(gen_next() % 2001) - 1000.0) * 1e-3);
    } else if (kind == 6) {
        zb_mp_put_cstr(&w, "t_s");
        zb_mp_put_f64(&w, (double)seq * 0.1);
    }
    return zb_frame_encode(body, w.n, out, cap);
}

/* Non-empty segments between zeros (each one frame to count), as the stream goes by. */
static size_t segments, segment_n;

static void count_segments(const uint8_t *data, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (data[k] != 0) {
            segment_n++;
        } else {
            segments += segment_n > 0;
            segment_n = 0;
        }
    }
}

static int gen(long n, uint64_t seed)
{
    static uint8_t input[2 * ZB_FRAME_MAX + 64];
    uint32_t now_ms = 0;
    gen_state = seed * 0x9E3779B97F4A7C15u + 1;
    zb_board_init(&board, "gen", seed);
    zb_frame_decoder_init(&reply_decoder);
    for (long k = 0; k < n; k++) {
        size_t len = gen_request(input, sizeof input, (uint64_t)k);
        const uint32_t how = gen_next() % 8;
        if (how == 1 || how == 2) { /* bit flips */
            for (uint32_t f = 1 + gen_next() % 3; f > 0; f--)
                input[gen_next() % len] ^= (uint8_t)(1u << (gen_next() % 8));
        } else if (how == 3) { /* truncated */
            len = 1 + gen_next() % len;
        } else if (how == 4) { /* a byte inserted */
            const size_t at = gen_next() % len;
            memmove(input + at + 1, input + at, len - at);
            input[at] = (uint8_t)gen_next();
            len++;
        } else if (how == 5) { /* garbage */
            len = gen_next() % 64;
            for (size_t i = 0; i < len; i++)
                input[i] = (uint8_t)(gen_next() % 4 ? gen_next() : 0);
        } else if (how == 6 && gen_next() % 64 == 0) { /* too long */
            len = ZB_FRAME_MAX + 1 + gen_next() % 2000;
            for (size_t i = 0; i < len; i++)
                input[i] = (uint8_t)(1 + gen_next() % 255);
        }
        count_segments(input, len);
        feed(input, len, &now_ms);
        now_ms += gen_next() % 700; /* sometimes past the watchdog */
    }
    const uint8_t end = 0;
    count_segments(&end, 1);
    feed(&end, 1, &now_ms);
    print_counters("counters");
    const zb_frame_counters *c = &board.dec.counters;
    const size_t counted =
        (size_t)c->frames + c->cobs + c->crc + c->too_short + c->too_long + c->msgpack + c->not_a_map;
    printf("segments=%zu counted=%zu\n", segments, counted);
    return counted == segments && replies == c->frames && board.rx_overruns == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "unit") == 0)
        return unit();
    if (argc >= 2 && strcmp(argv[1], "recode") == 0)
        return recode();
    if (argc >= 3 && strcmp(argv[1], "fuzz") == 0)
        return fuzz(argv[2]);
    if (argc >= 4 && strcmp(argv[1], "gen") == 0)
        return gen(atol(argv[2]), strtoull(argv[3], NULL, 10));
    fprintf(stderr, "usage: board_driver unit | recode | fuzz FILE | gen N SEED\n");
    return 2;
}
