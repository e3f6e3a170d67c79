"""Builds the C test driver of native/board (tests/native/c/board_driver.c) with ASan and UBSan, the
host firmware and the Cortex-M3 firmware, for the tests of the C board; and the helpers those tests share."""

import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from hal.board_frame import FrameDecoder
from native import build
from sim.board_config import device_specs
from sim.spacecraft import DEFAULT_SPACECRAFT

ROOT = build.HERE.parent
BOARD = build.HERE / "board"
DRIVER = Path(__file__).resolve().parent / "c" / "board_driver.c"
WARNINGS = ["-std=c99", "-Wall", "-Wextra", "-Wconversion", "-Werror"]
SANITIZERS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
FIRMWARE = ROOT / "build" / "zorka-c-board"
QEMU_FIRMWARE = ROOT / "build" / "zorka-c-board-lm3s6965.elf"
REPLY_TIMEOUT_S = 2.0  # generous: other tests may load both cores

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


def build_qemu_firmware() -> Path:
    """build/zorka-c-board-lm3s6965.elf, made by its Makefile rule."""
    target = str(QEMU_FIRMWARE.relative_to(ROOT))
    subprocess.run(["make", "-s", target], cwd=ROOT, check=True, capture_output=True)
    return QEMU_FIRMWARE


def configuration(watchdog_s: float = 2.0) -> dict:
    """A board.configure for the gyro and wheels of the default spacecraft."""
    return {
        "seed": 3,
        "frame_s": 0.1,
        "t_s": 12.5,
        "watchdog_s": watchdog_s,
        "devices": ["gyro", "wheels"],
        "specs": device_specs(DEFAULT_SPACECRAFT, ["gyro", "wheels"]),
    }


def exchange(fd: int, decoder: FrameDecoder, frame: bytes) -> tuple[bytes, dict]:
    """One request written raw on the pty; its reply's wire bytes and message."""
    os.write(fd, frame)
    wire = b""
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            wire += os.read(fd, 4096)
            messages = decoder.feed(wire[-4096:]) if wire.endswith(b"\0") else []
            if messages:
                return wire, messages[0]
    raise AssertionError("no reply")
