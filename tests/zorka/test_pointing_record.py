"""The run record's true pointing and rate errors (native/record/record.c) are against the reference the ADCS
tracked, carried to the truth's time (the end of the frame) by its rate and acceleration.

Checked two ways: frame by frame, the recorded errors equal the truth against the step's reference
carried by scipy (exp of the mid-step rate); and the carried reference is the one the guidance computes
afresh at the end of the frame (the controller's next step evaluates the active law there: nadir from
the onboard orbit in NOMINAL, the slew and then target tracking while imaging), except in the frames
where the reference itself moves on (a GNSS fix corrects the onboard orbit once a second, a law takes
over). Frames without a control step (detumbling) record NaN, and the summary's statistics leave them
out."""

import math
from itertools import pairwise

import numpy as np
from scipy.spatial.transform import Rotation

from flight.adcs.modes import Mode
from tests.zorka.test_adcs_acceptance import target_at_off_nadir
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario, StartSpec


def frame_ends(mission: Mission, frames: int) -> list[dict]:
    """Per frame: the truth at its end, the errors recorded for it, and the reference the controller
    had tracked when the frame ended (that of the step at its start)."""
    world, control = mission.world, mission.flight.attitude.control.c
    rows = []

    def hook():
        n = mission.recorder.c.n  # the frame's errors are the last of the recorder's block
        rows.append(
            {
                "q_ib": world.q_ib.copy(),
                "w_b": world.w_b.copy(),
                "err_deg": mission.recorder.err_deg[n - 1],
                "rate_err_deg_s": mission.recorder.rate_err_deg_s[n - 1],
                "q_ref": np.array(list(control.q_ref_ib)),
                "w_ref_r": np.array(list(control.w_ref_r)),
                "alpha_ref_r": np.array(list(control.alpha_ref_r)),
            }
        )

    mission.frame_hooks.append(hook)
    mission.run_frames(frames)
    mission.frame_hooks.remove(hook)
    return rows


def errors_deg(q_ib, w_b, q_ref, w_ref_r) -> tuple[float, float]:
    """Angle from the reference to the attitude, and the body rate against the reference's (in body)."""
    dq = Rotation.from_quat(q_ref).inv() * Rotation.from_quat(q_ib)
    return math.degrees(dq.magnitude()), math.degrees(np.linalg.norm(w_b - dq.inv().apply(w_ref_r)))


def carried_deg(row: dict, dt_s: float) -> tuple[float, float]:
    """The frame's truth against its step's reference carried over dt_s."""
    turn = (row["w_ref_r"] + 0.5 * row["alpha_ref_r"] * dt_s) * dt_s
    q_ref = (Rotation.from_quat(row["q_ref"]) * Rotation.from_rotvec(turn)).as_quat()
    return errors_deg(row["q_ib"], row["w_b"], q_ref, row["w_ref_r"] + row["alpha_ref_r"] * dt_s)


def test_errors_are_against_the_reference_the_adcs_tracked_in_nominal_and_while_imaging():
    mission = Mission(Scenario(seed=6), 1200.0)
    mission.run_frames(600)
    attitude, executive = mission.flight.attitude, mission.flight.executive
    nominal = frame_ends(mission, 300)
    lat, lon = target_at_off_nadir(mission, executive.t_s + 60.0, 25.0)
    assert attitude.image(executive.t_s, lat, lon)
    imaging = frame_ends(mission, 1200)
    assert attitude.mode == Mode.IMAGING
    for rows in (nominal, imaging):
        for row in rows:
            pointing_deg, rate_deg_s = carried_deg(row, mission.frame_s)
            assert abs(row["err_deg"] - pointing_deg) < 1e-9
            assert abs(row["rate_err_deg_s"] - rate_deg_s) < 1e-9
        fresh = np.array(
            [errors_deg(a["q_ib"], a["w_b"], b["q_ref"], b["w_ref_r"])[0] for a, b in pairwise(rows)]
        )
        recorded = np.array([row["err_deg"] for row in rows[:-1]])
        same = np.abs(recorded - fresh) < 1e-6  # 0.004 arcsec: the carry is exact to second order
        assert same.mean() > 0.85, "only the frames of a GNSS fix or a change of law may differ"
        assert np.abs(recorded - fresh).max() < 0.01
    assert max(row["err_deg"] for row in imaging) < 1.0, "against the slew and the target, not nadir"


def test_frames_without_a_control_step_record_nan_and_the_summary_leaves_them_out():
    mission = Mission(Scenario(seed=3, start=StartSpec(mode="DETUMBLE")), 60.0)
    summary = mission.run()
    _, err_deg, rate_err_deg_s = mission.attitude_errors()
    assert len(err_deg) == mission.recorder.frames == 600
    assert (
        mission.flight.attitude.mode == Mode.DETUMBLE
        and np.isnan(err_deg).all()
        and np.isnan(rate_err_deg_s).all()
    )
    assert summary["attitude"]["error_deg"] == {"mean": None, "p99": None, "max": None}
    assert summary["attitude"]["settle_s"] is None
