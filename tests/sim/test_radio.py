"""The radio channel: open exactly inside the passes (and until the end of the window open now), the
downlink budget at the data rate, frame losses at the asked probability (binomial bounds), the uplink at
its rate plus the delay (and when the next frame arrives), the same seed losing the same frames."""

import math

import pytest

from sim.radio import DOWN, UP, Radio, merged_windows

FRAME_S = 0.1
FRAME_BYTES = 1115


def test_open_only_inside_the_passes_and_overlapping_passes_merge():
    radio = Radio([(100.0, 200.0), (500.0, 600.0), (550.0, 700.0)], seed=1)
    assert merged_windows([(500.0, 600.0), (100.0, 200.0), (550.0, 700.0)]) == [
        (100.0, 200.0),
        (500.0, 700.0),
    ]
    inside = {100.0, 150.0, 200.0, 650.0}
    for t_s in (0.0, 99.9, 100.0, 150.0, 200.0, 200.1, 499.0, 650.0, 700.1):
        assert radio.open(t_s) == (t_s in inside), t_s
    assert radio.next_open_s(150.0) == 500.0
    assert radio.next_open_s(800.0) == math.inf
    assert not Radio([], seed=1).open(0.0)
    for t_s, until_s in (
        (100.0, 200.0),
        (200.0, 200.0),
        (520.0, 700.0),
        (200.1, -math.inf),
        (0.0, -math.inf),
    ):
        assert radio.open_until_s(t_s) == until_s, t_s


def test_the_downlink_budget_keeps_the_rate_over_many_frames():
    radio = Radio([(0.0, 1e6)], seed=1, downlink_bps=2e6, frame_bytes=FRAME_BYTES)
    budgets = [radio.downlink_budget(FRAME_S) for _ in range(10_000)]
    expected = 2e6 * FRAME_S * len(budgets) / (FRAME_BYTES * 8)
    assert expected - 1 < sum(budgets) <= expected
    assert set(budgets) == {22, 23}  # 22.4 frames a control frame, the fraction carried over


def test_a_slow_downlink_sends_a_frame_every_few_control_frames():
    radio = Radio([(0.0, 1e6)], seed=1, downlink_bps=9.6e3, frame_bytes=FRAME_BYTES)
    budgets = [radio.downlink_budget(FRAME_S) for _ in range(1000)]
    assert sum(budgets) == math.floor(9.6e3 * 100.0 / (FRAME_BYTES * 8))
    assert max(budgets) == 1


@pytest.mark.parametrize("direction", [DOWN, UP])
def test_losses_are_within_binomial_bounds_for_a_fixed_seed(direction):
    n, p = 20_000, 0.1
    radio = Radio([(0.0, 1e6)], seed=3, frame_loss=p)
    lost = sum(radio.lost(direction) for _ in range(n))
    sigma = math.sqrt(n * p * (1 - p))
    assert abs(lost - n * p) < 4.0 * sigma


def test_the_same_seed_loses_the_same_frames_and_directions_draw_apart():
    def pattern(seed: int, direction: str, interleave: bool = False) -> list[bool]:
        radio = Radio([(0.0, 1e6)], seed=seed, frame_loss=0.3)
        out = []
        for _ in range(200):
            if interleave:
                radio.lost(UP if direction == DOWN else DOWN)
            out.append(radio.lost(direction))
        return out

    assert pattern(5, DOWN) == pattern(5, DOWN)
    assert pattern(5, DOWN) == pattern(5, DOWN, interleave=True)
    assert pattern(5, DOWN) != pattern(6, DOWN)
    assert pattern(5, DOWN) != pattern(5, UP)


def test_no_loss_draws_nothing_and_loses_nothing():
    radio = Radio([(0.0, 1e6)], seed=1)
    assert not any(radio.lost(DOWN) for _ in range(1000))


def test_uplink_frames_queue_at_the_rate_and_arrive_after_the_delay():
    radio = Radio([(0.0, 1e6)], seed=1, uplink_bps=64e3, delay_s=0.004)
    frame = bytes(80)  # 640 bits: 10 ms at 64 kbit/s
    for _ in range(3):
        radio.transmit(UP, 1.0, frame)
    assert radio.next_arrival_s(UP) == pytest.approx(1.014) and radio.next_arrival_s(DOWN) == math.inf
    assert radio.arrived(UP, 1.013) == []
    assert len(radio.arrived(UP, 1.014)) == 1
    assert len(radio.arrived(UP, 1.034)) == 2
    assert radio.idle
    radio.transmit(DOWN, 2.0, frame)
    assert not radio.idle and radio.next_arrival_s(DOWN) == 2.004 and radio.next_arrival_s(UP) == math.inf
    assert radio.arrived(DOWN, 2.0) == [] and radio.arrived(DOWN, 2.004) == [frame]
    assert radio.sent == {DOWN: 1, UP: 3} and radio.lost_frames == {DOWN: 0, UP: 0}


def test_lost_frames_never_arrive_and_are_counted():
    radio = Radio([(0.0, 1e6)], seed=2, frame_loss=0.5)
    for k in range(1000):
        radio.transmit(DOWN, 0.0, k.to_bytes(2, "big"))
    arrived = radio.arrived(DOWN, 0.0)
    assert len(arrived) + radio.lost_frames[DOWN] == 1000
    assert arrived == sorted(arrived)


@pytest.mark.parametrize(
    "kwargs",
    [{"downlink_bps": 0.0}, {"uplink_bps": -1.0}, {"frame_loss": 1.0}, {"delay_s": -0.1}, {"pass_loss": 1.0}],
)
def test_impossible_channels_are_refused(kwargs):
    with pytest.raises(ValueError):
        Radio([(0.0, 1.0)], seed=1, **kwargs)


def test_outages_lose_whole_passes_within_binomial_bounds_the_same_for_a_seed():
    n, p = 2_000, 0.2
    passes = [(1000.0 * i, 1000.0 * i + 600.0) for i in range(n)]
    radio = Radio(passes, seed=4, pass_loss=p)
    assert abs(len(radio.outages_s) - n * p) < 4.0 * math.sqrt(n * p * (1 - p))
    for aos_s, los_s in radio.outages_s:  # closed through a lost pass, open through the others
        assert not any(radio.open(t_s) for t_s in (aos_s, 0.5 * (aos_s + los_s), los_s))
    kept = sorted(set(passes) - set(radio.outages_s))
    assert all(radio.open(aos_s) and radio.open(los_s) for aos_s, los_s in kept)
    assert radio.outages_s == Radio(passes, seed=4, pass_loss=p).outages_s
    assert radio.outages_s != Radio(passes, seed=5, pass_loss=p).outages_s
    assert Radio(passes, seed=4).outages_s == []


def test_state_carries_the_draws_and_counts_over_a_restore():
    first = Radio([(0.0, 1e6)], seed=8, frame_loss=0.3)
    for _ in range(50):
        first.transmit(UP, 1.0, b"x" * 20)
        first.transmit(DOWN, 1.0, b"y" * 20)
    second = Radio([(0.0, 1e6)], seed=8, frame_loss=0.3)
    second.restore(first.state())
    assert second.sent == first.sent and second.lost_frames == first.lost_frames and second.idle
    assert [second.lost(UP) for _ in range(100)] == [first.lost(UP) for _ in range(100)]
    assert [second.lost(DOWN) for _ in range(100)] == [first.lost(DOWN) for _ in range(100)]
