"""The run store: ids, round trip, NaN-safe JSON, prefixes, errors, transactions."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest

from scenarios.errors import RunNotFoundError, ScenariosError
from scenarios.store import runs as R

ID_RE = re.compile(r"^r\d{8}-\d{6}-[0-9a-f]{4}$")


def test_record_and_load_round_trip() -> None:
    payload = {"a": 1, "b": [1.5, 2.5], "nested": {"x": "y", "z": None}, "ok": True}
    rid = R.record_run("backtest", payload, name="demo", file_sha256="ab" * 32)
    assert ID_RE.match(rid), rid
    assert R.load_run(rid) == payload
    info = R.run_info(rid)
    assert (info.id, info.kind, info.name, info.file_sha256) == (rid, "backtest", "demo", "ab" * 32)
    # the id encodes the UTC recording time to the second
    stamp = dt.datetime.strptime(rid[1:16], "%Y%m%d-%H%M%S")
    assert abs((info.created_at - stamp).total_seconds()) < 1.0


def test_nan_safe_and_numpy_pandas_values() -> None:
    payload = {
        "nan": float("nan"), "inf": float("inf"), "arr": np.array([1.0, np.nan, 3.0]),
        "i": np.int64(7), "f": np.float32(0.5), "b": np.bool_(True),
        "ts": pd.Timestamp("2025-06-30"), "d": dt.date(2025, 1, 2),
        "s": pd.Series([0.1, np.nan], index=pd.to_datetime(["2025-01-02", "2025-01-03"])),
    }
    rid = R.record_run("run", payload, name="nan")
    out = R.load_run(rid)
    assert out["nan"] is None and out["inf"] is None
    assert out["arr"] == [1.0, None, 3.0]
    assert out["i"] == 7 and out["f"] == 0.5 and out["b"] is True
    assert out["ts"].startswith("2025-06-30") and out["d"] == "2025-01-02"
    assert out["s"] == {"2025-01-02": 0.1, "2025-01-03": None}
    # stored text is strict JSON (no NaN tokens)
    from scenarios.jsonable import compact_json

    text = compact_json(payload)
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON token {c}"))


def test_unserializable_payload_raises_before_writing() -> None:
    with pytest.raises(TypeError):
        R.record_run("run", {"x": object()}, name="bad")
    assert R.list_runs() == []


def test_list_order_kind_limit_and_prefix() -> None:
    ids = [R.record_run("backtest" if i % 2 else "run", {"i": i}, name=f"n{i}") for i in range(5)]
    assert len(set(ids)) == 5
    listed = R.list_runs()
    assert [r.id for r in listed] == ids[::-1]  # newest first
    assert [r.id for r in R.list_runs(kind="backtest")] == [ids[3], ids[1]]
    assert len(R.list_runs(limit=2)) == 2
    assert R.list_runs(kind="nothing") == []
    # a unique prefix works; the full id is longer than any ambiguous prefix
    rid = ids[2]
    assert R.load_run(rid[:-1] if sum(i.startswith(rid[:-1]) for i in ids) == 1 else rid) == {"i": 2}
    with pytest.raises(RunNotFoundError, match="ambiguous"):
        R.load_run("r")


def test_not_found_messages() -> None:
    with pytest.raises(RunNotFoundError, match="no runs yet"):
        R.load_run("r2025")
    rid = R.record_run("run", {}, name="x")
    with pytest.raises(RunNotFoundError) as exc:
        R.load_run("rnope")
    msg = str(exc.value)
    assert "scenarios runs list" in msg and rid in msg
    assert isinstance(exc.value, ScenariosError)


def test_delete() -> None:
    a = R.record_run("run", {"a": 1}, name="a")
    b = R.record_run("run", {"b": 1}, name="b")
    assert R.delete_run(a) == a
    assert [r.id for r in R.list_runs()] == [b]
    with pytest.raises(RunNotFoundError):
        R.load_run(a)


def test_failed_transaction_leaves_no_row(monkeypatch: pytest.MonkeyPatch) -> None:
    R.record_run("run", {"keep": 1}, name="keep")
    import scenarios.store.db as db

    real = db.transaction

    from contextlib import contextmanager

    @contextmanager
    def failing(con):
        with real(con):
            yield con
            raise KeyboardInterrupt  # interrupted after the INSERT, before COMMIT

    monkeypatch.setattr(db, "transaction", failing)
    with pytest.raises(KeyboardInterrupt):
        R.record_run("run", {"lost": 1}, name="lost")
    monkeypatch.setattr(db, "transaction", real)
    assert [r.name for r in R.list_runs()] == ["keep"]


def test_summary_column_and_migration_of_an_old_table(tmp_path) -> None:
    import duckdb

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))  # a runs table as written before the summary column existed
    con.execute("CREATE TABLE runs (id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, name VARCHAR NOT NULL, "
                "file_sha256 VARCHAR, created_at TIMESTAMP NOT NULL, payload VARCHAR NOT NULL)")
    con.execute("INSERT INTO runs VALUES ('r20250101-000000-aaaa', 'run', 'old', NULL, "
                "TIMESTAMP '2025-01-01 00:00:00', '{\"x\": 1}')")
    con.close()
    assert [r.summary for r in R.list_runs(path=db)] == [None]
    rid = R.record_run("backtest", {"y": 2}, name="new", summary="hit 50%", path=db)
    assert [(r.id, r.summary) for r in R.list_runs(path=db)] == [(rid, "hit 50%"), ("r20250101-000000-aaaa", None)]
    assert R.load_run("r2025", path=db) == {"x": 1}
