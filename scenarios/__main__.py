import sys

from scenarios.cli.app import main

sys.exit(main())
