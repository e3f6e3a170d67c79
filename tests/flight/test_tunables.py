"""Service 20 with real tunables: each one, set by a parameters_set TC (20,3), changes what the flight
software does — seen in its actuator commands, mode transitions, events or captures against a twin
mission of the same seed left at the defaults — and the values survive a restart in parameters.json.

Twins: two missions of one scenario and seed are identical frame by frame (the behaviour pin relies on
it), so any difference after the TC is the tunable's doing.
"""

import math
import struct

import numpy as np
import pytest

from flight.adcs.modes import Mode
from flight.software import APID
from tests.flight.pus_packets import tc
from tests.zorka.test_imaging_chain import FIRST_PASS_DONE_S, barents_targets, imaging_scenario
from zorka.run.mission import Mission
from zorka.scenario.model import FaultSpec, Scenario

DEG = math.pi / 180.0
SEED = 6
WARM_FRAMES = 1200  # 120 s: the estimate converged, the initial slew onto nadir done, NOMINAL

_seq = iter(range(1, 1 << 14))


def mission(duration_s: float = 2000.0, warm_frames: int = WARM_FRAMES, **scenario) -> Mission:
    m = Mission(Scenario(seed=SEED, **scenario), duration_s)
    m.run_frames(warm_frames)
    return m


def set_by_tc(m: Mission, **values: float) -> None:
    """One parameters_set TC with a group per tunable; it must complete, and the values read back."""
    flight = m.flight
    tunables = [flight.dictionary.tunables[name] for name in values]
    data = bytes([len(values)]) + b"".join(struct.pack(">Hd", t.id, float(values[t.name])) for t in tunables)
    completed = flight.pus.acceptor.completed
    assert flight.accept_telecommand(tc(20, 3, data, seq=next(_seq), apid=APID))
    assert flight.pus.acceptor.completed == completed + 1, flight.pus.acceptor.last_error
    for t in tunables:
        assert t.getter() == values[t.name]


def command(m: Mission, name: str, **args) -> None:
    """A telecommand by name through the dictionary; it must complete."""
    spec = m.flight.dictionary.commands[name]
    raw = tc(spec.service, spec.subtype, spec.encode(args), seq=next(_seq), apid=APID)
    completed = m.flight.pus.acceptor.completed
    assert m.flight.accept_telecommand(raw)
    assert m.flight.pus.acceptor.completed == completed + 1, m.flight.pus.acceptor.last_error


def mode_changes(m: Mission) -> list[tuple[float, str]]:
    return [(e.t_s, e.text) for e in m.flight.events.named("mode_change")]


def first_divergence(a: Mission, b: Mission, observe, frames: int) -> int | None:
    """The first of `frames` frames after which `observe(mission)` differs between the twins."""
    for k in range(frames):
        a.run_frames(1)
        b.run_frames(1)
        if not np.array_equal(observe(a), observe(b)):
            return k
    return None


def wheel_torque(m: Mission) -> np.ndarray:
    return m.flight.devices.wheels.torque_cmd_nm.copy()


def dipole(m: Mission) -> np.ndarray:
    return m.flight.devices.magnetorquers.dipole_cmd_am2.copy()


def test_twins_stay_identical_without_a_tc():
    a, b = mission(), mission()
    assert first_divergence(a, b, wheel_torque, 50) is None


@pytest.mark.parametrize(
    ("name", "value", "observe"),
    [
        ("pointing_bandwidth_rad_s", 0.3, wheel_torque),
        ("pointing_damping", 1.5, wheel_torque),
        ("integral_torque_max_nm", 0.0, wheel_torque),
        ("integral_zone_rad", 0.0, wheel_torque),
        ("wheel_speed_bias_rad_s", 0.0, wheel_torque),
        ("wheel_bias_time_constant_s", 10.0, wheel_torque),
        ("momentum_dumping_gain_per_s", 0.02, dipole),
    ],
)
def test_a_control_tunable_changes_the_actuator_commands_at_once(name, value, observe):
    a, b = mission(), mission()
    set_by_tc(b, **{name: value})
    assert first_divergence(a, b, observe, 10) is not None


def test_the_bdot_gain_changes_the_detumbling_dipole():
    a, b = mission(), mission()
    for m in (a, b):
        command(m, "set_adcs_mode", mode=Mode.DETUMBLE)
    set_by_tc(b, bdot_gain_am2_s_t=2.0 * b.flight.dictionary.tunables["bdot_gain_am2_s_t"].default)
    assert first_divergence(a, b, dipole, 20) is not None
    assert np.linalg.norm(dipole(b)) > np.linalg.norm(dipole(a))


@pytest.mark.parametrize(("name", "factor"), [("slew_rate_max_rad_s", 0.25), ("slew_accel_max_rad_s2", 0.1)])
def test_slew_limits_lengthen_the_slew_the_adcs_flies_and_the_payload_plans(name, factor):
    a, b = mission(), mission()
    set_by_tc(b, **{name: factor * b.flight.dictionary.tunables[name].default})
    q_ib = [0.0, math.sin(20.0 * DEG), 0.0, math.cos(20.0 * DEG)]
    for m in (a, b):
        command(m, "hold_inertial", q_x=q_ib[0], q_y=q_ib[1], q_z=q_ib[2], q_w=q_ib[3])
    t_s = a.flight.executive.t_s
    assert b.flight.attitude.join.t_end_s - t_s > 1.5 * (a.flight.attitude.join.t_end_s - t_s)
    assert b.flight.payload.slew_s(math.pi / 4) > a.flight.payload.slew_s(math.pi / 4) + 10.0


def test_the_detumble_entry_rate_sends_a_pointing_mode_to_detumble():
    a, b = mission(), mission()
    set_by_tc(b, detumble_entry_rate_rad_s=5e-4)  # under the ~1.1e-3 rad/s of nadir pointing
    a.run_frames(30)
    b.run_frames(30)
    assert (a.flight.attitude.mode, b.flight.attitude.mode) == (Mode.NOMINAL, Mode.DETUMBLE)


def test_the_estimate_sigma_limit_sends_a_pointing_mode_to_sun_safe():
    a, b = mission(), mission()
    set_by_tc(b, estimate_sigma_limit_rad=1e-7)
    a.run_frames(30)
    b.run_frames(30)
    assert (a.flight.attitude.mode, b.flight.attitude.mode) == (Mode.NOMINAL, Mode.SUN_SAFE)
    assert "attitude estimate diverged" in mode_changes(b)[-1][1]


def test_the_detumble_exit_thresholds_decide_when_detumble_ends():
    a, quick, strict = mission(), mission(), mission()
    for m in (a, quick, strict):
        command(m, "set_adcs_mode", mode=Mode.DETUMBLE)
    set_by_tc(quick, detumble_exit_hold_s=5.0)
    set_by_tc(strict, detumble_exit_rate_rad_s=1e-5)
    for m in (a, quick, strict):
        m.run_frames(200)
    assert [m.flight.attitude.mode for m in (a, quick, strict)] == [
        Mode.DETUMBLE,
        Mode.SUN_SAFE,
        Mode.DETUMBLE,
    ]
    for m in (a, quick, strict):
        m.run_frames(600)
    assert [m.flight.attitude.mode for m in (a, quick, strict)] == [
        Mode.SUN_SAFE,
        Mode.SUN_SAFE,
        Mode.DETUMBLE,
    ]


def test_the_auto_nominal_rules_decide_when_sun_safe_ends():
    runs = {"default": {}, "quick": {"auto_nominal_hold_s": 5.0}, "off": {"auto_nominal": 0}}
    runs["slow_rates_only"] = {"pointing_rate_limit_rad_s": 1e-7}  # under the gyro noise
    missions = {name: mission() for name in runs}
    for name, m in missions.items():
        command(m, "set_adcs_mode", mode=Mode.SUN_SAFE)
        if runs[name]:
            set_by_tc(m, **runs[name])
    back = {}
    for _ in range(40):  # 400 s
        for name, m in missions.items():
            m.run_frames(100)
            if name not in back and m.flight.attitude.mode == Mode.NOMINAL:
                back[name] = m.flight.executive.t_s
    assert set(back) == {"default", "quick"}
    assert back["quick"] < back["default"] - 60.0


def test_the_star_tracker_timeout_decides_how_soon_a_dead_tracker_is_failed():
    fault = (FaultSpec("star_tracker", "dead", 200.0),)
    a, b = mission(faults=fault), mission(faults=fault)
    set_by_tc(b, star_tracker_timeout_s=2.0)
    for m in (a, b):
        m.run_frames(1000)
    t_a, t_b = (next(t for t, text in mode_changes(m) if "star tracker failed" in text) for m in (a, b))
    assert 200.0 + 10.0 <= t_a <= 200.0 + 12.0
    assert 200.0 + 2.0 <= t_b <= 200.0 + 4.0


def test_the_wheel_fault_threshold_and_strikes_decide_when_a_wheel_is_failed():
    a, touchy, patient = mission(), mission(), mission()
    set_by_tc(touchy, wheel_fault_threshold_rad_s=1e-9)
    set_by_tc(patient, wheel_fault_threshold_rad_s=1e-9, wheel_fault_strikes=12)
    t0_s = a.flight.executive.t_s
    for m in (a, touchy, patient):
        m.run_frames(200)
    failed = [[e.t_s for e in m.flight.events.named("wheel_failed")] for m in (a, touchy, patient)]
    assert failed[0] == []
    assert failed[1] and failed[1][0] - t0_s <= 5.0
    assert failed[2] and failed[2][0] - t0_s >= 11.0


def test_the_battery_low_limit_and_its_repetition_decide_the_monitoring_event():
    a, b, c = mission(), mission(), mission()
    set_by_tc(b, battery_soc_low_limit=0.99)
    set_by_tc(c, battery_soc_low_limit=0.99, battery_soc_check_repetition=20)
    t0_s = a.flight.executive.t_s
    for m in (a, b, c):
        m.run_frames(300)
    low = [[e.t_s for e in m.flight.events.named("limit_low_violated")] for m in (a, b, c)]
    assert low[0] == []
    assert low[1] and low[1][0] - t0_s <= 4.0
    assert low[2] and 19.0 <= low[2][0] - t0_s <= 22.0


class LateClock:
    """A flight computer too slow for its frames: every frame ends past its deadline, though never by a
    whole frame (so none is skipped)."""

    late_by_s = 0.01

    def __init__(self, clock):
        self._clock = clock

    def wait_until(self, t_s: float) -> bool:
        self._clock.wait_until(t_s)
        return False


def test_the_overrun_limit_decides_whether_overruns_raise_an_event():
    a, b = mission(), mission()
    set_by_tc(b, overruns_high_limit=1000.0)
    for m in (a, b):
        m.flight.executive.clock = LateClock(m.flight.executive.clock)
        m.run_frames(100)
    assert a.flight.events.named("limit_high_violated")
    assert not b.flight.events.named("limit_high_violated")
    assert b.flight.housekeeping.as_dict()["overruns"] > 50


@pytest.fixture(scope="module")
def first_pass():
    """The imaging scenario of tests/zorka/test_imaging_chain.py over its first daylit pass, at the
    defaults and with each payload reserve set by TC at the start: (payload counts, events) each."""
    scenario = imaging_scenario(barents_targets(6))
    runs = {
        "default": {},
        "battery": {"battery_reserve_soc": 1.0},
        "memory": {"capture_memory_reserve_bytes": 2**32 - 1},
    }
    outcome = {}
    for name, values in runs.items():
        m = Mission(scenario, FIRST_PASS_DONE_S)
        if values:
            set_by_tc(m, **values)
        m.run_frames(round(FIRST_PASS_DONE_S / m.frame_s))
        outcome[name] = (m.flight.payload.counts, m.flight.events)
        m.close()
    return outcome


def test_the_battery_reserve_refuses_captures_below_it(first_pass):
    default, _ = first_pass["default"]
    counts, events = first_pass["battery"]
    assert default.captures_started > 0
    assert counts.captures_started == 0
    assert any("below the 1.00 reserve" in e.text for e in events)


def test_the_memory_reserve_defers_captures_that_would_not_fit(first_pass):
    default, _ = first_pass["default"]
    counts, _ = first_pass["memory"]
    assert default.captures_deferred == 0 and default.captures_started > 0
    assert counts.captures_deferred > 0 and counts.captures_started == 0


def test_a_value_out_of_range_is_refused_whole_and_counted(tmp_path):
    m = mission(warm_frames=10)
    flight = m.flight
    bandwidth = flight.dictionary.tunables["pointing_bandwidth_rad_s"]
    damping = flight.dictionary.tunables["pointing_damping"]
    data = bytes([2]) + struct.pack(">HdHd", damping.id, 1.2, bandwidth.id, 5.0)
    assert not flight.accept_telecommand(tc(20, 3, data, seq=next(_seq), apid=APID))
    assert (bandwidth.getter(), damping.getter()) == (bandwidth.default, damping.default)
    assert flight.application["pus_parameters"].counters.errors == 1
    assert flight.pus.parameters.sets == 0


def test_set_values_survive_a_restart_and_drive_the_new_flight_software(tmp_path):
    values = {"pointing_bandwidth_rad_s": 0.25, "wheel_fault_strikes": 7, "auto_nominal": 0}
    values |= {"battery_soc_low_limit": 0.4, "capture_memory_reserve_bytes": 8 << 20}
    first = Mission(Scenario(seed=SEED), 100.0, out_dir=tmp_path)
    set_by_tc(first, **values)
    first.close()
    assert (tmp_path / "parameters.json").exists() and not list(tmp_path.glob("*.tmp"))

    again = Mission(Scenario(seed=SEED), 100.0, out_dir=tmp_path)
    flight = again.flight
    assert flight.pus.parameters.load_status == "loaded"
    assert {name: flight.dictionary.tunables[name].getter() for name in values} == values
    assert flight.attitude.control.c.kp[0] == pytest.approx(flight.attitude.control._j_diag[0] * 0.25**2)
    assert flight.attitude.wheel_monitor.strikes_to_fail == 7
    assert flight.attitude.modes.limits.auto_nominal == 0
    soc = flight.dictionary.parameters["eps_battery_soc"].id
    assert flight.pus.monitoring.definitions[soc].low == 0.4
    assert flight.payload.product_bytes_max == 8 << 20
    again.close()


COVERED = {
    "pointing_bandwidth_rad_s",
    "pointing_damping",
    "integral_torque_max_nm",
    "integral_zone_rad",
    "slew_rate_max_rad_s",
    "slew_accel_max_rad_s2",
    "wheel_speed_bias_rad_s",
    "wheel_bias_time_constant_s",
    "momentum_dumping_gain_per_s",
    "bdot_gain_am2_s_t",
    "detumble_entry_rate_rad_s",
    "detumble_exit_rate_rad_s",
    "detumble_exit_hold_s",
    "pointing_rate_limit_rad_s",
    "estimate_sigma_limit_rad",
    "auto_nominal",
    "auto_nominal_hold_s",
    "star_tracker_timeout_s",
    "wheel_fault_threshold_rad_s",
    "wheel_fault_strikes",
    "battery_reserve_soc",
    "capture_memory_reserve_bytes",
    "battery_soc_low_limit",
    "battery_soc_check_repetition",
    "overruns_high_limit",
}
"""The tunables the tests above set by TC and see act."""


def test_every_tunable_is_declared_with_a_unit_or_kind_a_description_and_a_test():
    tunables = mission(warm_frames=0).flight.dictionary.tunables
    assert set(tunables) == COVERED and len(tunables) >= 20
    for t in tunables.values():
        assert t.description and (t.type.unit or t.type.kind == "bool"), t.name
        assert t.type.valid(t.default) and t.getter() == t.default, t.name
