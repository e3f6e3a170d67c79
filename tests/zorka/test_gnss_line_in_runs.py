"""The GNSS as a receiver on a serial line in a run (`zorka run --gnss PROTOCOL:sim`): the simulator speaks
UBX or NMEA on a pseudo-terminal and the flight software navigates from the hal driver reading it. Over
ten minutes the onboard orbit knowledge and the pointing figures stay within 10 % of the run with the
simulated GNSS read directly (issue 13's acceptance); bad lines are one-line errors."""

import subprocess
import sys

import numpy as np
import pytest

from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO

RUN_S = 600.0
SAMPLE_FRAMES = 100  # the onboard orbit against the truth every 10 s


def run(gnss: str | None) -> tuple[dict, np.ndarray]:
    """The summary and the onboard orbit's position error (m) every 10 s."""
    mission = Mission(DEFAULT_SCENARIO, RUN_S, gnss=gnss)
    errors_m = []
    try:
        for _ in range(round(RUN_S / mission.frame_s) // SAMPLE_FRAMES):
            mission.run_frames(SAMPLE_FRAMES)
            onboard = mission.flight.attitude.orbit
            onboard.propagate_to(mission.flight.executive.t_s)
            errors_m.append(float(np.linalg.norm(onboard.r_eci - mission.world.r_eci)))
        summary = mission.summary()
        if gnss is not None:
            assert mission.devices.gnss.counts["fixes"] > 450  # 1 Hz, less a simulated outage
            assert mission.gnss_line.output.sent == mission.devices.gnss.counts["fixes"]
    finally:
        mission.close()
    return summary, np.array(errors_m)


@pytest.fixture(scope="module")
def simulated():
    return run(None)


@pytest.mark.parametrize("protocol", ["ubx", "nmea"])
def test_a_receiver_on_a_pty_navigates_within_ten_percent_of_the_simulated_gnss(simulated, protocol):
    summary, orbit_error_m = run(f"{protocol}:sim")
    reference_summary, reference_error_m = simulated
    rms_m = float(np.sqrt(np.mean(orbit_error_m**2)))
    reference_rms_m = float(np.sqrt(np.mean(reference_error_m**2)))
    print(f"{protocol}: orbit knowledge rms {rms_m:.2f} m (simulated {reference_rms_m:.2f} m)")
    assert rms_m <= 1.1 * reference_rms_m
    for figure in ("mean", "p99"):
        assert (
            summary["attitude"]["error_deg"][figure]
            <= 1.1 * reference_summary["attitude"]["error_deg"][figure]
        )
    assert (
        summary["attitude"]["rate_error_deg_s"]["p99"]
        <= 1.1 * reference_summary["attitude"]["rate_error_deg_s"]["p99"]
    )


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("gps:sim", "not PROTOCOL:PORT[@BAUD]"),
        ("ubx", "not PROTOCOL:PORT[@BAUD]"),
        ("nmea:/dev/ttyUSB1@fast", "baud rate after @"),
    ],
)
def test_a_bad_gnss_line_is_one_line(given, says):
    done = subprocess.run(
        [sys.executable, "-m", "zorka", "run", "--gnss", given, "--duration", "1s"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and says in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_an_absent_receiver_port_is_an_error_before_the_run(tmp_path):
    with pytest.raises(OSError, match="cannot open the GNSS receiver's port"):
        Mission(DEFAULT_SCENARIO, 1.0, gnss=f"ubx:{tmp_path / 'no-such-port'}")
