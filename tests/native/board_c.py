"""Builds the C test driver of native/board (tests/native/c/board_driver.c) with ASan and UBSan, and the
host firmware, for the tests of the C board."""

import shutil
import subprocess
from pathlib import Path

import pytest

from native import build

ROOT = build.HERE.parent
BOARD = build.HERE / "board"
DRIVER = Path(__file__).resolve().parent / "c" / "board_driver.c"
WARNINGS = ["-std=c99", "-Wall", "-Wextra", "-Wconversion", "-Werror"]
SANITIZERS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
FIRMWARE = ROOT / "build" / "zorka-c-board"

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc (apt-get install gcc)")


def build_driver(out_dir: Path) -> Path:
    """The driver and the library, one sanitized executable in out_dir."""
    exe = out_dir / "board_driver"
    sources = [str(DRIVER), *map(str, sorted(BOARD.glob("*.c")))]
    subprocess.run(
        ["gcc", *WARNINGS, *SANITIZERS, "-g", "-O1", f"-I{BOARD}", "-o", str(exe), *sources],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return exe


def build_firmware() -> Path:
    """build/zorka-c-board, made by its Makefile rule (up to date after the set-up)."""
    subprocess.run(["make", "-s", str(FIRMWARE.relative_to(ROOT))], cwd=ROOT, check=True, capture_output=True)
    return FIRMWARE
