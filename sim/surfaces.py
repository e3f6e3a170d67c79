"""The spacecraft's outer surfaces as flat faces, for the drag and solar-radiation-pressure torques
(native/sim/disturbance.c).

Positions are in body, from the geometric centre of the bus; the C struct takes each face's centre of
pressure relative to the centre of mass, so an offset centre of mass is what makes the torques of a
near-symmetric spacecraft non-zero.
"""

from dataclasses import dataclass

import numpy as np

from native import ffi
from sim.power import WING_NORMAL_B

MAX_SURFACES = 16  # ZK_MAX_SURFACES


@dataclass(frozen=True)
class Surface:
    """A flat face: area, unit outward normal and centre in body, optical and drag coefficients.

    specular and diffuse are the fractions of incident light reflected each way; the rest is absorbed.
    """

    name: str
    area_m2: float
    normal_b: tuple[float, float, float]
    centre_b_m: tuple[float, float, float]
    specular: float
    diffuse: float
    drag_coefficient: float = 2.2  # free-molecular flat plate

    def __post_init__(self):
        if not self.area_m2 > 0.0:
            raise ValueError(f"surface {self.name!r}: area must be positive, not {self.area_m2}")
        if abs(float(np.linalg.norm(self.normal_b)) - 1.0) > 1e-9:
            raise ValueError(f"surface {self.name!r}: the normal {self.normal_b} is not a unit vector")
        if not (self.specular >= 0.0 and self.diffuse >= 0.0 and self.specular + self.diffuse <= 1.0):
            raise ValueError(
                f"surface {self.name!r}: need specular, diffuse >= 0 and specular + diffuse <= 1"
            )
        if not self.drag_coefficient >= 0.0:
            raise ValueError(f"surface {self.name!r}: drag coefficient must be >= 0")


@dataclass(frozen=True)
class SurfaceModel:
    """The faces of a spacecraft and its centre of mass, both from the geometric centre of the bus."""

    surfaces: tuple[Surface, ...]
    centre_of_mass_b_m: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self):
        if len(self.surfaces) > MAX_SURFACES:
            raise ValueError(f"{len(self.surfaces)} surfaces: the C model holds at most {MAX_SURFACES}")


def box_faces(
    size_b_m: tuple[float, float, float], specular: float, diffuse: float, drag_coefficient: float = 2.2
) -> tuple[Surface, ...]:
    """The six faces of a box centred on the origin, sides along the body axes."""
    faces = []
    for axis, name in enumerate("xyz"):
        others = [size_b_m[k] for k in range(3) if k != axis]
        for sign in (1.0, -1.0):
            normal = [0.0, 0.0, 0.0]
            normal[axis] = sign
            centre = [0.0, 0.0, 0.0]
            centre[axis] = 0.5 * sign * size_b_m[axis]
            faces.append(
                Surface(
                    f"{'+' if sign > 0 else '-'}{name}",
                    others[0] * others[1],
                    (normal[0], normal[1], normal[2]),
                    (centre[0], centre[1], centre[2]),
                    specular,
                    diffuse,
                    drag_coefficient,
                )
            )
    return tuple(faces)


def default_imager_surfaces() -> SurfaceModel:
    """A ~130 kg imager: a 0.8 x 0.8 x 1.0 m bus (Z along the boresight) under multi-layer insulation, and
    the power model's two 0.45 m^2 solar wings (0.6 x 0.75 m) hinged at mid-height on the +/-Y faces,
    cells facing zenith canted towards -Y_B. Each wing is two faces, cells and back. The centre of mass
    sits 1-3 cm per axis from the bus centre (4.4 cm in all), towards the telescope (+Z) and +Y."""
    wing_span_m, wing_gap_m, wing_area_m2 = 0.75, 0.05, 0.45
    wing_y_m = 0.4 + wing_gap_m + 0.5 * wing_span_m
    back = (-WING_NORMAL_B[0], -WING_NORMAL_B[1], -WING_NORMAL_B[2])
    wings = []
    for side, y_m in (("+y", wing_y_m), ("-y", -wing_y_m)):
        wings.append(Surface(f"wing {side} cells", wing_area_m2, WING_NORMAL_B, (0.0, y_m, 0.0), 0.10, 0.05))
        wings.append(Surface(f"wing {side} back", wing_area_m2, back, (0.0, y_m, 0.0), 0.0, 0.30))
    bus = box_faces((0.8, 0.8, 1.0), specular=0.10, diffuse=0.30)  # aluminised Kapton outer layer
    return SurfaceModel(bus + tuple(wings), centre_of_mass_b_m=(0.01, 0.03, 0.03))


DEFAULT_SURFACES = default_imager_surfaces()


def fill_surfaces(target, model: SurfaceModel) -> None:
    """Write a surface model into a C `zk_surfaces *` (e.g. a world's member): centres of pressure
    relative to the centre of mass."""
    com = np.asarray(model.centre_of_mass_b_m, dtype=float)
    target.n = len(model.surfaces)
    for face, surface in zip(target.face, model.surfaces, strict=False):
        face.area_m2 = surface.area_m2
        face.normal_b = list(surface.normal_b)
        face.cp_b = list(np.asarray(surface.centre_b_m, dtype=float) - com)
        face.specular = surface.specular
        face.diffuse = surface.diffuse
        face.drag_coefficient = surface.drag_coefficient


def surfaces_c(model: SurfaceModel = DEFAULT_SURFACES):
    """A new C `zk_surfaces *` holding `model`."""
    target = ffi.new("zk_surfaces *")
    fill_surfaces(target, model)
    return target
