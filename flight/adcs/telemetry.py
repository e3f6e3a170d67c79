"""The housekeeping parameters of the ADCS, with their units, in the order of its housekeeping columns."""

from flight.adcs.modes import Mode
from flight.dictionary import Arg


def adcs_parameters(n_wheels: int) -> tuple[tuple[Arg, str], ...]:
    """The ADCS columns of the housekeeping row for `n_wheels` reaction wheels: (wire type with unit,
    description) in row order."""
    return (
        (Arg("attitude_error_est_deg", "float", 32, unit="deg"), "estimated attitude error to the guidance"),
        (Arg("rate_error_est_deg_s", "float", 32, unit="deg/s"), "estimated rate error to the guidance"),
        *(
            (Arg(f"wheel{i}_speed_rad_s", "float", 32, unit="rad/s"), f"reaction wheel {i} speed")
            for i in range(n_wheels)
        ),
        (Arg("gyro_misses", "uint", 32), "gyro readings missed since start"),
        (Arg("star_tracker_misses", "uint", 32), "star tracker readings missed since start"),
        (Arg("gnss_fixes", "uint", 32), "GNSS fixes used since start"),
        (Arg("adcs_mode", "enum", 8, values=tuple((m.name, int(m)) for m in Mode)), "ADCS mode"),
        (Arg("estimate_sigma_arcsec", "float", 32, unit="arcsec"), "attitude estimate 1-sigma"),
    )
