"""Every device kind of sim.board_server through hal.serial_devices over a real pty: each board device
reads exactly what the simulator's own model reads from the same truth with the same seed, and the
actuators latch what the simulated ones latch."""

import threading

import numpy as np
import pytest

from hal.serial_devices import (
    SerialGnss,
    SerialMagnetometer,
    SerialMagnetorquers,
    SerialPowerSystem,
    SerialStarTracker,
    SerialSunSensor,
)
from hal.serial_link import SerialLink
from sim.board_models import EPS_TRUTH, BoardModels
from sim.board_server import BoardServer
from sim.spacecraft import DEFAULT_SPACECRAFT

SEED = 5
FRAME_S = 0.1
TRUTH = {
    "t_s": 0.0,
    "gmst_rad": 1.25,
    "r_eci": [6878137.0, 1000.0, -2000.0],
    "v_eci": [10.0, 1040.0, 7530.0],
    "q_ib": [0.1, -0.2, 0.3, float(np.sqrt(1.0 - 0.14))],
    "w_b": [0.001, -0.002, 0.003],
    "b_eci_t": [2.0e-5, -1.0e-5, 3.0e-5],
    "r_sun_eci": [-1.4e11, 2.0e10, 1.0e10],
    "sun_fraction": 1.0,
    "dipole_am2": [1.0, -2.0, 0.5],
    "eps_truth": [0.8, 30.1, 120.0, 75.0, 45.0],
    "eps_flags": 2,
    "load_on": [1.0] * len(DEFAULT_SPACECRAFT.power.loads),
}


@pytest.fixture
def board():
    server = BoardServer(port="pty", seed=SEED, gyro_period_s=FRAME_S)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    link = SerialLink(server.path, timeout_s=1.0)
    assert link.request("sim", "truth", **TRUTH)["msg"] == "truth.ok"
    yield server, link
    link.close()
    server.stop()
    thread.join(timeout=5.0)
    server.close()


@pytest.fixture
def reference():
    """The simulator's models with the board's power-on seed, over the same truth."""
    models = BoardModels(DEFAULT_SPACECRAFT, SEED, FRAME_S)
    models.truth.write(TRUTH)
    return models


def test_sensors_read_bit_for_bit_what_the_simulated_models_read(board, reference):
    _, link = board
    tracker, magnetometer = SerialStarTracker(link), SerialMagnetometer(link)
    sun, gnss = SerialSunSensor(link), SerialGnss(link)
    for _ in range(3):
        assert tracker.sample() == reference.star_tracker.sample()
        assert tracker.blinded == reference.star_tracker.blinded
        assert magnetometer.sample() and reference.magnetometer.sample()
        assert sun.sample() == reference.sun_sensor.sample()
        assert gnss.sample() == reference.gnss.sample()
        assert np.array_equal(tracker.q_ib, reference.star_tracker.q_ib)
        assert np.array_equal(magnetometer.b_b_t, reference.magnetometer.b_b_t)
        assert np.array_equal(sun.s_b, reference.sun_sensor.s_b)
        assert np.array_equal(gnss.r_ecef_m, reference.gnss.r_ecef_m)
        assert np.array_equal(gnss.v_ecef_m_s, reference.gnss.v_ecef_m_s)
    assert np.linalg.norm(magnetometer.b_b_t) > 1e-5, "a field of the stimulated order (tesla)"


def test_star_tracker_flags_a_reading_lost_to_the_sun(board, reference):
    _, link = board
    tracker = SerialStarTracker(link)
    # The tracker looks along -Z_B tilted 30 deg: put the sun along -Z_B in inertial (q_ib identity).
    blinding = {"q_ib": [0.0, 0.0, 0.0, 1.0], "r_sun_eci": [0.0, 0.0, -1.5e11], "t_s": 0.0}
    assert link.request("sim", "truth", **blinding)["msg"] == "truth.ok"
    reference.truth.write(blinding)
    assert tracker.sample() is False and tracker.blinded is True
    assert reference.star_tracker.sample() is False and reference.star_tracker.blinded


def test_magnetorquers_latch_the_simulated_dipole_and_report_it(board, reference):
    _, link = board
    torquers = SerialMagnetorquers(link, DEFAULT_SPACECRAFT.magnetorquers.dipole_max_am2)
    torquers.dipole_cmd_am2[:] = [5.0, -50.0, 0.25]
    torquers.apply()
    reference.magnetorquers.dipole_cmd_am2[:] = [5.0, -50.0, 0.25]
    reference.magnetorquers.apply()
    applied = link.request("magnetorquers", "applied")["dipole_am2"]
    assert applied == reference.magnetorquers.dipole_applied_am2.tolist()
    assert applied[1] == -DEFAULT_SPACECRAFT.magnetorquers.dipole_max_am2
    assert torquers.command_counters.ok == 1


def test_eps_reads_the_truth_and_switches_its_outputs(board, reference):
    _, link = board
    eps = SerialPowerSystem(link, DEFAULT_SPACECRAFT.power.load_names)
    assert eps.sample() and reference.eps.sample()
    assert np.array_equal(eps.readings, reference.eps.readings)
    assert eps.flags == 2 and list(eps.load_on) == [1] * len(eps.load_names)
    assert eps.readings[0] == pytest.approx(TRUTH["eps_truth"][0], rel=0.05)
    assert len(EPS_TRUTH) == len(eps.READINGS)

    assert eps.switch("payload", False)
    assert not eps.switch("kettle", True), "no such output: refused, as the simulated EPS refuses it"
    assert eps.command_counters.errors == 1
    load_on = link.request("eps", "applied")["load_on"]
    assert load_on[eps.load_names.index("payload")] == 0 and sum(load_on) == len(load_on) - 1
