"""native/sim/rng.c against the published xoshiro256** algorithm and against scipy.stats.

The reference generator below is transcribed from the definition of Blackman & Vigna (2018,
"Scrambled linear pseudorandom number generators", xoshiro256starstar.c) and is itself checked
against the published outputs for the state {1, 2, 3, 4} (the test vector of the reference
implementations, e.g. the Rust crate rand_xoshiro). Statistical tests use fixed seeds and bounds
of 5 standard errors of the estimator, so they fail by chance with probability ~1e-6.
"""

import math

import numpy as np
import pytest
from scipy import stats

from native import ffi, lib

MASK64 = (1 << 64) - 1
PUBLISHED_STATE_1234 = (1, 2, 3, 4)
PUBLISHED_OUTPUTS_1234 = (
    11520,
    0,
    1509978240,
    1215971899390074240,
    1216172134540287360,
    607988272756665600,
    16172922978634559625,
    8476171486693032832,
    10595114339597558777,
    2904607092377533576,
)
N_STATISTICS = 100_000
FIVE_SIGMA = 5.0


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & MASK64


class ReferenceXoshiro256StarStar:
    """xoshiro256** in pure Python, from the published definition (all arithmetic mod 2^64)."""

    def __init__(self, state):
        self.s = [int(x) & MASK64 for x in state]

    def next(self) -> int:
        s = self.s
        result = (_rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def uniform(self) -> float:
        """The usual 53-bit double in [0, 1): the top 53 bits times 2^-53."""
        return (self.next() >> 11) * 2.0**-53

    def polar_pair(self) -> tuple[float, float]:
        """Marsaglia's polar method: two standard normals from one accepted point of the unit disk."""
        while True:
            u = 2.0 * self.uniform() - 1.0
            v = 2.0 * self.uniform() - 1.0
            s = u * u + v * v
            if 0.0 < s < 1.0:
                f = math.sqrt(-2.0 * math.log(s) / s)
                return u * f, v * f


def c_rng(state) -> object:
    rng = ffi.new("zk_rng *")
    lib.zk_rng_seed(rng, ffi.new("uint64_t[4]", [int(x) for x in state]))
    return rng


def random_states(seed: int, n: int) -> list[tuple[int, ...]]:
    rng = np.random.default_rng(seed)
    return [tuple(int(x) for x in rng.integers(0, 2**64, size=4, dtype=np.uint64)) for _ in range(n)]


def test_reference_transcription_reproduces_published_vector():
    """The Python reference must itself reproduce the published outputs before it can judge the C."""
    ref = ReferenceXoshiro256StarStar(PUBLISHED_STATE_1234)
    assert tuple(ref.next() for _ in PUBLISHED_OUTPUTS_1234) == PUBLISHED_OUTPUTS_1234


def test_c_next_matches_published_vector_for_state_1234():
    rng = c_rng(PUBLISHED_STATE_1234)
    assert tuple(lib.zk_rng_next(rng) for _ in PUBLISHED_OUTPUTS_1234) == PUBLISHED_OUTPUTS_1234


@pytest.mark.parametrize("state", random_states(seed=2024, n=8))
def test_c_next_matches_reference_algorithm_for_random_states(state):
    """1000 outputs bit for bit, from states with every bit position in use (rotations, high bits)."""
    rng, ref = c_rng(state), ReferenceXoshiro256StarStar(state)
    assert [lib.zk_rng_next(rng) for _ in range(1000)] == [ref.next() for _ in range(1000)]


def test_all_zero_state_is_replaced_by_a_working_one():
    """xoshiro's all-zero state is a fixed point (outputs 0 forever); seeding must avoid it."""
    rng = c_rng((0, 0, 0, 0))
    assert any(rng.s[i] != 0 for i in range(4))
    assert len({lib.zk_rng_next(rng) for _ in range(100)}) == 100


def test_c_uniform_is_top_53_bits_of_reference_output():
    state = random_states(seed=7, n=1)[0]
    rng, ref = c_rng(state), ReferenceXoshiro256StarStar(state)
    assert [lib.zk_rng_uniform(rng) for _ in range(1000)] == [ref.uniform() for _ in range(1000)]


def _state_with_next_output(output: int) -> tuple[int, int, int, int]:
    """A state whose next xoshiro256** output is `output`: invert result = rotl(s1 * 5, 7) * 9 mod 2^64."""
    inv9, inv5 = pow(9, -1, 1 << 64), pow(5, -1, 1 << 64)
    s1 = (_rotl((output * inv9) & MASK64, 64 - 7) * inv5) & MASK64
    return (1, s1, 3, 4)


def test_uniform_bounds_are_zero_inclusive_one_exclusive():
    """The extreme 64-bit outputs map to exactly 0 and to 1 - 2^-53 (never 1.0)."""
    assert lib.zk_rng_uniform(c_rng(_state_with_next_output(0))) == 0.0
    top = lib.zk_rng_uniform(c_rng(_state_with_next_output(MASK64)))
    assert top == 1.0 - 2.0**-53
    assert top < 1.0


def test_uniform_moments_and_ks_against_scipy_uniform():
    rng = c_rng(random_states(seed=11, n=1)[0])
    u = np.array([lib.zk_rng_uniform(rng) for _ in range(N_STATISTICS)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < FIVE_SIGMA * math.sqrt(1.0 / 12.0 / N_STATISTICS)
    assert stats.kstest(u, stats.uniform.cdf).pvalue > 1e-3


def test_c_normal_matches_reference_polar_method():
    """The first deviates equal Marsaglia's polar method on the reference uniforms (pairs: u then v)."""
    state = random_states(seed=13, n=1)[0]
    rng, ref = c_rng(state), ReferenceXoshiro256StarStar(state)
    c_values = np.array([lib.zk_rng_normal(rng) for _ in range(200)])
    ref_values = np.array([x for _ in range(100) for x in ref.polar_pair()])
    np.testing.assert_allclose(c_values, ref_values, rtol=1e-14, atol=0.0)


def test_normal_passes_ks_against_scipy_norm_with_mean_and_variance_in_bounds():
    rng = c_rng(random_states(seed=17, n=1)[0])
    x = np.array([lib.zk_rng_normal(rng) for _ in range(N_STATISTICS)])
    assert stats.kstest(x, stats.norm.cdf).pvalue > 1e-3
    assert abs(x.mean()) < FIVE_SIGMA / math.sqrt(N_STATISTICS)
    # standard error of the sample variance of a normal: sqrt(2 / (n - 1))
    assert abs(x.var(ddof=1) - 1.0) < FIVE_SIGMA * math.sqrt(2.0 / (N_STATISTICS - 1))
    # successive deviates (including the two of one polar pair) are uncorrelated
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) < FIVE_SIGMA / math.sqrt(N_STATISTICS)
