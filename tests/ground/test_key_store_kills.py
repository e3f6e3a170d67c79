"""The key file against kills: a process reserving ARSNs in a loop gets SIGKILL or SIGINT at a random
moment (seeded), again and again; after every kill the file is whole and valid, and no ARSN any process
reported is ever handed out again. (Before the atomic replace, 230 of 676 such kills left it empty.)"""

import random
import signal
import subprocess
import sys
import time

import pytest

from ground.key_store import KeyStore

LOOP = """
import signal
import sys
from ground.key_store import KeyStore
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])  # whatever the test process left to it:
signal.signal(signal.SIGINT, signal.default_int_handler)  # under xdist it inherited SIGINT ignored
store = KeyStore(sys.argv[1])
try:
    while True:
        print(store.reserve_arsn(), flush=True)
except KeyboardInterrupt:
    sys.exit(130)
"""


def _kill_repeatedly(path, kills: int, signum: int, seed: int) -> tuple[int, int]:
    """Kill `kills` reserving processes; (ARSNs reported, kills that landed while reserving)."""
    rng = random.Random(seed)
    KeyStore(path)
    reported: list[int] = []
    for _ in range(kills):
        process = subprocess.Popen(
            [sys.executable, "-c", LOOP, str(path)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        first = process.stdout.readline()  # in the loop now
        time.sleep(rng.uniform(0.0, 0.02))
        process.send_signal(signum)
        rest, _ = process.communicate(timeout=30)
        taken = [int(n) for n in (first + rest).split()]
        assert taken and taken == sorted(set(taken)), taken[:5]
        assert not reported or taken[0] > reported[-1], (reported[-1], taken[0])
        reported += taken
        after = KeyStore(path)  # whole and valid, or this raises KeyFileError
        assert after.last_arsn() >= reported[-1]
    return len(reported), kills


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT])
def test_fifty_kills_never_break_the_file_nor_repeat_an_arsn(tmp_path, signum):
    reported, _ = _kill_repeatedly(tmp_path / "keys.json", 50, signum, seed=15)
    assert reported > 50


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT])
def test_five_hundred_kills_never_break_the_file_nor_repeat_an_arsn(tmp_path, signum):
    reported, _ = _kill_repeatedly(tmp_path / "keys.json", 500, signum, seed=1515)
    assert reported > 500
