"""A tour of the Python API: run -> backtest -> compare -> report.

Run it from anywhere (prices as for the CLI, e.g. ``SCENARIOS_PRICES=../shared/hkdata/prices``)::

    python examples/api_tour.py [OUT_DIR]

It records two runs in the store (``$SCENARIOS_HOME``; see ``scenarios runs list``) and writes
an HTML report into OUT_DIR (default: a new temporary folder). Every number is a fraction
(0.05 = 5%) until it is printed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import scenarios.api as sa

EXAMPLE = Path(__file__).resolve().parent / "tencent_feb_2026.yaml"


def main(out_dir: Path) -> None:
    # 1. run: one result per grid point (this file has no grid: one element)
    run = sa.run(EXAMPLE, draws=2000, seed=1)[0]
    run_id = sa.record(run)  # or sa.run(..., record=True): the id is then run.run_id
    print(f"run {run_id}: {run.name}, {run.as_of} -> {run.horizon}")
    summary = run.summary()  # indexed by symbol: median, band_low, band_high, P(up) ...
    print(summary[["median_price", "median", "band_low", "band_high", "P(up)"]].to_string())

    # 2. backtest the same scenario at its as_of: predicted vs realized per symbol
    bt = sa.backtest(EXAMPLE, draws=2000, seed=1)
    bt_id = sa.record(bt[0])
    scores = bt.scores()
    print(scores[["kind", "predicted", "lower", "upper", "realized", "hit", "pit"]].to_string())
    s = bt[0].score_summary
    print(f"backtest {bt_id}: {s.n_scored}/{s.n_symbols} scored, "
          f"coverage {s.coverage} of a nominal {s.nominal_coverage}")

    # 3. compare the two recorded runs (the first is the reference)
    cmp = sa.compare([run_id, bt_id])
    print(cmp.summary().to_string())

    # 4. a self-contained HTML report of the backtest (charts inline, opens offline)
    path = sa.report(bt[0], out_dir / "tencent_backtest.html")
    print(f"report: {path}")

    # results are plain JSON too, and read back typed
    text = bt[0].to_json()
    from scenarios.results import from_json

    assert from_json(text).scores().equals(bt[0].scores())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="api-tour-")))
