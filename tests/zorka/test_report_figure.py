"""The report's decimation of long series against brute force: what a plot of at most a few thousand
points keeps of a day's samples."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from zorka.outputs.report_figure import envelope


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 3000),
    st.integers(1, 60),
    st.floats(0.0, 0.5),
    st.integers(0, 2**32 - 1),
)
def test_the_envelope_keeps_first_last_lowest_and_highest_of_every_run(n, bins, nan_fraction, seed):
    """Per run of consecutive samples (cut as `ceil(n / bins)`), the kept points hold its first and last
    sample and its smallest and largest value (NaN ignored); nothing else, in time order."""
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.1, 2.0, n))
    y = rng.standard_normal(n).cumsum()
    y[rng.random(n) < nan_fraction] = np.nan
    kept_t, kept_y = envelope(t, y, bins)
    if n <= 4 * bins:
        assert np.array_equal(kept_t, t) and np.array_equal(kept_y, y, equal_nan=True)
        return
    assert np.all(np.diff(kept_t) > 0) and len(kept_t) <= 4 * bins
    size = -(-n // bins)
    for start in range(0, n, size):
        run_t, run_y = t[start : start + size], y[start : start + size]
        inside = (kept_t >= run_t[0]) & (kept_t <= run_t[-1])
        assert run_t[0] in kept_t and run_t[-1] in kept_t
        assert inside.sum() <= 4
        if not np.all(np.isnan(run_y)):
            assert np.nanmax(kept_y[inside]) == np.nanmax(run_y)
            assert np.nanmin(kept_y[inside]) == np.nanmin(run_y)
        assert set(kept_t[inside]) <= set(run_t)
    assert np.array_equal(kept_y, y[np.searchsorted(t, kept_t)], equal_nan=True)


def test_a_single_spike_in_a_day_of_housekeeping_is_drawn():
    """One report of 86,400 far above the rest: kept (every 44th sample would keep it 1 time in 44)."""
    t = np.arange(86_400.0)
    y = np.sin(t / 900.0)
    y[50_001] = 40.0
    kept_t, kept_y = envelope(t, y)
    assert 50_001.0 in kept_t and kept_y.max() == 40.0 and len(kept_t) <= 4000
