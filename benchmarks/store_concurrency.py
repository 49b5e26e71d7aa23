"""Many processes recording runs into one store at once: is every returned id in the store?

Usage::

    PYTHONPATH=. python benchmarks/store_concurrency.py [--procs 16] [--runs 10] [--rounds 3] [--raw]

Each worker process records ``--runs`` tiny runs with :func:`scenarios.store.runs.record_run`
(the real path: sidecar lock, DuckDB, read-back) and prints the ids it got; afterwards one
read-only connection lists the store. ``lost`` counts ids a worker was given that the store does
not hold (must be 0); ``failed`` counts records that raised (a busy store past the timeout is
allowed: those runs were never reported recorded).

``--raw`` does the same with plain ``duckdb.connect`` / INSERT / COMMIT / close and no sidecar
lock: the pattern that lost a run in issue 16 (DuckDB reads the file header before it takes its
own lock). On a loaded 2-core machine it can end with commits missing or a file whose header
points past its end. Run it in a fresh temporary folder (nothing is written elsewhere).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_WORKER = r"""
import os, random, sys, time
path, wid, n, raw = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
got, failed = [], 0
for i in range(n):
    try:
        if raw:
            import duckdb
            while True:
                try:
                    con = duckdb.connect(path)
                    break
                except duckdb.Error as exc:
                    if "lock" not in str(exc).lower():
                        raise
                    time.sleep(0.01 * random.random())
            con.execute("CREATE TABLE IF NOT EXISTS runs (id VARCHAR PRIMARY KEY, payload VARCHAR)")
            rid = f"w{wid}-{i}"
            con.execute("BEGIN TRANSACTION")
            con.execute("INSERT INTO runs VALUES (?, ?)", [rid, "x" * random.randint(10, 5000)])
            con.execute("COMMIT")
            con.close()
        else:
            from scenarios.store.runs import record_run
            rid = record_run("bench", {"w": wid, "i": i, "pad": "x" * random.randint(10, 5000)},
                             name=f"w{wid}", path=path)
        got.append(rid)
    except Exception as exc:  # noqa: BLE001 - counted and shown
        failed += 1
        print(f"worker {wid}: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
    time.sleep(0.02 * random.random())
print("FAILED", failed)
print(" ".join(got))
"""


def one_round(folder: Path, procs: int, runs: int, raw: bool) -> tuple[int, int, int, int, float]:
    """(ids given, stored, lost, failed, seconds) of one round in ``folder``."""
    import duckdb

    path = folder / "store.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCENARIOS_STORE_TIMEOUT": "300"}
    t0 = time.perf_counter()
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(path), str(w), str(runs), "1" if raw else "0"],
                                stdout=subprocess.PIPE, text=True, env=env) for w in range(procs)]
    given: set[str] = set()
    failed = 0
    for w in workers:
        out, _ = w.communicate()
        lines = out.splitlines()
        failed += next((int(x.split()[1]) for x in lines if x.startswith("FAILED")), runs)
        given.update(lines[-1].split() if lines and not lines[-1].startswith("FAILED") else [])
    seconds = time.perf_counter() - t0
    try:
        con = duckdb.connect(str(path), read_only=True)
        stored = {r[0] for r in con.execute("SELECT id FROM runs").fetchall()}
        con.close()
    except duckdb.Error as exc:
        print(f"  the store cannot be read: {str(exc).splitlines()[0][:160]}")
        stored = set()
    return len(given), len(stored), len(given - stored), failed, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--procs", type=int, default=16)
    ap.add_argument("--runs", type=int, default=10, help="records per process")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--raw", action="store_true", help="plain duckdb, no sidecar lock (the issue-16 pattern)")
    args = ap.parse_args()
    random.seed(0)
    total_lost = 0
    for r in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="store_concurrency") as tmp:
            given, stored, lost, failed, seconds = one_round(Path(tmp), args.procs, args.runs, args.raw)
        total_lost += lost
        print(f"round {r}: {'raw duckdb' if args.raw else 'record_run'} {args.procs} processes x "
              f"{args.runs}: ids given {given}, stored {stored}, lost {lost}, failed {failed}, "
              f"{seconds:.1f} s", flush=True)
    print(f"lost in total: {total_lost}")


if __name__ == "__main__":
    main()
