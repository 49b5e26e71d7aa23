"""From run and backtest payloads (plain JSON data) to the report's view-model.

Inputs (all optional except the scenario result):

* ``result``: :meth:`scenarios.engine.result.ScenarioResult.to_dict` (with or without draws);
* ``score``: :meth:`scenarios.backtest.scoring.ForecastScore.to_dict` (``per_symbol`` rows with
  ``predicted``, ``lower``, ``upper``, ``realized``, ``pit`` ...; ``summary`` with ``hit_rate``,
  ``ic``, ``mae``, ``coverage``, ``crps``);
* ``walk_forward``: :meth:`scenarios.backtest.walkforward.WalkForwardResult.to_dict`
  (``windows``, ``pairs``, ``index_windows``, ``track``);
* ``counterfactual``: ``{"levels": {column: [values], "index": [dates]}, "weights": ...}``
  (a :class:`~scenarios.backtest.counterfactual.CounterfactualResult` through
  :func:`scenarios.store.runs.to_jsonable`).

:func:`view_from_payload` reads a stored payload through its typed model
(:mod:`scenarios.results`) and :mod:`scenarios.report.sources` picks the parts by type, so
the report reads ``scenarios run`` and ``scenarios backtest`` payloads alike. Numbers shown come from the payload itself; prices are
read (through :func:`scenarios.data.get_prices`) only to draw history and realized paths, and
the index lines when the payload has none.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scenarios.model.distributions import parse_distribution
from scenarios.report.model import (
    RESIDUAL_GROUP,
    ClaimRow,
    DataSourceRow,
    DecompositionBars,
    DriverRow,
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
    _as_date,
)

__all__ = [
    "DRIVER_GROUPS", "RESIDUAL_GROUP", "describe_param", "param_quantiles", "view_from_parts",
    "view_from_payload",
]

#: Driver type -> decomposition group. Unknown types go to "other".
DRIVER_GROUPS: dict[str, str] = {
    "earnings_growth": "earnings", "ai_capex": "earnings", "subsidy": "earnings",
    "buyback": "earnings", "margin_change": "earnings", "revenue_uplift": "earnings",
    "rerating": "re-rating", "multiple_reversion": "re-rating",
    "dividends": "dividends", "dividend_carry": "dividends",
    "sentiment_shock": "sentiment", "shock": "sentiment", "fx": "fx", "fx_change": "fx",
}
_GROUP_ORDER = ("earnings", "re-rating", "dividends", "sentiment", "fx", "other", RESIDUAL_GROUP)

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
    """Readable text of a fixed value or a distribution dict (fractions as percents):
    :meth:`scenarios.model.distributions._Dist.describe` for a valid distribution."""
    if not isinstance(value, Mapping):
        return _fmt_value(value, fraction)
    if "dist" not in value:  # a table such as tilts {theme: multiplier} or custom weights
        return ", ".join(f"{k}: {_fmt_value(v, False)}" for k, v in value.items())
    dist = parse_distribution(value)
    if dist is not None:
        return dist.describe(fraction)
    return str(value.get("dist")) + "(" + ", ".join(f"{k}={v}" for k, v in value.items() if k != "dist") + ")"


def param_quantiles(value: Any, levels: Sequence[float] = (0.05, 0.5, 0.95)) -> dict[float, float]:
    """Quantiles of a fixed value or a distribution dict (after ``clip``), by the
    distribution's own :meth:`~scenarios.model.distributions._Dist.ppf`. ``{}`` for anything
    that is not a number or a valid distribution."""
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

def _header(result: Mapping[str, Any], run_id: str | None, kind: str) -> ReportHeader:
    inputs = result.get("inputs") or {}
    sources = []
    for sym, info in (result.get("data_sources") or {}).items():
        info = info or {}
        sources.append(DataSourceRow(sym, str(info.get("source", "?")), _date(info.get("first")),
                                     _date(info.get("last"))))
    name = str(result.get("name") or inputs.get("name") or "scenario")
    return ReportHeader(
        name=name, as_of=_as_date(result["as_of"]), horizon=_as_date(result["horizon"]),
        title=inputs.get("title") or None, description=inputs.get("description") or None, kind=kind,
        run_id=run_id, seed=result.get("seed"), draws=result.get("draws"),
        file_sha256=result.get("file_sha256"), return_kind=str(result.get("return_kind") or "total"),
        data_sources=tuple(sources))


def _claims_lookup(ids: Sequence[str]) -> dict[str, Any]:
    if not ids:
        return {}
    try:
        from scenarios.seeds.claims import load_claims

        return {c.id: c for c in load_claims() if c.id in set(ids)}
    except Exception:  # noqa: BLE001 - claims are decoration: a missing or broken file shows ids only
        return {}


def _inputs(result: Mapping[str, Any]) -> InputsTable | None:
    inputs = result.get("inputs") or {}
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
        for c in claims:
            used_by.setdefault(c, []).append(label)
        params = [(k, v) for k, v in d.items() if k not in _NOT_PARAMS and v is not None
                  and (isinstance(v, (int, float, Mapping)) and not isinstance(v, bool))]
        if not params:
            rows.append(DriverRow(label, "no parameters", applies, "", {}, claims, d.get("note"),
                                  str(d.get("type") or ""), ""))
        money = " ".join(str(x) for x in (d.get("currency"), d.get("unit")) if x not in (None, "", "1", 1))
        for k, v in params:
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
        c = known.get(cid)
        claim_rows.append(ClaimRow(cid, c.paraphrase if c is not None else "(claim text not found in the claims seed)",
                                   c.article if c is not None else None, tuple(used_by.get(cid, []))))
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
    if result.get("index_scheme"):
        params["index weighting"] = str(result["index_scheme"])
    for w in result.get("warnings") or []:
        params.setdefault("warnings", "")
        params["warnings"] += ("; " if params["warnings"] else "") + str(w)
    if not rows and not claim_rows:
        return None
    return InputsTable(tuple(rows), tuple(claim_rows), tuple(result.get("symbols") or ()), params)


def _prices(symbol: str, start: dt.date, end: dt.date, source: Any) -> tuple[list[dt.date], np.ndarray]:
    """Adjusted closes of ``symbol`` in [start, end] (empty when unavailable)."""
    from scenarios.data import get_prices
    from scenarios.errors import DataError

    try:
        frame = get_prices(symbol, start, end, source=source)
    except DataError:
        return [], np.empty(0)
    close = frame["close"].dropna()
    return [d.date() for d in close.index], close.to_numpy(dtype=float)


def _score_rows(score: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    if not score:
        return {}
    return {str(r.get("symbol")): r for r in score.get("per_symbol") or [] if isinstance(r, Mapping)}


def _fans(result: Mapping[str, Any], score: Mapping[str, Any] | None, source: Any,
          read_prices: bool, notes: dict[str, str]) -> tuple[FanChartData, ...]:
    symbols = list(result.get("symbols") or [])
    as_of, horizon = _as_date(result["as_of"]), _as_date(result["horizon"])
    base = _arr(result.get("baseline_price"))
    prices = _arr(result.get("predicted_price"))
    summary = {str(r.get("symbol")): r for r in result.get("summary") or []}
    currencies = list(result.get("currencies") or ["HKD"] * len(symbols))
    scored = _score_rows(score)
    today = dt.date.today()
    fans = []
    skipped: list[str] = []
    for j, sym in enumerate(symbols):
        kw: dict[str, Any] = {"currency": currencies[j] if j < len(currencies) else "HKD"}
        row = scored.get(sym) or {}
        realized = _opt(row.get("realized")) if row.get("scored", True) else None
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
        if s is None or not (math.isfinite(b) and b > 0) or not math.isfinite(_f(s.get("median_price"))):
            skipped.append(f"{sym} (no forecast in the run)")
            continue
        q = {0.05: _f(s.get("price_p05")), 0.5: _f(s.get("median_price")), 0.95: _f(s.get("price_p95"))}
        fans.append(FanChartData(
            symbol=sym, as_of=as_of, horizon=horizon, baseline_price=b,
            quantiles={k: v for k, v in q.items() if math.isfinite(v)},
            mean_return=_f(s.get("mean_return")), prob_up=_f(s.get("prob_up")),
            realized_return=realized, pit=_opt(row.get("pit")), **kw))
        notes.setdefault("forecast", "This run was stored without its draws: the fans show the "
                         "5–95% range and the median only.")
    if score:
        # PIT as scored by the backtest (same draws, same rule) wins over the recomputed one
        fans = [_with_pit(f, scored.get(f.symbol)) for f in fans]
    if skipped:
        notes["forecast"] = " ".join(filter(None, [notes.get("forecast"), "Not drawn: " + "; ".join(skipped) + "."]))
    return tuple(fans)


def _with_pit(f: FanChartData, row: Mapping[str, Any] | None) -> FanChartData:
    from dataclasses import replace

    if not row or _opt(row.get("pit")) is None:
        return f
    return replace(f, pit=_opt(row.get("pit")))


def _score_from_walk_forward(wf: Mapping[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    """The walk-forward window whose as_of is the result's, in the form of a forecast score."""
    rows = [p for p in wf.get("pairs") or [] if isinstance(p, Mapping) and _date(p.get("as_of")) == as_of]
    window = next((w for w in wf.get("windows") or [] if isinstance(w, Mapping) and _date(w.get("as_of")) == as_of), None)
    if not rows or window is None:
        return None
    summary = {k: window.get(k) for k in ("n_symbols", "n_scored", "hit_rate", "ic", "mae", "coverage", "crps")
               if k in window}
    if "nominal_coverage" in (wf.get("track") or {}):
        summary["nominal_coverage"] = wf["track"]["nominal_coverage"]
    return {"per_symbol": rows, "summary": summary, "index": None}


def _scatter(score: Mapping[str, Any] | None) -> tuple[ScatterData | None, tuple[MetricRow, ...]]:
    if not score:
        return None, ()
    rows = [r for r in score.get("per_symbol") or [] if r.get("scored") and _opt(r.get("realized")) is not None]
    if not rows:
        return None, ()
    summ = score.get("summary") or {}
    sc = ScatterData(
        symbols=tuple(str(r["symbol"]) for r in rows),
        predicted=np.array([_f(r.get("predicted")) for r in rows]),
        realized=np.array([_f(r.get("realized")) for r in rows]),
        ic=_opt(summ.get("ic")), hit_rate=_opt(summ.get("hit_rate")),
        lower=np.array([_f(r.get("lower")) for r in rows]),
        upper=np.array([_f(r.get("upper")) for r in rows]),
        interval=_band_label(summ.get("nominal_coverage")))
    metrics = []
    for key, name, unit, help_ in (
        ("n_scored", "Symbols scored", "number", "symbols whose realized window is complete"),
        ("hit_rate", "Hit rate", "fraction", "share of symbols whose direction was right"),
        ("ic", "IC", "number", "Spearman rank correlation of predicted and realized returns"),
        ("mae", "MAE", "fraction", "mean absolute error of the median forecast"),
        ("coverage", "Band coverage", "fraction", "share of realized returns inside the predicted band"),
        ("nominal_coverage", "Nominal coverage", "fraction", "what the band should cover"),
        ("crps", "CRPS", "fraction", "continuous ranked probability score (lower is better; return units)"),
        ("mean_pit", "Mean PIT", "fraction", "0.5 when forecasts are unbiased"),
    ):
        if key in summ:
            metrics.append(MetricRow(name, _opt(summ.get(key)), unit, help_))
    return sc, tuple(metrics)


def _band_label(nominal: Any) -> str:
    v = _opt(nominal)
    if v is None or not 0 < v < 1:
        return "5–95%"
    lo = (1 - v) / 2
    return f"{lo * 100:.0f}–{(1 - lo) * 100:.0f}%"


def _is_index_scenario(result: Mapping[str, Any]) -> bool:
    drivers = (result.get("inputs") or {}).get("drivers") or []
    return any(isinstance(d, Mapping) and d.get("type") == "index_weighting" and d.get("enabled") is not False
               for d in drivers)


def _index_return(result: Mapping[str, Any]) -> dict[str, float | None]:
    draws = _arr(result.get("index_return"))
    if draws.ndim == 1 and draws.size and np.isfinite(draws).any():
        d = draws[np.isfinite(draws)]
        qs = np.quantile(d, [0.05, 0.25, 0.5, 0.75, 0.95])
        return {"p05": float(qs[0]), "p25": float(qs[1]), "median": float(qs[2]), "p75": float(qs[3]),
                "p95": float(qs[4]), "mean": float(d.mean())}
    for row in result.get("index_summary") or []:
        if row.get("line") == "index":
            return {"p05": _opt(row.get("return_p05")), "median": _opt(row.get("median_return")),
                    "p95": _opt(row.get("return_p95")), "mean": _opt(row.get("mean_return"))}
    return {}


def _weights(result: Mapping[str, Any]) -> WeightsBars | None:
    before, after = _arr(result.get("index_weights_before")), _arr(result.get("index_weights_after"))
    symbols = tuple(result.get("symbols") or ())
    if before.size != len(symbols) or after.size != len(symbols) or not symbols:
        return None
    return WeightsBars(symbols, before, after)


def _index_metrics(score: Mapping[str, Any] | None) -> tuple[MetricRow, ...]:
    """The scored index forecast: ``score["index"]`` of a backtest (either form: realized index
    of the ``benchmark``, or a ``target`` portfolio with the benchmark beside it)."""
    idx = (score or {}).get("index")
    if not isinstance(idx, Mapping):
        return ()
    bench = str(idx.get("benchmark") or "index")
    target = str(idx.get("target") or bench)
    kind = str(idx.get("kind") or "price")
    rows = [MetricRow("Predicted index return (median)", _opt(idx.get("predicted")), "fraction",
                      "the scenario's re-weighted index"),
            MetricRow("Predicted band low", _opt(idx.get("lower")), "fraction", ""),
            MetricRow("Predicted band high", _opt(idx.get("upper")), "fraction", ""),
            MetricRow("Realized return", _opt(idx.get("realized")), "fraction", f"{target} ({kind} return)")]
    if "benchmark_realized" in idx:
        rows.append(MetricRow(f"Realized {bench} return", _opt(idx.get("benchmark_realized")), "fraction",
                              f"{idx.get('benchmark_kind', 'price')} return, "
                              f"{idx.get('benchmark_status', 'status unknown')}"))
    if "weight_covered" in idx:
        rows.append(MetricRow("Index weight of the scored names", _opt(idx.get("weight_covered")), "fraction",
                              "names with a complete realized window; the index is scored from 90%"))
    if idx.get("scored"):
        rows += [MetricRow("Inside the band", 1.0 if idx.get("inside") else 0.0, "number", "1 = yes, 0 = no"),
                 MetricRow("PIT", _opt(idx.get("pit")), "fraction", "share of draws below the realized return"),
                 MetricRow("CRPS", _opt(idx.get("crps")), "fraction", "lower is better")]
    return tuple(rows)


_LINE_LABELS = {"HSTECH.HK": "HSTECH (actual, price)", "^HSI": "HSI (actual, price)",
                "scenario index": "Scenario index (simulated, price)"}


def _index_lines_from_counterfactual(cf: Mapping[str, Any], as_of: dt.date | None = None) -> IndexLines | None:
    """Daily levels ``{"index": [dates], column: [levels]}``, every column rebased to 100 on the
    session before the first date (the backtest's convention)."""
    levels = cf.get("levels") or {}
    dates = levels.get("index")
    if not dates:
        return None
    lines = []
    for col, values in levels.items():
        if col == "index":
            continue
        name = str(col)
        role = "counterfactual" if name not in ("^HSI", "HSTECH.HK") and "actual" not in name.lower() else "actual"
        lines.append(IndexLine(_LINE_LABELS.get(name, name), _arr(values), role))
    markers = tuple((d, f"rebalance {d:%m-%d}") for d in sorted(
        _as_date(k) for k in (cf.get("turnover") or {}) if _date(k) is not None))
    if as_of is not None:
        markers = ((as_of, "as of"), *markers)
    return IndexLines(tuple(_as_date(d) for d in dates), tuple(lines), markers=markers,
                      base=float(cf.get("base", 100.0))) if lines else None


def _index_vs(cf: Mapping[str, Any] | None) -> tuple[IndexVsRow, ...]:
    """The simulated index and each benchmark over the window (``index_performance``)."""
    if not cf or "vs" not in cf:
        return ()
    rows = [IndexVsRow("Scenario index (simulated, price)", _opt(cf.get("total_return")),
                       max_drawdown=_opt(cf.get("max_drawdown")))]
    for bench, v in (cf.get("vs") or {}).items():
        if isinstance(v, Mapping):
            rows.append(IndexVsRow(_LINE_LABELS.get(str(bench), str(bench)), _opt(v.get("total_return")),
                                   _opt(v.get("excess_return")), _opt(v.get("tracking_error")),
                                   _opt(v.get("information_ratio")), _opt(v.get("max_drawdown"))))
    return tuple(rows)


def _index_lines_from_prices(result: Mapping[str, Any], source: Any) -> IndexLines | None:
    """Buy-and-hold baskets with the before/after weights on the realized (adjusted) closes,
    against the actual HSTECH and HSI levels, from as_of to the horizon (or the last price)."""
    import pandas as pd

    as_of, horizon = _as_date(result["as_of"]), _as_date(result["horizon"])
    symbols = list(result.get("symbols") or [])
    w = _weights(result)
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


def _decomposition(result: Mapping[str, Any]) -> DecompositionBars | None:
    symbols = tuple(result.get("symbols") or ())
    means = result.get("contribution_means") or {}
    if not means and result.get("contributions"):
        means = {k: np.nanmean(_arr(v), axis=0) for k, v in result["contributions"].items()}
    if not means or not symbols:
        return None
    types = {}
    for d in (result.get("inputs") or {}).get("drivers") or []:
        if isinstance(d, Mapping):
            types[str(d.get("label") or d.get("type"))] = str(d.get("type"))
    detail = {str(k): _arr(v) if not isinstance(v, np.ndarray) else v for k, v in means.items()}
    # the market noise is not a driver: the result's ``residual`` entry names its contribution
    # key (``residual`` unless a driver took that label)
    residual = result.get("residual")
    noise = str(residual.get("label") or "residual") if isinstance(residual, Mapping) else None
    groups = {k: RESIDUAL_GROUP if k == noise
              else DRIVER_GROUPS.get(types.get(k, k), DRIVER_GROUPS.get(k, "other")) for k in detail}
    comps: dict[str, np.ndarray] = {}
    for g in _GROUP_ORDER:
        members = [k for k in detail if groups[k] == g]
        if members:
            comps[g] = np.sum(np.vstack([detail[k] for k in members]), axis=0)
    return DecompositionBars(symbols, comps, detail, groups)


def _track(wf: Mapping[str, Any] | None) -> tuple[TrackRecord | None, tuple[MetricRow, ...], str | None]:
    if not wf:
        return None, (), None
    windows = [w for w in wf.get("windows") or [] if isinstance(w, Mapping)]
    if not windows:
        return None, (), None
    as_of = tuple(_as_date(w["as_of"]) for w in windows)
    pairs = [p for p in wf.get("pairs") or [] if isinstance(p, Mapping)]
    iw = [w for w in wf.get("index_windows") or [] if isinstance(w, Mapping)]
    if iw:
        by = {str(_as_date(w["as_of"])): w for w in iw}
        pick = [by.get(str(d), {}) for d in as_of]
        target = iw[0].get("target") or iw[0].get("benchmark") or "index"
        label = f"index forecast vs realized {target} ({wf.get('roll', '')} roll)"
        pred = np.array([_f(w.get("predicted")) for w in pick])
        lo = np.array([_f(w.get("lower")) for w in pick])
        hi = np.array([_f(w.get("upper")) for w in pick])
        real = np.array([_f(w.get("realized")) if w.get("scored", True) else math.nan for w in pick])
    else:
        label = f"mean over symbols ({wf.get('roll', '')} roll)"
        pred, lo, hi, real = (np.full(len(as_of), np.nan) for _ in range(4))
        for i, d in enumerate(as_of):
            rows = [p for p in pairs if _date(p.get("as_of")) == d]
            if rows:
                pred[i] = np.nanmean([_f(p.get("predicted")) for p in rows])
                lo[i] = np.nanmean([_f(p.get("lower")) for p in rows])
                hi[i] = np.nanmean([_f(p.get("upper")) for p in rows])
                sc = [_f(p.get("realized")) for p in rows if p.get("scored")]
                real[i] = float(np.nanmean(sc)) if sc and np.isfinite(sc).any() else math.nan
    track = wf.get("track") or {}
    tr = TrackRecord(label, as_of, pred, real, lo, hi,
                     ic=np.array([_f(w.get("ic")) for w in windows]),
                     hit_rate=np.array([_f(w.get("hit_rate")) for w in windows]),
                     band=_band_label(track.get("nominal_coverage")))
    metrics = []
    for key, name, unit, help_ in (
        ("n_windows", "Windows", "number", "forecast dates"),
        ("n_scored_windows", "Windows scored", "number", "windows whose horizon has passed"),
        ("n_pairs", "Symbol-windows scored", "number", ""),
        ("hit_rate", "Hit rate", "fraction", "share of symbol-windows with the direction right"),
        ("pt_pvalue", "Pesaran–Timmermann p-value", "number", "direction skill vs chance"),
        ("mean_ic", "Mean IC", "number", "average cross-sectional Spearman IC"),
        ("ic_tstat", "IC t-stat", "number", "mean IC / its standard error"),
        ("coverage", "Band coverage", "fraction", "share of realized returns inside the band"),
        ("nominal_coverage", "Nominal coverage", "fraction", ""),
        ("crps", "CRPS", "fraction", "lower is better"),
        ("mae", "MAE (scenario)", "fraction", ""),
        ("mae_zero", "MAE (zero forecast)", "fraction", "naive benchmark"),
        ("mae_momentum", "MAE (momentum forecast)", "fraction", "naive benchmark"),
    ):
        if key in track:
            metrics.append(MetricRow(name, _opt(track.get(key)), unit, help_))
    note = "; ".join(str(n) for n in wf.get("notes") or []) or None
    return tr, tuple(metrics), note


# --------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------

def view_from_parts(result: Mapping[str, Any], *, score: Mapping[str, Any] | None = None,
                    walk_forward: Mapping[str, Any] | None = None,
                    counterfactual: Mapping[str, Any] | None = None, run_id: str | None = None,
                    kind: str | None = None, source: Any = None, read_prices: bool = True) -> ReportView:
    """Build the report view from a scenario result and optional backtest parts.

    ``source``: price source for history/realized paths (default: the standard resolver);
    ``read_prices=False`` draws no price paths at all (fans show the forecast only).
    """
    if not result or "as_of" not in result or "horizon" not in result:
        from scenarios.errors import DataFormatError

        raise DataFormatError("the run payload has no scenario result (symbols, as_of, horizon): "
                              "it cannot be reported")
    kind = kind or ("walk-forward" if walk_forward else "backtest" if score else "run")
    if score is None and walk_forward:
        score = _score_from_walk_forward(walk_forward, _as_date(result["as_of"]))
    notes: dict[str, str] = {}
    fans = _fans(result, score, source, read_prices, notes)
    scatter, metrics = _scatter(score)
    if scatter is None:
        horizon = _as_date(result["horizon"])
        notes["scatter"] = (
            f"The horizon ({horizon.isoformat()}) has not passed yet: nothing realized to compare with."
            if horizon > dt.date.today() else
            f"No backtest score in this run (horizon {horizon.isoformat()}): report a backtest run "
            "(scenarios backtest) or the scenario file to compare predictions with realized returns.")
    index = _is_index_scenario(result)
    index_lines = weights = None
    index_return: dict[str, float | None] = {}
    if index:
        weights = _weights(result)
        index_return = _index_return(result)
        if counterfactual:
            index_lines = _index_lines_from_counterfactual(counterfactual, _as_date(result["as_of"]))
        elif read_prices:
            index_lines = _index_lines_from_prices(result, source)
        if index_lines is None:
            notes["index_lines"] = "No realized prices after as_of yet: no index lines to draw."
    else:
        notes["index"] = "Not an index scenario (no index_weighting driver): no counterfactual index or weights."
    index_metrics = _index_metrics(score) if index else ()
    track, track_metrics, track_note = _track(walk_forward)
    if track_note:
        notes["track_notes"] = track_note
    return ReportView(
        header=_header(result, run_id, kind), inputs=_inputs(result), fans=fans, scatter=scatter,
        metrics=metrics, index_lines=index_lines, weights=weights, index_return=index_return,
        index_metrics=index_metrics, index_vs=_index_vs(counterfactual) if index else (), decomposition=_decomposition(result), track=track, track_metrics=track_metrics, notes=notes)


def view_from_payload(payload: Mapping[str, Any], *, kind: str, run_id: str | None = None) -> ReportView:
    """Build the report view from a stored run payload of store kind ``kind`` (``run`` or
    ``backtest``), read through :mod:`scenarios.results` (see
    :func:`scenarios.report.sources.view_for_result`)."""
    from scenarios.report.sources import view_for_result
    from scenarios.results import result_of

    return view_for_result(result_of(kind, payload, what=f"run {run_id or ''}".strip()),
                           run_id=run_id, kind=kind)
