"""Shared plumbing of the seed loaders: file locations, the strict base model, a cached loader.

The loader is a cached "load YAML, validate, cross-check" helper; the base model is the strict
pydantic one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from scenarios.errors import ScenarioError, ScenarioErrors
from scenarios.paths import env_path
from scenarios.yamlio import LocatedDoc, load_yaml, validation_errors

M = TypeVar("M", bound=BaseModel)

#: Names of the four seed files inside :func:`seeds_dir`.
UNIVERSES_FILE = "universes.yaml"
CLAIMS_FILE = "claims.yaml"
DRIVERS_FILE = "drivers.yaml"
ARTICLES_FILE = "articles.yaml"


class StrictModel(BaseModel):
    """Base of every seed model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


def seeds_dir() -> Path:
    """Folder of the seed files.

    ``$SCENARIOS_SEEDS`` if set, else ``seeds/`` beside the ``scenarios`` package (the repository's
    ``seeds/`` folder).
    """
    env = env_path("SCENARIOS_SEEDS")
    if env:
        return Path(env)
    return _package_parent() / "seeds"


@lru_cache(maxsize=1)
def _package_parent() -> Path:
    """Return the folder holding the ``scenarios`` package, resolved once per process (asked ~20 times a run)."""
    import scenarios

    return Path(scenarios.__file__).resolve().parents[1]


def seed_path(path: str | Path | None, default_name: str) -> Path:
    """``path`` if given, else ``seeds_dir() / default_name``."""
    return Path(path) if path is not None else seeds_dir() / default_name


def display_name(path: Path) -> str:
    """Short name for messages: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, RuntimeError, OSError):  # RuntimeError: a symlink loop (Python 3.11)
        return str(path)


Checker = Callable[[Any, LocatedDoc], list[ScenarioError]]

_CACHE: dict[tuple[str, str], tuple[float, int, Any]] = {}


def load_model(path: str | Path | None, default_name: str, model: type[M],
               check: Checker | None = None) -> M:
    """Load ``path`` (default ``seeds_dir()/default_name``), validate it as ``model`` and run the cross-field ``check``.

    Raise :class:`~scenarios.errors.ScenarioErrors` with every problem located. Results are cached
    per (file, model) until the file changes.
    """
    p = seed_path(path, default_name)
    try:
        st = p.stat()
        stamp = (st.st_mtime, st.st_size)
    except OSError:
        stamp = None
    where = "" if p.is_absolute() else os.getcwd()  # a relative spelling resolves against the cwd
    key = (_resolved(str(p), where) if stamp is not None else str(p), model.__qualname__)
    if stamp is not None and key in _CACHE and _CACHE[key][:2] == stamp:
        return _CACHE[key][2]
    doc = load_yaml(p, display_name=display_name(p))
    if not isinstance(doc.data, dict):
        raise ScenarioError("expected a YAML mapping at the top level", file=doc.file, line=1, column=1)
    try:
        obj = model.model_validate(doc.data)
    except ValidationError as exc:
        raise validation_errors(exc, doc) from None
    if check is not None:
        errors = check(obj, doc)
        if errors:
            errors.sort(key=lambda e: (e.line or 0, e.column or 0))
            raise ScenarioErrors(errors)
    if stamp is not None:
        _CACHE[key] = (stamp[0], stamp[1], obj)
    return obj


@lru_cache(maxsize=64)
def _resolved(path: str, cwd: str) -> str:
    """``path`` (relative to ``cwd`` unless absolute) resolved: a seed file's cache key, once per spelling."""
    return str((Path(cwd) / path).resolve())


def clear_cache() -> None:
    """Forget every cached seed file (tests that rewrite files in place use this)."""
    _CACHE.clear()
    _resolved.cache_clear()
