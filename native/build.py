"""cffi builder of Zorka's C core (out-of-line API mode): `native._core`.

setuptools runs it through `cffi_modules` on `pip install`; `python native/build.py` rebuilds the
extension in place. The cdef is read from the headers themselves, so declarations live in one place.
"""

import re
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
# Dependency order: a header's types come before the headers that use them.
HEADERS = (
    "quat.h",
    "rng.h",
    "attitude.h",
    "orbit.h",
    "earth.h",
    "sun.h",
    "sensors.h",
    "actuators.h",
    "power.h",
    "igrf.h",
    "disturbance.h",
    "mekf.h",
    "guidance.h",
    "wheel_monitor.h",
    "world.h",
    "adcs.h",
    "record.h",
    "board_frame.h",
    "access.h",
)
SOURCES = tuple(h.replace(".h", ".c") for h in HEADERS)
_INT_DEFINE = re.compile(r"#define\s+\w+\s+-?\d+\s*$")


def cdef_text() -> str:
    """The headers with preprocessor lines removed, integer #defines kept (cffi understands those)."""
    lines = []
    for name in HEADERS:
        for line in (HERE / name).read_text().splitlines():
            if line.startswith("#") and not _INT_DEFINE.match(line):
                continue
            lines.append(line)
    return "\n".join(lines)


ffibuilder = FFI()
ffibuilder.cdef(cdef_text())
ffibuilder.set_source(
    "native._core",
    "".join(f'#include "{h}"\n' for h in HEADERS),
    sources=[f"native/{s}" for s in SOURCES],
    depends=["native/vec3.h", *(f"native/{h}" for h in HEADERS)],
    include_dirs=["native"],
    extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
    libraries=["m"],
)

if __name__ == "__main__":
    import os

    os.chdir(HERE.parent)
    ffibuilder.compile(tmpdir=".", verbose=False)
