"""A `zorka` command run in this process, then its peak resident memory written to a file: how `zorka bench`
measures a whole run's memory (the parent's rusage cannot: see `peak_resident_mib`).

    python -m zorka.benchmark.peak_memory OUT_FILE ZORKA_ARGUMENTS...   ->  OUT_FILE holds the MiB
"""

import sys
from pathlib import Path

from zorka.benchmark.run_memory import peak_resident_mib
from zorka.cli import main

if __name__ == "__main__":
    status = main(sys.argv[2:])
    Path(sys.argv[1]).write_text(f"{peak_resident_mib()}\n")
    sys.exit(status)
