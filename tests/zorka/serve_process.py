"""`zorka serve` in its own process, for the tests that talk to it over a real socket or pty."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

ZORKA = [sys.executable, "-m", "zorka"]


@dataclass
class Served:
    process: subprocess.Popen
    line: str  # the first line it printed: what it serves, where
    port: int | None  # the 127.0.0.1 port that line names, if it names one
    stderr: str = ""  # all it wrote to stderr, once it has exited


@contextmanager
def zorka_serve(*arguments: str) -> Iterator[Served]:
    """Run `zorka serve ARGUMENTS` until the block ends, then terminate it: it must exit 0. Yields once
    it has printed its first line."""
    process = subprocess.Popen(
        [*ZORKA, "serve", *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("zorka serve:"), process.stderr.read()
        port = int(line.split("127.0.0.1:")[1].split(",")[0]) if "127.0.0.1:" in line else None
        served = Served(process, line, port)
        yield served
    finally:
        process.terminate()
        status = process.wait(timeout=15)
    served.stderr = process.stderr.read()
    assert status == 0, served.stderr
