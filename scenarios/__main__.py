"""``python -m scenarios``: the command line (same as the ``scenarios`` console script)."""

import sys

from scenarios.cli.app import main

sys.exit(main())
