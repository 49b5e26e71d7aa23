"""From typed results to the report's view-model.

Inputs (all optional except the scenario run), each read through its model of
:mod:`scenarios.results` (a plain dict is validated into it first):

* ``result``: a :class:`~scenarios.results.RunResult` (or ``ScenarioResult.to_dict()``, with or
  without draws; a run made in this process keeps its draws on ``RunResult.engine``);
* ``score``: :class:`Scores` of a backtest (per-symbol :class:`~scenarios.results.SymbolScore`
  rows, the :class:`~scenarios.results.ScoreSummary`, the index's
  :class:`~scenarios.results.IndexScore`), from a :class:`~scenarios.results.SingleBacktestResult`
  or ``ForecastScore.to_dict()``;
* ``walk_forward``: a :class:`~scenarios.results.WalkForwardResult`;
* ``counterfactual``: the simulated index, :class:`~scenarios.results.IndexPerformance`.

:func:`view_from_payload` reads a stored payload through its typed model and
:mod:`scenarios.report.sources` picks the parts by type. Numbers shown come from the results
themselves; prices are read (through :func:`scenarios.data.get_prices`) only to draw history
and realized paths, and the index lines when the result has none.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.dates import as_date as _as_date
from scenarios.dates import require_date
from scenarios.model.distributions import parse_distribution
from scenarios.model.drivers import GROUPS, REGISTRY
from scenarios.report.model import (
    RESIDUAL_GROUP,
    ClaimRow,
    DataSourceRow,
    DecompositionBars,
    DriverRow,
    ExcessBlock,
    ExcessRow,
    FanChartData,
    IndexLine,
    IndexLines,
    IndexVsRow,
    InputsTable,
    MetricRow,
    ReportHeader,
    ReportView,
    ScatterData,
    TrackRecord,
    WeightsBars,
)
from scenarios.results import (
    INDEX_LINE,
    BenchmarkExcess,
    IndexPerformance,
    IndexScore,
    RunResult,
    ScoreSummary,
    SingleBacktestResult,
    SymbolScore,
    WalkForwardResult,
    to_jsonable,
)

__all__ = [
    "DRIVER_GROUPS", "LEVELS_BASE", "RESIDUAL_GROUP", "Scores", "describe_param", "param_quantiles",
    "view_from_parts",
    "view_from_payload",
]

#: Contribution key -> decomposition group, derived from the driver registry
#: (:mod:`scenarios.model.drivers`), plus the engine's dividend carry. Unknown keys go to "other".
DRIVER_GROUPS: dict[str, str] = {
    **{t: spec.group for t, spec in REGISTRY.items() if spec.group is not None},
    "dividends": "dividends", "dividend_carry": "dividends",
}
#: groups in chart order: these first, then any other registered group, "other", the noise
_PREFERRED_ORDER = ("earnings", "re-rating", "dividends", "sentiment", "fx")
_GROUP_ORDER = (*dict.fromkeys((*_PREFERRED_ORDER, *GROUPS)), "other", RESIDUAL_GROUP)

#: Parameter names whose values are fractions (printed as percents).
_FRACTION_PARAMS = ("growth", "rate", "retention", "margin", "shock", "change", "uplift", "return",
                    "yield", "drift", "cap", "weight", "discount", "premium", "share", "reversion",
                    "speed", "fraction", "pct", "haircut", "tilt")
_NOT_PARAMS = {"type", "label", "symbols", "themes", "enabled", "claims", "per_symbol", "note",
               "unit", "currency", "users_unit", "year", "scheme", "benchmark", "source"}

HISTORY_DAYS = 183     # calendar days of history drawn before as_of in fan charts


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------

def _f(x: Any) -> float:
    """Float, with None/invalid -> NaN."""
    if x is None:
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _opt(x: Any) -> float | None:
    v = _f(x)
    return v if math.isfinite(v) else None


def _arr(x: Any) -> np.ndarray:
    """Float array of a (nested) list; ``None`` entries become NaN; ``None`` -> empty."""
    if x is None:
        return np.empty(0)
    return np.array(x, dtype=float)


def _date(x: Any) -> dt.date | None:
    if x is None:
        return None
    try:
        return _as_date(x)
    except (TypeError, ValueError):
        return None


def _is_fraction_param(name: str) -> bool:
    low = name.lower()
    return any(tok in low for tok in _FRACTION_PARAMS) and "years" not in low


def _fmt_value(v: Any, fraction: bool) -> str:
    if v is None:
        return "–"
    if isinstance(v, (int, float)):
        return f"{v * 100:+.1f}%" if fraction else f"{v:,.4g}"
    return str(v)


# --------------------------------------------------------------------------------------
# distributions (dicts as written in the scenario: {dist: normal, mean: .., sd: ..})
# --------------------------------------------------------------------------------------

def describe_param(value: Any, fraction: bool) -> str:
    """Readable text of a fixed value or a distribution dict (fractions as percents).

    :meth:`scenarios.model.distributions._Dist.describe` for a valid distribution.
    """
    if not isinstance(value, Mapping):
        return _fmt_value(value, fraction)
    if "dist" not in value:  # a table such as tilts {theme: multiplier} or custom weights
        return ", ".join(f"{k}: {_fmt_value(v, False)}" for k, v in value.items())
    dist = parse_distribution(value)
    if dist is not None:
        return dist.describe(fraction)
    return str(value.get("dist")) + "(" + ", ".join(f"{k}={v}" for k, v in value.items() if k != "dist") + ")"


def param_quantiles(value: Any, levels: Sequence[float] = (0.05, 0.5, 0.95)) -> dict[float, float]:
    """Return the quantiles of a fixed value or a distribution dict.

    Computed after ``clip`` by the distribution's own
    :meth:`~scenarios.model.distributions._Dist.ppf`. ``{}`` for anything that is not a number or a
    valid distribution.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {float(q): float(value) for q in levels}
    dist = parse_distribution(value) if isinstance(value, Mapping) else None
    if dist is None:
        return {}
    out = np.atleast_1d(dist.ppf(np.asarray(levels, dtype=float)))
    return {float(q): float(v) for q, v in zip(levels, out, strict=True)}


# --------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scores:
    """A forecast's scores as the report reads them.

    Per-symbol rows, the cross-section summary (only the metrics it holds are shown) and the index
    forecast's score.
    """

    per_symbol: tuple[SymbolScore, ...] = ()
    summary: ScoreSummary | None = None
    index: IndexScore | None = None

    @classmethod
    def of(cls, score: Scores | SingleBacktestResult | Mapping[str, Any] | None) -> Scores | None:
        """Build the score view of a backtest.

        From a backtest result, or a :meth:`~scenarios.backtest.scoring.ForecastScore.to_dict`
        (``per_symbol``, ``summary``, ``index``).
        """
        if score is None or isinstance(score, Scores):
            return score
        if isinstance(score, SingleBacktestResult):
            return cls(tuple(score.per_symbol), score.score_summary, score.index)
        d = to_jsonable(score)
        idx = d.get("index")
        return cls(tuple(SymbolScore.model_validate(r) for r in d.get("per_symbol") or []),
                   ScoreSummary.model_validate(d["summary"]) if d.get("summary") else None,
                   IndexScore.model_validate(idx) if isinstance(idx, Mapping) else None)

    def row(self, symbol: str) -> SymbolScore | None:
        """Return the score row of ``symbol``, or None."""
        return next((r for r in self.per_symbol if r.symbol == symbol), None)


def _run(result: RunResult | Mapping[str, Any]) -> RunResult:
    if isinstance(result, RunResult):
        return result
    return RunResult.model_validate(to_jsonable(result))


def _header(run: RunResult, run_id: str | None, kind: str) -> ReportHeader:
    sources = []
    for sym, info in run.data_sources.items():
        info = info if isinstance(info, Mapping) else {}
        sources.append(DataSourceRow(sym, str(info.get("source", "?")), _date(info.get("first")),
                                     _date(info.get("last"))))
    inputs: Mapping[str, Any] = run.inputs
    return ReportHeader(
        name=str(run.name or inputs.get("name") or "scenario"), as_of=_as_date(run.as_of),
        horizon=_as_date(run.horizon), title=inputs.get("title") or None,
        description=inputs.get("description") or None, kind=kind, run_id=run_id, seed=run.seed,
        draws=run.draws, file_sha256=run.file_sha256, return_kind=run.return_kind or "total",
        data_sources=tuple(sources))


def _claims_lookup(ids: Sequence[str]) -> dict[str, Any]:
    if not ids:
        return {}
    try:
        from scenarios.seeds.claims import load_claims

        return {c.id: c for c in load_claims() if c.id in set(ids)}
    except Exception:  # noqa: BLE001 - claims are decoration: a missing or broken file shows ids only
        return {}


def _inputs(run: RunResult) -> InputsTable | None:
    inputs: Mapping[str, Any] = run.inputs
    drivers = inputs.get("drivers") or []
    rows: list[DriverRow] = []
    used_by: dict[str, list[str]] = {}
    for d in drivers:
        if not isinstance(d, Mapping) or d.get("enabled") is False:
            continue
        label = str(d.get("label") or d.get("type") or "driver")
        targets = list(d.get("symbols") or []) + [f"theme {t}" for t in (d.get("themes") or [])]
        applies = ", ".join(targets) if targets else "all"
        claims = tuple(str(c) for c in (d.get("claims") or []))
        for cid in claims:
            used_by.setdefault(cid, []).append(label)
        driver_params = [(k, v) for k, v in d.items() if k not in _NOT_PARAMS and v is not None
                         and (isinstance(v, (int, float, Mapping)) and not isinstance(v, bool))]
        if not driver_params:
            rows.append(DriverRow(label, "no parameters", applies, "", {}, claims, d.get("note"),
                                  str(d.get("type") or ""), ""))
        money = " ".join(str(x) for x in (d.get("currency"), d.get("unit")) if x not in (None, "", "1", 1))
        for k, v in driver_params:
            frac = _is_fraction_param(k)
            text = describe_param(v, frac)
            if k in ("amount", "arpu") and money:
                text += f" ({money})"
            elif k == "users" and d.get("users_unit") not in (None, "", "1", 1):
                text += f" ({d['users_unit']})"
            rows.append(DriverRow(label, text, applies, "fraction" if frac else "number",
                                  param_quantiles(v), claims, d.get("note"), str(d.get("type") or ""), k,
                                  spec=v if isinstance(v, Mapping) and "dist" in v else None))
    narrative = inputs.get("narrative") or {}
    ids = list(dict.fromkeys([*(narrative.get("claims") or []), *used_by]))
    known = _claims_lookup(ids)
    claim_rows = []
    for cid in ids:
        claim = known.get(cid)
        claim_rows.append(ClaimRow(cid, claim.paraphrase if claim is not None
                                   else "(claim text not found in the claims seed)",
                                   claim.article if claim is not None else None, tuple(used_by.get(cid, []))))
    articles = narrative.get("articles") or []
    params: dict[str, str] = {}
    if inputs.get("universe") is not None:
        u = inputs["universe"]
        params["universe"] = u if isinstance(u, str) else f"{len(u)} symbols"
    if articles:
        params["articles"] = ", ".join(map(str, articles))
    resolved = inputs.get("resolved") or {}
    if resolved.get("horizon_years") is not None:
        params["horizon (years)"] = f"{float(resolved['horizon_years']):.3f}"
    if run.index_scheme:
        params["index weighting"] = str(run.index_scheme)
    for w in run.warnings:
        params.setdefault("warnings", "")
        params["warnings"] += ("; " if params["warnings"] else "") + str(w)
    if not rows and not claim_rows:
        return None
    return InputsTable(tuple(rows), tuple(claim_rows), tuple(run.symbols), params)


def _prices(symbol: str, start: dt.date, end: dt.date, source: Any) -> tuple[list[dt.date], np.ndarray]:
    """Return adjusted closes of ``symbol`` in [start, end] (empty when unavailable)."""
    from scenarios.data import get_prices
    from scenarios.errors import DataError

    try:
        frame = get_prices(symbol, start, end, source=source)
    except DataError:
        return [], np.empty(0)
    close = frame["close"].dropna()
    return [d.date() for d in close.index], close.to_numpy(dtype=float)


def _draws(run: RunResult, name: str) -> np.ndarray:
    """Draws of ``name`` (``predicted_price``, ``index_return``...).

    From the engine result of a run made in this process, else from the JSON form when it kept them;
    empty otherwise.
    """
    if run._engine is not None:
        v = getattr(run._engine, name)
        return np.empty(0) if v is None else np.asarray(v, dtype=float)
    return _arr(getattr(run, name))


def _fans(run: RunResult, scores: Scores | None, source: Any,
          read_prices: bool, notes: dict[str, str]) -> tuple[FanChartData, ...]:
    symbols = list(run.symbols)
    as_of, horizon = _as_date(run.as_of), _as_date(run.horizon)
    base = _arr(run.baseline_price)
    prices = _draws(run, "predicted_price")
    summary = {f.symbol: f for f in run.forecasts}
    currencies = list(run.currencies or ["HKD"] * len(symbols))
    today = dt.date.today()
    fans = []
    skipped: list[str] = []
    for j, sym in enumerate(symbols):
        kw: dict[str, Any] = {"currency": currencies[j] if j < len(currencies) else "HKD"}
        row = scores.row(sym) if scores else None
        realized = _opt(row.realized) if row is not None and row.scored else None
        if read_prices:
            hd, hp = _prices(sym, as_of - dt.timedelta(days=HISTORY_DAYS), as_of, source)
            kw.update(history_dates=hd, history_prices=hp)
            if horizon <= today or realized is not None:
                rd, rp = _prices(sym, as_of, horizon, source)
                if len(rd) > 1:
                    kw.update(realized_dates=rd, realized_prices=rp)
        if prices.ndim == 2 and prices.shape[1] == len(symbols):
            try:
                fans.append(FanChartData.from_draws(sym, as_of, horizon, float(base[j]), prices[:, j],
                                                    realized_return=realized, **kw))
            except ValueError as exc:   # no finite draw or no valid baseline: say so, draw the rest
                skipped.append(f"{sym} ({exc})".replace(f"{sym}: ", ""))
            continue
        s = summary.get(sym)
        b = float(base[j]) if j < base.size else math.nan
        if s is None or not (math.isfinite(b) and b > 0) or not math.isfinite(_f(s.median_price)):
            skipped.append(f"{sym} (no forecast in the run)")
            continue
        q = {0.05: _f(s.price_p05), 0.5: _f(s.median_price), 0.95: _f(s.price_p95)}
        fans.append(FanChartData(
            symbol=sym, as_of=as_of, horizon=horizon, baseline_price=b,
            quantiles={k: v for k, v in q.items() if math.isfinite(v)},
            mean_return=_f(s.mean_return), prob_up=_f(s.prob_up),
            realized_return=realized, pit=_opt(row.pit) if row is not None else None, **kw))
        notes.setdefault("forecast", "This run was stored without its draws: the fans show the "
                         "5–95% range and the median only.")
    if scores:
        # PIT as scored by the backtest (same draws, same rule) wins over the recomputed one
        fans = [_with_pit(f, scores.row(f.symbol)) for f in fans]
    if skipped:
        notes["forecast"] = " ".join(filter(None, [notes.get("forecast"), "Not drawn: " + "; ".join(skipped) + "."]))
    return tuple(fans)


def _with_pit(f: FanChartData, row: SymbolScore | None) -> FanChartData:
    from dataclasses import replace

    if row is None or _opt(row.pit) is None:
        return f
    return replace(f, pit=_opt(row.pit))


_WINDOW_METRICS = ("n_symbols", "n_scored", "hit_rate", "ic", "mae", "coverage", "crps")


def _score_from_walk_forward(wf: WalkForwardResult, as_of: dt.date) -> Scores | None:
    """Return the walk-forward window whose as_of is the result's, as the scores of a forecast."""
    rows = [p for p in wf.pairs if _date(p.as_of) == as_of]
    window = next((w for w in wf.windows if _date(w.as_of) == as_of), None)
    if not rows or window is None:
        return None
    fields = {k: getattr(window, k) for k in _WINDOW_METRICS}
    if "nominal_coverage" in wf.track.model_fields_set:
        fields["nominal_coverage"] = wf.track.nominal_coverage
    keep = set(SymbolScore.model_fields)
    per_symbol = tuple(SymbolScore.model_validate({k: v for k, v in p.to_dict().items() if k in keep})
                       for p in rows)
    return Scores(per_symbol, ScoreSummary.model_construct(**fields), None)


_SCORE_METRICS = (
    ("n_scored", "Symbols scored", "number", "symbols whose realized window is complete"),
    ("hit_rate", "Hit rate", "fraction", "share of symbols whose noise-free forecast had the right sign"),
    ("ic", "IC", "number", "Spearman rank correlation of the noise-free forecast and realized returns "
     "(none with fewer than 5 names or forecasts that do not differ)"),
    ("mae", "MAE", "fraction", "mean absolute error of the median forecast"),
    ("coverage", "Band coverage", "fraction", "share of realized returns inside the predicted band"),
    ("nominal_coverage", "Nominal coverage", "fraction", "what the band should cover"),
    ("crps", "CRPS", "pp", "continuous ranked probability score (lower is better; return units, percentage points)"),
    ("mean_pit", "Mean PIT", "fraction", "0.5 when forecasts are unbiased"),
)


def _scatter(scores: Scores | None) -> tuple[ScatterData | None, tuple[MetricRow, ...]]:
    if not scores:
        return None, ()
    rows = [r for r in scores.per_symbol if r.scored and _opt(r.realized) is not None]
    if not rows:
        return None, ()
    summ = scores.summary
    given: dict[str, Any] = ({k: getattr(summ, k) for k in summ.model_fields_set}
                             if summ is not None else {})
    sc = ScatterData(
        symbols=tuple(r.symbol for r in rows),
        predicted=np.array([_f(r.predicted) for r in rows]),
        realized=np.array([_f(r.realized) for r in rows]),
        ic=_opt(given.get("ic")), hit_rate=_opt(given.get("hit_rate")),
        lower=np.array([_f(r.lower) for r in rows]),
        upper=np.array([_f(r.upper) for r in rows]),
        interval=_band_label(given.get("nominal_coverage")))
    metrics = tuple(MetricRow(name, _opt(given[key]), unit, help_)
                    for key, name, unit, help_ in _SCORE_METRICS if key in given)
    return sc, metrics


def _band_label(nominal: float | None) -> str:
    v = _opt(nominal)
    if v is None or not 0 < v < 1:
        return "5–95%"
    lo = (1 - v) / 2
    return f"{lo * 100:.0f}–{(1 - lo) * 100:.0f}%"


def _index_return(run: RunResult) -> dict[str, float | None]:
    draws = _draws(run, "index_return")
    if draws.ndim == 1 and draws.size and np.isfinite(draws).any():
        d = draws[np.isfinite(draws)]
        qs = np.quantile(d, [0.05, 0.25, 0.5, 0.75, 0.95])
        return {"p05": float(qs[0]), "p25": float(qs[1]), "median": float(qs[2]), "p75": float(qs[3]),
                "p95": float(qs[4]), "mean": float(d.mean())}
    row = run.index_forecast(INDEX_LINE)
    if row is not None:
        return {"p05": _opt(row.return_p05), "median": _opt(row.median_return),
                "p95": _opt(row.return_p95), "mean": _opt(row.mean_return)}
    return {}


def _weights(run: RunResult) -> WeightsBars | None:
    before, after = _arr(run.index_weights_before), _arr(run.index_weights_after)
    symbols = tuple(run.symbols)
    if before.size != len(symbols) or after.size != len(symbols) or not symbols:
        return None
    drv = run.index_driver() or {}
    if drv.get("scheme", "implied") == "implied":
        bench = str(drv.get("benchmark") or "the index")
        return WeightsBars(symbols, before, after, f"{bench} (replica at as_of)",
                           "Scenario scheme (replica at as_of)",
                           f"One {bench} weighting: both columns are the backtest replica's holdings at "
                           "as_of (implied weights fitted at the last Hang Seng review on the period "
                           "before it, capped, drifted with prices to as_of), the same machinery as the "
                           "simulated index lines. A drifted weight can exceed the cap between reviews.")
    return WeightsBars(symbols, before, after)


def _excess_blocks(score: Any, wf: WalkForwardResult | None) -> tuple[ExcessBlock, ...]:
    """Return the relative calls of a backtest.

    Per symbol and basket for a single backtest, or the walk-forward's hit rates per benchmark.
    """
    out: list[ExcessBlock] = []
    blocks: Mapping[str, Any] = {}
    if isinstance(score, SingleBacktestResult):
        blocks = score.excess
    elif isinstance(score, Mapping) and isinstance(score.get("excess"), Mapping):
        blocks = {k: BenchmarkExcess.model_validate(to_jsonable(v)) for k, v in score["excess"].items()}
    for b, blk in blocks.items():
        rows = [ExcessRow(r.symbol, str(r.basis or blk.basis or ""), _opt(r.predicted), _opt(r.realized),
                          _opt(r.hit) if r.scored else None) for r in blk.rows]
        if blk.basket is not None:
            k = blk.basket
            rows.append(ExcessRow(f"basket ({k.weights or 'weights'})", str(blk.basis or ""),
                                  _opt(k.predicted), _opt(k.realized), _opt(k.hit) if k.scored else None))
        out.append(ExcessBlock(b, str(blk.basis or ""), str(blk.benchmark_forecast or ""), blk.n_scored,
                               _opt(blk.hit_rate), tuple(rows), str(blk.note or "")))
    if not out and wf is not None:
        for b, t in wf.track.excess.items():
            out.append(ExcessBlock(b, str(t.basis or ""), "", t.n_pairs, _opt(t.hit_rate),
                                   basket_hit_rate=_opt(t.basket_hit_rate), n_baskets=t.n_baskets))
    return tuple(out)


def _index_metrics(scores: Scores | None) -> tuple[MetricRow, ...]:
    """Return the scored index forecast of a backtest.

    The realized return of the scenario's portfolio, with the benchmark index beside it.
    """
    idx = scores.index if scores else None
    if idx is None:
        return ()
    given = idx.model_fields_set
    bench = str(idx.benchmark or "index")
    target = str(idx.target or bench)
    kind = str(idx.kind or "price")
    rows = [MetricRow("Predicted index return (median)", _opt(idx.predicted), "fraction",
                      "the scenario's re-weighted index"),
            MetricRow("Predicted band low", _opt(idx.lower), "fraction", ""),
            MetricRow("Predicted band high", _opt(idx.upper), "fraction", ""),
            MetricRow("Realized return", _opt(idx.realized), "fraction", f"{target} ({kind} return)")]
    if "benchmark_realized" in given:
        rows.append(MetricRow(f"Realized {bench} return", _opt(idx.benchmark_realized), "fraction",
                              f"{idx.benchmark_kind or 'price'} return, "
                              f"{idx.benchmark_status or 'status unknown'}"))
    if "weight_covered" in given:
        rows.append(MetricRow("Index weight of the scored names", _opt(idx.weight_covered), "fraction",
                              "names with a complete realized window; the index is scored from 90%"))
    if idx.scored:
        rows += [MetricRow("Inside the band", 1.0 if idx.inside else 0.0, "number", "1 = yes, 0 = no"),
                 MetricRow("PIT", _opt(idx.pit), "fraction", "share of draws below the realized return"),
                 MetricRow("CRPS", _opt(idx.crps), "pp", "lower is better; return units, percentage points")]
    return tuple(rows)


_LINE_LABELS = {"HSTECH.HK": "HSTECH (actual, price)", "^HSI": "HSI (actual, price)",
                "scenario index": "Scenario index (simulated, price)"}

#: Level of every line of the simulated index the session before the window
#: (:func:`scenarios.backtest.scenario.index_performance` rebases to 100).
LEVELS_BASE = 100.0


def _index_lines_from_counterfactual(cf: IndexPerformance, as_of: dt.date | None = None) -> IndexLines | None:
    """Return the index lines of a counterfactual: daily levels rebased to :data:`LEVELS_BASE`.

    ``cf.levels`` is ``{"index": [dates], column: [levels]}``; every column is rebased to
    :data:`LEVELS_BASE` on the session before the first date. None without dates or lines.
    """
    dates = cf.levels.get("index")
    if not dates:
        return None
    lines = []
    for col, values in cf.levels.items():
        if col == "index":
            continue
        role = "counterfactual" if col not in ("^HSI", "HSTECH.HK") and "actual" not in col.lower() else "actual"
        lines.append(IndexLine(_LINE_LABELS.get(col, col), _arr(values), role))
    markers = tuple((d, f"rebalance {d:%m-%d}") for d in sorted(
        _as_date(k) for k in cf.turnover if _date(k) is not None))
    if as_of is not None:
        markers = ((as_of, "as of"), *markers)
    return IndexLines(tuple(require_date(d) for d in dates), tuple(lines), markers=markers,
                      base=LEVELS_BASE) if lines else None


def _index_vs(cf: IndexPerformance | None) -> tuple[IndexVsRow, ...]:
    """Return the simulated index and each benchmark over the window."""
    if cf is None or "vs" not in cf.model_fields_set:
        return ()
    rows = [IndexVsRow("Scenario index (simulated, price)", _opt(cf.total_return),
                       max_drawdown=_opt(cf.max_drawdown))]
    for bench, v in cf.vs.items():
        rows.append(IndexVsRow(_LINE_LABELS.get(bench, bench), _opt(v.total_return), _opt(v.excess_return),
                               _opt(v.tracking_error), _opt(v.information_ratio), _opt(v.max_drawdown)))
    return tuple(rows)


def _index_lines_from_prices(run: RunResult, source: Any) -> IndexLines | None:
    """Return buy-and-hold baskets with the before and after weights.

    The baskets are held on the realized (adjusted) closes, against the actual HSTECH and HSI
    levels, from as_of to the horizon (or the last price).
    """
    import pandas as pd

    as_of, horizon = _as_date(run.as_of), _as_date(run.horizon)
    symbols = list(run.symbols)
    w = _weights(run)
    if w is None:
        return None
    closes = {}
    for s in symbols:
        d, p = _prices(s, as_of, horizon, source)
        if len(d) > 1:
            closes[s] = pd.Series(p, index=pd.DatetimeIndex(d))
    bench = {}
    for b, label in (("HSTECH.HK", "HSTECH (actual, price)"), ("^HSI", "HSI (actual, price)")):
        d, p = _prices(b, as_of, horizon, source)
        if len(d) > 1:
            bench[label] = pd.Series(p, index=pd.DatetimeIndex(d))
    if not closes or not bench:
        return None
    frame = pd.DataFrame(closes).sort_index().ffill()
    frame = frame.loc[:, frame.iloc[0].notna()]
    if frame.shape[0] < 2:
        return None
    rel = frame / frame.iloc[0]
    idx = [symbols.index(c) for c in frame.columns]
    lines = []
    for label, weights, role in (("Re-weighted basket (after, total return)", w.after[idx], "counterfactual"),
                                 ("Basket with weights before (total return)", w.before[idx], "actual")):
        ww = np.nan_to_num(weights)
        if ww.sum() <= 0:
            continue
        lines.append((label, (rel.to_numpy() @ (ww / ww.sum())), role))
    dates = frame.index
    out = [IndexLine(lab, vals, role) for lab, vals, role in lines]
    for label, series in bench.items():
        out.append(IndexLine(label, series.reindex(dates).ffill().to_numpy(dtype=float), "actual"))
    return IndexLines(tuple(d.date() for d in dates), tuple(out), markers=((as_of, "as of"),))


def _decomposition(run: RunResult) -> DecompositionBars | None:
    symbols = tuple(run.symbols)
    means: dict[str, np.ndarray] = {k: _arr(v) for k, v in run.contribution_means.items()}
    if not means and run.contributions:
        means = {k: np.nanmean(_arr(v), axis=0) for k, v in run.contributions.items()}
    if not means or not symbols:
        return None
    types = {}
    for d in run.inputs.get("drivers") or []:  # type: ignore[union-attr]
        if isinstance(d, Mapping):
            types[str(d.get("label") or d.get("type"))] = str(d.get("type"))
    # the market noise is not a driver: the result's ``residual`` entry names its contribution
    # key (``residual`` unless a driver took that label)
    noise = str(run.residual.get("label") or "residual") if run.residual is not None else None
    groups = {k: RESIDUAL_GROUP if k == noise
              else DRIVER_GROUPS.get(types.get(k, k), DRIVER_GROUPS.get(k, "other")) for k in means}
    comps: dict[str, np.ndarray] = {}
    for g in _GROUP_ORDER:
        members = [k for k in means if groups[k] == g]
        if members:
            comps[g] = np.sum(np.vstack([means[k] for k in members]), axis=0)
    a = run.attribution or {}
    shap: dict[str, np.ndarray] = {}
    base = point = None
    if a.get("drivers") and list(a.get("symbols") or []) == list(symbols):  # type: ignore[arg-type]
        contrib = a.get("contributions_pp") or {}
        shap = {str(d): _arr(contrib[d]) for d in a["drivers"] if d in contrib}  # type: ignore[index, operator, union-attr]
        base, point = _arr(a.get("base_pp")), _arr(a.get("total_pp"))
    return DecompositionBars(symbols, comps, means, groups, shap, base, point)


_TRACK_METRICS = (
    ("n_windows", "Windows", "number", "forecast dates"),
    ("n_scored_windows", "Windows scored", "number", "windows whose horizon has passed"),
    ("n_pairs", "Symbol-windows scored", "number", ""),
    ("hit_rate", "Hit rate", "fraction", "share of symbol-windows whose noise-free forecast had the right sign"),
    ("pt_pvalue", "Pesaran–Timmermann p-value", "number", "direction skill vs chance, pairs as independent"),
    ("pt_hac_pvalue", "Pesaran–Timmermann p-value (HAC)", "number",
     "overlap- and cluster-robust (windows as clusters, Bartlett); two-sided"),
    ("mean_ic", "Mean IC", "number", "average cross-sectional Spearman IC over windows with a signal"),
    ("ic_tstat", "IC t-stat", "number", "mean IC / its Hansen-Hodrick standard error (overlapping "
     "windows); over-rejects with fewer than about 60 windows"),
    ("coverage", "Band coverage", "fraction", "share of realized returns inside the band"),
    ("nominal_coverage", "Nominal coverage", "fraction", ""),
    ("crps", "CRPS", "pp", "lower is better; return units, percentage points"),
    ("mae", "MAE (scenario)", "fraction", ""),
    ("mae_zero", "MAE (zero forecast)", "fraction", "naive benchmark"),
    ("mae_momentum", "MAE (momentum forecast)", "fraction", "naive benchmark"),
)


def _track(wf: WalkForwardResult | None) -> tuple[TrackRecord | None, tuple[MetricRow, ...], str | None]:
    if wf is None or not wf.windows:
        return None, (), None
    as_of = tuple(_as_date(w.as_of) for w in wf.windows)
    if wf.index_windows:
        by = {str(_as_date(w.as_of)): w for w in wf.index_windows}
        pick = [by.get(str(d)) for d in as_of]
        first = wf.index_windows[0]
        target = first.target or first.benchmark or "index"
        label = f"index forecast vs realized {target} ({wf.roll} roll)"
        pred = np.array([_f(w.predicted) if w else math.nan for w in pick])
        lo = np.array([_f(w.lower) if w else math.nan for w in pick])
        hi = np.array([_f(w.upper) if w else math.nan for w in pick])
        real = np.array([_f(w.realized) if w and w.scored else math.nan for w in pick])
    else:
        label = f"mean over symbols ({wf.roll} roll)"
        pred, lo, hi, real = (np.full(len(as_of), np.nan) for _ in range(4))
        for i, d in enumerate(as_of):
            rows = [p for p in wf.pairs if _date(p.as_of) == d]
            if rows:
                pred[i] = np.nanmean([_f(p.predicted) for p in rows])
                lo[i] = np.nanmean([_f(p.lower) for p in rows])
                hi[i] = np.nanmean([_f(p.upper) for p in rows])
                sc = [_f(p.realized) for p in rows if p.scored]
                real[i] = float(np.nanmean(sc)) if sc and np.isfinite(sc).any() else math.nan
    track = wf.track
    tr = TrackRecord(label, as_of, pred, real, lo, hi,
                     ic=np.array([_f(w.ic) for w in wf.windows]),
                     hit_rate=np.array([_f(w.hit_rate) for w in wf.windows]),
                     band=_band_label(track.nominal_coverage))
    given = track.model_fields_set
    metrics = tuple(MetricRow(name, _opt(getattr(track, key)), unit, help_)
                    for key, name, unit, help_ in _TRACK_METRICS if key in given)
    note = "; ".join(wf.notes) or None
    return tr, metrics, note


# --------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------

def view_from_parts(result: RunResult | Mapping[str, Any], *,
                    score: Scores | SingleBacktestResult | Mapping[str, Any] | None = None,
                    walk_forward: WalkForwardResult | Mapping[str, Any] | None = None,
                    counterfactual: IndexPerformance | Mapping[str, Any] | None = None,
                    run_id: str | None = None, kind: str | None = None, source: Any = None,
                    read_prices: bool = True) -> ReportView:
    """Build the report view from a scenario run and optional backtest parts.

    Every part is read through its typed model (:mod:`scenarios.results`); plain dicts (their
    JSON forms, e.g. ``ScenarioResult.to_dict()`` or ``ForecastScore.to_dict()``) are
    validated into them first. ``source``: price source for history/realized paths (default:
    the standard resolver); ``read_prices=False`` draws no price paths at all (fans show the
    forecast only).
    """
    if not isinstance(result, RunResult) and (not result or "as_of" not in result or "horizon" not in result):
        from scenarios.errors import DataFormatError

        raise DataFormatError("the run payload has no scenario result (symbols, as_of, horizon): "
                              "it cannot be reported")
    run = _run(result)
    wf = (walk_forward if isinstance(walk_forward, WalkForwardResult) or walk_forward is None
          else WalkForwardResult.model_validate(to_jsonable(walk_forward)))
    cf = (counterfactual if isinstance(counterfactual, IndexPerformance) or counterfactual is None
          else IndexPerformance.model_validate(to_jsonable(counterfactual)))
    scores = Scores.of(score)
    kind = kind or ("walk-forward" if wf is not None else "backtest" if scores else "run")
    if scores is None and wf is not None:
        scores = _score_from_walk_forward(wf, _as_date(run.as_of))
    notes: dict[str, str] = {}
    fans = _fans(run, scores, source, read_prices, notes)
    scatter, metrics = _scatter(scores)
    if scatter is None:
        horizon = _as_date(run.horizon)
        notes["scatter"] = (
            f"The horizon ({horizon.isoformat()}) has not passed yet: nothing realized to compare with."
            if horizon > dt.date.today() else
            f"No backtest score in this run (horizon {horizon.isoformat()}): report a backtest run "
            "(scenarios backtest) or the scenario file to compare predictions with realized returns.")
    index = run.index_driver() is not None
    index_lines = weights = None
    index_return: dict[str, float | None] = {}
    if index:
        weights = _weights(run)
        index_return = _index_return(run)
        if cf is not None:
            index_lines = _index_lines_from_counterfactual(cf, _as_date(run.as_of))
        elif read_prices:
            index_lines = _index_lines_from_prices(run, source)
        if index_lines is None:
            notes["index_lines"] = "No realized prices after as_of yet: no index lines to draw."
    else:
        notes["index"] = "Not an index scenario (no index_weighting driver): no counterfactual index or weights."
    index_metrics = _index_metrics(scores) if index else ()
    track, track_metrics, track_note = _track(wf)
    if track_note:
        notes["track_notes"] = track_note
    return ReportView(
        header=_header(run, run_id, kind), inputs=_inputs(run), fans=fans, scatter=scatter,
        metrics=metrics, index_lines=index_lines, weights=weights, index_return=index_return,
        index_metrics=index_metrics, index_vs=_index_vs(cf) if index else (),
        decomposition=_decomposition(run), track=track, track_metrics=track_metrics, notes=notes,
        pnl=_pnl(run, score, wf, source, read_prices),
        excess=_excess_blocks(score, wf))


def _pnl(run: RunResult, score: Any, wf: WalkForwardResult | None, source: Any, read_prices: bool) -> Any:
    """Return the portfolio P&L fan (None without a portfolio block): see :mod:`scenarios.report.pnl`."""
    if run.pnl is None:
        return None
    from scenarios.report.pnl import pnl_fan_data

    pnl_score = score.pnl if isinstance(score, SingleBacktestResult) else None
    if isinstance(score, Mapping) and isinstance(score.get("pnl"), Mapping):
        from scenarios.results import PnlScore

        pnl_score = PnlScore.model_validate(to_jsonable(score["pnl"]))
    if pnl_score is None and wf is not None and wf.pnl is not None:
        pnl_score = next((w for w in wf.pnl.windows if w.as_of == run.as_of[:10]), None)
    return pnl_fan_data(run, pnl_score, source, read_prices)


def view_from_payload(payload: Mapping[str, Any], *, kind: str, run_id: str | None = None) -> ReportView:
    """Build the report view from a stored run payload.

    ``kind`` is the store kind (``run`` or ``backtest``); the payload is read through
    :mod:`scenarios.results` (see :func:`scenarios.report.sources.view_for_result`).
    """
    from scenarios.report.sources import view_for_result
    from scenarios.results import result_of

    return view_for_result(result_of(kind, payload, what=f"run {run_id or ''}".strip()),
                           run_id=run_id, kind=kind)
