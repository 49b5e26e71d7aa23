"""Where the project keeps its files on this machine (ground floor: imports nothing of ``scenarios``).

The store, the exchange-calendar cache and other caches live under :func:`home`.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """Folder for the store and caches: ``$SCENARIOS_HOME`` or ``~/.cache/narrative-scenarios``."""
    value = os.environ.get("SCENARIOS_HOME")
    return Path(value).expanduser() if value else Path.home() / ".cache" / "narrative-scenarios"
