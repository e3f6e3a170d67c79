"""A scenario with a TLE: its epoch starts the run, SGP4 is the truth orbit, passes are predicted.

Checked against the sgp4 package called directly and against skyfield's find_events.
"""

import json
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import skyfield_data
from sgp4.api import Satrec, jday
from skyfield.api import EarthSatellite, Loader, wgs84

from zorka.outputs.run_folder import write_run_folder
from zorka.run.mission import Mission
from zorka.scenario.toml_file import scenario_from_toml

TLE = (Path(__file__).parents[1] / "data" / "sso_500km.tle").read_text().splitlines()
SCENARIO_TEXT = f"""
duration = "3h"
[orbit]
tle = {json.dumps(TLE)}
propagator = "sgp4"
[[ground_stations]]
name = "Svalbard"
lat_deg = 78.23
lon_deg = 15.39
alt_m = 500.0
min_elevation_deg = 5.0
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tle_run")
    mission = Mission(scenario_from_toml(SCENARIO_TEXT))
    write_run_folder(mission, mission.run(), out)
    return mission, out


def test_the_run_starts_at_the_tle_epoch():
    assert scenario_from_toml(SCENARIO_TEXT).epoch_utc.startswith("2025-06-21T00:00:00")


def test_the_truth_orbit_is_sgp4_of_the_tle(run):
    """Every truth row equals sgp4 (called here directly) at its time, to the millimetre."""
    mission, _ = run
    satrec = Satrec.twoline2rv(*TLE)
    rows = mission.truth()
    assert len(rows) == 3 * 3600 + 1
    jd, fr = jday(2025, 6, 21, 0, 0, 0.0)
    codes, r_km, v_km_s = satrec.sgp4_array(np.full(len(rows), jd), fr + rows[:, 0] / 86400.0)
    assert not codes.any()
    np.testing.assert_allclose(rows[:, 1:4], r_km * 1e3, atol=2e-3)
    np.testing.assert_allclose(rows[:, 4:7], v_km_s * 1e3, atol=2e-6)
    assert mission.world.c.orbit_table_misses == 0


def test_passes_json_agrees_with_skyfield(run):
    """AOS and LOS of a day of passes within 2 s of skyfield's find_events (UT1 - UTC ignored)."""
    _, out = run
    passes = json.loads((out / "passes.json").read_text())
    assert passes and all(p["station"] == "Svalbard" for p in passes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = Loader(skyfield_data.get_skyfield_data_path(), expire=False).timescale()
    satellite = EarthSatellite(*TLE, ts=ts)
    station = wgs84.latlon(78.23, 15.39, elevation_m=500.0)
    times, events = satellite.find_events(
        station, ts.utc(2025, 6, 21, 0, 0, 0), ts.utc(2025, 6, 22, 0, 0, 0), altitude_degrees=5.0
    )
    rises = [t.utc_datetime() for t, e in zip(times, events, strict=True) if e == 0]
    sets = [t.utc_datetime() for t, e in zip(times, events, strict=True) if e == 2]
    whole = [p for p in passes if not p["cut_by_run"]]
    assert whole
    for p in whole:
        aos = datetime.fromisoformat(p["aos_utc"].replace("Z", "+00:00"))
        los = datetime.fromisoformat(p["los_utc"].replace("Z", "+00:00"))
        assert min(abs((aos - r).total_seconds()) for r in rises) < 2.0
        assert min(abs((los - s).total_seconds()) for s in sets) < 2.0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ground"]["passes"] == sum(p["aos_s"] < 3 * 3600 for p in passes)
    assert passes[-1]["los_s"] > 20 * 3600, "a run shorter than a day still predicts a day of passes"
