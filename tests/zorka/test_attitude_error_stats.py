"""The streaming statistics of a run's attitude errors against the same figures of the whole series at once
(numpy): exact count, max and settle time, the mean to rounding, p99 within the stated resolution of the
nearest rank; the envelope for plots is the largest value of each span, whatever the blocks' sizes."""

import numpy as np
import pytest

from zorka.run import attitude_error_stats
from zorka.run.attitude_error_stats import ERROR_PERCENTILE_RESOLUTION, AttitudeErrorStats

FRAME_S = 0.1


def series(seed: int, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Errors that settle: NaN for the first frames (no reference), a decaying error, noise, a late spike."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) * FRAME_S
    err = 5.0 * np.exp(-t / 20.0) + np.abs(rng.normal(0.0, 0.01, frames))
    rate = np.abs(rng.normal(0.0, 0.002, frames))
    err[:37] = rate[:37] = np.nan
    err[frames // 2] = 0.5  # one frame not settled, mid-run
    return err, rate


def in_blocks(stats: AttitudeErrorStats, err: np.ndarray, rate: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, len(err)), size=40, replace=False))
    for e, r in zip(np.split(err, cuts), np.split(rate, cuts), strict=True):
        stats.add(e, r)


def settle_reference(err: np.ndarray, threshold: float) -> float | None:
    """The definition: the time after which every frame is below the threshold (NaN is not)."""
    for k in range(len(err)):
        if np.all(err[k:] < threshold):
            return round((k + 1) * FRAME_S, 6)
    return None


@pytest.mark.parametrize("seed", [0, 1])
def test_the_figures_of_blocks_are_those_of_the_whole_series(seed):
    err, rate = series(seed, 20_000)
    stats = AttitudeErrorStats(FRAME_S, stats_from_s=300.0, settle_threshold_deg=0.1)
    in_blocks(stats, err, rate, seed)
    assert stats.settle_s() == settle_reference(err, 0.1)
    for from_first, first in ((False, 0), (True, 3000)):
        spreads = stats.spreads(from_first)
        for name, values in (("err", err[first:]), ("rate", rate[first:])):
            finite = values[np.isfinite(values)]
            spread = spreads[name]
            assert spread.count == len(finite)
            assert spread.figure("max") == finite.max()
            assert spread.figure("mean") == pytest.approx(finite.mean(), rel=1e-13)
            p99 = float(np.percentile(finite, 99.0, method="inverted_cdf"))
            assert spread.figure("p99") == pytest.approx(p99, rel=ERROR_PERCENTILE_RESOLUTION + 1e-12)


def test_an_error_above_the_threshold_at_the_end_never_settled():
    stats = AttitudeErrorStats(FRAME_S, 0.0, 0.1)
    stats.add(np.array([0.01, 0.02]), np.zeros(2))
    assert stats.settle_s() == FRAME_S
    stats.add(np.array([0.01, np.nan]), np.zeros(2))
    assert stats.settle_s() is None


def test_the_envelope_is_the_largest_of_each_span_and_doubles_its_span(monkeypatch):
    monkeypatch.setattr(attitude_error_stats, "ENVELOPE_POINTS", 64)
    err, rate = series(3, 1000)
    stats = AttitudeErrorStats(FRAME_S, 0.0, 0.1)
    in_blocks(stats, err, rate, 3)
    t_s, env_err, env_rate = stats.envelope.series()
    span = stats.envelope.span
    assert span == 16  # 1000 frames in at most 64 spans
    padded = np.full(len(t_s) * span, np.nan)
    for got, values in ((env_err, err), (env_rate, rate)):
        padded[: len(values)] = values
        with np.errstate(all="ignore"):
            expected = np.fmax.reduce(padded.reshape(-1, span), axis=1)
        assert np.array_equal(got, expected, equal_nan=True)
    assert t_s[-1] == pytest.approx(1000 * FRAME_S) and t_s[0] == pytest.approx(span * FRAME_S)


def test_a_state_restored_goes_on_as_if_never_stopped():
    err, rate = series(4, 6000)
    whole = AttitudeErrorStats(FRAME_S, 100.0, 0.1)
    whole.add(err, rate)
    first = AttitudeErrorStats(FRAME_S, 100.0, 0.1)
    first.add(err[:2500], rate[:2500])
    resumed = AttitudeErrorStats(FRAME_S, 100.0, 0.1)
    resumed.restore(first.state())
    resumed.add(err[2500:], rate[2500:])
    assert resumed.state() == whole.state() or _close(resumed.state(), whole.state())


def _close(a: dict, b: dict) -> bool:
    """States equal but for the sums' last bits (blocks cut elsewhere)."""
    if a.keys() != b.keys():
        return False
    for key in a:
        if isinstance(a[key], dict):
            if not _close(a[key], b[key]):
                return False
        elif key == "sum":
            if a[key] != pytest.approx(b[key], rel=1e-15):
                return False
        elif a[key] != b[key]:
            return False
    return True
