"""The main geomagnetic field: IGRF-14 Gauss coefficients for one date, for native/common/igrf.c.

The simulator's world and the flight software's onboard reference both fill their `zk_igrf` here, so
it lives beside the C that consumes it.

The coefficients come from the IGRF14.shc file that the ppigrf package ships (read once per process,
without importing ppigrf, which pulls in pandas). IGRF defines the field between its 5-year epochs
by linear interpolation of the coefficients, and after the last definitive epoch by the secular
variation (the file's last column is that epoch plus 5 years of it), so a date past the last column
is extrapolated along the same line.
"""

import functools
import importlib.util
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from native import ffi
from native.time_scales import unix_s_from_julian_date

IGRF_REFERENCE_RADIUS_M = 6371200.0
IGRF_DEGREE = 13
IGRF_FILE = "IGRF14.shc"


@dataclass(frozen=True)
class GaussCoefficients:
    """Schmidt semi-normalised coefficients at each epoch of a model: g_nt[e, n, m], h_nt[e, n, m]."""

    epochs_year: np.ndarray
    g_nt: np.ndarray
    h_nt: np.ndarray

    def at(self, decimal_year: float) -> tuple[np.ndarray, np.ndarray]:
        """g and h (nT, [n, m]) at a date: linear between epochs, extrapolated along the last interval."""
        epochs = self.epochs_year
        if not epochs[0] <= decimal_year:
            raise ValueError(f"{decimal_year} is before the model's first epoch {epochs[0]}")
        i = min(int(np.searchsorted(epochs, decimal_year, side="right")) - 1, len(epochs) - 2)
        w = (decimal_year - epochs[i]) / (epochs[i + 1] - epochs[i])
        g_nt = (1.0 - w) * self.g_nt[i] + w * self.g_nt[i + 1]
        h_nt = (1.0 - w) * self.h_nt[i] + w * self.h_nt[i + 1]
        return g_nt, h_nt


def shc_path() -> Path:
    """The IGRF-14 coefficient file inside the installed ppigrf package (found without importing it)."""
    spec = importlib.util.find_spec("ppigrf")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the ppigrf package (which ships IGRF14.shc) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / IGRF_FILE


def read_shc(path: Path) -> GaussCoefficients:
    """Parse a spherical-harmonic coefficient file: '#' comments, a parameter line, the epochs, then
    one line per coefficient `n m value...` with m < 0 marking h_n^|m|."""
    lines = path.read_text().splitlines()
    rows = [line.split() for line in lines if line.strip() and not line.startswith("#")]
    n_max = int(rows[0][1])
    epochs = np.array([float(v) for v in rows[1]])
    g = np.zeros((epochs.size, n_max + 1, n_max + 1))
    h = np.zeros_like(g)
    for row in rows[2:]:
        n, m = int(row[0]), int(row[1])
        values = np.array([float(v) for v in row[2:]])
        if values.size != epochs.size:
            raise ValueError(f"{path}: coefficient {n} {m} has {values.size} values for {epochs.size} epochs")
        (g if m >= 0 else h)[:, n, abs(m)] = values
    return GaussCoefficients(epochs, g, h)


@functools.cache
def igrf14() -> GaussCoefficients:
    """IGRF-14, read from ppigrf's file on first use and kept."""
    return read_shc(shc_path())


def decimal_year(utc: datetime) -> float:
    """Year plus the elapsed fraction of it (the IGRF time argument), for an aware or naive-UTC instant."""
    t = utc.astimezone(UTC) if utc.tzinfo is not None else utc.replace(tzinfo=UTC)
    start = datetime(t.year, 1, 1, tzinfo=UTC)
    end = datetime(t.year + 1, 1, 1, tzinfo=UTC)
    return t.year + (t - start) / (end - start)


def decimal_year_from_jd(jd_utc: float) -> float:
    """Decimal year of a Julian date (UTC)."""
    return decimal_year(datetime.fromtimestamp(unix_s_from_julian_date(jd_utc), tz=UTC))


def fill_igrf(model, when: float | datetime, degree: int = IGRF_DEGREE) -> None:
    """Write IGRF-14 at `when` (decimal year or UTC instant) into a C `zk_igrf *` (e.g. a world's member)."""
    if not 1 <= degree <= IGRF_DEGREE:
        raise ValueError(f"degree must be 1..{IGRF_DEGREE}, not {degree}")
    year = decimal_year(when) if isinstance(when, datetime) else float(when)
    g_nt, h_nt = igrf14().at(year)
    model.g_nt = g_nt[: IGRF_DEGREE + 1, : IGRF_DEGREE + 1].tolist()
    model.h_nt = h_nt[: IGRF_DEGREE + 1, : IGRF_DEGREE + 1].tolist()
    model.degree = degree
    model.r_ref_m = IGRF_REFERENCE_RADIUS_M
    model.decimal_year = year


def igrf_model(when: float | datetime, degree: int = IGRF_DEGREE):
    """A new C `zk_igrf *` holding IGRF-14 at `when` (decimal year or UTC instant)."""
    model = ffi.new("zk_igrf *")
    fill_igrf(model, when, degree)
    return model
