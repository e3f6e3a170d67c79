"""The gyrostat dynamics of native/sim/attitude.c against the invariants and closed forms of rigid-body
mechanics.

References: conservation of inertial angular momentum and of kinetic energy (torque-free), the
work-energy theorem for the wheel motors, the closed-form nutation of an axisymmetric body (Euler's
equations), and the closed-form gravity-gradient torque (Markley & Crassidis 2014, sec. 3.3.6.1).
Body-to-inertial rotations in the reference quantities come from scipy, not from the C code.
"""

import numpy as np
import pytest
from scipy.integrate import simpson
from scipy.spatial.transform import Rotation

from native import ffi, lib, ptr, view

MU_EARTH_M3_S2 = 3.986004418e14
R_ORBIT_M = 6378137.0 + 500e3

# Spacecraft less the wheels' axial inertia, kg m^2: asymmetric, small products of inertia.
J_B = np.array([[12.0, 0.31, -0.22], [0.31, 14.0, 0.17], [-0.22, 0.17, 9.0]])
# Four wheels in a pyramid, 30 deg elevation above the body XY plane, 45 deg apart from the axes.
ELEVATION_RAD = np.radians(30.0)
AZIMUTH_RAD = np.radians([45.0, 135.0, 225.0, 315.0])
WHEEL_AXES_B = np.column_stack(
    [
        np.cos(ELEVATION_RAD) * np.cos(AZIMUTH_RAD),
        np.cos(ELEVATION_RAD) * np.sin(AZIMUTH_RAD),
        np.full(4, np.sin(ELEVATION_RAD)),
    ]
)
WHEEL_INERTIA_KG_M2 = np.full(4, 2e-3)
W0_B_RAD_S = np.array([0.05, -0.03, 0.08])
OMEGA0_RAD_S = np.array([200.0, -150.0, 300.0, 100.0])  # wheel speeds relative to the body


def make_body(j_b=J_B, axes_b=WHEEL_AXES_B, inertia=WHEEL_INERTIA_KG_M2):
    body = ffi.new("zk_body *")
    view(body.j_b)[:] = np.asarray(j_b).ravel()
    body.n_wheels = len(inertia)
    if len(inertia):
        view(body.wheel_axis_b, 3 * len(inertia))[:] = np.asarray(axes_b).ravel()
        view(body.wheel_inertia, len(inertia))[:] = inertia
    assert lib.zk_body_init(body) == 0
    return body


def make_state(q_ib, w_b, h_wheel):
    att = ffi.new("zk_attitude *")
    view(att.q_ib)[:] = q_ib
    view(att.w_b)[:] = w_b
    view(att.h_wheel, len(h_wheel))[:] = h_wheel
    return att


H0_WHEEL_NMS = WHEEL_INERTIA_KG_M2 * (WHEEL_AXES_B @ W0_B_RAD_S + OMEGA0_RAD_S)  # I_s (a_i . w + Omega_i)


def gyrostat_state():
    """The asymmetric body with its four wheels, at rates W0_B_RAD_S and wheel momenta H0_WHEEL_NMS."""
    q0_ib = Rotation.from_rotvec([0.3, -1.1, 0.7]).as_quat()
    return make_body(), make_state(q0_ib, W0_B_RAD_S, H0_WHEEL_NMS)


def momentum_i(att, n_wheels=4):
    """Inertial angular momentum R(q) (J w + sum a_i h_i), N m s, with R from scipy."""
    w_b, h = view(att.w_b), view(att.h_wheel, n_wheels)
    h_b = J_B @ w_b + WHEEL_AXES_B[:n_wheels].T @ h
    return Rotation.from_quat(view(att.q_ib)).apply(h_b)


def body_energy_j(att):
    """1/2 w^T J w, J being the spacecraft less the wheels' axial inertia."""
    w_b = view(att.w_b)
    return 0.5 * w_b @ J_B @ w_b


def kinetic_energy_j(att):
    """1/2 w^T J w + sum h_i^2 / (2 I_s): the whole gyrostat's kinetic energy."""
    h = view(att.h_wheel, 4)
    return body_energy_j(att) + np.sum(h**2 / (2.0 * WHEEL_INERTIA_KG_M2))


def test_body_init_against_numpy():
    """j_total = J + sum I_s a a^T and j_inv = J^-1, computed with numpy."""
    body = make_body()
    j_total = J_B + sum(i * np.outer(a, a) for i, a in zip(WHEEL_INERTIA_KG_M2, WHEEL_AXES_B, strict=True))
    assert np.abs(view(body.j_total_b).reshape(3, 3) - j_total).max() < 1e-14
    assert np.abs(view(body.j_inv_b).reshape(3, 3) - np.linalg.inv(J_B)).max() < 1e-15


def test_body_init_rejects_singular_inertia_and_bad_wheel_count():
    body = ffi.new("zk_body *")
    view(body.j_b)[:] = np.diag([1.0, 1.0, 0.0]).ravel()
    assert lib.zk_body_init(body) == -1
    view(body.j_b)[:] = J_B.ravel()
    body.n_wheels = 7
    assert lib.zk_body_init(body) == -1


def test_wheel_speeds_are_relative_to_body():
    body, att = gyrostat_state()
    omega = np.empty(4)
    lib.zk_wheel_speeds(att, body, ptr(omega))
    assert np.abs(omega - OMEGA0_RAD_S).max() < 1e-12


def test_torque_free_gyrostat_conserves_momentum_and_energy():
    """u = 0, no external torque, 1000 s at dt = 0.02 s: inertial H and kinetic energy to 1e-9 relative.

    With u = 0 the wheels' h_i are constant, so the body's own 1/2 w^T J w (a tiny part of the total,
    which the spinning wheels dominate) is conserved too, and is held to the same 1e-9 relative."""
    body, att = gyrostat_state()
    dt_s, n_steps, every = 0.02, 50_000, 100
    h0_i, e0_j, body0_j = momentum_i(att), kinetic_energy_j(att), body_energy_j(att)
    worst_h, worst_e, worst_body = 0.0, 0.0, 0.0
    for k in range(n_steps):
        lib.zk_attitude_step(att, body, ffi.NULL, ffi.NULL, ffi.NULL, 0.0, dt_s)
        if (k + 1) % every == 0:
            worst_h = max(worst_h, np.linalg.norm(momentum_i(att) - h0_i) / np.linalg.norm(h0_i))
            worst_e = max(worst_e, abs(kinetic_energy_j(att) - e0_j) / e0_j)
            worst_body = max(worst_body, abs(body_energy_j(att) - body0_j) / body0_j)
    assert worst_h < 1e-9
    assert worst_e < 1e-9
    assert worst_body < 1e-9
    assert abs(np.linalg.norm(view(att.q_ib)) - 1.0) < 1e-15 and view(att.q_ib)[3] >= 0.0


def test_motor_torques_exchange_momentum_and_do_work():
    """Constant motor torques u for 1000 s at dt = 0.02 s: inertial H conserved to 1e-9 relative, and
    the kinetic energy changes by the motor work, integral of sum u_i Omega_i dt (work-energy theorem).

    The work (~300 J) is Simpson's rule on samples every 0.1 s; the power varies over tens of seconds
    (body rates ~0.1 rad/s), so its quadrature error is < 1e-12 J. The tolerance, 1e-9 of the kinetic
    energy (~2e-7 J), is the conservation level asked of the integrator in the torque-free test.
    """
    body, att = gyrostat_state()
    u_nm = np.array([5e-4, -3e-4, 2e-4, -4e-4])
    dt_s, n_steps, every = 0.02, 50_000, 5
    h0_i, e0_j = momentum_i(att), kinetic_energy_j(att)
    w_b, h = view(att.w_b), view(att.h_wheel, 4)
    power_w = [u_nm @ (h / WHEEL_INERTIA_KG_M2 - WHEEL_AXES_B @ w_b)]
    worst_h = 0.0
    for k in range(n_steps):
        lib.zk_attitude_step(att, body, ptr(u_nm), ffi.NULL, ffi.NULL, 0.0, dt_s)
        if (k + 1) % every == 0:
            power_w.append(u_nm @ (h / WHEEL_INERTIA_KG_M2 - WHEEL_AXES_B @ w_b))
            worst_h = max(worst_h, np.linalg.norm(momentum_i(att) - h0_i) / np.linalg.norm(h0_i))
    work_j = simpson(power_w, dx=every * dt_s)
    delta_e_j = kinetic_energy_j(att) - e0_j
    assert worst_h < 1e-9
    assert np.abs(h - (H0_WHEEL_NMS + u_nm * n_steps * dt_s)).max() < 1e-10  # dh_i/dt = u_i, N m s
    assert abs(work_j) > 1.0  # the wheels really did work on the body
    assert abs(delta_e_j - work_j) < 1e-9 * e0_j


def test_axisymmetric_body_nutates_as_closed_form():
    """I1 = I2 != I3, torque-free, no wheels: w1 + i w2 = (w1 + i w2)(0) exp(i lambda t), w3 constant,
    lambda = (I3 - I1) / I1 * w3 (Euler's equations). 8 nutation periods at dt = 0.02 s."""
    i1, i3 = 10.0, 15.0
    w0_b = np.array([0.02, 0.01, 0.1])
    body = make_body(np.diag([i1, i1, i3]), np.zeros((0, 3)), np.zeros(0))
    att = make_state(Rotation.from_rotvec([0.2, 0.1, -0.4]).as_quat(), w0_b, np.zeros(0))
    lam_rad_s = (i3 - i1) / i1 * w0_b[2]
    dt_s, every = 0.02, 50
    n_steps = round(8 * 2 * np.pi / lam_rad_s / dt_s)
    worst_rad_s = 0.0
    for k in range(n_steps):
        lib.zk_attitude_step(att, body, ffi.NULL, ffi.NULL, ffi.NULL, 0.0, dt_s)
        if (k + 1) % every == 0:
            t_s = (k + 1) * dt_s
            transverse = (w0_b[0] + 1j * w0_b[1]) * np.exp(1j * lam_rad_s * t_s)
            expected = np.array([transverse.real, transverse.imag, w0_b[2]])
            worst_rad_s = max(worst_rad_s, np.abs(view(att.w_b) - expected).max())
    assert worst_rad_s < 1e-12


def gravity_gradient_b(body, q_ib, r_eci):
    torque_b = np.empty(3)
    lib.zk_gravity_gradient(
        body, ptr(np.asarray(q_ib, float)), ptr(np.asarray(r_eci, float)), MU_EARTH_M3_S2, ptr(torque_b)
    )
    return torque_b


@pytest.mark.parametrize("theta_deg", [-170.0, -60.0, -10.0, 5.0, 30.0, 45.0, 80.0, 135.0])
def test_gravity_gradient_pitch_torque_closed_form(theta_deg):
    """Radius along inertial Z, body pitched by theta about Y: n_b = [-sin, 0, cos] theta, so
    T = 3 mu / r^3 (Iz - Ix) sin(theta) cos(theta) about Y and nothing about X, Z."""
    body = make_body(np.diag([11.0, 14.0, 8.5]), np.zeros((0, 3)), np.zeros(0))
    theta = np.radians(theta_deg)
    torque_b = gravity_gradient_b(body, Rotation.from_euler("y", theta).as_quat(), [0.0, 0.0, R_ORBIT_M])
    expected_y = 3.0 * MU_EARTH_M3_S2 / R_ORBIT_M**3 * (8.5 - 11.0) * np.sin(theta) * np.cos(theta)
    assert np.abs(torque_b - [0.0, expected_y, 0.0]).max() < 1e-15  # N m, of torques ~ 1e-5 N m


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_gravity_gradient_vanishes_with_principal_axis_to_nadir(axis):
    """Diagonal J_total (wheels included) and a principal axis along r, any roll about it: no torque."""
    rng = np.random.default_rng(axis)
    body = make_body(np.diag([12.0, 14.0, 9.0]), np.eye(3), np.full(3, 0.01))
    for _ in range(20):
        r_eci = rng.normal(size=3)
        r_eci *= R_ORBIT_M / np.linalg.norm(r_eci)
        body_axis = np.eye(3)[axis] * rng.choice([-1.0, 1.0])
        align, _ = Rotation.align_vectors([r_eci], [body_axis])
        q_ib = (align * Rotation.from_rotvec(body_axis * rng.uniform(-np.pi, np.pi))).as_quat()
        assert np.abs(gravity_gradient_b(body, q_ib, r_eci)).max() < 1e-18  # N m


def test_gravity_gradient_libration_conserves_energy_with_orbit_held():
    """With r_eci fixed, the gravity-gradient torque derives from the potential
    V = 3 mu / (2 r^3) n_b^T J_total n_b, so 1/2 w^T J w + V is conserved (the wheels' energy is
    constant with u = 0). 3000 s at dt = 0.1 s; the energy error is held to 1e-9 of the energy
    that the body and the field exchange: this checks the torque's sign, its J_total and that it
    acts inside the RK4 stages."""
    body, att = gyrostat_state()
    view(att.w_b)[:] = [1e-3, -2e-3, 5e-4]
    j_total = view(body.j_total_b).reshape(3, 3)
    r_eci = np.array([R_ORBIT_M * 0.6, -R_ORBIT_M * 0.8, 0.0])

    def potential_j():
        n_b = Rotation.from_quat(view(att.q_ib)).apply(r_eci / R_ORBIT_M, inverse=True)
        return 1.5 * MU_EARTH_M3_S2 / R_ORBIT_M**3 * n_b @ j_total @ n_b

    v0_j, e0_j = potential_j(), body_energy_j(att) + potential_j()
    exchanged_j, worst_j = 0.0, 0.0
    for k in range(30_000):
        lib.zk_attitude_step(att, body, ffi.NULL, ffi.NULL, ptr(r_eci), MU_EARTH_M3_S2, 0.1)
        if (k + 1) % 100 == 0:
            exchanged_j = max(exchanged_j, abs(potential_j() - v0_j))
            worst_j = max(worst_j, abs(body_energy_j(att) + potential_j() - e0_j))
    assert exchanged_j > 1e-6
    assert worst_j < 1e-9 * exchanged_j
