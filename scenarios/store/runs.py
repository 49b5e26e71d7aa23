"""Recorded runs: every ``scenarios run`` / ``scenarios backtest`` result kept in the store.

A run is one row of the ``runs`` table of the DuckDB store (:mod:`scenarios.store.db`):

=============  ==========================================================================
``id``         ``r<YYYYMMDD>-<HHMMSS>-<4 hex>`` (UTC time of recording + random suffix);
               ids sort by recording time, to the second
``kind``       what produced it (``"run"``, ``"backtest"``, ...)
``name``       human label (usually the scenario name)
``file_sha256`` hash of the scenario file the run came from (``NULL`` if none)
``created_at`` UTC timestamp (microseconds); ties within a second are ordered by it
``payload``    the run's outputs as JSON text (:func:`scenarios.jsonable.to_jsonable`)
``summary``    optional one-line summary for listings
=============  ==========================================================================

Every write is one transaction: an interrupted ``record_run`` leaves no half-written row.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenarios.errors import RunNotFoundError, StoreError, foreign_reason, shown_path
from scenarios.jsonable import compact_json, to_jsonable

log = logging.getLogger(__name__)

__all__ = [
    "RunInfo", "delete_run", "fetch_run", "list_runs", "load_run", "new_run_id", "record_run", "run_info",
    "to_jsonable",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id          VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    file_sha256 VARCHAR,
    created_at  TIMESTAMP NOT NULL,
    payload     VARCHAR NOT NULL
)
"""
# added after the first release of the table: a one-line summary for `scenarios runs list`
_MIGRATIONS = ("ALTER TABLE runs ADD COLUMN IF NOT EXISTS summary VARCHAR",)


@dataclass(frozen=True)
class RunInfo:
    """One line of the run list (everything but the payload).

    ``created_at`` is a naive :class:`datetime.datetime` in UTC; ``size`` is the payload's
    length in characters of JSON; ``summary`` the one-line summary given when recording.
    """

    id: str
    kind: str
    name: str
    created_at: _dt.datetime
    file_sha256: str | None
    size: int
    summary: str | None = None


# --------------------------------------------------------------------------------------
# store access
# --------------------------------------------------------------------------------------

def _connect(path: str | Path | None, read_only: bool = False):  # -> duckdb connection
    """Open the store.

    A busy store is waited for (notice on stderr) up to ``SCENARIOS_STORE_TIMEOUT`` seconds, then a
    :class:`StoreError` (see :func:`scenarios.store.db.connect`).
    """
    from scenarios.store.db import connect, connect_for_read

    return connect_for_read(path) if read_only else connect(path)


def _store_error(exc: BaseException, doing: str, path: str | Path | None) -> StoreError:
    from scenarios.store.db import describe_error, store_path

    return describe_error(Path(path) if path is not None else store_path(), exc, doing)


def _summary_column(con) -> str:
    """``summary`` when the table has it (older stores may not; reads never migrate)."""
    row = con.execute("SELECT count(*) FROM information_schema.columns "
                      "WHERE table_name = 'runs' AND column_name = 'summary'").fetchone()
    return "summary" if row and row[0] else "NULL"


def _ensure_schema(con) -> None:
    con.execute(_SCHEMA)
    for sql in _MIGRATIONS:
        con.execute(sql)


def new_run_id(now: _dt.datetime | None = None) -> str:
    """Return a fresh id ``r<YYYYMMDD>-<HHMMSS>-<4 hex>`` for the UTC time ``now`` (default: now)."""
    t = now or _dt.datetime.now(_dt.UTC)
    return f"r{t:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


#: ``record_run(..., then=f)``: ``f(con, run_id)`` on the open write connection, after the run's commit
AfterRecord = Callable[[Any, str], None]


def record_run(kind: str, payload: Mapping[str, Any], *, name: str, file_sha256: str | None = None,
               summary: str | None = None, path: str | Path | None = None,
               then: AfterRecord | None = None) -> str:
    """Store ``payload`` as a new run and return its id.

    Parameters
    ----------
    kind:
        What produced the run (``"run"``, ``"backtest"``, ...); non-empty.
    payload:
        The outputs, a mapping of JSON-encodable values (numpy/pandas values are converted,
        NaN/inf become ``null``).
    name:
        Human label shown by ``scenarios runs list``.
    file_sha256:
        Hash of the scenario file, if the run came from one.
    summary:
        Optional one-line summary shown by ``scenarios runs list``.
    path:
        Store file (default: :func:`scenarios.store.db.store_path`).
    then:
        Called as ``then(con, run_id)`` on the same write connection once the run is committed,
        to write what belongs with it (its kept score, :func:`scenarios.store.scores.score_writer`)
        in its own transaction. One connection, one checkpoint and one read-back serve both: each
        DuckDB open costs 30 to 45 ms. It must not raise for what is only best effort.

    Raises
    ------
    scenarios.errors.StoreError
        The store is busy past ``SCENARIOS_STORE_TIMEOUT``, cannot be written, or the run is not
        there when read back after the commit (then it is not recorded).
    """
    if not kind or not isinstance(kind, str):
        raise ValueError("record_run needs a non-empty kind")
    if not isinstance(payload, Mapping):
        raise TypeError(f"a run payload must be a mapping, got {type(payload).__name__}")
    text = compact_json(payload)
    from scenarios.store.db import locked, store_path

    p = Path(path) if path is not None else store_path()
    # No other process opens the store from here until the run is read back from the file:
    # see scenarios.store.db (a concurrent open could otherwise undo this commit).
    with locked(p):
        run_id = _insert_run(p, kind, str(name), file_sha256, summary, text, then)
        _read_back(p, run_id)
    return run_id


def _insert_run(p: Path, kind: str, name: str, file_sha256: str | None, summary: str | None,
                text: str, then: AfterRecord | None = None) -> str:
    """Insert one run, call ``then(con, run_id)`` on the same connection, close it; return the id.

    Closing the connection checkpoints the run into the file. ``then`` is best effort: an
    exception from it is logged (a warning) and the run stays recorded.
    """
    import duckdb

    con = _connect(p)
    try:
        try:
            run_id = _insert(con, kind, name, file_sha256, summary, text)
        except duckdb.Error as exc:
            raise _store_error(exc, "recording the run", p) from exc
        if then is not None:  # the run is committed: what comes with it cannot un-record it
            try:
                then(con, run_id)
            except Exception as exc:  # noqa: BLE001 - best effort by contract: the run stays recorded
                log.warning("run %s is recorded, but what belongs with it was not written (%s)",
                            run_id, foreign_reason(exc))
    finally:
        try:
            con.close()  # the checkpoint: the run reaches the file here
        except duckdb.Error as exc:
            raise _store_error(exc, "recording the run", p) from exc
    return run_id


def _insert(con: Any, kind: str, name: str, file_sha256: str | None, summary: str | None, text: str) -> str:
    """Insert one run in its own transaction (a fresh id, retried on a collision); return the id."""
    import duckdb

    from scenarios.store.db import transaction

    _ensure_schema(con)
    for _ in range(100):
        now = _dt.datetime.now(_dt.UTC)
        run_id = new_run_id(now)
        try:
            with transaction(con):
                if con.execute("SELECT 1 FROM runs WHERE id = ?", [run_id]).fetchone():
                    continue
                con.execute(
                    "INSERT INTO runs (id, kind, name, file_sha256, created_at, payload, summary) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [run_id, kind, name, file_sha256, now.replace(tzinfo=None), text, summary],
                )
        except duckdb.ConstraintException:  # a concurrent writer took the id: draw again
            continue
        return run_id
    raise StoreError("could not allocate a unique run id (100 collisions)")


def _read_back(p: Path, run_id: str) -> None:
    """Re-open the store (read-only: a fresh read of the file) and check that ``run_id`` is there.

    A :class:`StoreError` otherwise, so that a run is never reported recorded unless it can be read.
    """
    import duckdb

    try:
        con = _connect(p, read_only=True)
        try:
            row = con.execute("SELECT 1 FROM runs WHERE id = ?", [run_id]).fetchone()
        finally:
            con.close()
    except duckdb.Error as exc:
        raise _store_error(exc, f"reading back run {run_id}", p) from exc
    if not row:
        raise StoreError(f"run {run_id} was written to the store at {shown_path(p)} but is not there when read "
                         "back, so it is NOT recorded (another process may have replaced the file). "
                         "Run it again.")


def _has_table(con) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'").fetchone()
    return bool(row and row[0])


def _open_for_read(path: str | Path | None):
    from scenarios.store.db import store_path

    p = Path(path) if path is not None else store_path()
    if not p.exists():
        return None
    return _connect(p, read_only=True)


def list_runs(kind: str | None = None, limit: int | None = 50, *,
              path: str | Path | None = None) -> list[RunInfo]:
    """Return recorded runs, newest first (``limit=None``: all), optionally of one ``kind``."""
    import duckdb

    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    con = _open_for_read(path)
    if con is None:
        return []
    try:
        if not _has_table(con):
            return []
        sql = ("SELECT id, kind, name, created_at, file_sha256, length(payload), "
               f"{_summary_column(con)} FROM runs")
        params: list[Any] = []
        if kind is not None:
            sql += " WHERE kind = ?"
            params.append(kind)
        sql += " ORDER BY created_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = con.execute(sql, params).fetchall()
    except duckdb.Error as exc:
        raise _store_error(exc, "listing the runs", path) from exc
    finally:
        con.close()
    return [RunInfo(id=r[0], kind=r[1], name=r[2], created_at=r[3], file_sha256=r[4], size=int(r[5]),
                    summary=r[6]) for r in rows]


def _resolve(con, run_id: str) -> str:
    """Return the full id matching ``run_id`` exactly or as a unique prefix."""
    rid = run_id.strip()
    if not rid:
        raise RunNotFoundError("empty run id: give an id from `scenarios runs list`")
    if not rid.isascii() or not rid.isprintable():  # ids are ASCII: nothing to look up (DuckDB
        raise RunNotFoundError(_not_found(con, rid))  # cannot even take a lone surrogate)
    row = con.execute("SELECT id FROM runs WHERE id = ?", [rid]).fetchone()
    if row:
        return row[0]
    like = rid.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = con.execute(
        "SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 6", [like]).fetchall()
    if len(rows) == 1:
        return rows[0][0]
    if len(rows) > 1:
        shown = ", ".join(r[0] for r in rows[:5])
        raise RunNotFoundError(
            f"run id prefix {rid!r} is ambiguous: it matches {shown}"
            + (" and more" if len(rows) > 5 else "") + "; give more characters")
    raise RunNotFoundError(_not_found(con, rid))


def _not_found(con, rid: str) -> str:
    latest = con.execute("SELECT id FROM runs ORDER BY created_at DESC, id DESC LIMIT 3").fetchall()
    hint = (f" The latest runs are {', '.join(r[0] for r in latest)}." if latest else
            " The store has no runs yet.")
    return (f"no recorded run has the id {rid!r}.{hint} "
            "List them with `scenarios runs list` (ids look like r20251121-190512-ab12; "
            "a unique prefix is enough).")


def _fetch(run_id: str, path: str | Path | None, columns: str) -> tuple:
    import duckdb

    con = _open_for_read(path)
    if con is None:
        raise RunNotFoundError(
            f"no recorded run has the id {run_id!r}: the store has no runs yet "
            "(record one with `scenarios run FILE` or `scenarios backtest FILE`)")
    try:
        if not _has_table(con):
            raise RunNotFoundError(
                f"no recorded run has the id {run_id!r}: the store has no runs yet")
        full = _resolve(con, run_id)
        columns = columns.replace("summary", _summary_column(con))
        row = con.execute(f"SELECT {columns} FROM runs WHERE id = ?", [full]).fetchone()
    except duckdb.Error as exc:
        raise _store_error(exc, f"reading run {run_id!r}", path) from exc
    finally:
        con.close()
    assert row is not None
    return row


def fetch_run(run_id: str, *, path: str | Path | None = None) -> tuple[RunInfo, dict[str, Any]]:
    """Return the :class:`RunInfo` and the payload of ``run_id`` (full id or unique prefix).

    :func:`run_info` and :func:`load_run` in one read of the store.
    """
    r = _fetch(run_id, path, "id, kind, name, created_at, file_sha256, length(payload), summary, payload")
    info = RunInfo(id=r[0], kind=r[1], name=r[2], created_at=r[3], file_sha256=r[4], size=int(r[5]),
                   summary=r[6])
    return info, _payload(info.id, r[7])


def _payload(run_id: str, text: str) -> dict[str, Any]:
    """Return the stored JSON object of ``run_id``; a :class:`StoreError` for anything else.

    :func:`record_run` only ever writes a JSON object, so text that is not JSON, nests too deep
    to decode (``[[[...]]]``: a RecursionError) or decodes to a list, a number or ``null`` is a
    corrupt row, not another version's payload.
    """
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise StoreError(f"run {run_id!r} has a corrupt payload: {foreign_reason(exc)}") from exc
    if not isinstance(value, dict):
        raise StoreError(f"run {run_id!r} has a corrupt payload: a JSON {type(value).__name__}, "
                         "not the JSON object a run is recorded as")
    return value


def run_info(run_id: str, *, path: str | Path | None = None) -> RunInfo:
    """Return the :class:`RunInfo` of ``run_id`` (full id or unique prefix)."""
    r = _fetch(run_id, path, "id, kind, name, created_at, file_sha256, length(payload), summary")
    return RunInfo(id=r[0], kind=r[1], name=r[2], created_at=r[3], file_sha256=r[4], size=int(r[5]),
                   summary=r[6])


def load_run(run_id: str, *, path: str | Path | None = None) -> dict[str, Any]:
    """Return the payload of ``run_id`` (full id or unique prefix) as a dict.

    Raises :class:`~scenarios.errors.RunNotFoundError` when no run (or more than one, for a
    prefix) matches.
    """
    (text,) = _fetch(run_id, path, "payload")
    return _payload(run_id, text)


def delete_run(run_id: str, *, path: str | Path | None = None) -> str:
    """Delete one run (full id or unique prefix) and its kept score; returns the full id deleted."""
    import duckdb

    from scenarios.store.db import store_path, transaction

    p = Path(path) if path is not None else store_path()
    if not p.exists():
        raise RunNotFoundError(f"no recorded run has the id {run_id!r}: the store has no runs yet")
    con = _connect(p)
    try:
        if not _has_table(con):
            raise RunNotFoundError(f"no recorded run has the id {run_id!r}: the store has no runs yet")
        full = _resolve(con, run_id)
        from scenarios.store.scores import forget_score

        with transaction(con):
            con.execute("DELETE FROM runs WHERE id = ?", [full])
            forget_score(con, full)  # its kept score (scenarios.store.scores) goes with it
        return full
    except duckdb.Error as exc:
        raise _store_error(exc, f"deleting run {run_id!r}", path) from exc
    finally:
        con.close()
