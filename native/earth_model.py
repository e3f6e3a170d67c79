"""Earth constants shared by the simulator and the flight software (EGM96 gravity, WGS-84 shape, rotation).

Their one home is native/common/constants.h; cffi reads each value from the compiled C, so the Python
and the C that consumes them cannot disagree.
"""

from native import ffi, lib

MU_EARTH_M3_S2: float = lib.ZK_MU_EARTH
J2: float = lib.ZK_J2  # EGM96 zonal harmonics
J3: float = lib.ZK_J3
J4: float = lib.ZK_J4
WGS84_A_M: float = lib.ZK_WGS84_A
WGS84_F: float = lib.ZK_WGS84_F
WGS84_B_M: float = lib.ZK_WGS84_B
WGS84_E2: float = lib.ZK_WGS84_E2
R_EARTH_M = WGS84_A_M  # the equatorial radius of the gravity field
OMEGA_EARTH_RAD_S: float = lib.ZK_OMEGA_EARTH
MEAN_SPHERE_RADIUS_M = 6371e3
"""A sphere of the Earth's mean radius (IUGG 6371.0 km), for what wants distances on a sphere rather than the
ellipsoid: haversine lengths of strips, the scene texture's lattice."""


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
