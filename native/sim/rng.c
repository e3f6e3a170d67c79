/* rng.c - xoshiro256** (Blackman & Vigna 2018) with Marsaglia's polar method for normals. */
#include <math.h>
#include "rng.h"

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void zk_rng_seed(zk_rng *r, const uint64_t state[4])
{
    int i;
    uint64_t any = 0;
    for (i = 0; i < 4; i++) {
        r->s[i] = state[i];
        any |= state[i];
    }
    if (!any) {
        r->s[0] = 0x9E3779B97F4A7C15ULL;
        r->s[1] = 0xBF58476D1CE4E5B9ULL;
        r->s[2] = 0x94D049BB133111EBULL;
        r->s[3] = 0x2545F4914F6CDD1DULL;
    }
    r->has_spare = 0;
    r->spare = 0.0;
}

uint64_t zk_rng_next(zk_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double zk_rng_uniform(zk_rng *r) { return (double)(zk_rng_next(r) >> 11) * 0x1.0p-53; }

double zk_rng_normal(zk_rng *r)
{
    double u, v, s, f;
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    do {
        u = 2.0 * zk_rng_uniform(r) - 1.0;
        v = 2.0 * zk_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    f = sqrt(-2.0 * log(s) / s);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}
