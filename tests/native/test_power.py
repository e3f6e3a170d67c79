"""The power truth (native/sim/power.c) against closed forms: the flux on a flat panel at a known incidence
(S A eta packing cos), the shadow and distance scaling, the battery's energy integral with its
efficiencies, the shunt and brown-out limits, the actuator draw formulas, and the bus voltage of a
source with internal resistance (V = V_oc + R I, V I = P). Geometry comes from scipy rotations.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from native import ffi, lib, ptr

S_W_M2 = 1361.0
AU_M = 149597870700.0
WH = 3600.0
AREA_M2, ETA, PACKING = 0.5, 0.3, 0.9
CAPACITY_J = 400.0 * WH
DT_S = 0.1
NO_WHEELS = np.zeros(1)
NO_DIPOLE = np.zeros(3)
R_SAT_ECI = np.array([4.0e6, -3.0e6, 4.5e6])


def power(normal_b=(0.0, 0.0, -1.0), loads_w=(), soc=0.5, r_internal_ohm=0.1):
    """A power system with one panel and the given loads (all on), built here field by field."""
    p = ffi.new("zk_power *")
    p.n_panels = 1
    p.panel_normal_b[0:3] = list(normal_b)
    p.panel_area_m2[0], p.panel_efficiency[0], p.panel_packing[0] = AREA_M2, ETA, PACKING
    p.capacity_j = CAPACITY_J
    p.charge_max_w, p.discharge_max_w = 200.0, 400.0
    p.charge_efficiency, p.discharge_efficiency = 0.96, 0.93
    p.soc_recover = 0.2
    p.v_empty_v, p.v_full_v, p.r_internal_ohm = 24.0, 33.6, r_internal_ohm
    p.n_loads = len(loads_w)
    for k, w in enumerate(loads_w):
        p.load_w[k], p.load_on[k] = w, 1
    p.wheel_idle_w, p.wheel_motor_efficiency, p.mtq_w_per_am2_sq = 2.0, 0.75, 1.0 / 400.0
    p.soc = soc
    return p


def sun_at_incidence(q_ib: np.ndarray, normal_b, incidence_rad: float, distance_m: float = AU_M):
    """r_sun_eci such that the sun, seen from R_SAT_ECI, is `incidence_rad` from the panel normal."""
    n = np.asarray(normal_b, dtype=float)
    across = np.cross(n, [1.0, 0.0, 0.0])
    across /= np.linalg.norm(across)
    s_b = np.cos(incidence_rad) * n + np.sin(incidence_rad) * across
    return R_SAT_ECI + distance_m * Rotation.from_quat(q_ib).apply(s_b)


def step(
    p, q_ib, r_sun_eci, sun_fraction, wheel_torque_nm=NO_WHEELS, wheel_speed_rad_s=NO_WHEELS, dipole=NO_DIPOLE
):
    lib.zk_power_step(
        p,
        ptr(q_ib),
        ptr(R_SAT_ECI),
        ptr(r_sun_eci),
        sun_fraction,
        ptr(wheel_torque_nm),
        ptr(wheel_speed_rad_s),
        0 if wheel_torque_nm is NO_WHEELS else len(wheel_torque_nm),
        ptr(dipole),
        DT_S,
    )


Q_IB = Rotation.from_rotvec([0.3, -1.1, 0.7]).as_quat()
NORMAL_B = np.array([0.2, -0.5, -0.8]) / np.linalg.norm([0.2, -0.5, -0.8])


@pytest.mark.parametrize("incidence_deg", [0.0, 25.0, 60.0, 89.0, 90.0, 120.0, 180.0])
def test_one_panel_at_a_known_incidence(incidence_deg):
    p = power(NORMAL_B)
    incidence = np.deg2rad(incidence_deg)
    step(p, Q_IB, sun_at_incidence(Q_IB, NORMAL_B, incidence), 1.0)
    expected_w = S_W_M2 * AREA_M2 * ETA * PACKING * max(0.0, np.cos(incidence))
    assert p.solar_power_w == pytest.approx(expected_w, rel=1e-12, abs=1e-12)


def test_flux_scales_with_the_inverse_square_of_the_sun_distance():
    p = power(NORMAL_B)
    step(p, Q_IB, sun_at_incidence(Q_IB, NORMAL_B, 0.0, 0.9833 * AU_M), 1.0)  # perihelion
    assert p.solar_power_w == pytest.approx(S_W_M2 / 0.9833**2 * AREA_M2 * ETA * PACKING, rel=1e-12)


@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.25, 1.0])
def test_shadow_scales_the_power_by_the_visible_fraction(fraction):
    p = power(NORMAL_B)
    step(p, Q_IB, sun_at_incidence(Q_IB, NORMAL_B, np.deg2rad(30.0)), fraction)
    full_w = S_W_M2 * AREA_M2 * ETA * PACKING * np.cos(np.deg2rad(30.0))
    assert p.solar_power_w == pytest.approx(fraction * full_w, rel=1e-12, abs=0.0)


def test_discharge_over_time_is_the_energy_integral_with_the_discharge_efficiency():
    load_w, soc0, n = 150.0, 0.6, 36_000  # one hour in eclipse
    p = power(loads_w=(load_w,), soc=soc0)
    sun = sun_at_incidence(Q_IB, NORMAL_B, 0.0)
    for _ in range(n):
        step(p, Q_IB, sun, 0.0)
    expected = soc0 - load_w * n * DT_S / (0.93 * CAPACITY_J)
    assert p.soc == pytest.approx(expected, abs=1e-12)
    assert p.battery_power_w == pytest.approx(-load_w)
    assert p.flags == 0


def test_charge_over_time_is_the_energy_integral_with_the_charge_efficiency():
    soc0, n, load_w = 0.3, 18_000, 40.0
    p = power(NORMAL_B, loads_w=(load_w,), soc=soc0)
    sun = sun_at_incidence(Q_IB, NORMAL_B, np.deg2rad(40.0))
    for _ in range(n):
        step(p, Q_IB, sun, 1.0)
    net_w = S_W_M2 * AREA_M2 * ETA * PACKING * np.cos(np.deg2rad(40.0)) - load_w
    assert p.soc == pytest.approx(soc0 + 0.96 * net_w * n * DT_S / CAPACITY_J, abs=1e-12)
    assert p.battery_power_w == pytest.approx(net_w, rel=1e-12)
    assert p.shunt_power_w == 0.0


def test_a_full_battery_shunts_the_surplus():
    p = power(NORMAL_B, loads_w=(30.0,), soc=1.0)
    step(p, Q_IB, sun_at_incidence(Q_IB, NORMAL_B, 0.0), 1.0)
    solar_w = S_W_M2 * AREA_M2 * ETA * PACKING
    assert (p.soc, p.battery_power_w, p.load_power_w) == (1.0, 0.0, 30.0)
    assert p.shunt_power_w == pytest.approx(solar_w - 30.0, rel=1e-12)
    assert p.flags == lib.ZK_POWER_SHUNT


def test_the_last_step_before_full_fills_exactly_and_shunts_the_rest():
    solar_w = S_W_M2 * AREA_M2 * ETA * PACKING
    room_j = 5.0  # less than a step's surplus
    p = power(NORMAL_B, soc=1.0 - room_j / CAPACITY_J)
    step(p, Q_IB, sun_at_incidence(Q_IB, NORMAL_B, 0.0), 1.0)
    assert p.soc == 1.0
    assert p.battery_power_w == pytest.approx(room_j / (0.96 * DT_S), rel=1e-9)
    assert p.shunt_power_w == pytest.approx(solar_w - room_j / (0.96 * DT_S), rel=1e-9)


def test_charge_power_is_limited_and_the_excess_shunted():
    p = power(normal_b=(0.0, 0.0, -1.0), soc=0.5)
    p.panel_area_m2[0] = 2.0  # 2 m^2 at normal incidence: ~735 W, above the 200 W charge limit
    q = np.array([0.0, 0.0, 0.0, 1.0])
    step(p, q, sun_at_incidence(q, (0.0, 0.0, -1.0), 0.0), 1.0)
    assert p.battery_power_w == 200.0
    assert p.shunt_power_w == pytest.approx(S_W_M2 * 2.0 * ETA * PACKING - 200.0, rel=1e-12)
    assert p.flags & lib.ZK_POWER_SHUNT


def test_an_empty_battery_cuts_the_loads_until_the_recovery_soc():
    p = power(NORMAL_B, loads_w=(60.0,), soc=1e-6)  # 0.0144 J left, 6 J asked for
    sun = sun_at_incidence(Q_IB, NORMAL_B, 0.0)
    step(p, Q_IB, sun, 0.0)
    assert p.flags & lib.ZK_POWER_BROWNOUT
    assert (p.load_power_w, p.battery_power_w, p.soc) == (0.0, 0.0, 1e-6)

    # Back in the sun (~184 W): all of it charges the battery while the loads stay cut.
    solar_w = S_W_M2 * AREA_M2 * ETA * PACKING
    steps_to_recover = int(np.ceil((0.2 - 1e-6) * CAPACITY_J / (0.96 * solar_w * DT_S)))
    for _ in range(steps_to_recover):
        step(p, Q_IB, sun, 1.0)
        assert p.flags & lib.ZK_POWER_BROWNOUT and p.load_power_w == 0.0
    assert p.soc >= 0.2
    step(p, Q_IB, sun, 1.0)
    assert p.flags == 0
    assert p.load_power_w == 60.0
    assert p.battery_power_w == pytest.approx(solar_w - 60.0, rel=1e-12)


def test_a_deficit_over_the_discharge_limit_browns_out():
    p = power(loads_w=(450.0,), soc=0.9)
    step(p, Q_IB, sun_at_incidence(Q_IB, NORMAL_B, 0.0), 0.0)
    assert p.flags & lib.ZK_POWER_BROWNOUT
    assert (p.load_power_w, p.soc) == (0.0, 0.9)


def test_wheel_draw_is_idle_plus_mechanical_power_over_motor_efficiency():
    torque = np.array([0.1, -0.2, 0.05, 0.0])
    speed = np.array([300.0, 400.0, -500.0, 600.0])  # the second wheel is braking: not recovered
    expected_w = 4 * 2.0 + (30.0 + 80.0 + 25.0 + 0.0) / 0.75
    p = power(soc=0.5)
    assert lib.zk_power_wheels_w(p, ptr(torque), ptr(speed), 4) == pytest.approx(expected_w, rel=1e-14)
    step(p, Q_IB, sun_at_incidence(Q_IB, NORMAL_B, 0.0), 0.0, torque, speed)
    assert p.load_power_w == pytest.approx(expected_w, rel=1e-14)


def test_magnetorquer_draw_is_the_coil_resistance_model():
    dipole = np.array(
        [20.0, -10.0, 5.0]
    )  # P = R I^2 per rod with I = m / (N A): k m^2, k = 1 W / (20 A m^2)^2
    p = power(soc=0.5)
    expected_w = (400.0 + 100.0 + 25.0) / 400.0
    assert lib.zk_power_magnetorquers_w(p, ptr(dipole)) == pytest.approx(expected_w, rel=1e-14)
    step(p, Q_IB, sun_at_incidence(Q_IB, NORMAL_B, 0.0), 0.0, dipole=dipole)
    assert p.load_power_w == pytest.approx(expected_w, rel=1e-14)


@pytest.mark.parametrize("soc", [0.0, 0.37, 1.0])
def test_open_circuit_voltage_is_linear_in_soc(soc):
    p = power(soc=soc)
    assert lib.zk_power_bus_voltage_v(p, soc, 0.0) == pytest.approx(24.0 + 9.6 * soc, rel=1e-15)


@pytest.mark.parametrize("battery_w", [-400.0, -75.0, 120.0, 200.0])
def test_bus_voltage_obeys_the_internal_resistance_and_the_terminal_power(battery_w):
    p = power(soc=0.4, r_internal_ohm=0.1)
    v_oc = 24.0 + 9.6 * 0.4
    v = lib.zk_power_bus_voltage_v(p, 0.4, battery_w)
    current_a = (v - v_oc) / 0.1  # + into the battery
    assert v * current_a == pytest.approx(battery_w, rel=1e-9)
    assert (v < v_oc) == (battery_w < 0.0)


def test_the_step_reports_the_bus_voltage_of_its_battery_power():
    p = power(loads_w=(90.0,), soc=0.7)
    step(p, Q_IB, sun_at_incidence(Q_IB, NORMAL_B, 0.0), 0.0)
    assert p.bus_voltage_v == lib.zk_power_bus_voltage_v(p, p.soc, -90.0)
    assert p.bus_voltage_v < 24.0 + 9.6 * 0.7


def test_power_balances_at_the_bus_every_step():
    """Solar = loads + battery + shunt, through charge, discharge, shunt and brown-out."""
    rng = np.random.default_rng(7)
    p = power(NORMAL_B, loads_w=(50.0, 120.0), soc=0.05)
    for _ in range(2000):
        p.load_on[1] = int(rng.random() < 0.5)
        incidence = rng.uniform(0.0, np.pi)
        step(p, Q_IB, sun_at_incidence(Q_IB, NORMAL_B, incidence), float(rng.choice([0.0, 0.4, 1.0])))
        balance_w = p.solar_power_w - p.load_power_w - p.battery_power_w - p.shunt_power_w
        assert abs(balance_w) < 1e-9
        assert 0.0 <= p.soc <= 1.0
