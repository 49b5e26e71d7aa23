"""Report view-models from small synthetic draws plus real snapshot prices (test helper)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.report.model import (
    ClaimRow,
    DataSourceRow,
    DecompositionBars,
    DriverRow,
    FanChartData,
    IndexLine,
    IndexLines,
    InputsTable,
    MetricRow,
    ReportHeader,
    ReportView,
    ScatterData,
    TrackRecord,
    WeightsBars,
)

AS_OF = dt.date(2025, 6, 30)
HORIZON = dt.date(2025, 12, 31)
SYMBOLS = ("0700.HK", "9988.HK", "3690.HK", "1810.HK", "0981.HK", "9999.HK")
NAMES = {"0700.HK": "Tencent", "9988.HK": "Alibaba", "3690.HK": "Meituan", "1810.HK": "Xiaomi",
         "0981.HK": "SMIC", "9999.HK": "NetEase"}


def read_close(snapshot_dir: Path, symbol: str) -> pd.Series:
    frame = pd.read_csv(snapshot_dir / f"{symbol}.csv", usecols=["date", "close"], parse_dates=["date"])
    return frame.set_index("date")["close"].dropna()


def _dates(index: pd.Index) -> list[dt.date]:
    return [d.date() for d in index]


def synthetic_view(snapshot_dir: Path, *, with_realized: bool = True, index: bool = True,
                   track: bool = True, draws: int = 2000, seed: int = 7,
                   symbols: tuple[str, ...] = SYMBOLS) -> ReportView:
    """A full report view: synthetic scenario draws around real baselines and realized prices."""
    SYMBOLS = symbols  # noqa: N806 - the universe of this view
    rng = np.random.default_rng(seed)
    fans, pred, real, lo, hi, sources = [], [], [], [], [], []
    comps = {"earnings": [], "re-rating": [], "dividends": []}
    for i, sym in enumerate(SYMBOLS):
        close = read_close(snapshot_dir, sym)
        hist = close[(close.index >= pd.Timestamp(AS_OF) - pd.Timedelta(days=180))
                     & (close.index <= pd.Timestamp(AS_OF))]
        base = float(hist.iloc[-1])
        e = rng.normal(0.04 + 0.02 * i, 0.08, draws)
        m = rng.normal(0.03 - 0.015 * i, 0.15, draws)
        d = np.full(draws, 0.004 + 0.002 * (i % 3))
        total_log = e + m + d
        kw = {}
        realized_return = None
        if with_realized:
            after = close[(close.index >= pd.Timestamp(AS_OF)) & (close.index <= pd.Timestamp(HORIZON))]
            kw = {"realized_dates": _dates(after.index), "realized_prices": after.to_numpy()}
            realized_return = float(after.iloc[-1] / base - 1)
        f = FanChartData.from_draws(sym, AS_OF, HORIZON, base, base * np.exp(total_log),
                                    realized_return=realized_return, name=NAMES[sym],
                                    history_dates=_dates(hist.index), history_prices=hist.to_numpy(), **kw)
        fans.append(f)
        pred.append(f.median_return)
        lo.append(f.quantile_return(0.25))
        hi.append(f.quantile_return(0.75))
        real.append(realized_return)
        for k, v in zip(comps, (e, m, d), strict=True):
            comps[k].append(float(v.mean()))
        sources.append(DataSourceRow(sym, "csv:snapshot", hist.index[0].date(), AS_OF))
    header = ReportHeader(
        name="ai-capex-rerating", title="AI capex re-rates HK tech", as_of=AS_OF, horizon=HORIZON,
        description="Cloud and AI capex lifts earnings of the big HK platforms while multiples revert.",
        kind="backtest" if with_realized else "run", run_id="r20251231-000000-abcd", seed=seed, draws=draws,
        file_sha256="0123456789abcdef" * 4, data_sources=tuple(sources))
    inputs = InputsTable(
        drivers=(
            DriverRow("earnings_growth", "normal(mean 6.0%, sd 8.0%) per half-year", "all", "fraction",
                      {0.05: -0.07, 0.5: 0.06, 0.95: 0.19}, ("c1", "c2")),
            DriverRow("pe_reversion", "uniform(0.2, 0.6) of the gap to the 5-year median P/E", "all", "ratio",
                      {0.05: 0.22, 0.5: 0.4, 0.95: 0.58}, ("c3",)),
        ),
        claims=(
            ClaimRow("c1", "Big platforms plan to raise AI capital spending sharply in 2025.",
                     "001_399d74a4d9af2aed.txt", ("earnings_growth",)),
            ClaimRow("c2", "Cloud revenue growth re-accelerated on AI demand.", "002_ddd815a4c54b9b20.txt",
                     ("earnings_growth",)),
            ClaimRow("c3", "HK tech valuations sit below their long-run median.", "003_891319027a62e08e.txt",
                     ("pe_reversion",)),
        ),
        symbols=SYMBOLS,
        parameters={"universe": f"custom ({len(SYMBOLS)} names)", "draws": str(draws)},
    )
    scatter = ScatterData.compute(SYMBOLS, pred, real, lower=np.array(lo),
                                  upper=np.array(hi)) if with_realized else None
    metrics = (MetricRow("Hit rate", scatter.hit_rate, "fraction", "share of symbols with the direction right"),
               MetricRow("IC", scatter.ic, "number", "Spearman rank correlation")) if scatter else ()
    index_lines = weights = None
    index_return = {}
    if index:
        hsi = read_close(snapshot_dir, "^HSI")
        hst = read_close(snapshot_dir, "HSTECH.HK")
        common = hst.index[(hst.index >= pd.Timestamp(AS_OF)) & (hst.index <= pd.Timestamp(HORIZON))]
        common = common.intersection(hsi.index)
        cf = hst.loc[common].to_numpy() * np.linspace(1.0, 1.04, len(common))
        index_lines = IndexLines(tuple(_dates(common)), (
            IndexLine("Counterfactual HSTECH", cf, "counterfactual"),
            IndexLine("HSTECH (actual)", hst.loc[common].to_numpy()),
            IndexLine("HSI (actual)", hsi.loc[common].to_numpy()),
        ), markers=((dt.date(2025, 9, 8), "rebalance"),))
        before = np.array([0.08, 0.08, 0.07, 0.08, 0.06, 0.05])[:len(SYMBOLS)]
        after = np.array([0.10, 0.09, 0.05, 0.08, 0.07, 0.04])[:len(SYMBOLS)]
        weights = WeightsBars(SYMBOLS, before, after)
        ir = rng.normal(0.05, 0.1, draws)
        index_return = {"p05": float(np.quantile(ir, .05)), "p25": float(np.quantile(ir, .25)),
                        "median": float(np.median(ir)), "p75": float(np.quantile(ir, .75)),
                        "p95": float(np.quantile(ir, .95)), "mean": float(ir.mean())}
    tr = None
    if track:
        hst = read_close(snapshot_dir, "HSTECH.HK")
        months = pd.date_range("2024-01-31", "2025-06-30", freq="ME")
        as_ofs, p, r = [], [], []
        for mth in months:
            start = hst[:mth]
            end = hst[:mth + pd.Timedelta(days=91)]
            as_ofs.append(start.index[-1].date())
            p.append(float(rng.normal(0.03, 0.05)))
            r.append(float(end.iloc[-1] / start.iloc[-1] - 1))
        p_arr = np.array(p)
        tr = TrackRecord("HSTECH, 3-month horizon", tuple(as_ofs), p_arr, np.array(r),
                         lower=p_arr - 0.15, upper=p_arr + 0.15, ic=rng.uniform(-0.3, 0.6, len(p)))
    return ReportView(header=header, inputs=inputs, fans=tuple(fans), scatter=scatter, metrics=metrics,
                      index_lines=index_lines, weights=weights, index_return=index_return,
                      decomposition=DecompositionBars(SYMBOLS, {k: np.array(v) for k, v in comps.items()}),
                      track=tr)
