"""Where the project keeps its files on this machine (ground floor: imports nothing of ``scenarios``).

The store, the exchange-calendar cache and other caches live under :func:`home`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
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
    """Write a cache file atomically, best effort.

    Parameters
    ----------
    path : Path
        The cache file. Its folder is created when missing.
    write : callable
        ``write(tmp)`` creates ``tmp`` and writes the content to it: a temporary file beside
        ``path``, with a random name of its own for every call (two writers, threads, processes or
        hosts, never share one), created by ``write`` so that its mode follows the umask as any
        file's does. ``tmp`` then replaces ``path`` in one step: a reader never sees half a file.

    Returns
    -------
    bool
        True when ``path`` was written. A failure to write (an ``OSError``: a read-only home, a
        full disk, a folder where the file goes) only costs speed: False, nothing raised. Any
        other exception of ``write`` propagates. Either way the temporary file is removed.
    """
    tmp = path.with_name(f".{path.name[:60]}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, path)
        return True
    except OSError:
        return False
    finally:  # after a replace there is no temporary file left to remove
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
