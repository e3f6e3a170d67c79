"""Earth constants shared by the simulator and the flight software (EGM96 / WGS-84).

Both floors above use them, so they live here, beside the C that consumes them.
"""

from native import ffi

MU_EARTH_M3_S2 = 3.986004418e14
R_EARTH_M = 6378137.0
J2, J3, J4 = 1.08262668e-3, -2.53265649e-6, -1.61962159e-6  # EGM96 zonal harmonics


def force_model(zonal_degree: int = 4, drag_area_m2_per_kg: float = 0.0):
    """A C `zk_force_model *`: two-body plus the zonal harmonics up to `zonal_degree` (0, 2, 3 or 4),
    and drag for a ballistic C_d A / m if it is not 0."""
    g = ffi.new("zk_force_model *")
    g.drag_area_m2_per_kg = drag_area_m2_per_kg
    g.mu, g.r_eq = MU_EARTH_M3_S2, R_EARTH_M
    g.j2 = J2 if zonal_degree >= 2 else 0.0
    g.j3 = J3 if zonal_degree >= 3 else 0.0
    g.j4 = J4 if zonal_degree >= 4 else 0.0
    return g
