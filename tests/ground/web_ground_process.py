"""`zorka ground` in its own process, for the tests that open its page or read its archive."""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from tests.zorka.serve_process import ZORKA


@contextmanager
def zorka_ground(*arguments: str) -> Iterator[str]:
    """Run `zorka ground ARGUMENTS` until the block ends, then terminate it: it must exit 0 without a
    word on stderr. Yields the page's URL once it has printed its first line."""
    process = subprocess.Popen(
        [*ZORKA, "ground", *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("zorka ground: http://"), process.stderr.read()
        yield line.split()[2]
    finally:
        process.terminate()
        status = process.wait(timeout=15)
    stderr = process.stderr.read()
    assert status == 0 and stderr == "", stderr
