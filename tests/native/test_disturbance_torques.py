"""Flat-plate drag and solar-radiation-pressure torques (native/sim/disturbance.c) against closed forms.

Drag on a face of area A, outward normal n, at incidence i (cos i = n . v_hat > 0) in free-molecular
flow: F = -1/2 rho C_d A cos i v^2 v_hat. Radiation on a face lit at incidence i (cos i = n . s > 0),
split into the components along the normal and along the sun's direction in the face's plane
(Wertz, sec. 17.2): F_n = -P A cos i [(1 + specular) cos i + 2 diffuse / 3],
F_t = -P A cos i (1 - specular) sin i, P = 4.56e-6 N/m^2 at 1 AU. Torque = cp x F.
A body symmetric about its centre of mass feels no torque. The default ~130 kg imager (sim/surfaces.py)
in nadir pointing over one orbit at 500 km: measured 1.10-1.25e-6 N m of drag torque at rho = 5e-13 and
2.20-2.49e-6 N m at 1e-12 kg/m^3; 2.3-4.6e-7 N m (median 3.1e-7) of radiation torque in full sunlight.
"""

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from native import ffi, lib, ptr
from native.earth_model import R_EARTH_M, force_model
from native.time_scales import julian_date
from sim.orbit import raan_for_ltan, state_from_elements, sun_synchronous_inclination
from sim.surfaces import (
    DEFAULT_SURFACES,
    MAX_SURFACES,
    Surface,
    SurfaceModel,
    box_faces,
    fill_surfaces,
    surfaces_c,
)

P_1AU_N_M2 = 4.56e-6
AU_M = 149597870700.0
OMEGA_EARTH_RAD_S = 7.292115146706979e-5
IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])
RHO_KG_M3 = 1e-12
SPEED_M_S = 7600.0


def aero_torque_b(surfaces, q_ib, v_rel_eci, rho_kg_m3=RHO_KG_M3) -> np.ndarray:
    torque_b = np.empty(3)
    q, v = np.asarray(q_ib, dtype=float), np.asarray(v_rel_eci, dtype=float)
    lib.zk_aero_torque(surfaces, ptr(q), ptr(v), rho_kg_m3, ptr(torque_b))
    return torque_b


def srp_torque_b(surfaces, q_ib, sun_dir_eci, sun_fraction=1.0, distance_au=1.0) -> np.ndarray:
    torque_b = np.empty(3)
    q, s = np.asarray(q_ib, dtype=float), np.asarray(sun_dir_eci, dtype=float)
    lib.zk_srp_torque(surfaces, ptr(q), ptr(s), sun_fraction, distance_au, ptr(torque_b))
    return torque_b


def plate(normal_b, cp_b, area_m2=2.0, specular=0.0, diffuse=0.0, drag_coefficient=2.2):
    """A one-face C model with the centre of mass at the origin."""
    face = Surface("plate", area_m2, tuple(normal_b), tuple(cp_b), specular, diffuse, drag_coefficient)
    return surfaces_c(SurfaceModel((face,)))


# --- one plate against the closed forms -----------------------------------------------------------


@pytest.mark.parametrize("incidence_deg", [0.0, 30.0, 60.0, 89.0])
def test_drag_on_a_plate(incidence_deg):
    """Normal +X, cp (0, 0.5, 0.2) m, flow in the X-Y plane: torque = (-0.2 F_y, 0.2 F_x, -0.5 F_x)."""
    i = math.radians(incidence_deg)
    surfaces = plate([1.0, 0.0, 0.0], [0.0, 0.5, 0.2])
    v_hat = np.array([math.cos(i), math.sin(i), 0.0])
    force = -0.5 * RHO_KG_M3 * 2.2 * 2.0 * math.cos(i) * SPEED_M_S**2 * v_hat
    expected = np.array([-0.2 * force[1], 0.2 * force[0], -0.5 * force[0]])
    torque_b = aero_torque_b(surfaces, IDENTITY, SPEED_M_S * v_hat)
    assert np.allclose(torque_b, expected, rtol=1e-12, atol=1e-20)


@pytest.mark.parametrize(
    "v_hat", [[0.0, 1.0, 0.0], [-0.5, math.sqrt(0.75), 0.0], [-1.0, 0.0, 0.0]], ids=["90", "120", "180"]
)
def test_no_drag_on_a_plate_edge_on_or_facing_away(v_hat):
    surfaces = plate([1.0, 0.0, 0.0], [0.0, 0.5, 0.2])
    assert np.all(aero_torque_b(surfaces, IDENTITY, SPEED_M_S * np.array(v_hat)) == 0.0)


@pytest.mark.parametrize(
    ("specular", "diffuse"),
    [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.3, 0.2)],
    ids=["black", "mirror", "lambert", "mixed"],
)
@pytest.mark.parametrize("incidence_deg", [0.0, 25.0, 70.0])
def test_radiation_on_a_plate(specular, diffuse, incidence_deg):
    """Normal +Z, sun in the X-Z plane, cp (0, 0.4, 0) m: torque = (0.4 F_n, 0, -0.4 F_t)."""
    i = math.radians(incidence_deg)
    area = 1.5
    surfaces = plate([0.0, 0.0, 1.0], [0.0, 0.4, 0.0], area_m2=area, specular=specular, diffuse=diffuse)
    f_n = -P_1AU_N_M2 * area * math.cos(i) * ((1.0 + specular) * math.cos(i) + 2.0 * diffuse / 3.0)
    f_t = -P_1AU_N_M2 * area * math.cos(i) * (1.0 - specular) * math.sin(i)
    expected = np.array([0.4 * f_n, 0.0, -0.4 * f_t])
    torque_b = srp_torque_b(surfaces, IDENTITY, [math.sin(i), 0.0, math.cos(i)])
    assert np.allclose(torque_b, expected, rtol=1e-12, atol=1e-22)


def test_radiation_scales_with_the_visible_disk_and_distance():
    surfaces = plate([0.0, 0.0, 1.0], [0.0, 0.4, 0.0], specular=0.2, diffuse=0.3)
    sun = [0.3, 0.0, 0.9]
    full = srp_torque_b(surfaces, IDENTITY, sun)
    assert np.allclose(srp_torque_b(surfaces, IDENTITY, sun, sun_fraction=0.5), 0.5 * full, rtol=1e-12)
    assert np.allclose(srp_torque_b(surfaces, IDENTITY, sun, distance_au=2.0), 0.25 * full, rtol=1e-12)
    assert np.all(srp_torque_b(surfaces, IDENTITY, sun, sun_fraction=0.0) == 0.0)
    assert np.all(srp_torque_b(surfaces, IDENTITY, [0.0, 0.0, -1.0]) == 0.0)  # lit from behind


def test_attitude_only_rotates_the_inputs():
    """Rotating the spacecraft and the inputs together leaves the body torques unchanged (scipy q_ib)."""
    surfaces = surfaces_c(DEFAULT_SURFACES)
    rng = np.random.default_rng(3)
    v_b, s_b = rng.normal(size=3) * 4000.0, rng.normal(size=3)
    s_b /= np.linalg.norm(s_b)
    aero_ref, srp_ref = aero_torque_b(surfaces, IDENTITY, v_b), srp_torque_b(surfaces, IDENTITY, s_b)
    for rotation in Rotation.random(20, random_state=4):
        q_ib = rotation.as_quat()
        assert np.allclose(
            aero_torque_b(surfaces, q_ib, rotation.apply(v_b)), aero_ref, rtol=1e-9, atol=1e-20
        )
        assert np.allclose(srp_torque_b(surfaces, q_ib, rotation.apply(s_b)), srp_ref, rtol=1e-9, atol=1e-22)


# --- symmetry -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        SurfaceModel(box_faces((0.8, 0.8, 1.0), specular=0.2, diffuse=0.3)),
        SurfaceModel(box_faces((0.5, 1.3, 0.7), specular=0.0, diffuse=0.6, drag_coefficient=2.5)),
        SurfaceModel(
            DEFAULT_SURFACES.surfaces
        ),  # the default imager with its centre of mass at the bus centre
    ],
    ids=["imager bus", "long box", "imager, centred"],
)
def test_a_body_symmetric_about_its_centre_of_mass_feels_no_torque(model):
    """Every face of a box has h A = volume / 2 (h its distance from the centre), so the face torques
    cancel; the two wings mirror each other through the X-Z plane."""
    surfaces = surfaces_c(model)
    rng = np.random.default_rng(5)
    scale_aero = 0.5 * RHO_KG_M3 * 2.5 * 4.0 * SPEED_M_S**2 * 2.0  # force on 4 m^2 times 2 m
    for rotation in Rotation.random(50, random_state=6):
        v, s = rng.normal(size=3), rng.normal(size=3)
        q_ib = rotation.as_quat()
        assert (
            np.linalg.norm(aero_torque_b(surfaces, q_ib, SPEED_M_S * v / np.linalg.norm(v)))
            < 1e-12 * scale_aero
        )
        assert np.linalg.norm(srp_torque_b(surfaces, q_ib, s / np.linalg.norm(s))) < 1e-12 * P_1AU_N_M2 * 8.0


# --- the default imager in orbit ------------------------------------------------------------------


def nadir_pass():
    """One orbit (10 s steps) of the default 500 km 10:30 sun-synchronous orbit from 2026-06-21, nadir
    pointing (+Z_B nadir, +Y_B against the orbit normal): (q_ib, v_rel_eci, sun_dir_eci, fraction, au)."""
    jd_utc = julian_date(datetime(2026, 6, 21, tzinfo=UTC))
    a_m = R_EARTH_M + 500_000.0
    r, v = state_from_elements(
        a_m, 0.0, sun_synchronous_inclination(a_m), raan_for_ltan(jd_utc, 22.5), 0.0, 0.0
    )
    orbit, forces = ffi.new("zk_orbit *", {"r_eci": list(r), "v_eci": list(v)}), force_model()
    r_sun = np.empty(3)
    for k in range(570):
        r, v = np.array(list(orbit.r_eci)), np.array(list(orbit.v_eci))
        z = -r / np.linalg.norm(r)
        y = -np.cross(r, v) / np.linalg.norm(np.cross(r, v))
        q_ib = Rotation.from_matrix(np.column_stack([np.cross(y, z), y, z])).as_quat()
        v_rel = v - np.cross([0.0, 0.0, OMEGA_EARTH_RAD_S], r)
        lib.zk_sun_eci(jd_utc + (10.0 * k + 69.184) / 86400.0, ptr(r_sun))
        to_sun = r_sun - r
        fraction = lib.zk_sun_visible_fraction(ptr(r), ptr(r_sun))
        yield q_ib, v_rel, to_sun / np.linalg.norm(to_sun), fraction, np.linalg.norm(to_sun) / AU_M
        lib.zk_orbit_propagate(orbit, forces, 10.0, 10.0)


def test_default_imager_torques_at_500_km():
    surfaces = surfaces_c(DEFAULT_SURFACES)
    aero = {rho: [] for rho in (5e-13, 1e-12)}
    srp = []
    for q_ib, v_rel, sun_dir, fraction, distance_au in nadir_pass():
        for rho, values in aero.items():
            values.append(np.linalg.norm(aero_torque_b(surfaces, q_ib, v_rel, rho)))
        if fraction == 1.0:
            srp.append(np.linalg.norm(srp_torque_b(surfaces, q_ib, sun_dir, fraction, distance_au)))
    for values in aero.values():
        assert min(values) >= 1e-6 and max(values) <= 1e-5
    assert len(srp) > 300  # about 60 % of the orbit in sunlight
    assert min(srp) >= 1e-7 and max(srp) <= 1e-6


def test_centres_of_pressure_are_taken_from_the_centre_of_mass():
    model = SurfaceModel(DEFAULT_SURFACES.surfaces[:1], centre_of_mass_b_m=(0.01, 0.03, 0.03))
    c = surfaces_c(model)
    assert c.n == 1
    assert list(c.face[0].cp_b) == pytest.approx(
        np.subtract(model.surfaces[0].centre_b_m, (0.01, 0.03, 0.03))
    )


def test_invalid_models_are_refused():
    face = DEFAULT_SURFACES.surfaces[0]
    with pytest.raises(ValueError, match="at most"):
        SurfaceModel((face,) * (MAX_SURFACES + 1))
    with pytest.raises(ValueError, match="unit"):
        Surface("bent", 1.0, (1.0, 1.0, 0.0), (0.0, 0.0, 0.0), 0.1, 0.1)
    with pytest.raises(ValueError, match="specular"):
        Surface("bright", 1.0, (1.0, 0.0, 0.0), (0.0, 0.0, 0.0), 0.7, 0.6)
    target = ffi.new("zk_surfaces *")
    fill_surfaces(target, DEFAULT_SURFACES)
    assert target.n == len(DEFAULT_SURFACES.surfaces) <= MAX_SURFACES
