"""The world evaluates its sun and its geomagnetic field in full once a second and carries them between
(native/sim/world.h). Checked here against the full models evaluated at every step of a 10 Hz orbit: the
field within 1 nT (a hundredth of the magnetometer's 100 nT noise; 0.25 nT measured), the sun within 2 m
of 1 AU (1e-11 rad: the full model's own resolution in time), the shadow fraction within 1e-7 (1 us of
the penumbra's ~10 s); and the field is the full model at the knots."""

import math

import numpy as np
import pytest

from native import ffi, lib
from native.time_scales import SECONDS_PER_DAY
from sim.spacecraft import MagnetometerSpec
from zorka.run.assembly import build_world
from zorka.scenario.model import Scenario

FRAME_S = 0.1
ORBIT_S = 5_700.0  # one orbit of the default scenario (94.6 min)
NOISE_T = MagnetometerSpec().noise_t


class FullModels:
    """The field (ECI, T), the sun (ECI, m) and its visible fraction, in full at a world's state."""

    def __init__(self, world_c):
        self._c = world_c
        self._igrf = ffi.addressof(world_c, "igrf")
        self._r_ecef, self._b_ecef, self._b_eci, self._r_sun = (ffi.new("double[3]") for _ in range(4))
        self.b_eci_t = np.frombuffer(ffi.buffer(self._b_eci), dtype=np.float64)
        self.r_sun_eci = np.frombuffer(ffi.buffer(self._r_sun), dtype=np.float64)
        self.sun_fraction = math.nan

    def evaluate(self) -> None:
        c = self._c
        lib.zk_eci_to_ecef(c.gmst_rad, c.orbit.r_eci, ffi.NULL, self._r_ecef, ffi.NULL)
        lib.zk_igrf_field_ecef(self._igrf, self._r_ecef, self._b_ecef)
        lib.zk_ecef_to_eci(c.gmst_rad, self._b_ecef, ffi.NULL, self._b_eci, ffi.NULL)
        jd_utc = c.jd_epoch_utc + c.t_s / SECONDS_PER_DAY
        lib.zk_sun_eci(jd_utc + c.tt_minus_utc_s / SECONDS_PER_DAY, self._r_sun)
        self.sun_fraction = lib.zk_sun_visible_fraction(c.orbit.r_eci, self._r_sun)


@pytest.fixture(scope="module")
def orbit_errors() -> dict[str, np.ndarray]:
    """Each step's difference from the full models over one orbit at 10 Hz, and the field's size."""
    world = build_world(Scenario(seed=3))
    c, full = world.c, FullModels(world.c)
    frames = round(ORBIT_S / FRAME_S)
    field_t, sun_m, fraction = np.empty(frames), np.empty(frames), np.empty(frames)
    field_norm_t, at_knot = np.empty(frames), np.zeros(frames, dtype=bool)
    for k in range(frames):
        lib.zk_world_step_to(c, (k + 1) * FRAME_S)
        full.evaluate()
        field_t[k] = np.linalg.norm(world.b_eci_t - full.b_eci_t)
        sun_m[k] = np.linalg.norm(world.r_sun_eci - full.r_sun_eci)
        fraction[k] = abs(c.sun_fraction - full.sun_fraction)
        field_norm_t[k] = np.linalg.norm(full.b_eci_t)
        at_knot[k] = c.field_knot_s[1] == c.t_s
    return {
        "field_t": field_t,
        "sun_m": sun_m,
        "fraction": fraction,
        "field_norm_t": field_norm_t,
        "at_knot_t": field_t[at_knot],
    }


def test_the_field_between_knots_is_within_a_hundredth_of_the_magnetometer_noise(orbit_errors):
    errors_t = orbit_errors["field_t"]
    assert errors_t.max() < NOISE_T / 100.0
    # the extrapolation does move the field off the model between knots (else this test checks nothing)
    assert errors_t.max() > 1e-13
    assert 18e-6 < orbit_errors["field_norm_t"].min() < orbit_errors["field_norm_t"].max() < 60e-6


def test_the_field_at_a_knot_is_the_full_model(orbit_errors):
    at_knot_t = orbit_errors["at_knot_t"]
    assert len(at_knot_t) == pytest.approx(ORBIT_S, abs=2)  # one knot a second
    assert at_knot_t.max() == 0.0


def test_the_sun_between_whole_seconds_is_within_the_full_models_own_resolution(orbit_errors):
    """The full model itself moves in steps of ~1 m: its Julian date (a double near 2.46e6 days)
    resolves 40 us, in which the sun moves ~1.2 m; interpolation error proper is ~1 mm."""
    assert orbit_errors["sun_m"].max() < 2.0
    # the penumbra takes ~10 s from 0 to 1: 1e-7 is the shadow's edge moved by ~1 us
    assert orbit_errors["fraction"].max() < 1e-7


def test_a_jump_in_time_starts_the_knots_afresh():
    """A step of many seconds (or back) evaluates the field in full, and again until a second has passed."""
    world = build_world(Scenario(seed=3))
    c, full = world.c, FullModels(world.c)
    for t_s in (0.1, 0.2, 1.0, 1.1, 2.0, 2.1):
        lib.zk_world_step_to(c, t_s)
    assert c.field_knots == 2
    lib.zk_world_step_to(c, 60.0)
    assert c.field_knots == 1
    for t_s in (60.1, 60.5, 30.0, 30.1):
        lib.zk_world_step_to(c, t_s)
        full.evaluate()
        assert np.array_equal(world.b_eci_t, full.b_eci_t), t_s
    assert math.isclose(c.field_knot_s[1], 30.0) and c.field_knots == 1
