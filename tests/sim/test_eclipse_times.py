"""Eclipse entry and exit times from zk_sun_visible_fraction along a 500 km sun-synchronous orbit,
against a brute-force ray test written here.

Orbit: 500 km circular, sun-synchronous, descending node at 10:30 (ascending 22:30), from 2026-06-21,
propagated with zk_orbit_propagate (J2-J4) for one day: 15 orbits, 60 contacts. The sun is zk_sun_eci
for both sides, so the test compares the shadow geometry alone.
Reference: the Earth is the sphere of radius 6378137 m, as in the model (the WGS-84 ellipsoid would move
this orbit's contacts by -6.5 to +5.6 s; an atmosphere, which neither has, by as much the other way),
the sun a sphere of 696,000 km.
From the satellite, rays to 720 points of the solar limb are tested against the Earth sphere: the
penumbra begins when the first ray is blocked, the umbra when all are (a convex Earth covers the disk
when it covers its rim). Required: every contact within 2 s. Measured: 0.15 ms at most (the bisection's
resolution).
"""

import itertools
import math
from datetime import UTC, datetime

import numpy as np
import pytest

from native import ffi, lib, ptr
from native.earth_model import R_EARTH_M, force_model
from native.time_scales import julian_date
from sim.orbit import raan_for_ltan, state_from_elements, sun_synchronous_inclination

R_SUN_M = 696_000_000.0
TT_MINUS_UTC_S = 69.184
EPOCH = datetime(2026, 6, 21, tzinfo=UTC)
JD_EPOCH_UTC = julian_date(EPOCH)
GRID_S = 10.0
SPAN_S = 86_400.0
LIMB_POINTS = 720
TOLERANCE_S = 2.0


class Trajectory:
    """States every GRID_S from the epoch; a position between them is one RK4 step from the grid."""

    def __init__(self):
        a_m = R_EARTH_M + 500_000.0
        raan_rad = raan_for_ltan(JD_EPOCH_UTC, 22.5)
        r, v = state_from_elements(a_m, 0.0, sun_synchronous_inclination(a_m), raan_rad, 0.0, 0.0)
        self.forces = force_model()
        orbit = ffi.new("zk_orbit *", {"r_eci": list(r), "v_eci": list(v)})
        self.states = []
        for _ in range(int(SPAN_S / GRID_S) + 1):
            self.states.append((list(orbit.r_eci), list(orbit.v_eci)))
            lib.zk_orbit_propagate(orbit, self.forces, GRID_S, GRID_S)
        self._orbit = ffi.new("zk_orbit *")

    def r_eci_m(self, t_s: float) -> np.ndarray:
        k = min(int(t_s // GRID_S), len(self.states) - 1)
        self._orbit.r_eci, self._orbit.v_eci = self.states[k]
        lib.zk_orbit_propagate(self._orbit, self.forces, t_s - k * GRID_S, GRID_S)
        return np.array(list(self._orbit.r_eci))


def r_sun_eci_m(t_s: float) -> np.ndarray:
    r = np.empty(3)
    lib.zk_sun_eci(JD_EPOCH_UTC + (t_s + TT_MINUS_UTC_S) / 86400.0, ptr(r))
    return r


def limb_blocked(r_sat: np.ndarray, r_sun: np.ndarray) -> np.ndarray:
    """For each of LIMB_POINTS rays from the satellite to the solar limb: does it meet the Earth sphere?"""
    to_sun = r_sun - r_sat
    w = to_sun / np.linalg.norm(to_sun)
    u = np.cross(w, [0.0, 0.0, 1.0])
    u /= np.linalg.norm(u)
    v = np.cross(w, u)
    half_angle = math.asin(R_SUN_M / np.linalg.norm(to_sun))
    phi = 2.0 * math.pi * np.arange(LIMB_POINTS) / LIMB_POINTS
    rays = math.cos(half_angle) * w + math.sin(half_angle) * (
        np.outer(np.cos(phi), u) + np.outer(np.sin(phi), v)
    )
    along = rays @ r_sat  # p . d: negative when the Earth's centre is ahead
    miss_sq = r_sat @ r_sat - along**2  # squared distance from the centre to the ray's line
    return (along < 0.0) & (miss_sq < R_EARTH_M**2)


def model_state(traj: Trajectory, t_s: float) -> tuple[bool, bool]:
    """(in penumbra or umbra, in umbra) from the C visible fraction."""
    fraction = lib.zk_sun_visible_fraction(ptr(traj.r_eci_m(t_s)), ptr(r_sun_eci_m(t_s)))
    return fraction < 1.0, fraction == 0.0


def reference_state(traj: Trajectory, t_s: float) -> tuple[bool, bool]:
    blocked = limb_blocked(traj.r_eci_m(t_s), r_sun_eci_m(t_s))
    return bool(blocked.any()), bool(blocked.all())


def contacts(traj: Trajectory, state) -> list[tuple[str, float]]:
    """(kind, time) of every change of the shadow state over the span, bisected to 0.1 ms."""
    events = []
    times = np.arange(0.0, SPAN_S, GRID_S)
    previous = state(traj, times[0])
    for t0, t1 in itertools.pairwise(times):
        current = state(traj, t1)
        for which, name in ((0, "penumbra"), (1, "umbra")):
            if current[which] != previous[which]:
                lo, hi = t0, t1
                while hi - lo > 1e-4:
                    mid = 0.5 * (lo + hi)
                    lo, hi = (mid, hi) if state(traj, mid)[which] == previous[which] else (lo, mid)
                events.append((f"{name} {'entry' if current[which] else 'exit'}", 0.5 * (lo + hi)))
        previous = current
    return sorted(events, key=lambda event: event[1])


@pytest.fixture(scope="module")
def trajectory() -> Trajectory:
    return Trajectory()


def test_contacts_against_the_ray_test(trajectory):
    model, reference = contacts(trajectory, model_state), contacts(trajectory, reference_state)
    assert [kind for kind, _ in model] == [kind for kind, _ in reference]
    assert len(model) >= 56  # about 15 eclipses of four contacts in a day
    errors_s = [abs(tm - tr) for (_, tm), (_, tr) in zip(model, reference, strict=True)]
    assert max(errors_s) <= TOLERANCE_S


def test_eclipse_and_penumbra_durations_are_those_of_a_500_km_orbit(trajectory):
    """Umbra ~35 min at this season and local time, each penumbra crossing ~8-12 s."""
    events = contacts(trajectory, model_state)
    times = {kind: [t for k, t in events if k == kind] for kind in {k for k, _ in events}}
    first_entry = times["penumbra entry"][0]
    umbra_in = next(t for t in times["umbra entry"] if t > first_entry)
    umbra_out = next(t for t in times["umbra exit"] if t > umbra_in)
    penumbra_out = next(t for t in times["penumbra exit"] if t > umbra_out)
    assert 30 * 60 < umbra_out - umbra_in < 37 * 60
    assert 6.0 < umbra_in - first_entry < 15.0
    assert 6.0 < penumbra_out - umbra_out < 15.0
