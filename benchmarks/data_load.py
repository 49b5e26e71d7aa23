"""Loading every snapshot symbol: CSV folder vs the warmed DuckDB store, measured in one run.

Times (best of ``--repeat``), in a temporary SCENARIOS_HOME so the user's store is untouched:

1. ``CsvDirSource``: parse every CSV file of the folder (fresh source each time, no memo);
2. ``BarStore.read`` one symbol at a time from the warmed store (fresh connection each time);
3. ``BarStore.read_many``: every symbol with one query;
4. ``Resolver.get`` for ~30 symbols (what the engine asks per run), cold process (store only)
   and again within the process (in-memory memo);
5. the one-off cost of the import (``write_many`` of the whole folder, one transaction).

Prints the ratios CSV / store. Run:

    python benchmarks/data_load.py [--dir ../shared/hkdata/prices] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from _timing import best_of


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("SCENARIOS_PRICES") or str(Path(__file__).resolve().parents[2] / "shared/hkdata/prices")
    ap.add_argument("--dir", default=default, help="CSV folder (default: $SCENARIOS_PRICES)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engine-symbols", type=int, default=30)
    args = ap.parse_args()

    from scenarios.data.barstore import MIN_DATE, BarStore, BarWrite
    from scenarios.data.csvdir import CsvDirSource
    from scenarios.data.resolver import Resolver

    folder = Path(args.dir)
    symbols = CsvDirSource(folder).symbols()

    with tempfile.TemporaryDirectory() as home:
        db = Path(home) / "store.duckdb"

        def load_csv() -> int:
            src = CsvDirSource(folder)
            return sum(len(src.get(s)) for s in symbols)

        def import_all() -> None:
            src = CsvDirSource(folder)
            with BarStore(db) as store:
                store.write_many(BarWrite(s, f, "csv", covered=(MIN_DATE, f.index[-1].date()), replace=True)
                                 for s in symbols for f in [src.read(s)])

        def load_store_each() -> int:
            with BarStore(db) as store:
                return sum(len(store.read(s)) for s in symbols)

        def load_store_many() -> int:
            with BarStore(db) as store:
                return sum(len(f) for f in store.read_many(symbols).values())

        engine_syms = symbols[: args.engine_symbols]

        def engine_cold() -> None:
            r = Resolver(store=BarStore(db))
            r.prefetch(engine_syms, None, "2025-12-31")
            for s in engine_syms:
                r.get(s, None, "2025-12-31")
            r.store.close()

        warm: list[Resolver] = []

        def engine_memo() -> None:
            for s in engine_syms:
                warm[0].get(s, None, "2025-12-31")

        n_rows = load_csv()
        t_import = best_of(import_all, 1)
        t_csv = best_of(load_csv, args.repeat)
        t_each = best_of(load_store_each, args.repeat)
        t_many = best_of(load_store_many, args.repeat)
        assert load_store_many() == n_rows, "store and CSV disagree on row counts"
        t_cold = best_of(engine_cold, args.repeat)
        warm.append(Resolver(store=BarStore(db)))
        warm[0].prefetch(engine_syms, None, "2025-12-31")
        t_memo = best_of(engine_memo, args.repeat)
        warm[0].store.close()

    print(f"{len(symbols)} symbols, {n_rows:,} rows from {folder}")
    print(f"  import into the store (once, one transaction) {t_import:8.3f} s")
    print(f"  CSV folder, parse every file                  {t_csv:8.3f} s")
    print(f"  store, read() per symbol                      {t_each:8.3f} s   CSV/store = {t_csv / t_each:5.1f}x")
    print(f"  store, read_many() one query                  {t_many:8.3f} s   CSV/store = {t_csv / t_many:5.1f}x")
    print(f"  resolver, {len(engine_syms)} symbols, new process (store)    {t_cold:8.3f} s")
    print(f"  resolver, {len(engine_syms)} symbols, same process (memo)    {t_memo:8.3f} s   "
          f"cold/memo = {t_cold / t_memo:5.1f}x")


if __name__ == "__main__":
    main()
