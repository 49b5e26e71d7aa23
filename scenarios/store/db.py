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


#: Seconds a writer waits for another process to release the store (``SCENARIOS_STORE_TIMEOUT``).
DEFAULT_TIMEOUT = 60.0


def store_timeout() -> float:
    """``$SCENARIOS_STORE_TIMEOUT`` in seconds (default :data:`DEFAULT_TIMEOUT`)."""
    from scenarios.errors import ScenarioError

    raw = os.environ.get("SCENARIOS_STORE_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value >= 0 or value == float("inf"):
        raise ScenarioError(f"SCENARIOS_STORE_TIMEOUT must be a number of seconds >= 0 (got {raw!r})")
    return value


def _is_lock(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text or "held" in text)


def _is_config_clash(exc: BaseException) -> bool:
    return "different configuration" in str(exc).lower()


def describe_error(path: Path, exc: BaseException, doing: str) -> StoreError:
    """Return a :class:`StoreError` naming the real cause of a DuckDB/OS failure and the fix."""
    text = str(exc)
    low = text.lower()
    if "corrupt" in low or "checksum" in low or "not a valid duckdb" in low or "serializ" in low \
            or "invalid database" in low or "unexpected end of file" in low:
        return StoreError(
            f"the store at {path} is corrupted ({text.splitlines()[0][:160]}) while {doing}. Rebuild it: "
            f"move it aside (mv {path} {path}.bad), then `scenarios data import DIR` re-imports the "
            "prices (runs recorded in the old file are not recovered).")
    if "no space left" in low or getattr(exc, "errno", None) == 28:
        return StoreError(f"the disk holding the store at {path} is full while {doing}: free some "
                          "space (or point SCENARIOS_HOME at another disk) and try again.")
    if _is_lock(exc):
        return StoreError(f"the store at {path} is busy: another scenarios process holds it "
                          f"(gave up while {doing}). Try again when it is done, raise "
                          "SCENARIOS_STORE_TIMEOUT (seconds to wait, default "
                          f"{DEFAULT_TIMEOUT:g}), or pass --no-record.")
    if "read-only" in low or "readonly" in low or "permission denied" in low:
        return StoreError(f"the store at {path} cannot be written ({text.splitlines()[0][:160]}) "
                          f"while {doing}: set SCENARIOS_HOME to a folder you can write, or pass "
                          "--no-record.")
    return StoreError(f"cannot use the store at {path} while {doing}: {text.splitlines()[0] if text else exc!r}")


def _notice(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def connect(path: str | Path | None = None, read_only: bool = False,
            *, timeout: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the store (creating folder and file when writing).

    When another process holds the file, wait (one notice on stderr) up to ``timeout`` seconds
    (default :func:`store_timeout`), then raise a :class:`StoreError` saying so.
    """
    import time

    import duckdb

    p = Path(path) if path is not None else store_path()
    if read_only:
        if not p.exists():
            raise StoreError(f"no store at {p}: import data first (`scenarios data import DIR`)")
    else:
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
            raise StoreError(
                f"cannot create the store folder {p.parent}: {reason}. Set SCENARIOS_HOME to a folder "
                "you can write (it holds the price store and recorded runs), or pass --no-record.") from exc
    limit = store_timeout() if timeout is None else timeout
    deadline = time.monotonic() + limit
    noticed = False
    while True:
        try:
            return duckdb.connect(str(p), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_lock(exc) or time.monotonic() >= deadline:
                raise describe_error(p, exc, "opening it") from exc
            if not noticed and limit > 1:
                _notice(f"the store {p} is busy (another scenarios process holds it); waiting up to "
                        f"{limit:g} s (SCENARIOS_STORE_TIMEOUT)...")
                noticed = True
            time.sleep(0.05 + 0.05 * (time.monotonic() % 1))
        except OSError as exc:
            raise describe_error(p, exc, "opening it") from exc


def connect_for_read(path: str | Path | None = None, *,
                     timeout: float | None = None) -> duckdb.DuckDBPyConnection:
    """Return a read-only connection (works on a read-only file or folder).

    Falls back to a normal one
    when this process already holds the file read-write (DuckDB refuses mixing the two).
    """
    import duckdb

    try:
        return connect(path, read_only=True, timeout=timeout)
    except StoreError as exc:
        if isinstance(exc.__cause__, duckdb.Error) and _is_config_clash(exc.__cause__):
            return connect(path, read_only=False, timeout=timeout)
        raise


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """``BEGIN`` ... ``COMMIT``; any exception (including KeyboardInterrupt) rolls back."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - e.g. "Current transaction is aborted" after a full disk:
            pass  # the error that caused the rollback is the one to report
        raise
    else:
        con.execute("COMMIT")
