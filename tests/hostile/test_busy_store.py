"""A busy, read-only or corrupted store (issue 16): writers wait with a notice up to
``SCENARIOS_STORE_TIMEOUT`` then exit 5 (unless --no-record); listings use read-only
connections; a corrupted file is a StoreError saying how to rebuild it, and ``run`` falls back
to the CSV folder. Concurrency is tested with real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scenarios.cli.app import main
from scenarios.errors import StoreError
from scenarios.store.db import store_path

ROOT = Path(__file__).parents[2]
FIXTURE = ROOT / "tests" / "model" / "fixtures" / "tencent_small.yaml"

_HOLD = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro'); "
         "print('ready', flush=True); time.sleep(float(sys.argv[3]))")


def _hold(db: Path, mode: str, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(db), mode, str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _make_store(capsys) -> Path:
    """A store with the runs table and one run (recorded through the real code)."""
    from scenarios.store.runs import record_run

    record_run("run", {"x": 1}, name="first")
    return store_path()


def test_listing_works_while_another_process_reads(tmp_path, capsys) -> None:
    db = _make_store(capsys)
    holder = _hold(db, "ro", 30)
    try:
        assert main(["runs", "list"]) == 0, capsys.readouterr().err
        assert "first" in capsys.readouterr().out
        assert main(["runs", "show", "r"]) in (0, 5)  # ambiguous prefix or shown: never a crash
        capsys.readouterr()
    finally:
        holder.kill()
        holder.wait()


def test_a_busy_store_makes_run_wait_with_a_notice_then_exit_5(snapshot_dir, capsys, monkeypatch) -> None:
    db = _make_store(capsys)
    monkeypatch.setenv("SCENARIOS_STORE_TIMEOUT", "2")
    holder = _hold(db, "rw", 60)
    try:
        t0 = time.monotonic()
        code = main(["run", str(FIXTURE), "--draws", "100"])
        waited = time.monotonic() - t0
        out, err = capsys.readouterr()
        assert code == 5, err
        assert "is busy (another scenarios process holds it); waiting up to 2 s" in err
        assert "NOT recorded" in err and "SCENARIOS_STORE_TIMEOUT" in err
        assert "0700.HK" in out  # the results were still shown
        assert waited >= 2
        assert main(["run", str(FIXTURE), "--draws", "100", "--no-record"]) == 0
        capsys.readouterr()
        assert main(["runs", "list"]) == 5
        assert "is busy" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()


def test_a_writer_gets_the_store_when_the_holder_lets_go(snapshot_dir, capsys, monkeypatch) -> None:
    from scenarios.store import runs

    db = _make_store(capsys)
    monkeypatch.setenv("SCENARIOS_STORE_TIMEOUT", "30")
    holders: list[subprocess.Popen] = []
    real_insert = runs._insert_run

    def insert_while_held(*args):  # the holder takes the store just as the run records
        holders.append(_hold(db, "rw", 3))
        return real_insert(*args)

    monkeypatch.setattr(runs, "_insert_run", insert_while_held)
    try:
        code = main(["run", str(FIXTURE), "--draws", "100", "--format", "json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "waiting up to 30 s" in err and len(holders) == 1
        run_id = json.loads(out)["run_id"]
    finally:
        for holder in holders:
            holder.kill()
            holder.wait()
    assert main(["runs", "list", "--format", "json"]) == 0
    assert run_id in {r["id"] for r in json.loads(capsys.readouterr().out)}


def test_bad_store_timeout_is_a_usage_error(capsys, monkeypatch) -> None:
    _make_store(capsys)
    monkeypatch.setenv("SCENARIOS_STORE_TIMEOUT", "soon")
    assert main(["runs", "list"]) == 2
    assert "SCENARIOS_STORE_TIMEOUT must be a number of seconds" in capsys.readouterr().err


def _corrupt(db: Path) -> None:
    data = bytearray(db.read_bytes())
    for i in range(16384, len(data)):
        data[i] = (i * 7) & 0xFF
    db.write_bytes(bytes(data))


def test_a_corrupted_store_says_how_to_rebuild_and_run_falls_back_to_csv(snapshot_dir, capsys) -> None:
    assert main(["run", str(FIXTURE), "--draws", "100"]) == 0  # store with prices and a run
    capsys.readouterr()
    from scenarios.data import resolver

    for r in resolver._DEFAULT.values():  # as in a fresh process: nothing holds the file open
        if r.store is not None:
            r.store.close()
    resolver._DEFAULT.clear()
    db = store_path()
    _corrupt(db)
    for args in (["runs", "list"], ["data", "list"], ["runs", "show", "r2"]):
        code = main(args)
        err = capsys.readouterr().err
        assert code == 5, (args, err)
        assert f"the store at {db} is corrupted" in err and f"mv {db} {db}.bad" in err, err
        assert "scenarios data import DIR" in err and "bug" not in err
    code = main(["run", str(FIXTURE), "--draws", "100"])
    out, err = capsys.readouterr()
    assert code == 5 and "0700.HK" in out and "529.33" in out  # prices from the CSV folder
    assert "NOT recorded" in err and "corrupted" in err
    assert main(["run", str(FIXTURE), "--draws", "100", "--no-record"]) == 0


def test_store_errors_name_the_real_cause() -> None:
    from scenarios.store.db import describe_error

    p = Path("s.duckdb")
    full = describe_error(p, OSError(28, "No space left on device"), "recording the run")
    assert "disk holding the store at s.duckdb is full" in str(full)
    busy = describe_error(p, Exception('IO Error: Could not set lock on file "s.duckdb": Conflicting lock'),
                          "opening it")
    assert "is busy" in str(busy)
    assert isinstance(full, StoreError) and full.exit_code == 5


# A second process trying to open the store; it records whether it got as far as DuckDB.
_OTHER = """
import sys
from pathlib import Path

import duckdb

real = duckdb.connect


def spy(*args, **kwargs):
    Path(sys.argv[2]).write_text("entered duckdb.connect")
    return real(*args, **kwargs)


duckdb.connect = spy
from scenarios.errors import StoreError
from scenarios.store.db import connect

try:
    connect(sys.argv[1], timeout=0).close()
except StoreError as exc:
    print(exc)
    sys.exit(5)
"""


def test_no_other_process_opens_the_store_while_one_is_closing_it(tmp_path, capsys, monkeypatch) -> None:
    """The lost run of issue 16, injected deterministically. DuckDB reads a database file's
    header before it takes its file lock, and the last connection of a process rewrites that
    header when it closes (the checkpoint). A process that began opening the store while
    another was closing it could load the old state, then write over the other's run: that
    run exited 0 with an id that ``runs list`` never showed. Here another process tries to open
    the store exactly while this one closes it: it must be turned away (busy) before it
    reaches DuckDB at all."""
    import duckdb

    from scenarios.store import db as store_db

    path = _make_store(capsys)
    marker = tmp_path / "entered"
    seen: dict[str, object] = {}
    real_connect = duckdb.connect

    class ClosingSlowly:
        """A DuckDB connection whose close() lets the other process try its open first."""

        def __init__(self, con) -> None:
            self.con = con

        def __getattr__(self, name: str):
            return getattr(self.con, name)

        def close(self) -> None:
            seen["other"] = subprocess.run(
                [sys.executable, "-c", _OTHER, str(path), str(marker)], capture_output=True, text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
            seen["entered"] = marker.exists()
            self.con.close()

    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: ClosingSlowly(real_connect(*a, **k)))
    con = store_db.connect(path)
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    con.close()
    other = seen["other"]
    assert isinstance(other, subprocess.CompletedProcess)
    assert other.returncode == 5 and "is busy" in other.stdout, (other.stdout, other.stderr)
    assert seen["entered"] is False, "the other process read the store file while it was being closed"
    monkeypatch.undo()
    # once closed, the store is free again: the other process gets in and sees the run
    assert subprocess.run([sys.executable, "-c", _OTHER, str(path), str(marker)], capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120).returncode == 0


def test_a_run_missing_from_the_file_after_its_commit_is_not_reported_recorded(snapshot_dir, capsys,
                                                                               monkeypatch) -> None:
    """``record_run`` reads the run back from the file before it returns the id: if it is not
    there (here it is deleted behind its back, as the concurrent open did), the run exits 5,
    NOT recorded, instead of 0 with an id that does not exist."""
    import duckdb

    from scenarios.store import runs

    real_insert = runs._insert_run

    def insert_then_lose(p, *args):
        run_id = real_insert(p, *args)
        con = duckdb.connect(str(p))
        con.execute("DELETE FROM runs WHERE id = ?", [run_id])
        con.close()
        return run_id

    with monkeypatch.context() as m:  # (not monkeypatch.undo(): that would undo the isolated home too)
        m.setattr(runs, "_insert_run", insert_then_lose)
        code = main(["run", str(FIXTURE), "--draws", "100", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 5, err
    assert "NOT recorded" in err and "is not there when read back" in err
    assert json.loads(out)["run_id"] is None
    assert main(["runs", "list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.slow
def test_16_concurrent_runs_and_an_import_lose_nothing(snapshot_dir, tmp_path) -> None:
    """Every process either recorded its run (its id is in the store) or exited non-zero."""
    prices = tmp_path / "prices"
    prices.mkdir()
    for sym in ("0700.HK", "9988.HK"):
        shutil.copy(snapshot_dir / f"{sym}.csv", prices / f"{sym}.csv")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCENARIOS_STORE_TIMEOUT": "120"}
    cmd = [sys.executable, "-m", "scenarios"]
    procs = [subprocess.Popen([*cmd, "run", str(FIXTURE), "--draws", "200", "--seed", str(i),
                               "--format", "json"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(16)]
    importer = subprocess.Popen([*cmd, "data", "import", str(prices)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    imp_code, _, imp_err = (importer.wait(timeout=300), *importer.communicate())
    assert imp_code == 0, imp_err
    listed = subprocess.run([*cmd, "runs", "list", "--limit", "1000", "--format", "json"], env=env,
                            capture_output=True, text=True, check=True)
    stored = {r["id"] for r in json.loads(listed.stdout)}
    recorded = 0
    for code, out, err in results:
        assert "Traceback" not in err and "This is a bug" not in err, err
        if code == 0:
            run_id = json.loads(out)["run_id"]
            assert run_id in stored, err
            recorded += 1
        else:
            assert code == 5 and "NOT recorded" in err, err
    assert recorded == len(stored)


def test_a_failed_write_reports_its_cause_not_the_rollback(tmp_path) -> None:
    """A write that fails (here: a full disk, simulated) surfaces its own error even when the
    ROLLBACK fails too (DuckDB says "Current transaction is aborted")."""
    from scenarios.store.db import transaction

    class Con:
        def execute(self, sql, *args):
            if sql == "ROLLBACK":
                raise RuntimeError("TransactionContext Error: Current transaction is aborted")
            return self

    with pytest.raises(OSError, match="No space left"):
        with transaction(Con()):
            raise OSError(28, "No space left on device")
