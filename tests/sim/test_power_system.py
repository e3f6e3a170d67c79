"""The default power system over one orbit of a 500 km 10:30 LTDN sun-synchronous orbit in nadir pointing,
against an independent numpy integration of the same geometry (panel normals rotated by scipy with
the world's attitude, the sun from the world's r_sun_eci, the shadow from its sun_fraction); and the
simulated EPS board (sim/devices/power_system.py) against the truth and its noise specification.

Statistical bounds are 5 standard errors of the estimator with fixed seeds, as in test_device_models.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from hal.devices import PowerSystem
from native import ffi, lib, ptr
from native.earth_model import MU_EARTH_M3_S2, R_EARTH_M
from native.time_scales import julian_date, parse_utc
from sim import orbit
from sim.devices.power_system import SimPowerSystem
from sim.power import BatterySpec, LoadSpec, PowerSpec, power_state
from sim.randomness import model_seed
from sim.spacecraft import DEFAULT_SPACECRAFT
from sim.world import World

S_W_M2 = 1361.0
AU_M = 149597870700.0
WH = 3600.0
DT_S = 0.1
FIVE_SIGMA = 5.0
SPEC = PowerSpec()


def nadir_world() -> tuple[World, float]:
    """The default spacecraft in nadir pointing at the start of a 500 km, e = 0.001, 10:30 LTDN
    sun-synchronous orbit on the June solstice (as zorka.run.mission.build_world makes it); its period."""
    jd = julian_date(parse_utc("2026-06-21T00:00:00Z"))
    a_m, e = R_EARTH_M + 500e3, 0.001
    r_eci, v_eci = orbit.state_from_elements(
        a_m, e, orbit.sun_synchronous_inclination(a_m, e), orbit.raan_for_ltan(jd, 22.5), 0.0, 0.0
    )
    q_ib, w_i, w_b = np.zeros(4), np.zeros(3), np.zeros(3)
    lib.zk_nadir_reference(ptr(r_eci), ptr(v_eci), ptr(q_ib), ptr(w_i))
    lib.zk_quat_rotate_inv(ptr(q_ib), ptr(w_i), ptr(w_b))
    return World(DEFAULT_SPACECRAFT, jd, r_eci, v_eci, q_ib, w_b), 2.0 * np.pi * np.sqrt(
        a_m**3 / MU_EARTH_M3_S2
    )


@pytest.fixture(scope="module")
def nadir_orbit() -> dict[str, np.ndarray]:
    """One orbit held in nadir pointing (a perfect attitude controller), the power truth stepped beside
    the world with its attitude, orbit, sun, wheels and torquers; every step's inputs and outputs."""
    world, period_s = nadir_world()
    c = world.c
    p = power_state(SPEC)
    n = round(period_s / DT_S)
    rec = {
        name: np.zeros((n, width))
        for name, width in [("q_ib", 4), ("r_eci", 3), ("r_sun_eci", 3), ("sun_fraction", 1), ("out", 6)]
    }
    w_i = ffi.new("double[3]")
    for k in range(n):
        lib.zk_nadir_reference(c.orbit.r_eci, c.orbit.v_eci, c.att.q_ib, w_i)
        lib.zk_quat_rotate_inv(c.att.q_ib, w_i, c.att.w_b)
        lib.zk_power_step(
            p,
            c.att.q_ib,
            c.orbit.r_eci,
            c.r_sun_eci,
            c.sun_fraction,
            c.wheels.torque_applied_nm,
            c.wheel_speed_rad_s,
            c.wheels.n,
            c.mtq.dipole_applied_am2,
            DT_S,
        )
        rec["q_ib"][k] = world.q_ib
        rec["r_eci"][k] = world.r_eci
        rec["r_sun_eci"][k] = world.r_sun_eci
        rec["sun_fraction"][k] = c.sun_fraction
        rec["out"][k] = (p.solar_power_w, p.load_power_w, p.battery_power_w, p.shunt_power_w, p.soc, p.flags)
        lib.zk_world_step(c, DT_S)
    return rec


def numpy_solar_power_w(rec: dict[str, np.ndarray]) -> np.ndarray:
    """S (1 AU / d)^2 sum A eta packing max(0, n_i . s_i) f, the normals rotated to inertial by scipy."""
    to_sun = rec["r_sun_eci"] - rec["r_eci"]
    d = np.linalg.norm(to_sun, axis=1)
    s_i = to_sun / d[:, None]
    attitude = Rotation.from_quat(rec["q_ib"])
    total = np.zeros(len(d))
    for panel in SPEC.panels:
        n_b = np.asarray(panel.normal_b) / np.linalg.norm(panel.normal_b)
        cos = np.einsum("ij,ij->i", attitude.apply(n_b), s_i)
        total += panel.area_m2 * panel.efficiency * panel.packing_factor * np.maximum(cos, 0.0)
    return S_W_M2 * (AU_M / d) ** 2 * total * rec["sun_fraction"][:, 0]


def test_orbit_average_solar_power_against_numpy(nadir_orbit):
    reference_w = numpy_solar_power_w(nadir_orbit)
    solar_w = nadir_orbit["out"][:, 0]
    assert solar_w.mean() == pytest.approx(reference_w.mean(), rel=0.01)
    np.testing.assert_allclose(solar_w, reference_w, rtol=0.0, atol=1e-9 * reference_w.max())
    assert 100.0 < solar_w.mean() < 250.0  # the class of a ~130 kg imager
    assert 0.3 < np.mean(nadir_orbit["sun_fraction"] == 0.0) < 0.4  # the orbit has its eclipse


def test_energy_balance_is_positive_over_an_orbit_with_the_default_loads(nadir_orbit):
    solar_w, load_w, battery_w, shunt_w, soc, flags = nadir_orbit["out"].T
    always_on_w = (
        sum(load.power_w for load in SPEC.loads if load.on) + DEFAULT_SPACECRAFT.wheels.n * SPEC.wheel_idle_w
    )
    np.testing.assert_allclose(load_w, always_on_w)
    assert solar_w.mean() > load_w.mean()
    assert soc[-1] > SPEC.battery.soc_initial
    assert soc.min() > SPEC.battery.soc_initial - 0.2  # depth of discharge of a LEO Li-ion pack
    assert not np.any(flags.astype(int) & lib.ZK_POWER_BROWNOUT)
    np.testing.assert_allclose(solar_w, load_w + battery_w + shunt_w, atol=1e-9)


def test_stored_energy_follows_the_battery_power_through_the_efficiencies(nadir_orbit):
    _, _, battery_w, _, soc, _ = nadir_orbit["out"].T
    b = SPEC.battery
    into_storage_w = np.where(
        battery_w > 0.0, battery_w * b.charge_efficiency, battery_w / b.discharge_efficiency
    )
    stored_j = b.soc_initial * b.capacity_j + np.cumsum(into_storage_w) * DT_S
    np.testing.assert_allclose(soc * b.capacity_j, stored_j, rtol=0.0, atol=1e-6 * b.capacity_j)


@pytest.fixture
def eps():
    p = power_state(SPEC)
    return p, SimPowerSystem(p, SPEC, model_seed(1, "power"))


def hold_in_eclipse(p) -> None:
    """One step of the truth with the sun hidden and no actuator draw."""
    zeros4, zeros3 = np.zeros(4), np.zeros(3)
    q, r_sun = np.array([0.0, 0.0, 0.0, 1.0]), np.array([AU_M, 0.0, 0.0])
    lib.zk_power_step(p, ptr(q), ptr(zeros3), ptr(r_sun), 0.0, ptr(zeros4), ptr(zeros4), 4, ptr(zeros3), DT_S)


def test_switching_a_load_changes_the_load_power_by_its_rating(eps):
    p, board = eps
    hold_in_eclipse(p)
    before_w = p.load_power_w
    for name, rating_w in [("payload", 80.0), ("transmitter", 40.0)]:
        assert board.switch(name, True)
        hold_in_eclipse(p)
        assert p.load_power_w == pytest.approx(before_w + rating_w, abs=1e-12)
        before_w = p.load_power_w
    assert board.switch("heaters", False)
    hold_in_eclipse(p)
    assert p.load_power_w == pytest.approx(before_w - 15.0, abs=1e-12)
    board.sample()
    on = dict(zip(board.load_names, board.load_on, strict=True))
    assert (on["payload"], on["transmitter"], on["heaters"], on["obc"]) == (1, 1, 0, 1)


def test_an_unknown_load_is_refused(eps):
    _, board = eps
    assert board.switch("warp_drive", True) is False


def test_readings_are_the_truth_within_the_noise(eps):
    p, board = eps
    assert board.switch("payload", True)
    hold_in_eclipse(p)
    truth = np.array([p.soc, p.bus_voltage_v, p.solar_power_w, p.load_power_w, p.battery_power_w])
    n = 4000
    readings = np.zeros((n, lib.ZK_POWER_N_READINGS))
    for k in range(n):
        assert board.sample()
        readings[k] = board.readings
    sigma = SPEC.telemetry_noise_fraction * np.abs(truth)
    for i in (1, 3, 4):  # bus voltage, load and battery power: white, relative noise
        assert abs(readings[:, i].mean() - truth[i]) < FIVE_SIGMA * sigma[i] / np.sqrt(n)
        assert abs(readings[:, i].std(ddof=1) - sigma[i]) < FIVE_SIGMA * sigma[i] / np.sqrt(2.0 * (n - 1))
    assert np.all(np.abs(readings[:, 0] - truth[0]) < FIVE_SIGMA * sigma[0])
    assert np.all(readings[:, 2] == 0.0)  # no light, no reading
    assert (board.battery_soc, board.load_power_w) == (readings[-1, 0], readings[-1, 3])
    assert board.flags == 0


def test_a_brownout_shows_in_the_flags():
    spec = PowerSpec(battery=BatterySpec(soc_initial=1e-7))
    p = power_state(spec)
    board = SimPowerSystem(p, spec, model_seed(1, "power"))
    hold_in_eclipse(p)
    board.sample()
    assert board.flags & PowerSystem.BROWNOUT
    assert board.load_power_w == 0.0


def test_deterministic_for_a_seed():
    def readings(seed: int) -> np.ndarray:
        p = power_state(SPEC)
        hold_in_eclipse(p)
        board = SimPowerSystem(p, SPEC, model_seed(seed, "power"))
        out = np.zeros((50, lib.ZK_POWER_N_READINGS))
        for k in range(50):
            board.sample()
            out[k] = board.readings
        return out

    np.testing.assert_array_equal(readings(3), readings(3))
    assert not np.array_equal(readings(3), readings(4))


def test_hal_reading_order_and_flags_are_the_c_ones():
    c_order = [
        lib.ZK_POWER_SOC,
        lib.ZK_POWER_BUS_VOLTAGE_V,
        lib.ZK_POWER_SOLAR_W,
        lib.ZK_POWER_LOAD_W,
        lib.ZK_POWER_BATTERY_W,
    ]
    assert c_order == list(range(len(PowerSystem.READINGS)))
    assert (PowerSystem.BROWNOUT, PowerSystem.SHUNT) == (lib.ZK_POWER_BROWNOUT, lib.ZK_POWER_SHUNT)


def test_a_spec_with_repeated_load_names_is_refused():
    with pytest.raises(ValueError, match="unique load names"):
        PowerSpec(loads=(LoadSpec("obc", 5.0), LoadSpec("obc", 6.0)))


def test_default_battery_is_an_8s_li_ion_pack_of_about_400_wh():
    b = SPEC.battery
    assert 350.0 * WH < b.capacity_j < 450.0 * WH
    assert (b.v_empty_v, b.v_full_v) == (24.0, 33.6)
