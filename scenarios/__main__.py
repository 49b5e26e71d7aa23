"""``python -m scenarios``: the command line (same as the ``scenarios`` console script)."""

import sys

from scenarios.cli.app import main_process

sys.exit(main_process())
