"""Fundamentals: parsing the saved folder vs reading the store vs plain ``json.load``, one run.

Times (best of ``--repeat``), in a temporary store so the user's is untouched:

1. ``json.load`` of every statement file (the floor: no canonical frame at all);
2. ``FundamentalsDir.read_all``: every file parsed into the canonical frame (fresh, no memo);
3. ``FundamentalsStore.get`` for every symbol after ``data import`` (fresh connection);
4. one ``fill_baselines`` of a two-symbol scenario (what a walk-forward window adds to a run).

Prints the ratios to (1). Run:

    python benchmarks/fundamentals_load.py [--dir ../shared/hkdata/fundamentals] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from _timing import best_of


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    prices = os.environ.get("SCENARIOS_PRICES")
    default = os.environ.get("SCENARIOS_FUNDAMENTALS") or (
        str(Path(prices).parent / "fundamentals") if prices else "../shared/hkdata/fundamentals")
    ap.add_argument("--dir", default=default, help="fundamentals folder (default: beside $SCENARIOS_PRICES)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from scenarios.data.fundamentals.folder import FundamentalsDir
    from scenarios.data.fundamentals.resolver import FundamentalsResolver
    from scenarios.data.fundamentals.store import FundamentalsStore
    from scenarios.model import scenario_from_dict
    from scenarios.model.from_data import fill_baselines

    folder = Path(args.dir)
    files = FundamentalsDir(folder).files()
    symbols = FundamentalsDir(folder).symbols()

    with tempfile.TemporaryDirectory() as home:
        db = Path(home) / "store.duckdb"
        with FundamentalsStore(db) as store:
            store.write(FundamentalsDir(folder).read_all())

        def plain() -> int:
            return sum(len(json.loads(f.read_text())) for f in files)

        def parse() -> int:
            return len(FundamentalsDir(folder).read_all())

        def store_read() -> int:
            with FundamentalsStore(db) as st:
                return sum(len(st.get(s)) for s in symbols)

        scenario = scenario_from_dict({
            "name": "b", "as_of": "2025-04-01", "horizon": "6M", "universe": ["0700.HK", "9988.HK"],
            "currency": "HKD", "fx": {"CNYHKD": 1.08},
            "baseline": {"0700.HK": {"eps": "from_data", "shares": "from_data", "sales": "from_data"},
                         "9988.HK": {"eps": "from_data", "shares": "from_data"}}})
        resolver = FundamentalsResolver(FundamentalsDir(folder), None, None)

        def fill() -> int:
            _, used = fill_baselines(scenario, dt.date(2025, 4, 1), fundamentals=resolver)
            return len(used)

        t_plain = best_of(plain, args.repeat)
        rows = [("json.load of every file", t_plain), ("parse into the canonical frame", best_of(parse, args.repeat)),
                ("store: every symbol", best_of(store_read, args.repeat)),
                ("fill_baselines, 2 symbols (warm)", best_of(fill, args.repeat))]
    print(f"{len(files)} files, {len(symbols)} symbols ({folder})")
    for name, t in rows:
        print(f"  {name:36s} {t * 1e3:9.1f} ms   x{t / t_plain:6.1f} of json.load")


if __name__ == "__main__":
    main()
