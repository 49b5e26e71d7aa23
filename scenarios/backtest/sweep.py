"""Scheme sweeps: one base index scheme, many tilt variants, one batched simulation.

A sweep takes a base :class:`~scenarios.recon.counterfactual.IndexScheme` (usually a
scenario's ``index_weighting`` driver) and a set of theme-tilt variants of it, runs them all
through the batched counterfactual path (:func:`~scenarios.recon.counterfactual.simulate_schemes`,
implied weights fitted once) and tabulates, per scheme:

``total_return``
    compounded daily price return over the range (fraction);
``excess_return``
    ``total_return`` minus the index's (fraction, i.e. percentage points when printed);
``tracking_error``
    annualized ``std(r - r_index, ddof=1) * sqrt(252)`` of daily price returns (fraction);
``max_drawdown``
    largest peak-to-trough fall of the level path (non-positive fraction);
``mean_turnover``
    mean one-way turnover per rebalance (fraction of the index traded).

Variants: :func:`random_tilts` (multipliers drawn per theme, seeded) and :func:`grid_tilts`
(cartesian grid). A variant's theme multiplier replaces the base's multiplier of that theme;
the base's symbol tilts and exclusions are kept (a symbol tilt wins over its theme's).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scenarios.data.base import PriceSource
from scenarios.errors import ScenarioError
from scenarios.metrics import TRADING_DAYS
from scenarios.recon.counterfactual import IndexScheme, simulate_schemes
from scenarios.recon.membership import Membership
from scenarios.recon.panel import IndexPanel
from valuation.index.capping import cap_holds

if TYPE_CHECKING:
    from scenarios.model.schema import Scenario

__all__ = ["TRADING_DAYS", "ScenarioSweepSpec", "SweepResult", "grid_tilts", "random_tilts",
           "scenario_sweep_spec", "scheme_metrics", "sweep_schemes", "sweep_tilts"]


def _check_theme(theme: str, where: str) -> None:
    from scenarios.seeds.universes import THEMES

    if theme not in THEMES:
        raise ScenarioError(f"unknown theme {theme!r}; expected one of {', '.join(THEMES)}",
                            field=where)


def random_tilts(base: IndexScheme, n: int, seed: int, *,
                 ranges: Mapping[str, tuple[float, float]] | None = None,
                 spread: float = 2.0) -> list[IndexScheme]:
    """Return ``base`` followed by ``n - 1`` random theme-tilt variants of it.

    With ``ranges`` (theme -> ``(low, high)`` multipliers) each variant draws the multiplier of
    those themes uniformly in ``[low, high]``. Without, every theme's multiplier is the base's
    (1 when untilted) times a log-uniform factor in ``[1 / spread, spread]``. The draws come from
    ``numpy.random.default_rng(seed)``: the same seed gives the same schemes. Names:
    ``base`` then ``tilt-0001`` ... Raises :class:`ScenarioError` for unknown themes or bad
    ranges.
    """
    from scenarios.seeds.universes import THEMES

    if not (isinstance(n, int) and n >= 1):
        raise ScenarioError(f"the number of schemes must be an integer >= 1 (got {n!r})",
                            field="schemes")
    if not (math.isfinite(spread) and spread >= 1):
        raise ScenarioError(f"spread must be a number >= 1 (got {spread!r})", field="spread")
    rng = np.random.default_rng(seed)
    out = [replace(base, name="base")]
    if ranges:
        themes = list(ranges)
        for t in themes:
            _check_theme(t, "tilt")
            lo, hi = ranges[t]
            if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo <= hi):
                raise ScenarioError(f"tilt range of {t} must satisfy 0 <= LOW <= HIGH "
                                    f"(got {lo:g}:{hi:g})", field="tilt")
        lows = np.array([ranges[t][0] for t in themes])
        highs = np.array([ranges[t][1] for t in themes])
        draws = lows + (highs - lows) * rng.random((n - 1, len(themes)))
    else:
        themes = list(THEMES)
        start = np.array([float(base.tilts.get(t, 1.0)) for t in themes])
        draws = start * np.exp(rng.uniform(-math.log(spread), math.log(spread),
                                           (n - 1, len(themes))))
    for i, row in enumerate(draws, start=1):
        tilts = dict(base.tilts)
        tilts.update({t: float(v) for t, v in zip(themes, row, strict=True)})
        out.append(replace(base, name=f"tilt-{i:04d}", tilts=tilts))
    return out


def grid_tilts(base: IndexScheme, grid: Mapping[str, Sequence[float]]) -> list[IndexScheme]:
    """Return ``base`` and one variant per grid point.

    ``base`` comes first, then one variant per point of the cartesian grid theme -> multipliers
    (named ``grid-0001`` ...).
    """
    if not grid:
        raise ScenarioError("the tilt grid is empty", field="grid")
    for t, values in grid.items():
        _check_theme(t, "grid")
        if not values or any(not (math.isfinite(v) and v >= 0) for v in values):
            raise ScenarioError(f"grid multipliers of {t} must be finite and >= 0", field="grid")
    out = [replace(base, name="base")]
    themes = list(grid)
    for i, point in enumerate(itertools.product(*(grid[t] for t in themes)), start=1):
        tilts = dict(base.tilts)
        tilts.update({t: float(v) for t, v in zip(themes, point, strict=True)})
        out.append(replace(base, name=f"grid-{i:04d}", tilts=tilts))
    return out


def scheme_metrics(returns: np.ndarray, index_returns: np.ndarray, turnover: np.ndarray, *,
                   periods: int = TRADING_DAYS) -> dict[str, np.ndarray]:
    """Sweep metrics of ``S`` schemes at once (see the module docstring for definitions).

    ``returns``: ``(S, T)`` daily price returns (fractions); ``index_returns``: ``(T,)`` the
    index's (NaN days are left out of the tracking error); ``turnover``: ``(S, R)`` one-way
    turnover per rebalance (fractions). Returns arrays of shape ``(S,)``.
    """
    wealth = np.cumprod(1.0 + returns, axis=1)
    total = wealth[:, -1] - 1.0
    path = np.concatenate([np.ones((returns.shape[0], 1)), wealth], axis=1)
    dd = (path / np.maximum.accumulate(path, axis=1) - 1.0).min(axis=1)
    ok = np.isfinite(index_returns)
    b = index_returns[ok]
    diff = returns[:, ok] - b
    te = diff.std(axis=1, ddof=1) * math.sqrt(periods) if b.size > 1 else \
        np.full(returns.shape[0], np.nan)
    idx_total = float(np.prod(1.0 + b) - 1.0)
    mean_turn = turnover.mean(axis=1) if turnover.shape[1] else np.zeros(returns.shape[0])
    return {"total_return": total, "excess_return": total - idx_total, "tracking_error": te,
            "max_drawdown": dd, "mean_turnover": mean_turn}


@dataclass(frozen=True)
class SweepResult:
    """Result of a scheme sweep: one row of metrics per scheme.

    ``table``: one row per scheme (index: names), the metrics of :func:`scheme_metrics` and
    one ``tilt:THEME`` column per theme tilted anywhere in the sweep (multipliers; 1 = not
    tilted). ``index_total_return``: the index's compounded price return (fraction). ``start``,
    ``end``: first and last session; ``rebalances``: number of turnover observations;
    ``notes``: data caveats.
    """

    table: pd.DataFrame
    index_symbol: str
    index_total_return: float
    start: pd.Timestamp
    end: pd.Timestamp
    rebalances: int
    notes: tuple[str, ...]


def sweep_schemes(
    schemes: Sequence[IndexScheme],
    source: PriceSource | None = None,
    start: str | date | pd.Timestamp = "2024-01-01",
    end: str | date | pd.Timestamp = "2025-12-31",
    *,
    index_symbol: str = "HSTECH.HK",
    universe: str | Membership = "hstech",
    reference_dir: str | Path | None = None,
    panel: IndexPanel | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
) -> SweepResult:
    """Simulate ``schemes`` together (batched) and tabulate them against ``index_symbol``.

    ``chunk_size`` simulates the schemes in consecutive batches of that many (one batch by
    default). ``workers``/``scheduler`` run those batches as Dask tasks
    (:mod:`scenarios.parallel`; default chunk size: the schemes split into twice as many
    batches as workers, 8 on a scheduler). The table of a given ``chunk_size`` is the same bit
    for bit serial or parallel. Different chunk sizes agree to about 1e-16: the batched
    engine's matrix product (BLAS) may round the drifted weights, hence the turnover, in the
    last place differently for a different number of schemes.
    """
    from scenarios.parallel import check_parallel, is_parallel
    from scenarios.seeds.universes import THEMES

    check_parallel(workers, scheduler)
    if chunk_size is not None and chunk_size < 1:
        raise ScenarioError(f"the chunk size must be >= 1 (got {chunk_size})", field="--chunk-size")
    parallel = is_parallel(workers, scheduler)
    if (parallel or chunk_size is not None) and len(schemes) > 1:
        if chunk_size is None:
            k = 2 * workers if workers and workers > 1 else 8
            chunk_size = -(-len(schemes) // k)
        if parallel or chunk_size < len(schemes):
            return _sweep_chunked(list(schemes), source, start, end, workers, scheduler, chunk_size,
                                  {"index_symbol": index_symbol, "universe": universe,
                                   "reference_dir": reference_dir, "panel": panel})
    cf = simulate_schemes(schemes, source, start, end, benchmarks=(index_symbol,),
                          universe=universe, index_symbol=index_symbol,
                          reference_dir=reference_dir, panel=panel)
    assert cf.batch is not None  # the batched engine is the default
    bench = cf.returns[index_symbol].to_numpy(dtype="float64")
    m = scheme_metrics(cf.batch.returns, bench, cf.batch.turnover)
    table = pd.DataFrame(m, index=pd.Index(cf.batch.names, name="scheme"))
    tilted = [t for t in THEMES if any(t in s.tilts for s in schemes)]
    for t in tilted:
        table[f"tilt:{t}"] = [float(s.tilts.get(t, 1.0)) for s in schemes]
    ok = np.isfinite(bench)
    return SweepResult(table=table, index_symbol=index_symbol,
                       index_total_return=float(np.prod(1.0 + bench[ok]) - 1.0),
                       start=cf.batch.days[0], end=cf.batch.days[-1],
                       rebalances=int(cf.batch.turnover.shape[1]), notes=cf.notes)


def _sweep_chunk(source: PriceSource, task: tuple[list[IndexScheme], object, object, dict[str, object]]
                 ) -> SweepResult:
    """One chunk of a parallel sweep (a task of :func:`scenarios.parallel.imap_tasks`)."""
    schemes, start, end, kwargs = task
    return sweep_schemes(schemes, source, start, end, **kwargs)  # type: ignore[arg-type]


def _sweep_chunked(schemes: list[IndexScheme], source: PriceSource | None, start: object, end: object,
                   workers: int | None, scheduler: str | None, size: int,
                   kwargs: dict[str, object]) -> SweepResult:
    """``schemes`` in consecutive batches of ``size``, serial or as Dask tasks, one table."""
    from scenarios.parallel import map_tasks
    from scenarios.seeds.universes import THEMES

    parts = [schemes[i:i + size] for i in range(0, len(schemes), size)]
    uni = kwargs["universe"]
    members = uni if isinstance(uni, Membership) else Membership.from_universe(str(uni))
    if source is None:
        from scenarios.data import default_source

        source = default_source()
    results = map_tasks(_sweep_chunk, [(p, start, end, kwargs) for p in parts], source=source,
                        workers=workers, scheduler=scheduler, progress="sweep",
                        symbols=[*members.symbols, str(kwargs["index_symbol"])])
    table = pd.concat([r.table[[c for c in r.table.columns if not c.startswith("tilt:")]]
                       for r in results])
    for t in [t for t in THEMES if any(t in s.tilts for s in schemes)]:
        table[f"tilt:{t}"] = [float(s.tilts.get(t, 1.0)) for s in schemes]
    first = results[0]
    return replace(first, table=table)


def sweep_tilts(
    base: IndexScheme,
    source: PriceSource | None = None,
    start: str | date | pd.Timestamp = "2024-01-01",
    end: str | date | pd.Timestamp = "2025-12-31",
    *,
    n: int = 200,
    seed: int = 0,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    grid: Mapping[str, Sequence[float]] | None = None,
    **kwargs: object,
) -> SweepResult:
    """Sweep ``base`` and its tilt variants in one call.

    One call: ``base`` and its tilt variants (the ``grid`` when given, else ``n - 1`` random
    ones from :func:`random_tilts` with ``seed`` and ``ranges``), simulated together by
    :func:`sweep_schemes` (keyword arguments go there).
    """
    schemes = grid_tilts(base, grid) if grid is not None else \
        random_tilts(base, n, seed, ranges=ranges)
    return sweep_schemes(schemes, source, start, end, **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ScenarioSweepSpec:
    """What a scenario file defines for a sweep.

    The base scheme (its ``index_weighting`` driver), the membership and its members at ``as_of``
    (sorted), the index to track and the range (the session after ``as_of`` to the horizon).
    """

    base: IndexScheme
    universe: str | Membership
    members: tuple[str, ...]
    index_symbol: str
    start: pd.Timestamp
    end: pd.Timestamp


def positive_names(scheme: IndexScheme, members: Sequence[str]) -> int:
    """Return how many of ``members`` keep a positive weight under ``scheme``.

    A member leaves when it is excluded or its tilts multiply to 0, by symbol or by its seeds
    theme, as ``run`` counts them for its cap check (:func:`scenarios.engine.index.index_weights`).
    """
    from scenarios.seeds.universes import theme_of

    exclude = set(scheme.exclude)
    n = 0
    for sym in members:
        try:
            theme: str | None = theme_of(sym)
        except KeyError:
            theme = None
        keys = {sym, theme} - {None}
        if keys & exclude:
            continue
        mult = math.prod(float(m) for k, m in scheme.tilts.items() if k in keys)
        n += mult > 0
    return n


def scenario_sweep_spec(scenario: Scenario, file: str | Path | None = None) -> ScenarioSweepSpec:
    """Return the :class:`ScenarioSweepSpec` of a loaded scenario (first enabled ``index_weighting`` driver).

    The scenario's own themes (``themes:``) are expanded into symbol tilts and
    exclusions; a scenario without such a driver raises :class:`ScenarioError` naming ``file``.
    """
    from scenarios.data.symbols import normalize_symbol
    from scenarios.model.schema import IndexWeighting

    drivers = [d for d in scenario.drivers if d.type == "index_weighting" and d.enabled]
    if not drivers:
        raise ScenarioError("a sweep needs an enabled index_weighting driver (see "
                            "examples/hstech_ai_reweight_2025.yaml)", file=file, field="drivers")
    d = drivers[0]
    assert isinstance(d, IndexWeighting)
    local = {k: [normalize_symbol(x) for x in v]
             for k, v in (scenario.themes or {}).items()}
    tilts: dict[str, float] = {}
    for key, m in (d.tilts or {}).items():
        if key in local:
            for sym in local[key]:
                tilts.setdefault(sym, float(m))
    for key, m in (d.tilts or {}).items():
        if key not in local:
            tilts[key if key.islower() else normalize_symbol(key)] = float(m)
    exclude: list[str] = []
    for key in d.exclude or []:
        exclude.extend(local[key] if key in local else [key])
    base = IndexScheme.from_driver({"label": d.label or "base", "scheme": d.scheme, "tilts": tilts,
                                    "exclude": exclude, "cap": d.cap, "weights": d.weights})
    uni = scenario.universe
    universe: str | Membership = uni if isinstance(uni, str) else Membership.static(uni)
    as_of = pd.Timestamp(scenario.as_of)
    members = tuple((Membership.from_universe(universe) if isinstance(universe, str) else universe).on(as_of))
    n = positive_names(base, members)
    if base.cap is not None and n and not cap_holds(base.cap, n):
        # as `run` refuses it: else every rebalance would fall back to equal weights
        from scenarios.model.resolved import error_factory

        raise error_factory(scenario)(("drivers", scenario.drivers.index(d), "cap"),
                                      f"cap {base.cap:g} is infeasible for {n} names (needs cap >= "
                                      f"1/{n} = {1 / n:.4f})")
    horizon = pd.Timestamp(scenario.horizon_date())
    index_symbol = normalize_symbol(d.benchmark) if d.benchmark else "HSTECH.HK"
    return ScenarioSweepSpec(base=base, universe=universe, members=members, index_symbol=index_symbol,
                             start=as_of + pd.Timedelta(days=1), end=horizon)
