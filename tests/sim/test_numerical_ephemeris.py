"""The numerical ephemeris (pass predictions without a TLE) against Kepler's closed form, in any order of
requests, and at a cost linear in the span it covers."""

import numpy as np
import pytest

from sim.ephemeris import NumericalEphemeris
from tests.native.test_orbit_propagator import DAY_S, gravity, kepler_state

ORBIT = dict(a_m=6_878_137.0, e=0.001, i_rad=np.radians(97.4), raan_rad=0.3, argp_rad=0.5, m0_rad=0.1)
METRE = 1.0


def _ephemeris() -> NumericalEphemeris:
    r0, v0 = kepler_state(**ORBIT, t_s=0.0)
    return NumericalEphemeris(r0, v0, gravity())


def test_states_on_a_grid_agree_with_kepler_to_a_metre_over_a_day():
    ephemeris = _ephemeris()
    n = 97
    r_eci, v_eci = np.empty((n, 3)), np.empty((n, 3))
    ephemeris.fill(13.7, 900.0, r_eci, v_eci)
    for k in range(n):
        r_ref, v_ref = kepler_state(**ORBIT, t_s=13.7 + 900.0 * k)
        assert np.linalg.norm(r_eci[k] - r_ref) < 1.0 * METRE
        assert np.linalg.norm(v_eci[k] - v_ref) < 1e-3


def test_any_order_of_requests_gives_the_same_states():
    times_s = np.random.default_rng(5).uniform(0.0, DAY_S, 40)
    forward, shuffled = _ephemeris(), _ephemeris()
    one_r, one_v = np.empty((1, 3)), np.empty((1, 3))
    expected = {}
    for t_s in np.sort(times_s):
        forward.fill(t_s, 0.0, one_r, one_v)
        expected[t_s] = one_r[0].copy()
    for t_s in times_s[::-1]:
        shuffled.fill(t_s, 0.0, one_r, one_v)
        assert np.array_equal(one_r[0], expected[t_s])


def test_a_week_is_integrated_once_whatever_the_number_of_requests():
    ephemeris = _ephemeris()
    one_r, one_v = np.empty((1, 3)), np.empty((1, 3))
    for t_s in np.linspace(0.0, 7 * DAY_S, 2000)[::-1]:
        ephemeris.fill(t_s, 0.0, one_r, one_v)
    assert ephemeris._n_knots == pytest.approx(7 * DAY_S / ephemeris.step_s, abs=2)


def test_a_time_before_the_epoch_is_refused():
    with pytest.raises(ValueError, match="before the epoch"):
        _ephemeris().fill(-1.0, 0.0, np.empty((1, 3)), np.empty((1, 3)))
