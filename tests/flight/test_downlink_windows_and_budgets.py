"""The onboard planner's budgets and downlink windows: windows predicted from the planner's ephemeris
table agree with the simulator's pass prediction (checked against skyfield), and a plan is held to its
memory (until the next window) and energy (per orbit) budgets, the lowest priorities deferred first."""

import math

import numpy as np

from flight.payload.access import EphemerisTable
from flight.payload.budgets import Budgets, within_budgets
from flight.payload.downlink_windows import OnboardStation, downlink_windows
from flight.payload.planner import Capture
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario, StationSpec

DAY_S = 86400.0


def test_predicted_windows_match_the_simulators_passes_to_the_second():
    station = StationSpec()
    mission = Mission(Scenario(ground_stations=(station,)), DAY_S)
    n = int(DAY_S) + 1
    r_eci, v_eci = np.empty((n, 3)), np.empty((n, 3))
    mission.ephemeris.fill(0.0, 1.0, r_eci, v_eci)
    table = EphemerisTable(mission.world.c.jd_epoch_utc, 1.0, r_eci)
    onboard = OnboardStation(
        station.name,
        math.radians(station.lat_deg),
        math.radians(station.lon_deg),
        station.alt_m,
        math.radians(station.min_elevation_deg),
    )
    windows = downlink_windows(table, [onboard])
    passes = [p for p in mission.passes if p.los_s <= DAY_S]
    mission.close()
    assert len(windows) == len(passes) >= 8
    for (start_s, end_s), p in zip(windows, passes, strict=True):
        assert abs(start_s - p.aos_s) <= 1.0 and abs(end_s - p.los_s) <= 1.0


def captures(*rows: tuple[float, float, float]) -> list[Capture]:
    return [
        Capture(f"R{k}", start_s, duration_s, 0.1, priority)
        for k, (start_s, duration_s, priority) in enumerate(rows)
    ]


def budgets(**changes) -> Budgets:
    base = dict(
        free_bytes=10e6,
        product_bytes=4e6,
        downlink_bytes_s=1e5,
        payload_power_w=80.0,
        energy_per_orbit_j=1e9,
        orbit_s=5700.0,
        lead_s=0.0,
    )
    return Budgets(**(base | changes))


def test_memory_defers_what_does_not_fit_until_a_window_carries_products_down():
    plan = captures((100.0, 8.0, 5), (200.0, 8.0, 5), (300.0, 8.0, 5), (1000.0, 8.0, 5))
    kept, deferred = within_budgets(plan, [], budgets())
    assert [c.request_id for c in kept] == ["R0", "R1"] and len(deferred) == 2
    kept, deferred = within_budgets(plan, [(400.0, 460.0)], budgets())  # 6 MB carried away in between
    assert [c.request_id for c in kept] == ["R0", "R1", "R3"]
    assert [c.request_id for c in deferred] == ["R2"]


def test_energy_per_orbit_keeps_the_highest_priorities():
    plan = captures((100.0, 10.0, 1), (200.0, 10.0, 9), (300.0, 10.0, 5), (6000.0, 10.0, 1))
    kept, deferred = within_budgets(plan, [], budgets(free_bytes=1e9, energy_per_orbit_j=2 * 800.0 + 1.0))
    assert [c.request_id for c in kept] == ["R1", "R2", "R3"]  # two per orbit, by priority; a new orbit
    assert [c.request_id for c in deferred] == ["R0"]
