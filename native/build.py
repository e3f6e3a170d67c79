"""cffi builder of Zorka's C core (out-of-line API mode): `native._core`.

setuptools runs it through `cffi_modules` on `pip install`; `python native/build.py` rebuilds the
extension in place. The C lives in rooms (common, flight, sim, record, board), each with one public
header; the cdef is read from those headers and the headers they include, in include order, so
declarations live in one place.
"""

import re
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
# The rooms' public headers, a room after the rooms it includes.
PUBLIC_HEADERS = (
    "common/common.h",
    "sim/sim.h",
    "flight/flight.h",
    "record/record.h",
    "record/fused.h",
    "board/board.h",
)
ROOMS = tuple(dict.fromkeys(h.split("/")[0] for h in PUBLIC_HEADERS))
# C helpers for the rooms' sources only (static inline), kept out of the cdef.
PRIVATE_HEADERS = ("common/vec3.h",)
_LOCAL_INCLUDE = re.compile(r'#include\s+"([^"]+)"')
_INT_DEFINE = re.compile(r"#define\s+\w+\s+-?\d+\s*$")
_VALUE_DEFINE = re.compile(r"#define\s+(\w+)\s+\S.*$")


def _resolve(name: str, including: str) -> str:
    """The path under native/ of a header included as `name` from the header `including`."""
    beside = Path(including).parent / name
    return beside.as_posix() if (HERE / beside).is_file() else name


def _in_include_order(header: str, seen: list[str]) -> None:
    if header in seen or header in PRIVATE_HEADERS:
        return
    for match in _LOCAL_INCLUDE.finditer((HERE / header).read_text()):
        _in_include_order(_resolve(match.group(1), header), seen)
    seen.append(header)


def headers() -> tuple[str, ...]:
    """Every header of the cffi API (paths under native/), each after the headers it includes."""
    seen: list[str] = []
    for header in PUBLIC_HEADERS:
        _in_include_order(header, seen)
    return tuple(seen)


HEADERS = headers()
SOURCES = tuple(sorted(p.relative_to(HERE).as_posix() for room in ROOMS for p in (HERE / room).glob("*.c")))


def cdef_text() -> str:
    """The headers without preprocessor lines, except constants: integer #defines as they are (cffi
    reads those), other valued #defines as `static const double` (cffi takes the value from the C)."""
    lines = []
    for name in HEADERS:
        for line in (HERE / name).read_text().splitlines():
            if line.startswith("#"):
                if _INT_DEFINE.match(line):
                    lines.append(line)
                elif value := _VALUE_DEFINE.match(line):
                    lines.append(f"static const double {value.group(1)};")
                continue
            lines.append(line)
    return "\n".join(lines)


ffibuilder = FFI()
ffibuilder.cdef(cdef_text())
ffibuilder.set_source(
    "native._core",
    "".join(f'#include "{h}"\n' for h in PUBLIC_HEADERS),
    sources=[f"native/{s}" for s in SOURCES],
    depends=[f"native/{h}" for h in (*HEADERS, *PRIVATE_HEADERS)],
    include_dirs=["native"],
    extra_compile_args=[
        "-O3",
        "-fno-math-errno",
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Werror=implicit-function-declaration",
    ],
    libraries=["m"],
)

if __name__ == "__main__":
    import os

    os.chdir(HERE.parent)
    ffibuilder.compile(tmpdir=".", verbose=False)
