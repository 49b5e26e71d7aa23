"""Location of, connection to and transactions on the embedded DuckDB store.

The store lives at ``$SCENARIOS_HOME/store.duckdb`` (default
``~/.cache/narrative-scenarios/store.duckdb``). Every write goes through :func:`transaction`
so that an interrupted import leaves the previous data intact.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from scenarios.errors import StoreError, shown_path
from scenarios.paths import home

if TYPE_CHECKING:  # duckdb is imported lazily (CLI start-up time)
    import duckdb


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
    at = shown_path(path)  # a newline in the path must not print as a line of its own
    first = (text.replace(str(path), at).splitlines() or [""])[0]
    if "corrupt" in low or "checksum" in low or "not a valid duckdb" in low or "serializ" in low \
            or "invalid database" in low or "unexpected end of file" in low:
        return StoreError(
            f"the store at {at} is corrupted ({first[:160]}) while {doing}. Rebuild it: "
            f"move it aside (mv {at} {at}.bad), then `scenarios data import DIR` re-imports the "
            "prices (runs recorded in the old file are not recovered).")
    if "no space left" in low or getattr(exc, "errno", None) == 28:
        return StoreError(f"the disk holding the store at {at} is full while {doing}: free some "
                          "space (or point SCENARIOS_HOME at another disk) and try again.")
    if _is_lock(exc):
        return StoreError(f"the store at {at} is busy: another scenarios process holds it "
                          f"(gave up while {doing}). Try again when it is done, raise "
                          "SCENARIOS_STORE_TIMEOUT (seconds to wait, default "
                          f"{DEFAULT_TIMEOUT:g}), or pass --no-record.")
    if "read-only" in low or "readonly" in low or "permission denied" in low:
        return StoreError(f"the store at {at} cannot be written ({first[:160]}) "
                          f"while {doing}: set SCENARIOS_HOME to a folder you can write, or pass "
                          "--no-record.")
    return StoreError(f"cannot use the store at {at} while {doing}: {first if text else repr(exc)}")


def _notice(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# one process at a time: the sidecar lock
# --------------------------------------------------------------------------------------
#
# DuckDB's own file lock is not enough between processes. Opening a database file, DuckDB reads
# its header *before* it takes its lock (and decides whether to create the file before opening
# it). A process that opens the store while another one is closing it (the checkpoint on close
# rewrites the header) can load the previous state, then write over the other's checkpoint: the
# other process's committed run is gone although its COMMIT succeeded. Under load this lost one
# run in a few of the 16-process tests (issue 16). So every connection first takes an flock on
# ``<store>.lock`` (exclusive for writers, shared for read-only connections) and keeps it until
# the connection is closed: no process reads the file while another may be writing it.

@dataclass
class _Hold:
    fd: int | None  # None: no lock file could be opened (read-only folder) or no flock here
    exclusive: bool
    count: int = 0


_HOLDS: dict[str, _Hold] = {}
_HOLDS_LOCK = threading.Lock()


def lock_path(path: str | Path) -> Path:
    """Return the sidecar lock file of the store at ``path`` (``store.duckdb.lock``)."""
    p = Path(path)
    return p.with_name(p.name + ".lock")


def _open_lock_file(path: Path, exclusive: bool) -> int | None:
    lp = lock_path(path)
    if exclusive:  # a writer creates the folder (connect reports it when that fails)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
    for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
        try:
            return os.open(lp, flags | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError:
            continue
    return None  # a read-only folder without a lock file: nobody can write the store there anyway


def _try_acquire(path: Path, exclusive: bool) -> bool:
    """Take (or share, within this process) the sidecar lock without blocking.

    False when another process holds it.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: DuckDB's own lock only
        fcntl = None  # type: ignore[assignment]
    key = str(path.absolute())
    with _HOLDS_LOCK:
        hold = _HOLDS.get(key)
        if hold is not None:  # this process holds it already (its connections share one DuckDB instance)
            hold.count += 1
            return True
        fd = _open_lock_file(path, exclusive) if fcntl is not None else None
        if fd is not None:
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
        _HOLDS[key] = _Hold(fd, exclusive, 1)
        return True


def _release(path: Path) -> None:
    key = str(path.absolute())
    with _HOLDS_LOCK:
        hold = _HOLDS.get(key)
        if hold is None:
            return
        hold.count -= 1
        if hold.count <= 0:
            del _HOLDS[key]
            if hold.fd is not None:
                os.close(hold.fd)  # releases the flock


class StoreConnection:
    """A DuckDB connection to the store that holds the sidecar lock until :meth:`close`.

    Everything but ``close`` is the DuckDB connection's own (``execute``, ``register`` ...).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self._con = con
        self._path = path
        self._open = True

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._con, name)

    def close(self) -> None:
        """Close the DuckDB connection, then let other processes in.

        The last connection of the process checkpoints the file.
        """
        if self._open:
            self._open = False
            try:
                self._con.close()
            finally:
                _release(self._path)

    def __enter__(self) -> StoreConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a connection dropped without close() must not keep others out
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _busy(p: Path) -> Exception:
    return Exception(f'Could not set lock on file "{lock_path(p)}": Conflicting lock is held by '
                     "another scenarios process")


def _wait_notice(p: Path, limit: float) -> None:
    if limit > 1:
        _notice(f"the store {shown_path(p)} is busy (another scenarios process holds it); waiting up to "
                f"{limit:g} s (SCENARIOS_STORE_TIMEOUT)...")


@contextmanager
def locked(path: str | Path | None = None, *, timeout: float | None = None) -> Iterator[Path]:
    """Hold the store exclusively for this process (no other process opens it meanwhile).

    Waits like :func:`connect`, then yields the store path. Connections opened inside share it.
    """
    import time

    p = Path(path) if path is not None else store_path()
    limit = store_timeout() if timeout is None else timeout
    deadline = time.monotonic() + limit
    noticed = False
    while not _try_acquire(p, exclusive=True):
        if time.monotonic() >= deadline:
            raise describe_error(p, _busy(p), "opening it")
        if not noticed:
            _wait_notice(p, limit)
            noticed = True
        time.sleep(0.05 + 0.05 * (time.monotonic() % 1))
    try:
        yield p
    finally:
        _release(p)


def connect(path: str | Path | None = None, read_only: bool = False,
            *, timeout: float | None = None) -> StoreConnection:
    """Open the store (creating folder and file when writing).

    When another process holds the file, wait (one notice on stderr) up to ``timeout`` seconds
    (default :func:`store_timeout`), then raise a :class:`StoreError` saying so. The returned
    connection holds the sidecar lock (see :class:`StoreConnection`) until it is closed.
    """
    import time

    import duckdb

    p = Path(path) if path is not None else store_path()
    try:
        str(p).encode("utf-8")
    except UnicodeEncodeError:  # DuckDB would raise a bare RuntimeError (std::bad_cast)
        raise StoreError(f"the store path {str(p)!r} is not valid UTF-8, and DuckDB cannot open such a "
                         "path; set SCENARIOS_HOME to a folder whose name is valid UTF-8 (it holds the "
                         "price store and recorded runs), or pass --no-record") from None
    if read_only:
        if not p.exists():
            raise StoreError(f"no store at {shown_path(p)}: import data first (`scenarios data import DIR`)")
    else:
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
            raise StoreError(
                f"cannot create the store folder {shown_path(p.parent)}: {reason}. Set SCENARIOS_HOME to a folder "
                "you can write (it holds the price store and recorded runs), or pass --no-record.") from exc
    limit = store_timeout() if timeout is None else timeout
    deadline = time.monotonic() + limit
    noticed = False
    while True:
        if _try_acquire(p, exclusive=not read_only):
            try:
                return StoreConnection(duckdb.connect(str(p), read_only=read_only), p)
            except duckdb.Error as exc:  # e.g. a process outside scenarios holds DuckDB's own lock
                _release(p)
                if not _is_lock(exc) or time.monotonic() >= deadline:
                    raise describe_error(p, exc, "opening it") from exc
            except OSError as exc:
                _release(p)
                raise describe_error(p, exc, "opening it") from exc
            except BaseException:
                _release(p)
                raise
        elif time.monotonic() >= deadline:
            raise describe_error(p, _busy(p), "opening it")
        if not noticed:
            _wait_notice(p, limit)
            noticed = True
        time.sleep(0.05 + 0.05 * (time.monotonic() % 1))


def connect_for_read(path: str | Path | None = None, *,
                     timeout: float | None = None) -> StoreConnection:
    """Open a read-only connection (works on a read-only file or folder).

    Falls back to a normal one when this process already holds the file read-write (DuckDB refuses
    mixing the two).
    """
    import duckdb

    try:
        return connect(path, read_only=True, timeout=timeout)
    except StoreError as exc:
        if isinstance(exc.__cause__, duckdb.Error) and _is_config_clash(exc.__cause__):
            return connect(path, read_only=False, timeout=timeout)
        raise


#: a bare DuckDB connection or the store's locked one (which forwards ``execute`` to it)
_Con = TypeVar("_Con", "duckdb.DuckDBPyConnection", StoreConnection)


@contextmanager
def transaction(con: _Con) -> Iterator[_Con]:
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
