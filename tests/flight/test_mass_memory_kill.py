"""SIGKILL at random moments while products are stored and confirmed: each is whole or absent after.

A child process stores products of varied sizes in a loop (and confirms the oldest now and then),
printing each operation as it starts and when it returns; the test kills it at a random moment,
reopens the mass memory and checks every product against the bytes the child was writing.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from flight.payload.mass_memory import MassMemory

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 24
SEED = 20261125
CAPACITY_BYTES = 4_000_000

CONTENT = """
import random
def content(product_id):
    rng = random.Random(product_id)
    size_bytes = rng.choice([0, 1, 700, 4096, 65_537, 200_000]) + rng.randrange(100)
    return rng.randbytes(size_bytes)
"""

CHILD = (
    CONTENT
    + """
import os
import sys
from pathlib import Path
from flight.payload.mass_memory import MassMemory, MassMemoryFullError
def say(*words):  # one write(2) per line: a kill cannot cut a line in two
    os.write(1, (" ".join(words) + "\\n").encode())
memory = MassMemory(Path(sys.argv[1]), int(sys.argv[2]))
prefix = sys.argv[3]
say("ready")
i = 0
while True:
    product_id = f"{prefix}-{i:05d}"
    data = content(product_id)
    while memory.pending() and (len(data) > memory.free_bytes or i % 3 == 2):
        oldest = memory.pending()[0]
        say("confirming", oldest)
        memory.confirm(oldest)
        say("confirmed", oldest)
        if len(data) <= memory.free_bytes:
            break
    say("storing", product_id)
    memory.store(product_id, data, {"i": i})
    say("stored", product_id)
    i += 1
"""
)

namespace: dict = {}
exec(CONTENT, namespace)
content = namespace["content"]


def run_and_kill(folder: Path, prefix: str, delay_s: float) -> list[tuple[str, str]]:
    """Start the child, kill it `delay_s` after it is ready; its operations as (verb, product)."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), str(CAPACITY_BYTES), prefix],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "ready"
    time.sleep(delay_s)
    os.kill(child.pid, signal.SIGKILL)
    output, _ = child.communicate()
    assert child.returncode == -signal.SIGKILL
    return [tuple(line.split()) for line in output.splitlines() if line]


def test_sigkill_leaves_every_product_whole_or_absent(tmp_path):
    rng = random.Random(SEED)
    folder = tmp_path / "mass_memory"
    MassMemory(folder, CAPACITY_BYTES)
    expected_pending: set[str] = set()
    cut_mid_operation = 0
    for trial in range(TRIALS):
        operations = run_and_kill(folder, f"t{trial:02d}", rng.uniform(0.0, 0.12))
        in_doubt: set[str] = set()
        for verb, product_id in operations:
            if verb == "stored":
                expected_pending.add(product_id)
                in_doubt.discard(product_id)
            elif verb == "confirmed":
                expected_pending.discard(product_id)
                in_doubt.discard(product_id)
            else:
                in_doubt.add(product_id)
        cut_mid_operation += bool(in_doubt)

        memory = MassMemory(folder, CAPACITY_BYTES)
        pending = set(memory.pending())
        assert memory.lost == [], f"trial {trial}: nothing was damaged, yet {memory.lost} lost"
        assert not list(folder.glob("*.tmp"))
        # Every store that returned, and was not being confirmed, survived; nothing else appeared.
        assert expected_pending - in_doubt <= pending
        assert pending <= expected_pending | in_doubt
        for product_id in pending:
            data = memory.read(product_id)
            assert data == content(product_id), f"trial {trial}: {product_id} torn"
        assert memory.used_bytes == sum(len(content(p)) for p in pending)
        expected_pending = pending
    print(f"\n{TRIALS} kills, {cut_mid_operation} in the middle of a store or confirm")
    assert cut_mid_operation >= TRIALS // 2
