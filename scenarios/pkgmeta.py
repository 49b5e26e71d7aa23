"""The version of an installed distribution, read from its metadata file without importing it.

``importlib.metadata.version`` scans every installed distribution to find one (several
milliseconds with a few hundred installed), and importing the package itself can cost far more
(scipy: about 10 ms, exchange-calendars: half a second). :func:`installed_version` finds the
package's folder (``importlib.util.find_spec``, nothing imported) and reads ``Version:`` from the
one ``NAME-*.dist-info/METADATA`` beside it. Anything unusual (no such file, several, an egg, a
namespace package) falls back to ``importlib.metadata.version``: the same answer, only slower.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

__all__ = ["installed_version"]


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
