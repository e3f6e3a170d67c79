/* board.c - the board side of the protocol (see board.h and hal/board_protocol.md): frames in, requests
 * checked against their message's fields, one reply each, the retransmission cache, the watchdog, and the
 * gyro and reaction wheel models. No libc: the few string and number helpers are here. */
#include "board.h"

#define IDENTITY "zorka-c-board"
#define POWER_ON_FRAME_S 0.1
#define POWER_ON_WATCHDOG_S 1.0
#define PI 3.141592653589793
#define DEG (PI / 180.0)
#define RPM (2.0 * PI / 60.0)
#define WATCHDOG_MS_MAX 2147483647.0

enum device { DEV_GYRO, DEV_WHEELS, N_SERVED };
static const char *const SERVED[N_SERVED] = {"gyro", "wheels"};
/* Devices of the protocol this board lacks: configuring them is a config_mismatch. */
static const char *const LACKED[] = {"star_tracker", "magnetometer", "sun_sensor", "gnss", "magnetorquers",
                                     "eps", "imager"};

/* ---- small helpers (no libc) ---- */

static size_t cstr_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int str_is(const zb_mp_node *node, const char *s)
{
    if (node == 0 || node->type != ZB_MP_STR)
        return 0;
    for (uint32_t k = 0; k < node->len; k++)
        if (s[k] == 0 || s[k] != (char)node->ptr[k])
            return 0;
    return s[node->len] == 0;
}

static int is_number(const zb_mp_node *node)
{
    return node->type == ZB_MP_UINT || node->type == ZB_MP_INT || node->type == ZB_MP_F32 ||
           node->type == ZB_MP_F64;
}

static double number(const zb_mp_node *node)
{
    if (node->type == ZB_MP_UINT)
        return (double)node->v.u;
    if (node->type == ZB_MP_INT)
        return (double)node->v.i;
    return node->v.f;
}

static int is_finite(double x) { return x == x && x - x == 0.0; }

static int finite_number(const zb_mp_node *node) { return is_number(node) && is_finite(number(node)); }

static double abs_of(double x) { return x < 0.0 ? -x : x; }

static double sqrt_of(double x)
{
    /* Newton's iteration from above; x >= 0 and finite (configuration time only). */
    double g = x > 1.0 ? x : 1.0;
    if (x <= 0.0)
        return 0.0;
    for (int k = 0; k < 2000; k++) {
        double next = 0.5 * (g + x / g);
        if (next >= g)
            break;
        g = next;
    }
    return g;
}

/* ---- error texts ---- */

static void err_add_n(zb_board *b, const char *s, size_t n)
{
    for (size_t k = 0; k < n && b->err_n < sizeof b->err_text; k++)
        b->err_text[b->err_n++] = s[k];
}

static void err_add(zb_board *b, const char *s) { err_add_n(b, s, cstr_len(s)); }

static void err_add_node(zb_board *b, const zb_mp_node *node)
{
    if (node->type == ZB_MP_STR) {
        err_add(b, "'");
        err_add_n(b, (const char *)node->ptr, node->len > 40 ? 40 : node->len);
        err_add(b, node->len > 40 ? "...'" : "'");
    }
}

static void err_add_u(zb_board *b, uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        err_add_n(b, &digits[--n], 1);
}

static void err_begin(zb_board *b, const char *code)
{
    b->err_code = code;
    b->err_n = 0;
}

/* "got <what came>": its kind, and a string's value. */
static void err_got(zb_board *b, const zb_mp_node *node)
{
    static const char *const KINDS[] = {"nil", "a bool", "an integer", "an integer", "a float", "a float",
                                        "a string ", "bytes", "a list of ", "a map"};
    err_add(b, ", got ");
    err_add(b, KINDS[node->type]);
    if (node->type == ZB_MP_STR)
        err_add_node(b, node);
    if (node->type == ZB_MP_ARRAY)
        err_add_u(b, node->len);
}

/* bad_field: "<name> must be <what>, got ...". Returns -1 for the handler to return. */
static int bad_field(zb_board *b, const char *name, const char *what, const zb_mp_node *came)
{
    err_begin(b, "bad_field");
    err_add(b, name);
    err_add(b, " must be ");
    err_add(b, what);
    if (came)
        err_got(b, came);
    return -1;
}

/* ---- random numbers: splitmix64 seeding, xoshiro256**, unit normals (Irwin-Hall: no libm) ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static void rng_seed(zb_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ stream;
    for (int k = 0; k < 4; k++)
        r->s[k] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(zb_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* A standard normal approximated by the sum of 12 uniforms minus 6 (tails cut at 6 sigma). */
static double rng_normal(zb_rng *r)
{
    double sum = 0.0;
    for (int k = 0; k < 12; k++)
        sum += (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
    return sum - 6.0;
}

/* ---- models ---- */

static void default_specs(zb_gyro_spec *g, zb_wheel_spec *w)
{
    /* sim/spacecraft.py GyroSpec() and WheelSpec(), bit for bit (the axes: its pyramid at asin(1/sqrt 3)). */
    static const double AXIS_B[ZB_WHEELS][3] = {
        {0x1.279a74590331cp-1, 0x1.279a74590331bp-1, 0x1.279a74590331dp-1},
        {-0x1.279a74590331bp-1, 0x1.279a74590331cp-1, 0x1.279a74590331dp-1},
        {-0x1.279a74590331dp-1, -0x1.279a74590331bp-1, 0x1.279a74590331dp-1},
        {0x1.279a74590331ap-1, -0x1.279a74590331dp-1, 0x1.279a74590331dp-1},
    };
    g->angle_random_walk_rad_sqrt_s = 0.01 * DEG / 60.0;
    g->bias_instability_rad_s = 0.1 * DEG / 3600.0;
    g->instability_correlation_s[0] = 100.0;
    g->instability_correlation_s[1] = 1000.0;
    g->instability_correlation_s[2] = 10000.0;
    g->rate_random_walk_rad_s_sqrt_s = 0.03 * DEG / 3600.0 / 60.0;
    g->bias_rad_s[0] = 0.1 * DEG / 3600.0;
    g->bias_rad_s[1] = -0.07 * DEG / 3600.0;
    g->bias_rad_s[2] = 0.05 * DEG / 3600.0;
    for (int i = 0; i < ZB_WHEELS; i++)
        for (int j = 0; j < 3; j++)
            w->axis_b[i][j] = AXIS_B[i][j];
    w->inertia_kg_m2 = 1.5 / (6000.0 * RPM);
    w->torque_max_nm = 0.2;
    w->speed_max_rad_s = 6000.0 * RPM;
    w->friction_coulomb_nm = 2e-3;
    w->friction_viscous_nm_s = 1e-5;
    w->torque_noise_nm = 2e-4;
    w->motor_constant_nm_a = 0.05;
    w->no_load_current_a = 0.05;
    w->speed_loop_time_s = 0.5;
}

/* Motor torque u on a wheel turning at speed, through its torque limit and the speed limit it would
 * cross acting for frame_s (as native/sim/actuators.c wheel_limited). */
static double wheel_limited(const zb_board *b, double u, double speed)
{
    const zb_wheel_spec *w = &b->wheel_spec;
    const double k = w->inertia_kg_m2 / b->frame_s;
    const double hi = k * (w->speed_max_rad_s - speed), lo = k * (-w->speed_max_rad_s - speed);
    u = u > hi ? hi : (u < lo ? lo : u);
    return u > w->torque_max_nm ? w->torque_max_nm : (u < -w->torque_max_nm ? -w->torque_max_nm : u);
}

static double friction_nm(const zb_wheel_spec *w, double speed)
{
    const double sign = speed > 0.0 ? 1.0 : (speed < 0.0 ? -1.0 : 0.0);
    return sign * w->friction_coulomb_nm + speed * w->friction_viscous_nm_s;
}

/* The drive's speed loop, one step against the current speeds (if a speed command holds). */
static void hold_speed(zb_board *b)
{
    const zb_wheel_spec *w = &b->wheel_spec;
    if (!b->holding_speed)
        return;
    for (int i = 0; i < ZB_WHEELS; i++) {
        const double speed = b->speed_rad_s[i];
        b->torque_cmd_nm[i] = w->inertia_kg_m2 * (b->speed_cmd_rad_s[i] - speed) / w->speed_loop_time_s +
                              friction_nm(w, speed);
        b->torque_applied_nm[i] = wheel_limited(b, b->torque_cmd_nm[i], speed);
    }
}

void zb_board_step(zb_board *b, double dt_s)
{
    const zb_wheel_spec *w = &b->wheel_spec;
    if (b->wheels_from_truth || !(dt_s > 0.0))
        return;
    hold_speed(b);
    for (int i = 0; i < ZB_WHEELS; i++) {
        const double speed = b->speed_rad_s[i];
        const double noise = w->torque_noise_nm > 0.0 ? w->torque_noise_nm * rng_normal(&b->wheel_rng) : 0.0;
        const double motor = wheel_limited(b, b->torque_applied_nm[i] + noise, speed);
        const double moving = speed != 0.0 ? speed : motor;
        const double coulomb =
            moving > 0.0 ? w->friction_coulomb_nm : (moving < 0.0 ? -w->friction_coulomb_nm : 0.0);
        const double net_nm = motor - coulomb - w->friction_viscous_nm_s * speed;
        const double next = speed + net_nm * dt_s / w->inertia_kg_m2;
        /* Coulomb friction stops a wheel the motor cannot drive through it; it never reverses it. */
        b->speed_rad_s[i] = abs_of(motor) <= w->friction_coulomb_nm && speed * next <= 0.0 ? 0.0 : next;
    }
}

static void safe(zb_board *b)
{
    b->holding_speed = 0;
    for (int i = 0; i < ZB_WHEELS; i++)
        b->torque_cmd_nm[i] = b->torque_applied_nm[i] = 0.0;
}

/* The models and truth built afresh from the configuration in b (seed, frame_s, t0_s, specs). */
static void start_models(zb_board *b)
{
    rng_seed(&b->gyro_rng, b->seed, 0x6779726fu);       /* "gyro" */
    rng_seed(&b->wheel_rng, b->seed, 0x776865656c73u); /* "wheels" */
    b->gyro_sigma_rad_s = b->gyro_spec.angle_random_walk_rad_sqrt_s / sqrt_of(b->frame_s);
    b->t_s = b->t0_s;
    b->wheels_from_truth = 0;
    for (int j = 0; j < 3; j++)
        b->w_b[j] = b->gyro_rate_b[j] = 0.0;
    for (int i = 0; i < ZB_WHEELS; i++)
        b->speed_rad_s[i] = b->speed_cmd_rad_s[i] = 0.0;
    safe(b);
    b->wd_armed = b->wd_tripped = 0;
    b->wd_trips = 0;
    b->tick_acc_s = 0.0;
}

static void power_on(zb_board *b)
{
    default_specs(&b->gyro_spec, &b->wheel_spec);
    b->seed = b->power_on_seed;
    b->frame_s = POWER_ON_FRAME_S;
    b->t0_s = 0.0;
    b->watchdog_s = POWER_ON_WATCHDOG_S;
    b->n_devices = 0;
    b->n_specs = 0;
    b->configured = 0;
    b->config_mismatches = 0;
    start_models(b);
}

int zb_board_init(zb_board *b, const char *board_id, uint64_t seed)
{
    size_t n = 0;
    uint8_t *raw = (uint8_t *)b;
    for (size_t k = 0; k < sizeof *b; k++)
        raw[k] = 0;
    while (board_id[n] && n < ZB_NAME_MAX) {
        b->board_id[n] = board_id[n];
        n++;
    }
    b->board_id[n] = 0;
    zb_frame_decoder_init(&b->dec);
    b->power_on_seed = seed;
    power_on(b);
    return n > 0 ? 0 : -1;
}

/* ---- frames ---- */

void zb_frame_decoder_init(zb_frame_decoder *d)
{
    zb_frame_counters zero = {0, 0, 0, 0, 0, 0, 0};
    d->n = 0;
    d->discarding = 0;
    d->counters = zero;
}

size_t zb_frame_feed(zb_frame_decoder *d, uint8_t byte)
{
    if (byte != 0) {
        if (d->discarding)
            return 0;
        if (d->n == ZB_FRAME_MAX) {
            d->counters.too_long++;
            d->discarding = 1;
            d->n = 0;
            return 0;
        }
        d->buf[d->n++] = byte;
        return 0;
    }
    size_t frame_n = d->discarding ? 0 : d->n;
    d->n = 0;
    d->discarding = 0;
    if (frame_n == 0)
        return 0; /* idle fill, or the end of a frame too long */
    long n = zk_cobs_decode(d->buf, frame_n, d->buf); /* in place: the decoder never writes ahead */
    if (n < 0) {
        d->counters.cobs++;
        return 0;
    }
    if (n <= 2) {
        d->counters.too_short++;
        return 0;
    }
    if (zk_crc16_ccitt(d->buf, (size_t)n, 0xFFFF) != 0) {
        d->counters.crc++;
        return 0;
    }
    return (size_t)n - 2;
}

size_t zb_frame_encode(uint8_t *body, size_t n, uint8_t *out, size_t cap)
{
    const size_t raw_n = n + 2;
    if (cap < raw_n + raw_n / 254 + 3)
        return 0;
    uint16_t crc = zk_crc16_ccitt(body, n, 0xFFFF);
    body[n] = (uint8_t)(crc >> 8);
    body[n + 1] = (uint8_t)(crc & 0xFFu);
    out[0] = 0;
    size_t coded = zk_cobs_encode(body, raw_n, out + 1);
    if (coded > ZB_FRAME_MAX)
        return 0;
    out[coded + 1] = 0;
    return coded + 2;
}

/* ---- requests ---- */

enum kind { NUMBER, VECTOR, NUMBERS_UP_TO, UINT, STRS, MAP };

typedef struct {
    const char *name;
    uint8_t kind;
    uint8_t n; /* VECTOR: its length; NUMBERS_UP_TO: the most */
    uint8_t optional;
} field;

#define FIELDS_MAX 15

typedef struct {
    const zb_mp_node *v[FIELDS_MAX];
} values;

typedef struct message message;
/* A handler checks what the field kinds do not, acts, and writes its reply fields; it returns their
 * count, or -1 with the error in b->err_code / err_text (having changed nothing). */
typedef int (*handler_fn)(zb_board *b, const message *m, const values *in, zb_mp_writer *w);

struct message {
    const char *dev, *msg;
    const field *fields;
    uint8_t n_fields;
    uint8_t feeds_watchdog;
    handler_fn handle;
};

static void put_vector(zb_mp_writer *w, const double *x, uint32_t n)
{
    zb_mp_put_array(w, n);
    for (uint32_t k = 0; k < n; k++)
        zb_mp_put_f64(w, x[k]);
}

static void read_vector(const zb_mp_node *node, double *x)
{
    for (uint32_t k = 0; k < node->len; k++)
        x[k] = number(node + 1 + k);
}

static int put_identity(zb_board *b, zb_mp_writer *w)
{
    zb_mp_put_cstr(w, "identity");
    zb_mp_put_cstr(w, IDENTITY);
    zb_mp_put_cstr(w, "board_id");
    zb_mp_put_cstr(w, b->board_id);
    zb_mp_put_cstr(w, "protocol");
    zb_mp_put_uint(w, ZB_PROTOCOL);
    zb_mp_put_cstr(w, "devices");
    zb_mp_put_array(w, N_SERVED);
    for (int d = 0; d < N_SERVED; d++)
        zb_mp_put_cstr(w, SERVED[d]);
    return 4;
}

static int board_ping(zb_board *b, const message *m, const values *in, zb_mp_writer *w)
{
    (void)m;
    (void)in;
    return put_identity(b, w);
}

static int board_reset(zb_board *b, const message *m, const values *in, zb_mp_writer *w)
{
    (void)m;
    (void)in;
    power_on(b);
    return put_identity(b, w);
}

static int board_status(zb_board *b, const message *m, const values *in, zb_mp_writer *w)
{
    (void)m;
    (void)in;
    zb_mp_put_cstr(w, "configured");
    zb_mp_put_bool(w, b->configured);
    zb_mp_put_cstr(w, "watchdog_s");
    zb_mp_put_f64(w, b->watchdog_s);
    zb_mp_put_cstr(w, "watchdog_tripped");
    zb_mp_put_bool(w, b->wd_tripped);
    zb_mp_put_cstr(w, "watchdog_trips");
    zb_mp_put_uint(w, b->wd_trips);
    zb_mp_put_cstr(w, "config_mismatches");
    zb_mp_put_uint(w, b->config_mismatches);
    return 5;
}

/* ---- configuration ---- */

typedef struct {
    const char *name;
    uint8_t n; /* 0: one number; else a list of n numbers */
    size_t offset;
} spec_field;

#define GYRO_AT(m) offsetof(zb_gyro_spec, m)
#define WHEEL_AT(m) offsetof(zb_wheel_spec, m)
static const spec_field GYRO_FIELDS[] = {
    {"angle_random_walk_rad_sqrt_s", 0, GYRO_AT(angle_random_walk_rad_sqrt_s)},
    {"bias_instability_rad_s", 0, GYRO_AT(bias_instability_rad_s)},
    {"instability_correlation_s", 3, GYRO_AT(instability_correlation_s)},
    {"rate_random_walk_rad_s_sqrt_s", 0, GYRO_AT(rate_random_walk_rad_s_sqrt_s)},
    {"bias_rad_s", 3, GYRO_AT(bias_rad_s)},
};
/* axis_b (ZB_WHEELS rows of 3) is first, handled apart. */
static const spec_field WHEEL_FIELDS[] = {
    {"axis_b", 0, WHEEL_AT(axis_b)},
    {"inertia_kg_m2", 0, WHEEL_AT(inertia_kg_m2)},
    {"torque_max_nm", 0, WHEEL_AT(torque_max_nm)},
    {"speed_max_rad_s", 0, WHEEL_AT(speed_max_rad_s)},
    {"friction_coulomb_nm", 0, WHEEL_AT(friction_coulomb_nm)},
    {"friction_viscous_nm_s", 0, WHEEL_AT(friction_viscous_nm_s)},
    {"torque_noise_nm", 0, WHEEL_AT(torque_noise_nm)},
    {"motor_constant_nm_a", 0, WHEEL_AT(motor_constant_nm_a)},
    {"no_load_current_a", 0, WHEEL_AT(no_load_current_a)},
    {"speed_loop_time_s", 0, WHEEL_AT(speed_loop_time_s)},
};
#define N_GYRO_FIELDS (sizeof GYRO_FIELDS / sizeof GYRO_FIELDS[0])
#define N_WHEEL_FIELDS (sizeof WHEEL_FIELDS / sizeof WHEEL_FIELDS[0])

static int served_index(const zb_mp_node *name)
{
    for (int d = 0; d < N_SERVED; d++)
        if (str_is(name, SERVED[d]))
            return d;
    return -1;
}

static int lacked(const zb_mp_node *name)
{
    for (size_t d = 0; d < sizeof LACKED / sizeof LACKED[0]; d++)
        if (str_is(name, LACKED[d]))
            return 1;
    return 0;
}

static int spec_error(zb_board *b, const char *spec, const zb_mp_node *key, const char *what)
{
    err_begin(b, "bad_field");
    err_add(b, "specs: ");
    err_add(b, spec);
    if (key) {
        err_add(b, ".");
        err_add_n(b, (const char *)key->ptr, key->len > 40 ? 40 : key->len);
    }
    err_add(b, " ");
    err_add(b, what);
    return -1;
}

static const char CONFIG_MISMATCH[] = "config_mismatch";

static const zb_mp_node *after(const zb_board *b, const zb_mp_node *node) { return &b->nodes[node->end]; }

/* A list of exactly n finite numbers. */
static int is_vector(const zb_board *b, const zb_mp_node *node, uint32_t n)
{
    if (node->type != ZB_MP_ARRAY || node->len != n)
        return 0;
    const zb_mp_node *item = node + 1;
    for (uint32_t k = 0; k < n; k++, item = after(b, item))
        if (!finite_number(item))
            return 0;
    return 1;
}

/* axis_b: rows of 3 finite numbers; *rows gets their count (another count is a config_mismatch). */
static int take_axes(zb_board *b, const zb_mp_node *node, zb_wheel_spec *spec, uint32_t *rows)
{
    if (node->type != ZB_MP_ARRAY)
        return spec_error(b, "WheelSpec", node - 1, "must be a list of rows of 3 finite numbers");
    const zb_mp_node *row = node + 1;
    for (uint32_t i = 0; i < node->len; i++, row = after(b, row)) {
        if (!is_vector(b, row, 3))
            return spec_error(b, "WheelSpec", node - 1, "must be a list of rows of 3 finite numbers");
        if (i < ZB_WHEELS)
            read_vector(row, spec->axis_b[i]);
    }
    *rows = node->len;
    return 0;
}

/* A spec map into *spec (its fields by table); the spec's name for texts. */
static int take_spec(zb_board *b, const zb_mp_node *map, const char *name, const spec_field *table,
                     size_t n_table, void *spec, uint32_t *rows)
{
    if (map->type != ZB_MP_MAP)
        return spec_error(b, name, 0, "must be a map");
    const zb_mp_node *key = map + 1;
    for (uint32_t p = 0; p < map->len; p++, key = after(b, key + 1)) {
        const zb_mp_node *value = key + 1;
        size_t f = 0;
        while (f < n_table && !str_is(key, table[f].name))
            f++;
        if (f == n_table)
            return spec_error(b, name, key, "is no field of it");
        if (table == WHEEL_FIELDS && f == 0) {
            if (take_axes(b, value, spec, rows) < 0)
                return -1;
            continue;
        }
        double *target = (double *)(void *)((uint8_t *)spec + table[f].offset);
        if (table[f].n == 0 && finite_number(value))
            *target = number(value);
        else if (table[f].n > 0 && is_vector(b, value, table[f].n))
            read_vector(value, target);
        else
            return spec_error(b, name, key,
                              table[f].n ? "must be a list of 3 finite numbers" : "must be a finite number");
    }
    return 0;
}

static void put_spec(zb_mp_writer *w, const spec_field *table, size_t n_table, const void *spec)
{
    zb_mp_put_map(w, (uint32_t)n_table);
    for (size_t f = 0; f < n_table; f++) {
        const double *x = (const double *)(const void *)((const uint8_t *)spec + table[f].offset);
        zb_mp_put_cstr(w, table[f].name);
        if (table == WHEEL_FIELDS && f == 0) {
            zb_mp_put_array(w, ZB_WHEELS);
            for (int i = 0; i < ZB_WHEELS; i++)
                put_vector(w, ((const zb_wheel_spec *)spec)->axis_b[i], 3);
        } else if (table[f].n) {
            put_vector(w, x, table[f].n);
        } else {
            zb_mp_put_f64(w, *x);
        }
    }
}

static int mismatch(zb_board *b, const char *what, const zb_mp_node *name)
{
    err_begin(b, CONFIG_MISMATCH);
    err_add(b, what);
    if (name)
        err_add_node(b, name);
    return -1;
}

enum { F_SEED, F_FRAME, F_T, F_WATCHDOG, F_DEVICES, F_SPECS };

/* Check the whole configuration, write its echo, and only then take it. */
static int take_configuration(zb_board *b, const values *in, zb_mp_writer *w)
{
    zb_gyro_spec gyro;
    zb_wheel_spec wheels;
    uint8_t devices[ZB_CONFIG_DEVICES_MAX], order[N_SERVED], n_order = 0;
    uint32_t rows = ZB_WHEELS;
    const double frame_s = number(in->v[F_FRAME]), watchdog_s = number(in->v[F_WATCHDOG]);
    const zb_mp_node *list = in->v[F_DEVICES], *specs = in->v[F_SPECS];
    default_specs(&gyro, &wheels);
    if (list->len > ZB_CONFIG_DEVICES_MAX)
        return bad_field(b, "devices", "a list of at most 16 devices", list);
    const zb_mp_node *item = list + 1;
    for (uint32_t k = 0; k < list->len; k++, item = after(b, item)) {
        int d = served_index(item);
        if (d < 0)
            return mismatch(b, "this board serves gyro and wheels; the configuration asks for ", item);
        devices[k] = (uint8_t)d;
    }
    const zb_mp_node *key = specs + 1;
    for (uint32_t p = 0; p < specs->len; p++, key = after(b, key + 1)) {
        int d = served_index(key);
        if (d < 0 && lacked(key))
            return mismatch(b, "this board serves gyro and wheels; the configuration has specs for ", key);
        if (d < 0)
            return spec_error(b, "no device", key, "to configure");
        int rc = d == DEV_GYRO
                     ? take_spec(b, key + 1, "GyroSpec", GYRO_FIELDS, N_GYRO_FIELDS, &gyro, &rows)
                     : take_spec(b, key + 1, "WheelSpec", WHEEL_FIELDS, N_WHEEL_FIELDS, &wheels, &rows);
        if (rc < 0)
            return -1;
        uint8_t seen = 0;
        for (uint8_t k = 0; k < n_order; k++)
            seen |= order[k] == d;
        if (!seen)
            order[n_order++] = (uint8_t)d;
    }
    if (rows != ZB_WHEELS) {
        err_begin(b, CONFIG_MISMATCH);
        err_add(b, "this board drives 4 wheels; the configuration asks for ");
        err_add_u(b, rows);
        return -1;
    }
    if (!(frame_s > 0.0) || !(watchdog_s >= 0.0))
        return bad_field(b, "frame_s", "> 0 s and watchdog_s >= 0 s (0: off)", 0);
    if (!(wheels.inertia_kg_m2 > 0.0 && wheels.motor_constant_nm_a > 0.0 && wheels.speed_loop_time_s > 0.0 &&
          wheels.speed_max_rad_s > 0.0 && wheels.torque_max_nm >= 0.0 && wheels.friction_coulomb_nm >= 0.0 &&
          wheels.friction_viscous_nm_s >= 0.0 && wheels.torque_noise_nm >= 0.0))
        return spec_error(b, "WheelSpec", 0,
                          "needs inertia, speed limit, motor constant and speed loop time > 0 "
                          "and the other figures >= 0");
    if (!(gyro.instability_correlation_s[0] > 0.0 && gyro.instability_correlation_s[1] > 0.0 &&
          gyro.instability_correlation_s[2] > 0.0 && gyro.angle_random_walk_rad_sqrt_s >= 0.0 &&
          gyro.bias_instability_rad_s >= 0.0))
        return spec_error(b, "GyroSpec", 0, "needs correlation times > 0 and noise figures >= 0");
    int pairs = put_identity(b, w);
    zb_mp_put_cstr(w, "config");
    zb_mp_put_map(w, 6);
    zb_mp_put_cstr(w, "seed");
    zb_mp_put_uint(w, in->v[F_SEED]->v.u);
    zb_mp_put_cstr(w, "frame_s");
    zb_mp_put_f64(w, frame_s);
    zb_mp_put_cstr(w, "t_s");
    zb_mp_put_f64(w, number(in->v[F_T]));
    zb_mp_put_cstr(w, "watchdog_s");
    zb_mp_put_f64(w, watchdog_s);
    zb_mp_put_cstr(w, "devices");
    zb_mp_put_array(w, list->len);
    for (uint32_t k = 0; k < list->len; k++)
        zb_mp_put_cstr(w, SERVED[devices[k]]);
    zb_mp_put_cstr(w, "specs");
    zb_mp_put_map(w, n_order);
    for (uint8_t k = 0; k < n_order; k++) {
        zb_mp_put_cstr(w, SERVED[order[k]]);
        if (order[k] == DEV_GYRO)
            put_spec(w, GYRO_FIELDS, N_GYRO_FIELDS, &gyro);
        else
            put_spec(w, WHEEL_FIELDS, N_WHEEL_FIELDS, &wheels);
    }
    if (w->overflow)
        return spec_error(b, "the echo", 0, "would not fit a frame");
    b->seed = in->v[F_SEED]->v.u;
    b->frame_s = frame_s;
    b->t0_s = number(in->v[F_T]);
    b->watchdog_s = watchdog_s;
    b->gyro_spec = gyro;
    b->wheel_spec = wheels;
    b->n_devices = (uint8_t)list->len;
    for (uint32_t k = 0; k < list->len; k++)
        b->devices[k] = devices[k];
    b->n_specs = n_order;
    for (uint8_t k = 0; k < n_order; k++)
        b->spec_order[k] = order[k];
    b->configured = 1;
    start_models(b);
    return pairs + 1;
}

static int board_configure(zb_board *b, const message *m, const values *in, zb_mp_writer *w)
{
    (void)m;
    int rc = take_configuration(b, in, w);
    if (rc < 0 && b->err_code == CONFIG_MISMATCH)
        b->config_mismatches++;
    return rc;
}

/* ---- devices ---- */

static int gyro_read(zb_board *b, const message *m, const values *in, zb_mp_writer *w)
{
    (void)m;
    (void)in;
    for (int j = 0; j < 3; j++)
        b->gyro_rate_b[j] =
            b->w_b[j] + b->gyro_spec.bias_rad_s[j] + b->gyro_sigma_rad_s * rng_normal(&b->gyro_rng);
    zb_mp_put_cstr(w, "w_b");
    put_vector(w, b->gyro_rate_b, 3);
    return 1;
}

static int wheels_read(zb_board *b, const message *m, const values *in, zb_mp_writer *w)
{
    double current_a[ZB_WHEELS];
    (void)m;
    (void)in;
    for (int i = 0; i < ZB_WHEELS; i++)
        current_a[i] = abs_of(b->torque_applied_nm[i]) / b->wheel_spec.motor_constant_nm_a +
                       b->wheel_spec.no_load_current_a;
    zb_mp_put_cstr(w, "speed_rad_s");
    put_vector(w, b->speed_rad_s, ZB_WHEELS);
    zb_mp_put_cstr(w, "current_a");
    put_vector(w, current_a, ZB_WHEELS);
    return 2;
}

static int wheels_torque(zb_board *b, const message *m, const values *in, zb_mp_writer *w)
{
    (void)m;
    (void)w;
    read_vector(in->v[0], b->torque_cmd_nm);
    b->holding_speed = 0;
    for (int i = 0; i < ZB_WHEELS; i++)
        b->torque_applied_nm[i] = wheel_limited(b, b->torque_cmd_nm[i], b->speed_rad_s[i]);
    return 0;
}

static int wheels_speed(zb_board *b, const message *m, const values *in, zb_mp_writer *w)
{
    double set[ZB_WHEELS];
    (void)m;
    (void)w;
    read_vector(in->v[0], set);
    for (int i = 0; i < ZB_WHEELS; i++)
        if (abs_of(set[i]) > b->wheel_spec.speed_max_rad_s)
            return bad_field(b, "speed_rad_s", "4 speeds within the wheels' speed_max_rad_s", 0);
    for (int i = 0; i < ZB_WHEELS; i++)
        b->speed_cmd_rad_s[i] = set[i];
    b->holding_speed = 1;
    hold_speed(b);
    return 0;
}

static int wheels_applied(zb_board *b, const message *m, const values *in, zb_mp_writer *w)
{
    (void)m;
    (void)in;
    zb_mp_put_cstr(w, "torque_nm");
    put_vector(w, b->torque_applied_nm, ZB_WHEELS);
    return 1;
}

enum { T_T, T_W_B = 5, T_WHEEL_SPEED = 9 };

static int sim_truth(zb_board *b, const message *m, const values *in, zb_mp_writer *w)
{
    (void)m;
    (void)w;
    b->t_s = number(in->v[T_T]);
    if (in->v[T_W_B])
        read_vector(in->v[T_W_B], b->w_b);
    if (in->v[T_WHEEL_SPEED]) {
        read_vector(in->v[T_WHEEL_SPEED], b->speed_rad_s);
        b->wheels_from_truth = 1;
    }
    hold_speed(b);
    return 0;
}

static const field NO_FIELDS[] = {{0, 0, 0, 0}};
static const field CONFIGURE_FIELDS[] = {
    {"seed", UINT, 0, 0},       {"frame_s", NUMBER, 0, 0}, {"t_s", NUMBER, 0, 0},
    {"watchdog_s", NUMBER, 0, 0}, {"devices", STRS, 0, 0},  {"specs", MAP, 0, 0},
};
static const field TORQUE_FIELDS[] = {{"torque_nm", VECTOR, ZB_WHEELS, 0}};
static const field SPEED_FIELDS[] = {{"speed_rad_s", VECTOR, ZB_WHEELS, 0}};
/* Every field of the protocol's sim.truth (T_* above index it); only t_s is required. */
static const field TRUTH_FIELDS[] = {
    {"t_s", NUMBER, 0, 0},          {"gmst_rad", NUMBER, 0, 1},   {"r_eci", VECTOR, 3, 1},
    {"v_eci", VECTOR, 3, 1},        {"q_ib", VECTOR, 4, 1},       {"w_b", VECTOR, 3, 1},
    {"b_eci_t", VECTOR, 3, 1},      {"r_sun_eci", VECTOR, 3, 1},  {"sun_fraction", NUMBER, 0, 1},
    {"wheel_speed_rad_s", VECTOR, ZB_WHEELS, 1}, {"dipole_am2", VECTOR, 3, 1}, {"eps_truth", VECTOR, 5, 1},
    {"eps_flags", NUMBER, 0, 1},    {"load_on", NUMBERS_UP_TO, ZB_LOADS_MAX, 1},
    {"jd_epoch_utc", NUMBER, 0, 1},
};
#define COUNT(a) (uint8_t)(sizeof a / sizeof a[0])

static const message MESSAGES[] = {
    {"board", "configure", CONFIGURE_FIELDS, COUNT(CONFIGURE_FIELDS), 0, board_configure},
    {"board", "ping", NO_FIELDS, 0, 0, board_ping},
    {"board", "reset", NO_FIELDS, 0, 0, board_reset},
    {"board", "status", NO_FIELDS, 0, 0, board_status},
    {"gyro", "read", NO_FIELDS, 0, 1, gyro_read},
    {"sim", "truth", TRUTH_FIELDS, COUNT(TRUTH_FIELDS), 0, sim_truth},
    {"wheels", "applied", NO_FIELDS, 0, 0, wheels_applied},
    {"wheels", "read", NO_FIELDS, 0, 1, wheels_read},
    {"wheels", "speed", SPEED_FIELDS, 1, 1, wheels_speed},
    {"wheels", "torque", TORQUE_FIELDS, 1, 1, wheels_torque},
};
#define N_MESSAGES COUNT(MESSAGES)

static const message *lookup(zb_board *b, const zb_mp_node *dev, const zb_mp_node *msg)
{
    int dev_known = 0;
    for (size_t k = 0; k < N_MESSAGES; k++) {
        if (str_is(dev, MESSAGES[k].dev)) {
            dev_known = 1;
            if (str_is(msg, MESSAGES[k].msg))
                return &MESSAGES[k];
        }
    }
    if (!dev_known) {
        err_begin(b, "unknown_device");
        err_add(b, "no device ");
        err_add_node(b, dev);
        err_add(b, "; devices are board, gyro, sim, wheels");
        return 0;
    }
    err_begin(b, "unknown_message");
    err_add_n(b, (const char *)dev->ptr, dev->len);
    err_add(b, " has no message ");
    err_add_node(b, msg);
    err_add(b, "; messages are ");
    const char *sep = "";
    for (size_t k = 0; k < N_MESSAGES; k++) {
        if (str_is(dev, MESSAGES[k].dev)) {
            err_add(b, sep);
            err_add(b, MESSAGES[k].msg);
            sep = ", ";
        }
    }
    return 0;
}

static int header_name(const zb_mp_node *key)
{
    return str_is(key, "dev") || str_is(key, "msg") || str_is(key, "seq");
}

static int check_field(zb_board *b, const field *f, const zb_mp_node *v)
{
    if (f->kind == NUMBER && !finite_number(v))
        return bad_field(b, f->name, "a finite number", v);
    if (f->kind == UINT && v->type != ZB_MP_UINT)
        return bad_field(b, f->name, "an unsigned integer", v);
    if (f->kind == MAP && v->type != ZB_MP_MAP)
        return bad_field(b, f->name, "a map", v);
    if (f->kind == VECTOR && !is_vector(b, v, f->n)) {
        bad_field(b, f->name, "a list of ", 0);
        err_add_u(b, f->n);
        err_add(b, " finite numbers");
        err_got(b, v);
        return -1;
    }
    if (f->kind == NUMBERS_UP_TO && !(v->type == ZB_MP_ARRAY && v->len >= 1 && v->len <= f->n &&
                                      is_vector(b, v, v->len)))
        return bad_field(b, f->name, "a list of 1 to 32 finite numbers", v);
    if (f->kind == STRS) {
        if (v->type != ZB_MP_ARRAY)
            return bad_field(b, f->name, "a list of strings", v);
        const zb_mp_node *item = v + 1;
        for (uint32_t k = 0; k < v->len; k++, item = after(b, item))
            if (item->type != ZB_MP_STR)
                return bad_field(b, f->name, "a list of strings", v);
    }
    return 0;
}

/* The request's fields by the message's table: none unknown, none missing, each of its kind. */
static int parse_fields(zb_board *b, const message *m, const zb_mp_node *root, values *out)
{
    for (size_t f = 0; f < FIELDS_MAX; f++)
        out->v[f] = 0;
    const zb_mp_node *key = root + 1;
    for (uint32_t p = 0; p < root->len; p++, key = after(b, key + 1)) {
        if (header_name(key))
            continue;
        size_t f = 0;
        while (f < m->n_fields && !str_is(key, m->fields[f].name))
            f++;
        if (f == m->n_fields) {
            err_begin(b, "unknown_field");
            err_add(b, m->dev);
            err_add(b, ".");
            err_add(b, m->msg);
            err_add(b, " has no field ");
            err_add_node(b, key);
            err_add(b, "; fields are ");
            for (size_t g = 0; g < m->n_fields; g++) {
                err_add(b, g ? ", " : "");
                err_add(b, m->fields[g].name);
            }
            if (m->n_fields == 0)
                err_add(b, "none");
            return -1;
        }
        out->v[f] = key + 1;
    }
    for (size_t f = 0; f < m->n_fields; f++) {
        if (out->v[f] == 0) {
            if (m->fields[f].optional)
                continue;
            err_begin(b, "missing_field");
            err_add(b, m->dev);
            err_add(b, ".");
            err_add(b, m->msg);
            err_add(b, " needs field ");
            err_add(b, m->fields[f].name);
            return -1;
        }
        if (check_field(b, &m->fields[f], out->v[f]) < 0)
            return -1;
    }
    return 0;
}

static void check_watchdog(zb_board *b)
{
    if (!(b->watchdog_s > 0.0) || !b->wd_armed)
        return;
    const double ms = b->watchdog_s * 1000.0;
    const uint32_t timeout_ms = ms > WATCHDOG_MS_MAX ? (uint32_t)WATCHDOG_MS_MAX : (uint32_t)ms;
    if ((uint32_t)(b->now_ms - b->wd_last_ms) < timeout_ms)
        return;
    safe(b);
    b->wd_tripped = 1;
    b->wd_trips++;
    b->wd_armed = 0;
}

static int short_str(const zb_mp_node *node)
{
    return node && node->type == ZB_MP_STR && node->len <= ZB_NAME_MAX;
}

/* The reply body to the request in b->nodes (a map) into b->reply; its length. */
static size_t answer(zb_board *b, const zb_mp_node *dev, const zb_mp_node *msg, const zb_mp_node *seq)
{
    zb_mp_writer w;
    const message *m = 0;
    values in;
    int pairs = -1;
    const int seq_ok = seq && seq->type == ZB_MP_UINT;
    zb_mp_writer_init(&w, b->reply, ZB_BODY_MAX);
    if (!seq_ok) {
        pairs = bad_field(b, "seq", "an unsigned integer", seq);
        if (!seq)
            err_add(b, ", got nothing");
    }
    else if (!(dev && dev->type == ZB_MP_STR && msg && msg->type == ZB_MP_STR))
        pairs = bad_field(b, "dev and msg", "strings", 0);
    else if ((m = lookup(b, dev, msg)) != 0 && parse_fields(b, m, b->nodes, &in) == 0) {
        char ok[ZB_NAME_MAX + 3];
        size_t n = 0;
        for (const char *s = m->msg; *s; s++)
            ok[n++] = *s;
        ok[n++] = '.';
        ok[n++] = 'o';
        ok[n++] = 'k';
        w.n = 1; /* the map's header: its pair count is known after the handler */
        zb_mp_put_cstr(&w, "dev");
        zb_mp_put_cstr(&w, m->dev);
        zb_mp_put_cstr(&w, "msg");
        zb_mp_put_str(&w, ok, n);
        zb_mp_put_cstr(&w, "seq");
        zb_mp_put_uint(&w, seq->v.u);
        pairs = m->handle(b, m, &in, &w);
        if (pairs >= 0 && w.overflow)
            pairs = bad_field(b, "the reply", "at most 4077 bytes", 0);
    }
    if (pairs >= 0) {
        b->reply[0] = (uint8_t)(0x80u | (unsigned)(pairs + 3));
        b->counters.replies_ok++;
        if (m->feeds_watchdog) {
            b->wd_armed = 1;
            b->wd_last_ms = b->now_ms;
        }
        return w.n;
    }
    zb_mp_writer_init(&w, b->reply, ZB_BODY_MAX);
    zb_mp_put_map(&w, 5);
    zb_mp_put_cstr(&w, "dev");
    if (short_str(dev))
        zb_mp_put_str(&w, (const char *)dev->ptr, dev->len);
    else
        zb_mp_put_nil(&w);
    zb_mp_put_cstr(&w, "msg");
    zb_mp_put_cstr(&w, "error");
    zb_mp_put_cstr(&w, "seq");
    if (seq_ok)
        zb_mp_put_uint(&w, seq->v.u);
    else
        zb_mp_put_nil(&w);
    zb_mp_put_cstr(&w, "code");
    zb_mp_put_cstr(&w, b->err_code);
    zb_mp_put_cstr(&w, "text");
    zb_mp_put_str(&w, b->err_text, b->err_n);
    b->counters.replies_error++;
    return w.n;
}

static int same_name(const zb_mp_node *node, const char *name, uint32_t n)
{
    if (node->len != n)
        return 0;
    for (uint32_t k = 0; k < n; k++)
        if ((char)node->ptr[k] != name[k])
            return 0;
    return 1;
}

static void copy_name(char *name, uint32_t *n, const zb_mp_node *node)
{
    *n = node->len;
    for (uint32_t k = 0; k < node->len; k++)
        name[k] = (char)node->ptr[k];
}

size_t zb_board_handle(zb_board *b, const uint8_t *body, size_t n, uint32_t now_ms)
{
    size_t count;
    const zb_mp_node *dev = 0, *msg = 0, *seq = 0;
    b->now_ms = now_ms;
    if (zb_mp_parse(body, n, b->nodes, ZB_MP_NODES_MAX, &count) != ZB_MP_OK) {
        b->dec.counters.msgpack++;
        return 0;
    }
    if (b->nodes[0].type != ZB_MP_MAP) {
        b->dec.counters.not_a_map++;
        return 0;
    }
    b->dec.counters.frames++;
    b->counters.requests++;
    check_watchdog(b);
    const zb_mp_node *key = b->nodes + 1;
    for (uint32_t p = 0; p < b->nodes[0].len; p++, key = after(b, key + 1)) {
        if (str_is(key, "dev"))
            dev = key + 1;
        else if (str_is(key, "msg"))
            msg = key + 1;
        else if (str_is(key, "seq"))
            seq = key + 1;
    }
    const int keyed = seq && seq->type == ZB_MP_UINT && short_str(dev) && short_str(msg);
    if (keyed && b->have_last && seq->v.u == b->last_seq && same_name(dev, b->last_dev, b->last_dev_n) &&
        same_name(msg, b->last_msg, b->last_msg_n)) {
        b->counters.retransmissions++;
        return b->tx_n;
    }
    b->tx_n = zb_frame_encode(b->reply, answer(b, dev, msg, seq), b->tx, sizeof b->tx);
    b->have_last = keyed && b->tx_n > 0;
    if (b->have_last) {
        b->last_seq = seq->v.u;
        copy_name(b->last_dev, &b->last_dev_n, dev);
        copy_name(b->last_msg, &b->last_msg_n, msg);
    }
    return b->tx_n;
}

void zb_board_rx(zb_board *b, uint8_t byte)
{
    const uint32_t head = b->head;
    if (head - b->tail >= ZB_RX_RING) {
        b->rx_overruns++;
        return;
    }
    b->ring[head & (ZB_RX_RING - 1)] = byte;
    b->head = head + 1;
}

void zb_board_poll(zb_board *b, uint32_t now_ms, zb_write_fn write, void *ctx)
{
    int steps = 0;
    if (!b->have_poll) {
        b->have_poll = 1;
        b->last_poll_ms = now_ms;
    }
    b->tick_acc_s += (double)(uint32_t)(now_ms - b->last_poll_ms) / 1000.0;
    b->last_poll_ms = now_ms;
    while (b->tick_acc_s >= b->frame_s && steps++ < ZB_CATCHUP_STEPS_MAX) {
        zb_board_step(b, b->frame_s);
        b->tick_acc_s -= b->frame_s;
    }
    if (b->tick_acc_s >= b->frame_s)
        b->tick_acc_s = 0.0; /* too far behind: the time is dropped, not caught up */
    b->now_ms = now_ms;
    check_watchdog(b);
    while (b->tail != b->head) {
        const uint32_t tail = b->tail;
        const uint8_t byte = b->ring[tail & (ZB_RX_RING - 1)];
        b->tail = tail + 1;
        const size_t body_n = zb_frame_feed(&b->dec, byte);
        if (body_n == 0)
            continue;
        const size_t reply_n = zb_board_handle(b, b->dec.buf, body_n, now_ms);
        if (reply_n > 0 && write)
            write(ctx, b->tx, reply_n);
    }
}
