"""The orbit part of a scenario, which the simulator builds its truth orbit from: a two-line element set,
or the elements of the initial osculating orbit. The field metadata (help, unit, allowed range) is what
scenario files are checked against and documented with."""

from dataclasses import dataclass, field


def meta(doc: str, unit: str = "", lo: float | None = None, hi: float | None = None, lo_open: bool = False):
    """Field metadata: one line of help, the unit, and the allowed closed (or left-open) range."""
    return {"doc": doc, "unit": unit, "lo": lo, "hi": hi, "lo_open": lo_open}


@dataclass(frozen=True)
class OrbitSpec:
    """The orbit: a two-line element set, or elements of the initial osculating orbit."""

    tle: tuple[str, str] | None = field(
        default=None, metadata=meta("two-line element set [line 1, line 2]; replaces the elements below")
    )
    propagator: str = field(
        default="numerical",
        metadata=meta("truth orbit: 'numerical' (RK4, J2-J4, drag) or 'sgp4' (needs a TLE)"),
    )
    altitude_km: float = field(
        default=500.0, metadata=meta("altitude of the semi-major axis", "km", 150.0, 40000.0)
    )
    eccentricity: float = field(default=0.001, metadata=meta("eccentricity", "", 0.0, 0.9))
    inclination_deg: float | None = field(
        default=None, metadata=meta("inclination; unset: sun-synchronous for the altitude", "deg", 0.0, 180.0)
    )
    ltan_h: float = field(
        default=22.5,
        metadata=meta(
            "local time of the ascending node, sets the RAAN when raan_deg is unset", "h", 0.0, 24.0
        ),
    )
    raan_deg: float | None = field(
        default=None, metadata=meta("right ascension of the ascending node", "deg", 0.0, 360.0)
    )
    arg_perigee_deg: float = field(default=0.0, metadata=meta("argument of perigee", "deg", 0.0, 360.0))
    true_anomaly_deg: float = field(
        default=0.0, metadata=meta("true anomaly at the epoch", "deg", 0.0, 360.0)
    )
