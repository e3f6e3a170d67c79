import sys

from zorka.cli import main

sys.exit(main())
