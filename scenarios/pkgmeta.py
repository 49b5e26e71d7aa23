"""What is installed: a distribution's version (read without importing it) and the project's own sources.

``importlib.metadata.version`` scans every installed distribution to find one (several
milliseconds with a few hundred installed), and importing the package itself can cost far more
(scipy: about 10 ms, exchange-calendars: half a second). :func:`installed_version` finds the
package's folder (``importlib.util.find_spec``, nothing imported) and reads ``Version:`` from the
one ``NAME-*.dist-info/METADATA`` beside it. Anything unusual (no such file, several, an egg, a
namespace package) falls back to ``importlib.metadata.version``: the same answer, only slower.
:func:`source_digest` identifies the project's own code as installed (a run's kept score and
the build a Dask worker must share with its client).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["files_digest", "installed_version", "source_digest"]


@lru_cache(maxsize=1)
def source_digest() -> str:
    """Return a BLAKE2b digest (32 hex characters) of the ``scenarios`` and ``valuation`` packages.

    Every file of both (sources, templates, assets; not bytecode) by its path relative to the
    packages' folder and its bytes, found without importing them. Computed once per process.
    """
    roots = []
    for pkg in ("scenarios", "valuation"):
        spec = importlib.util.find_spec(pkg)
        assert spec is not None and spec.submodule_search_locations
        roots.append(Path(next(iter(spec.submodule_search_locations))).resolve())
    return files_digest(*roots)


def files_digest(*roots: Path) -> str:
    """Return a BLAKE2b digest (32 hex characters) of every file under ``roots``, in order.

    Each file by its path relative to its root's parent (``seeds/claims.yaml``) and its bytes;
    bytecode is left out. A root that does not exist adds nothing.
    """
    h = hashlib.blake2b(digest_size=16)
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                h.update(path.relative_to(root.parent).as_posix().encode())
                h.update(b"\0")
                h.update(path.read_bytes())
                h.update(b"\0")
    return h.hexdigest()


def installed_version(dist: str, package: str | None = None) -> str | None:
    """Return the version of the installed distribution ``dist`` (None when it is not installed).

    Parameters
    ----------
    dist : str
        Distribution name as installed (``scipy``, ``exchange-calendars``).
    package : str, optional
        Its top-level import package (default: ``dist`` with ``-`` and ``.`` read as ``_``).

    Returns
    -------
    str or None
        What ``importlib.metadata.version(dist)`` returns; None when the distribution is not
        installed.
    """
    norm = re.sub(r"[-_.]+", "_", dist).lower()
    try:
        spec = importlib.util.find_spec(package or norm)
    except (ImportError, ValueError):
        spec = None
    found = _from_metadata(norm, spec.submodule_search_locations) if spec is not None else None
    if found is not None:
        return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _from_metadata(norm: str, locations: object) -> str | None:
    """``Version:`` of the one ``NORM-*.dist-info/METADATA`` beside the package folder, else None."""
    folders = list(locations) if isinstance(locations, list) else []
    if len(folders) != 1:
        return None
    parent = Path(str(folders[0])).parent
    try:
        names = [e.name for e in os.scandir(parent)
                 if e.name.endswith(".dist-info") and e.name.lower().startswith(norm + "-")]
    except OSError:
        return None
    metas = [parent / n / "METADATA" for n in names]
    if len(metas) != 1:
        return None
    try:
        with metas[0].open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    return None  # the headers ended without a version
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip() or None
    except (OSError, UnicodeDecodeError):
        return None
    return None
