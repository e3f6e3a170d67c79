"""The log-binned histogram: percentiles within half a bin of numpy's nearest-rank percentile (the
`inverted_cdf` method, an independent reference), the largest and the count exact, the same counts value by
value as in blocks, and a checkpoint's state giving back the same histogram."""

import math

import numpy as np
import pytest

from hal.log_histogram import LogHistogram

RATIO = 1.001


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_percentiles_are_within_half_a_bin_of_the_nearest_rank(seed):
    rng = np.random.default_rng(seed)
    values = np.exp(rng.normal(-4.0, 2.0, 20_000))  # six decades
    histogram = LogHistogram(1e-7, 1e3, RATIO)
    histogram.record_many(values)
    assert histogram.count == len(values)
    assert histogram.max == values.max()
    for percent in (1.0, 50.0, 99.0, 99.7, 100.0):
        reference = float(np.percentile(values, percent, method="inverted_cdf"))
        assert histogram.percentile(percent) == pytest.approx(reference, rel=math.sqrt(RATIO) - 1 + 1e-12)


def test_values_out_of_range_land_in_the_end_bins_and_nan_is_left_out():
    histogram = LogHistogram(1e-3, 1e3, 1.01)
    histogram.record_many(np.array([0.0, 1e-9, np.nan, 5e3]))
    assert histogram.count == 3
    assert histogram.counts[0] == 2 and histogram.counts[-1] == 1
    assert histogram.max == 5e3
    assert histogram.percentile(100.0) == 5e3  # the overflow bin: the largest, exact
    assert histogram.percentile(50.0) == pytest.approx(1e-3 * math.sqrt(1.01))


def test_one_by_one_and_in_blocks_count_alike_and_a_state_restores():
    rng = np.random.default_rng(7)
    values = rng.uniform(1e-4, 10.0, 3000)
    single, block = LogHistogram(1e-6, 1e2, 1.02), LogHistogram(1e-6, 1e2, 1.02)
    for v in values:
        single.record(float(v))
    for part in np.array_split(values, 7):
        block.record_many(part)
    assert np.array_equal(single.counts, block.counts) and single.max == block.max
    restored = LogHistogram(1e-6, 1e2, 1.02)
    restored.restore(block.state())
    assert np.array_equal(restored.counts, block.counts)
    assert (restored.count, restored.max) == (block.count, block.max)


def test_no_value_no_percentile():
    assert LogHistogram(1e-3, 1.0, 1.1).percentile(99.0) is None
