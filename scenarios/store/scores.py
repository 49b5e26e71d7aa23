"""Kept scores: a recorded run's realised score, kept beside the run so a report need not redo it.

A run whose horizon has passed is scored against realised prices by re-running its scenario
file with its seed and draws (:mod:`scenarios.report.scored`). The result of that work is kept
here, one row per run in the ``run_scores`` table of the store (:mod:`scenarios.store.db`):

=============  ==========================================================================
``run_id``     the run (``runs.id``); deleting the run deletes its row
``inputs``     JSON: everything the score was computed from (code, files, price rows, the
               run's file, seed and draws), as :mod:`scenarios.report.scored` describes them
``payload``    JSON: the score and the simulated index (no draws)
``created_at`` UTC timestamp of the computation
=============  ==========================================================================

This module stores and returns the two JSON documents; it does not judge them (the report
compares ``inputs`` with the current ones before it uses ``payload``). Keeping is best effort: a
busy or read-only store only costs the next report the recomputation, so writes wait
:data:`WAIT` seconds at most and failures return False instead of raising.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scenarios.errors import StoreError
from scenarios.jsonable import compact_json

__all__ = ["WAIT", "forget_score", "keep_score", "kept_score", "score_writer"]

log = logging.getLogger(__name__)

#: Seconds a write of a kept score waits for a busy store before giving up (it is only a cache).
WAIT = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS run_scores (
    run_id     VARCHAR PRIMARY KEY,
    inputs     VARCHAR NOT NULL,
    payload    VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
)
"""


def _has_table(con: Any) -> bool:
    row = con.execute("SELECT count(*) FROM information_schema.tables "
                      "WHERE table_name = 'run_scores'").fetchone()
    return bool(row and row[0])


def kept_score(run_id: str, *, path: str | Path | None = None) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Return ``(inputs, payload)`` kept for ``run_id`` (a full id), or None.

    None also when the store cannot be read now (a kept score is never needed: the caller
    recomputes it).
    """
    import duckdb

    from scenarios.store.db import connect_for_read, store_path

    p = Path(path) if path is not None else store_path()
    if not p.exists():
        return None
    try:
        con = connect_for_read(p, timeout=WAIT)
        try:
            if not _has_table(con):
                return None
            row = con.execute("SELECT inputs, payload FROM run_scores WHERE run_id = ?", [run_id]).fetchone()
        finally:
            con.close()
    except (duckdb.Error, StoreError) as exc:
        log.info("kept score of %s not read: %s", run_id, exc)
        return None
    if not row:
        return None
    try:
        inputs, payload = json.loads(row[0]), json.loads(row[1])
    except (ValueError, RecursionError):  # a corrupt row (JSONDecodeError, or nested too deep)
        return None
    if not isinstance(inputs, dict) or not isinstance(payload, dict):
        return None
    return inputs, payload


def _encode(run_id: str, inputs: Mapping[str, Any], payload: Mapping[str, Any]) -> tuple[str, str] | None:
    try:
        return compact_json(inputs), compact_json(payload)
    except (TypeError, ValueError) as exc:
        log.info("score of %s not kept: %s", run_id, exc)
        return None


def _write(con: Any, run_id: str, texts: tuple[str, str]) -> bool:
    """Replace the kept score of ``run_id`` in one transaction; False when the run is not there."""
    from scenarios.store.db import transaction

    con.execute(_SCHEMA)
    with transaction(con):
        if not con.execute("SELECT 1 FROM runs WHERE id = ?", [run_id]).fetchone():
            return False
        con.execute("DELETE FROM run_scores WHERE run_id = ?", [run_id])
        con.execute("INSERT INTO run_scores (run_id, inputs, payload, created_at) VALUES (?, ?, ?, ?)",
                    [run_id, *texts, _dt.datetime.now(_dt.UTC).replace(tzinfo=None)])
    return True


def keep_score(run_id: str, inputs: Mapping[str, Any], payload: Mapping[str, Any], *,
               path: str | Path | None = None) -> bool:
    """Keep (or replace) the score of ``run_id``; True when it was written.

    Only for a run that is in the store. False, with nothing written, when the store is busy past
    :data:`WAIT` seconds, cannot be written, or no longer holds the run.
    """
    import duckdb

    from scenarios.store.db import connect, store_path

    p = Path(path) if path is not None else store_path()
    texts = _encode(run_id, inputs, payload)
    if texts is None:
        return False
    try:
        con = connect(p, timeout=WAIT)
        try:
            return _write(con, run_id, texts)
        finally:
            con.close()
    except (duckdb.Error, StoreError) as exc:
        log.info("score of %s not kept: %s", run_id, exc)
        return False


def score_writer(inputs: Mapping[str, Any], payload: Mapping[str, Any]) -> Callable[[Any, str], None]:
    """Return ``write(con, run_id)``, which keeps this score for a run being recorded.

    For :func:`scenarios.store.runs.record_run` (``then=``): the score is written on the run's own
    write connection, right after the run's commit, so recording a scored run opens the store
    once. Best effort, as :func:`keep_score`: a score that cannot be encoded or written is
    logged and left out, and the run stays recorded.
    """
    def write(con: Any, run_id: str) -> None:
        import duckdb

        texts = _encode(run_id, inputs, payload)
        if texts is None:
            return
        try:
            _write(con, run_id, texts)
        except duckdb.Error as exc:
            log.info("score of %s not kept: %s", run_id, exc)

    return write


def forget_score(con: Any, run_id: str) -> None:
    """Delete the kept score of ``run_id`` on an open store connection (inside the caller's transaction)."""
    if _has_table(con):
        con.execute("DELETE FROM run_scores WHERE run_id = ?", [run_id])
