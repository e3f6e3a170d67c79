"""The include rules of the C rooms (DESIGN.md): native/flight and native/sim include only native/common,
native/common only itself, native/board nothing of Zorka (and it builds alone, C99, without the heap);
only native/record sees both sides."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from native import build

INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^">]+)[">]', re.MULTILINE)
MAY_INCLUDE = {
    "common": {"common"},
    "flight": {"flight", "common"},
    "sim": {"sim", "common"},
    "record": {"record", "flight", "sim", "common"},
    "board": {"board"},
}
BOARD_LIBC = {"stddef.h", "stdint.h"}


def c_files(room: str) -> list[Path]:
    return sorted((build.HERE / room).glob("*.[ch]"))


def local_includes(path: Path) -> list[str]:
    """The rooms a file's quoted includes reach (a bare name is the file's own room)."""
    room = path.parent.name
    return [name.split("/")[0] if "/" in name else room for kind, name in INCLUDE.findall(path.read_text())
            if kind == '"']  # fmt: skip


def test_every_c_file_sits_in_a_room():
    assert set(build.ROOMS) == set(MAY_INCLUDE)
    loose = [p.name for p in build.HERE.glob("*.[ch]") if not p.name.startswith("_core.")]  # cffi's output
    assert not loose, f"C at the top of native/: put {loose} in a room"


@pytest.mark.parametrize("room", sorted(MAY_INCLUDE))
def test_a_room_includes_only_the_rooms_it_may(room):
    files = c_files(room)
    assert files
    for path in files:
        for reached in local_includes(path):
            assert reached in MAY_INCLUDE[room], f"native/{room}/{path.name} includes from native/{reached}"
            assert (build.HERE / reached).is_dir()


def test_quoted_includes_name_files_that_exist():
    for room in MAY_INCLUDE:
        for path in c_files(room):
            for kind, name in INCLUDE.findall(path.read_text()):
                if kind == '"':
                    assert (path.parent / name).is_file() or (build.HERE / name).is_file(), (path, name)


def test_board_uses_only_freestanding_headers_and_no_heap():
    for path in c_files("board"):
        text = path.read_text()
        system = {name for kind, name in INCLUDE.findall(text) if kind == "<"}
        assert system <= BOARD_LIBC, f"{path.name} includes {system - BOARD_LIBC}"
        assert not re.search(r"\b(malloc|calloc|realloc|free)\s*\(", text), f"{path.name} uses the heap"


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler (apt-get install gcc)")
def test_board_builds_alone_as_c99_without_the_rest_of_native(tmp_path):
    for source in (build.HERE / "board").glob("*.c"):
        subprocess.run(
            ["cc", "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-ffreestanding", "-nostdinc",
             "-isystem", str(_compiler_include_dir()), "-c", str(source), "-o", str(tmp_path / "board.o")],
            check=True, capture_output=True, text=True,
        )  # fmt: skip


def _compiler_include_dir() -> Path:
    """The compiler's own header folder (stddef.h, stdint.h of a freestanding build), not libc's."""
    found = subprocess.run(["cc", "-print-file-name=include"], check=True, capture_output=True, text=True)
    return Path(found.stdout.strip())
