"""Run the CLI as ``python -m scenarios`` (same as the ``scenarios`` console script)."""

import sys

from scenarios.cli.app import main

sys.exit(main())
