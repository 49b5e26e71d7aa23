"""Where the project keeps its files on this machine (ground floor: imports nothing of ``scenarios``).

The store, the exchange-calendar cache and other caches live under :func:`home`.
"""

from __future__ import annotations

import os
from pathlib import Path


def expand(path: str | Path) -> Path:
    """``path`` with a leading ``~`` or ``~user`` expanded, as a shell does.

    Left as written when it cannot be (an unknown user, no home folder): a shell leaves such a word
    alone too, and ``Path.expanduser`` would raise a bare ``RuntimeError``.
    """
    p = Path(path)
    try:
        return p.expanduser()
    except (RuntimeError, KeyError):
        return p


def home() -> Path:
    """Folder for the store and caches: ``$SCENARIOS_HOME`` or ``~/.cache/narrative-scenarios``."""
    value = os.environ.get("SCENARIOS_HOME")
    return expand(value) if value else Path.home() / ".cache" / "narrative-scenarios"
