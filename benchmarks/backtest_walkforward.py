"""Walk-forward overhead: the backtester's cost on top of the engine runs it needs.

Runs a small scenario at N quarterly as_of dates twice, from the same CSV source:

* reference: the bare engine, ``run_scenario(scenario, as_of=d)`` for every date;
* walk-forward: ``walk_forward_scenario`` (the same engine runs plus realized returns, scoring,
  naive forecasts, the track record and its tests).

Prints both times, the ratio, and the per-window overhead. The backtester should add little to
the engine (ratio close to 1).

    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/backtest_walkforward.py [--draws 2000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

SCENARIO = """\
name: bench-walk
as_of: 2025-03-31
horizon: 6M
universe: [0700.HK, 9988.HK, 3690.HK, 1810.HK, 0981.HK, 1024.HK, 9618.HK, 9999.HK]
benchmarks: [^HSI]
drivers:
  - type: earnings_growth
    label: growth
    per_symbol: true
    growth: {dist: normal, mean: 0.06, sd: 0.08, clip: [-0.3, 0.4]}
  - type: rerating
    label: rerate
    change: {dist: uniform, low: -0.1, high: 0.2}
monte_carlo: {draws: 2000, seed: 1}
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--from", dest="start", default="2021-01-01")
    ap.add_argument("--to", dest="end", default="2025-12-31")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    prices = os.environ.get("SCENARIOS_PRICES")
    if not prices:
        raise SystemExit("set SCENARIOS_PRICES to the snapshot's prices folder")

    from scenarios.backtest.scenario import walk_forward_scenario
    from scenarios.backtest.walkforward import roll_dates
    from scenarios.data.csvdir import CsvDirSource
    from scenarios.engine import run_scenario
    from scenarios.model import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "bench.yaml"
        p.write_text(SCENARIO, encoding="utf-8")
        sc = load_scenario(p)
        src = CsvDirSource(prices)
        dates = roll_dates(a.start, a.end, "quarterly")
        run_scenario(sc, source=src, draws=10)  # warm caches and imports for both

        def engine_only() -> None:
            for d in dates:
                run_scenario(sc, source=src, draws=a.draws, as_of=d.date())

        def backtest() -> Any:
            return walk_forward_scenario(sc, roll="quarterly", start=a.start, end=a.end, source=src,
                                         draws=a.draws, progress=False)

        t_ref, t_wf = float("inf"), float("inf")
        for _ in range(a.repeat):  # interleaved, best of: robust to a busy machine
            t0 = time.perf_counter()
            engine_only()
            t_ref = min(t_ref, time.perf_counter() - t0)
            t0 = time.perf_counter()
            wf = backtest()
            t_wf = min(t_wf, time.perf_counter() - t0)
    n = len(dates)
    print(f"{n} quarterly windows, {len(sc.universe)} symbols, {a.draws} draws")
    print(f"  engine only (reference)  {t_ref:7.2f} s")
    print(f"  walk-forward backtest    {t_wf:7.2f} s   ratio {t_wf / t_ref:5.2f}x   "
          f"overhead {1e3 * (t_wf - t_ref) / n:6.1f} ms per window")
    tr = wf.result.track
    print(f"  track: {tr['n_scored_windows']} scored windows, hit rate {tr.get('hit_rate', float('nan')):.2f}, "
          f"mean IC {tr.get('mean_ic', float('nan')):.3f}")


if __name__ == "__main__":
    main()
