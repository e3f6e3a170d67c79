"""The main geomagnetic field of a run: IGRF-14 for native/common/igrf.c, from native/igrf_model.py (which the
flight software's onboard reference shares), re-exported under its simulator name."""

from native.igrf_model import (
    IGRF_DEGREE,
    IGRF_FILE,
    IGRF_REFERENCE_RADIUS_M,
    GaussCoefficients,
    decimal_year,
    decimal_year_from_jd,
    fill_igrf,
    igrf14,
    igrf_model,
    read_shc,
    shc_path,
)

__all__ = [
    "IGRF_DEGREE",
    "IGRF_FILE",
    "IGRF_REFERENCE_RADIUS_M",
    "GaussCoefficients",
    "decimal_year",
    "decimal_year_from_jd",
    "fill_igrf",
    "igrf14",
    "igrf_model",
    "read_shc",
    "shc_path",
]
