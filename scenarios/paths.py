"""Where the project keeps its files on this machine (ground floor: imports nothing of ``scenarios``).

The store, the exchange-calendar cache and other caches live under :func:`home`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
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


def env_path(name: str) -> str | None:
    """Return the path in the environment variable ``name``; None when it is unset or blank.

    Blank (empty or only spaces: ``SCENARIOS_HOME= cmd``, a stray space in a config file) means
    unset, never a folder named by spaces in the current folder. Other values are returned as
    written (a path may end in a space).
    """
    value = os.environ.get(name)
    return value if value and not value.isspace() else None


def home() -> Path:
    """Folder for the store and caches: ``$SCENARIOS_HOME`` or ``~/.cache/narrative-scenarios``."""
    value = env_path("SCENARIOS_HOME")
    return expand(value) if value else Path.home() / ".cache" / "narrative-scenarios"


def write_cache(path: Path, write: Callable[[Path], object]) -> bool:
    """Write a cache file atomically, best effort; True when it was written.

    ``write(tmp)`` writes the content to a temporary file beside ``path``, which then replaces
    ``path`` in one step, so a reader never sees half a file. A failure (a read-only home, a full
    disk, a folder where the file goes) only costs speed: nothing is raised and the temporary file
    is removed, never left behind.
    """
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
