"""Index counterfactuals: HSTECH re-weighted by other rules, year by year, next to the real ones.

Each scheme starts from the same out-of-sample machinery as the validated replica
(:mod:`scenarios.recon`): at every Hang Seng rebalance date the base weights are
set from data before that date, the scheme's tilts and exclusions are applied, the single-name
cap is imposed, and the holdings drift with prices until the next rebalance. Returns are price
returns (dividends undone where the snapshot has them), like the real HSTECH and HSI.

Vocabulary (the same as the scenario YAML ``index_weighting`` driver):

``scheme``
    ``implied`` / ``market_cap``: weights implied from the actual index (the replica; with no
    share counts in the data, implied weights are the market-cap proxy), ``equal``, or
    ``custom`` (``weights``, any scale).
``tilts``
    theme or symbol -> non-negative multiplier (a symbol entry wins over its theme's); names
    not mentioned keep multiplier 1. Themes are those of ``seeds/universes.yaml``.
``exclude``
    symbols or themes dropped (weight 0) before capping.
``cap``
    single-name cap (fraction; HSTECH: 0.08), ``None`` for none.

Public API::

    IndexScheme(name, scheme="implied", tilts={}, exclude=(), cap=0.08, weights=None)
    IndexScheme.from_driver(driver, name=None)   # a scenario index_weighting driver or mapping
    default_schemes() -> list[IndexScheme]        # implied, ai_tilt, ex_autos, equal
    simulate_schemes(schemes, source, start, end, ...) -> CounterfactualResult
    run_index_counterfactuals(schemes, source, start, end, ...) -> pd.DataFrame  # year table
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from scenarios.data.base import PriceSource
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import DataUnavailableError, ScenarioError
from scenarios.recon.batch import BatchSimulation, SchemeArrays, simulate_index_batch
from scenarios.recon.hstech import WARMUP_DAYS
from scenarios.recon.membership import Membership
from scenarios.recon.panel import IndexPanel, load_index_panel
from scenarios.recon.reference import _reference_weights
from scenarios.recon.rules import DEFAULT_CAP, WeightRule
from scenarios.recon.simulate import simulate_index

__all__ = [
    "AI_TILT", "CounterfactualResult", "IndexScheme", "default_schemes",
    "run_index_counterfactuals", "scheme_arrays", "simulate_schemes", "year_table",
]

#: Theme multipliers of the default ``ai_tilt`` scheme: AI compute and models > platforms > rest.
AI_TILT: dict[str, float] = {
    "ai_compute_chips": 2.0, "ai_models_cloud": 2.0, "platforms": 1.0,
    "autos_ev": 0.5, "hardware_appliances": 0.5, "healthcare": 0.5, "other": 0.5,
}

_SCHEMES = ("implied", "market_cap", "equal", "custom")


@dataclass(frozen=True)
class IndexScheme:
    """One weighting scheme (see the module docstring for the vocabulary)."""

    name: str
    scheme: str = "implied"
    tilts: Mapping[str, float] = field(default_factory=dict)
    exclude: Sequence[str] = ()
    cap: float | None = DEFAULT_CAP
    weights: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ScenarioError("a scheme needs a name", field="name")
        if self.scheme not in _SCHEMES:
            raise ScenarioError(f"scheme must be one of {', '.join(_SCHEMES)} (got {self.scheme!r})",
                                field="scheme")
        for k, m in self.tilts.items():
            if not (isinstance(m, (int, float)) and m >= 0 and np.isfinite(m)):
                raise ScenarioError(f"tilt multipliers must be finite and >= 0 (got {m!r} for {k})",
                                    field="tilts")
        if self.cap is not None and not 0 < self.cap <= 1:
            raise ScenarioError(f"cap must be a fraction in (0, 1] (got {self.cap})", field="cap")
        if self.scheme == "custom" and not self.weights:
            raise ScenarioError("scheme custom needs weights", field="weights")

    @classmethod
    def from_driver(cls, driver: Any, name: str | None = None) -> IndexScheme:
        """Build from a scenario ``index_weighting`` driver (pydantic object or mapping)."""
        get = (lambda k, d=None: driver.get(k, d)) if isinstance(driver, Mapping) else \
            (lambda k, d=None: getattr(driver, k, d))
        label = name or get("label") or get("name") or get("scheme") or "scheme"
        cap = get("cap", DEFAULT_CAP)
        return cls(name=str(label), scheme=str(get("scheme", "implied") or "implied"),
                   tilts=dict(get("tilts") or {}), exclude=tuple(get("exclude") or ()),
                   cap=cap, weights=dict(get("weights")) if get("weights") else None)

    def _parsed(self, theme_map: Mapping[str, str]
                ) -> tuple[dict[str, float], dict[str, float], set[str], set[str]]:
        """``(tilts by symbol, tilts by theme, excluded symbols, excluded themes)``.

        A key that is neither a theme nor a symbol of ``theme_map`` raises :class:`ScenarioError`.
        """
        from scenarios.seeds.universes import THEMES

        def symbol(key: str, where: str) -> str:
            sym = normalize_symbol(key)
            if theme_map and sym not in theme_map:
                raise ScenarioError(
                    f"{key!r} is neither a theme ({', '.join(THEMES)}) nor a known symbol",
                    field=where)
            return sym

        tilts_sym: dict[str, float] = {}
        tilts_theme: dict[str, float] = {}
        for key, m in self.tilts.items():
            if key in THEMES:
                tilts_theme[key] = float(m)
            else:
                tilts_sym[symbol(key, "tilts")] = float(m)
        ex_theme = {k for k in self.exclude if k in THEMES}
        ex_sym = {symbol(k, "exclude") for k in self.exclude if k not in THEMES}
        return tilts_sym, tilts_theme, ex_sym, ex_theme

    def scores(self, theme_map: Mapping[str, str], symbols: Sequence[str]) -> np.ndarray:
        """Multiplier of each of ``symbols`` under this scheme (its tilt, 0 when excluded).

        The array form of :meth:`rule`'s transform, for the batched path.
        """
        tilts_sym, tilts_theme, ex_sym, ex_theme = self._parsed(theme_map)
        themes = [theme_map.get(s, "other") for s in symbols]
        return np.array([0.0 if (s in ex_sym or t in ex_theme)
                         else tilts_sym.get(s, tilts_theme.get(t, 1.0))
                         for s, t in zip(symbols, themes, strict=True)], dtype="float64")

    def rule(self, theme_map: Mapping[str, str]) -> WeightRule:
        """Return the :class:`~scenarios.recon.rules.WeightRule` of this scheme.

        ``theme_map``: symbol -> theme. A tilt or exclusion key that is neither a theme nor a
        symbol of ``theme_map`` raises :class:`~scenarios.errors.ScenarioError` (a typo such as
        ``auto_ev`` would otherwise change nothing silently).
        """
        tilts_sym, tilts_theme, ex_sym, ex_theme = self._parsed(theme_map)
        plain = not (tilts_sym or tilts_theme or ex_theme or ex_sym)

        def transform(w: pd.Series, _on: pd.Timestamp) -> pd.Series:
            from valuation.index.weights import exclude as _exclude
            from valuation.index.weights import tilt_weights

            themes = [theme_map.get(s, "other") for s in w.index]
            scores = np.array([tilts_sym.get(s, tilts_theme.get(t, 1.0))
                               for s, t in zip(w.index, themes, strict=True)], dtype="float64")
            mask = np.array([(s in ex_sym) or (t in ex_theme) for s, t in zip(w.index, themes, strict=True)])
            arr = w.to_numpy(dtype="float64")
            if mask.all() or not (arr[~mask] * scores[~mask]).sum() > 0:
                raise DataUnavailableError(
                    f"scheme {self.name!r} leaves no constituent with a positive weight")
            if mask.any():
                arr = np.asarray(_exclude(arr, mask), dtype="float64")
            arr = np.asarray(tilt_weights(arr, scores), dtype="float64")
            return pd.Series(arr, index=w.index)

        base = {"implied": "implied", "market_cap": "implied", "equal": "equal", "custom": "custom"}
        return WeightRule(base=base[self.scheme], cap=self.cap,  # type: ignore[arg-type]
                          transform=None if plain else transform,
                          custom_weights={normalize_symbol(k): float(v)
                                          for k, v in (self.weights or {}).items()} or None)


def default_schemes(cap: float | None = DEFAULT_CAP) -> list[IndexScheme]:
    """Return the four schemes of issue 5: ``implied`` (replica), ``ai_tilt``, ``ex_autos``, ``equal``."""
    return [
        IndexScheme("implied", "implied", cap=cap),
        IndexScheme("ai_tilt", "implied", tilts=dict(AI_TILT), cap=cap),
        IndexScheme("ex_autos", "implied", exclude=("autos_ev",), cap=cap),
        IndexScheme("equal", "equal", cap=cap),
    ]


@dataclass(frozen=True)
class CounterfactualResult:
    """Daily levels and weights of every scheme, and the year table.

    ``levels``: one column per scheme and benchmark, price levels rebased to 100 on the close
    before the first day. ``returns``: the daily price returns behind them (fractions).
    ``weights``: scheme name -> weights at each rebalance (rows dates, columns symbols).
    ``turnover``: scheme name -> one-way turnover per rebalance. ``table``: see
    :func:`year_table`. ``notes``: data caveats.
    """

    levels: pd.DataFrame
    returns: pd.DataFrame
    weights: Mapping[str, pd.DataFrame]
    turnover: Mapping[str, pd.Series]
    table: pd.DataFrame
    notes: tuple[str, ...]
    #: the arrays behind a batched run (``engine="batch"``), schemes first; None for the loop
    batch: BatchSimulation | None = None


class _PerScheme(Mapping[str, Any]):
    """Map scheme names to frames built on first access.

    scheme name -> a frame built on first access from the batched arrays (building 1,000
    DataFrames nobody reads would cost more than the simulation).
    """

    def __init__(self, names: Sequence[str], build: Callable[[int], Any]) -> None:
        self._pos = {n: i for i, n in enumerate(names)}
        self._build = build
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._cache:
            self._cache[key] = self._build(self._pos[key])
        return self._cache[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._pos)

    def __len__(self) -> int:
        return len(self._pos)


def year_table(returns: pd.DataFrame) -> pd.DataFrame:
    """Compounded price return of each column per calendar year, plus the whole range.

    Index: the year (``"2024"``; partial years are labelled ``"2025 (to 12-05)"`` style) and
    ``"total"``; columns as ``returns``; values fractions. Days where a column is NaN count as 0.
    ``attrs``: ``start``/``end`` per row in ``attrs["ranges"]``.
    """
    if not returns.index.is_monotonic_increasing:
        returns = returns.sort_index()
    # one pass on arrays (1,000 scheme columns make a per-column groupby slow)
    return _year_table(_growth(returns.to_numpy(dtype="float64")), returns.index, returns.columns)


def _growth(returns: np.ndarray) -> np.ndarray:
    """``1 + returns`` with NaN read as 0 (daily growth factors; no copy for the NaN test)."""
    nan = np.isnan(returns)
    return 1.0 + (np.where(nan, 0.0, returns) if nan.any() else returns)


def _year_table(growth: np.ndarray, ix: pd.Index, columns: pd.Index) -> pd.DataFrame:
    """:func:`year_table` from daily growth factors ``(T, K)`` on the sorted sessions ``ix``."""
    ranges: dict[str, tuple[str, str]] = {}
    years = np.asarray(ix.year)  # type: ignore[attr-defined]
    starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]]) if len(ix) else np.array([], int)
    ends = np.r_[starts[1:], len(ix)] - 1
    labels: list[str] = []
    for a, e in zip(starts, ends, strict=True):
        first, last = ix[a], ix[e]
        label = str(first.year)
        full_start = first.month == 1 and first.day <= 7
        full_end = last.month == 12 and last.day >= 24
        if not (full_start and full_end):
            label = f"{first.year} ({first:%m-%d}..{last:%m-%d})"
        labels.append(label)
        ranges[label] = (str(first.date()), str(last.date()))
    per_year = np.multiply.reduceat(growth, starts, axis=0) - 1.0 if len(starts) else \
        np.empty((0, growth.shape[1]))
    total = growth.prod(axis=0, keepdims=True) - 1.0
    ranges["total"] = (str(ix[0].date()), str(ix[-1].date()))
    out = pd.DataFrame(np.vstack([per_year, total]), columns=columns,
                       index=pd.Index([*labels, "total"], name="period"))
    out.attrs["ranges"] = ranges
    out.attrs["return_kind"] = "price"
    return out


def simulate_schemes(
    schemes: Iterable[IndexScheme] | None = None,
    source: PriceSource | None = None,
    start: str | date | pd.Timestamp = "2024-01-01",
    end: str | date | pd.Timestamp = "2025-12-31",
    *,
    benchmarks: Sequence[str] = ("HSTECH.HK", "^HSI"),
    universe: str | Membership = "hstech",
    index_symbol: str = "HSTECH.HK",
    method: str = "period",
    reference_dir: str | Path | None = None,
    broker_prior: bool = True,
    panel: IndexPanel | None = None,
    engine: Literal["batch", "loop"] = "batch",
) -> CounterfactualResult:
    """Run every scheme over ``[start, end]`` and put them next to the benchmarks.

    ``engine="batch"`` (default) fits the implied weights once and runs all schemes together
    (:func:`~scenarios.recon.batch.simulate_index_batch`); ``"loop"`` runs
    :func:`~scenarios.recon.simulate.simulate_index` once per scheme (the reference;
    the two agree to 1e-10).

    The implied base needs ``index_symbol``'s levels to fit weights, so the range is cut at the
    last index close (a note says so). Weight fits skip the snapshot's odd sessions; the schemes
    trade every session, so calendar-year returns end on the real last session of each year.
    """
    from scenarios.seeds.universes import themes as _themes

    schemes = list(schemes) if schemes is not None else default_schemes()
    if not schemes:
        raise ScenarioError("no scheme to run", field="schemes")
    names = [s.name for s in schemes]
    dup = {n for n, c in Counter(names).items() if c > 1}
    if dup:
        raise ScenarioError(f"scheme names must be unique (repeated: {', '.join(sorted(dup))})",
                            field="schemes")
    if engine not in ("batch", "loop"):
        raise ScenarioError(f"engine must be 'batch' or 'loop' (got {engine!r})", field="engine")
    membership = universe if isinstance(universe, Membership) else Membership.from_universe(universe)
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if source is None:
        from scenarios.data import default_source

        source = default_source()
    if panel is None:
        panel = load_index_panel(source, membership.symbols, index_symbol,
                                 t0 - pd.Timedelta(days=WARMUP_DAYS), t1)
    notes: list[str] = []
    if panel.index.index[-1] < t1:
        if (t1 - panel.index.index[-1]).days > 7:
            notes.append(f"{index_symbol} data end {panel.index.index[-1].date()}: range cut there")
        t1 = panel.index.index[-1]
    if t0 > t1:
        raise DataUnavailableError(
            f"{index_symbol} data end {t1.date()}: nothing to simulate from {t0.date()} "
            "(the schemes' weights are fitted on the index's own returns)")
    caveat = membership.unrecorded_note(t0)
    if caveat:
        notes.append(caveat)
    entry, known = _reference_weights(reference_dir, notes, broker_prior)
    theme_map = {s: t.theme for s, t in _themes().items()}

    cols: dict[str, pd.Series] = {}
    weights: Mapping[str, pd.DataFrame]
    turnover: Mapping[str, pd.Series]
    batch: BatchSimulation | None = None
    if engine == "loop":
        weights, turnover = {}, {}
        for sch in schemes:
            sim = simulate_index(panel, membership, sch.rule(theme_map), t0, t1,
                                 method=method, entry_weights=entry,  # type: ignore[arg-type]
                                 known_weights=known)
            cols[sch.name] = sim.returns
            weights[sch.name] = sim.weights
            turnover[sch.name] = sim.turnover
            if sch is schemes[0]:
                _missing_note(sim.segments, notes)
        scheme_rets = pd.DataFrame(cols)
        days = scheme_rets.index
    else:
        batch = simulate_index_batch(panel, membership, scheme_arrays(schemes, panel, theme_map),
                                     t0, t1, method=method,  # type: ignore[arg-type]
                                     entry_weights=entry, known_weights=known)
        _missing_note(batch.segments, notes)
        days = batch.days
        weights = _PerScheme(names, batch.weights_frame)
        turnover = _PerScheme(names, batch.turnover_series)
    bench: dict[str, pd.Series] = {}
    taken = set(names)
    for sym in benchmarks:
        if sym in taken:
            raise ScenarioError(f"a scheme is named like the benchmark {sym}", field="schemes")
        if normalize_symbol(sym) == normalize_symbol(index_symbol):
            lvl = panel.index
        else:
            lvl = source.get(sym, t0 - pd.Timedelta(days=30), t1)["close"].dropna()
        # compound the benchmark over the simulation's calendar (sessions it lacks carry over)
        lvl = lvl.reindex(lvl.index.union(days)).ffill()
        prev = lvl.loc[:days[0]].iloc[:-1]
        if prev.empty:
            raise DataUnavailableError(f"{sym} has no close before {days[0].date()}")
        seq = pd.concat([prev.iloc[-1:], lvl.loc[days]])
        bench[sym] = seq.pct_change().iloc[1:]
    if batch is None:
        rets = pd.concat([scheme_rets, pd.DataFrame(bench, index=days)], axis=1) if bench \
            else scheme_rets
        arr = rets.to_numpy(dtype="float64")
    else:
        # the schemes' and the benchmarks' returns in one (columns, days) array, the layout
        # pandas keeps them in; the frame holds the two parts as its two blocks (as the
        # concatenation of a scheme frame and a benchmark frame does), without copies
        S = len(names)
        block = np.empty((S + len(bench), len(days)))
        block[:S] = batch.returns
        for j, ser in enumerate(bench.values()):
            block[S + j] = ser.reindex(days).to_numpy(dtype="float64")
        arr = block.T
        rets = pd.DataFrame(block[:S].T, index=days, columns=pd.Index(names), copy=False)
        if bench:
            rets = pd.concat([rets, pd.DataFrame(block[S:].T, index=days,
                                                 columns=pd.Index(list(bench)), copy=False)],
                             axis=1)
    growth = _growth(arr)
    table = _year_table(growth, rets.index, rets.columns) if rets.index.is_monotonic_increasing \
        else year_table(rets)
    # 100 * cumprod(growth), in place when growth is a fresh array (not ``arr`` itself), kept
    # as a (columns, days) block like the frames pandas builds
    lv = np.cumprod(growth, axis=0, out=growth if growth is not arr else None)
    lv *= 100
    levels = pd.DataFrame(np.ascontiguousarray(lv.T).T, index=rets.index, columns=rets.columns,
                          copy=False)
    table.attrs["notes"] = tuple(notes)
    return CounterfactualResult(levels=levels, returns=rets, weights=weights, turnover=turnover,
                                table=table, notes=tuple(notes), batch=batch)


def _missing_note(segments: pd.DataFrame, notes: list[str]) -> None:
    missing = {m for m in " ".join(segments["names_missing"]).split() if m}
    if missing:
        notes.append("members without data for part of the range (their weight is absorbed "
                     "by the others): " + ", ".join(sorted(missing)))


def _scores(schemes: Sequence[IndexScheme], theme_map: Mapping[str, str],
            symbols: Sequence[str]) -> np.ndarray:
    """``(S, N)`` multipliers of every scheme.

    :meth:`IndexScheme.scores` with the symbol -> theme lookup done once for all schemes.
    """
    from scenarios.seeds.universes import THEMES

    themes = list(THEMES)
    pos = {t: i for i, t in enumerate(themes)}
    col = {s: i for i, s in enumerate(symbols)}
    t_idx = np.array([pos.get(theme_map.get(s, "other"), len(themes)) for s in symbols])
    theme_keys = pos.keys()
    ones = [1.0] * len(themes)  # the multiplier of an untilted theme
    rows: list[list[float]] = []
    by_symbol: list[tuple[int, dict[str, float], set[str]]] = []
    for j, sch in enumerate(schemes):
        tilts = sch.tilts
        if not sch.exclude and tilts.keys() <= theme_keys:
            # theme tilts only (a sweep's variants): what _parsed gives, without its per-key work
            rows.append([*map(tilts.get, themes, ones), 1.0])
        else:
            row = [1.0] * (len(themes) + 1)
            tilts_sym, tilts_theme, ex_sym, ex_theme = sch._parsed(theme_map)
            for t, m in tilts_theme.items():
                row[pos[t]] = m
            for t in ex_theme:
                row[pos[t]] = 0.0
            if tilts_sym or ex_sym:
                by_symbol.append((j, tilts_sym, ex_sym))
            rows.append(row)
    per_theme = np.array(rows, dtype="float64").reshape(len(schemes), len(themes) + 1)
    out = per_theme[:, t_idx]
    for j, tilts_sym, ex_sym in by_symbol:
        for sym, m in tilts_sym.items():
            if sym in col:
                out[j, col[sym]] = m
        for sym in ex_sym:
            if sym in col:
                out[j, col[sym]] = 0.0
    return out


def scheme_arrays(schemes: Sequence[IndexScheme], panel: IndexPanel,
                  theme_map: Mapping[str, str]) -> SchemeArrays:
    """``schemes`` as arrays over the panel's symbols (scores, caps, custom weights)."""
    symbols = tuple(panel.prices.columns)
    col = {s: i for i, s in enumerate(symbols)}
    S, N = len(schemes), len(symbols)
    custom = np.zeros((S, N))
    for j, sch in enumerate(schemes):
        for k, v in (sch.weights or {}).items():
            i = col.get(normalize_symbol(k))
            if i is not None:
                custom[j, i] = float(v)
    base = {"implied": "implied", "market_cap": "implied", "equal": "equal", "custom": "custom"}
    return SchemeArrays(
        names=tuple(s.name for s in schemes), symbols=symbols,
        bases=tuple(base[s.scheme] for s in schemes),  # type: ignore[misc]
        scores=_scores(schemes, theme_map, symbols),
        caps=np.array([1.0 if s.cap is None else float(s.cap) for s in schemes]),
        custom=custom)


def run_index_counterfactuals(
    schemes: Iterable[IndexScheme] | None = None,
    source: PriceSource | None = None,
    start: str | date | pd.Timestamp = "2024-01-01",
    end: str | date | pd.Timestamp = "2025-12-31",
    **kwargs: Any,
) -> pd.DataFrame:
    """Year-by-year price returns of each scheme and of the actual HSTECH.HK and ^HSI.

    Rows: calendar years (partial years labelled with their dates) and ``total``; columns: the
    scheme names then the benchmarks; values: fractions. ``attrs["notes"]`` lists data caveats
    and ``attrs["ranges"]`` the first/last session of each row. Keyword arguments go to
    :func:`simulate_schemes`.
    """
    return simulate_schemes(schemes, source, start, end, **kwargs).table
