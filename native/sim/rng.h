/* rng.h - one seeded generator per model: xoshiro256** with normal deviates (polar method).
 * The 256-bit state is seeded from numpy's SeedSequence so that runs are reproducible per seed. */
#ifndef ZK_RNG_H
#define ZK_RNG_H
#include <stdint.h>

typedef struct {
    uint64_t s[4];
    int has_spare;
    double spare;
} zk_rng;

void zk_rng_seed(zk_rng *r, const uint64_t state[4]);   /* an all-zero state is replaced by a fixed one */
uint64_t zk_rng_next(zk_rng *r);
double zk_rng_uniform(zk_rng *r);                        /* [0, 1) with 53 random bits */
double zk_rng_normal(zk_rng *r);                         /* standard normal */

#endif
