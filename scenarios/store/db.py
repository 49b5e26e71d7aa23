"""Location of, connection to and transactions on the embedded DuckDB store.

The store lives at ``$SCENARIOS_HOME/store.duckdb`` (default
``~/.cache/narrative-scenarios/store.duckdb``). Every write goes through :func:`transaction`
so that an interrupted import leaves the previous data intact.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from scenarios.errors import StoreError

if TYPE_CHECKING:  # duckdb is imported lazily (CLI start-up time)
    import duckdb


def home() -> Path:
    """Folder for the store and caches: ``$SCENARIOS_HOME`` or ``~/.cache/narrative-scenarios``."""
    value = os.environ.get("SCENARIOS_HOME")
    return Path(value).expanduser() if value else Path.home() / ".cache" / "narrative-scenarios"


def store_path() -> Path:
    """Path of the DuckDB file."""
    return home() / "store.duckdb"


def connect(path: str | Path | None = None, read_only: bool = False) -> "duckdb.DuckDBPyConnection":
    """Open the store (creating folder and file when writing)."""
    import duckdb

    p = Path(path) if path is not None else store_path()
    try:
        if read_only:
            if not p.exists():
                raise StoreError(f"no store at {p}: import data first (`scenarios data import DIR`)")
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(p), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the store at {p}: {exc}") from exc


@contextmanager
def transaction(con: "duckdb.DuckDBPyConnection") -> Iterator["duckdb.DuckDBPyConnection"]:
    """``BEGIN`` ... ``COMMIT``; any exception (including KeyboardInterrupt) rolls back."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")
