"""truth.oem and truth.aem read back with a small KVN reader written here from the layouts of CCSDS
502.0-B-3 (OEM) and 504.0-B-2 (AEM), and checked against the run's own truth and against physics."""

from datetime import datetime

import numpy as np
import pytest

from zorka.outputs.run_folder import write_run_folder
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario

DURATION_S = 900.0
OEM_KEYS = {
    "CCSDS_OEM_VERS",
    "CREATION_DATE",
    "ORIGINATOR",
    "OBJECT_NAME",
    "OBJECT_ID",
    "CENTER_NAME",
    "REF_FRAME",
    "TIME_SYSTEM",
    "START_TIME",
    "STOP_TIME",
}
AEM_KEYS = {
    "CCSDS_AEM_VERS",
    "CREATION_DATE",
    "ORIGINATOR",
    "OBJECT_NAME",
    "OBJECT_ID",
    "CENTER_NAME",
    "REF_FRAME_A",
    "REF_FRAME_B",
    "ATTITUDE_DIR",
    "TIME_SYSTEM",
    "START_TIME",
    "STOP_TIME",
    "ATTITUDE_TYPE",
    "QUATERNION_TYPE",
}


def read_kvn(path):
    """(keywords, data rows as (epoch, numbers)): `KEY = value` lines, COMMENT and blank lines skipped,
    META_START/META_STOP and DATA_START/DATA_STOP as section markers, other lines are data."""
    keys, rows = {}, []
    for line in path.read_text().splitlines():
        text = line.strip()
        if (
            not text
            or text.startswith("COMMENT")
            or text in {"META_START", "META_STOP", "DATA_START", "DATA_STOP"}
        ):
            continue
        if "=" in text:
            key, value = (part.strip() for part in text.split("=", 1))
            assert key not in keys, f"{key} twice"
            keys[key] = value
        else:
            epoch, *numbers = text.split()
            rows.append((datetime.fromisoformat(epoch), [float(x) for x in numbers]))
    return keys, rows


def seconds(rows, start):
    return np.array([(epoch - start).total_seconds() for epoch, _ in rows])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    mission = Mission(Scenario(seed=2), DURATION_S)
    summary = mission.run()
    write_run_folder(mission, summary, out)
    return mission, out


def test_oem_has_the_mandatory_keywords_and_1_hz_rows_that_match_the_truth(run):
    mission, out = run
    keys, rows = read_kvn(out / "truth.oem")
    assert set(keys) >= OEM_KEYS
    assert keys["REF_FRAME"] == "TEME" and keys["TIME_SYSTEM"] == "UTC" and keys["CENTER_NAME"] == "EARTH"
    start = datetime.fromisoformat(keys["START_TIME"])
    t_s = seconds(rows, start)
    np.testing.assert_allclose(t_s, np.arange(0.0, DURATION_S + 0.5, 1.0), atol=1e-6)
    assert datetime.fromisoformat(keys["STOP_TIME"]) == rows[-1][0]
    state_km = np.array([numbers for _, numbers in rows])
    truth = mission.truth()
    np.testing.assert_allclose(state_km[:, :3] * 1e3, truth[:, 1:4], atol=1e-3)
    np.testing.assert_allclose(state_km[:, 3:] * 1e3, truth[:, 4:7], atol=1e-6)


def test_oem_velocity_is_the_derivative_of_its_position(run):
    """Central differences of the 1 Hz positions agree with the written velocities to ~mm/s."""
    _, out = run
    _, rows = read_kvn(out / "truth.oem")
    state_km = np.array([numbers for _, numbers in rows])
    v_diff_km_s = (state_km[2:, :3] - state_km[:-2, :3]) / 2.0
    np.testing.assert_allclose(v_diff_km_s, state_km[1:-1, 3:], atol=5e-6)


def dcm_a2b(q):
    """The direction-cosine matrix of a CCSDS quaternion (q1, q2, q3, qc), v_B = M v_A (504.0, annex)."""
    q1, q2, q3, qc = q
    return np.array(
        [
            [q1 * q1 - q2 * q2 - q3 * q3 + qc * qc, 2 * (q1 * q2 + q3 * qc), 2 * (q1 * q3 - q2 * qc)],
            [2 * (q1 * q2 - q3 * qc), -q1 * q1 + q2 * q2 - q3 * q3 + qc * qc, 2 * (q2 * q3 + q1 * qc)],
            [2 * (q1 * q3 + q2 * qc), 2 * (q2 * q3 - q1 * qc), -q1 * q1 - q2 * q2 + q3 * q3 + qc * qc],
        ]
    )


def test_aem_quaternions_are_the_truth_and_put_the_boresight_on_nadir(run):
    """Read with the standard's own DCM: after settling, the body +Z (the imager) points to nadir and
    +X along the velocity, as DESIGN.md says of nadir pointing."""
    mission, out = run
    keys, rows = read_kvn(out / "truth.aem")
    assert set(keys) >= AEM_KEYS
    assert (keys["REF_FRAME_A"], keys["REF_FRAME_B"], keys["ATTITUDE_DIR"]) == ("TEME", "SC_BODY_1", "A2B")
    assert keys["QUATERNION_TYPE"] == "LAST"
    q = np.array([numbers for _, numbers in rows])
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-11)
    np.testing.assert_allclose(q, mission.truth()[:, 7:11], atol=1e-12)
    _, orbit_rows = read_kvn(out / "truth.oem")
    for (_, quat), (_, state) in list(zip(rows, orbit_rows, strict=True))[300:]:
        m = dcm_a2b(quat)
        r, v = np.array(state[:3]), np.array(state[3:])
        nadir_b = m @ (-r / np.linalg.norm(r))
        along_b = m @ (v / np.linalg.norm(v))
        assert np.degrees(np.arccos(np.clip(nadir_b[2], -1, 1))) < 0.1
        assert along_b[0] > 0.99
