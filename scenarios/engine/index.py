"""Index weights of the universe: the scheme's ("before") and the scenario's re-weighting ("after").

"After" applies the scenario's tilts, exclusions and cap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarios.errors import ScenarioError
from scenarios.model.resolved import IndexInputs

if TYPE_CHECKING:
    from scenarios.model.schema import IndexWeighting


@dataclass
class IndexWeights:
    """Index weights of one scheme before and after the scenario (fractions summing to 1)."""

    scheme: str
    before: np.ndarray
    after: np.ndarray
    notes: list[str] = field(default_factory=list)


def _match(themes: dict[str, str | None], symbols: list[str], name: str) -> np.ndarray:
    """Mask of ``symbols`` equal to ``name`` or of theme ``name``."""
    return np.array([s == name or themes.get(s) == name for s in symbols])


#: a member available (priced and in the index) on at least this share of the window is fitted
#: in the first stage; the others enter one by one afterwards
LONG_SHARE = 0.9
#: fewest in-index sessions a late entrant needs for its own two-parameter fit
MIN_ENTRY_DAYS = 10
#: the entry-weight prior of a late entrant counts as this many sessions of data (ridge)
PRIOR_DAYS = 60


def entry_weight(weights: list[float]) -> float:
    """Return the prior weight of a late entrant.

    The median weight of the smaller half of the other members with a positive weight (a typical
    small constituent).
    """
    pos = np.sort(np.array([v for v in weights if v > 0]))
    if pos.size == 0:
        return 0.0
    return float(np.median(pos[: max(1, pos.size // 2)]))


def index_membership(benchmark: str) -> dict[str, list[tuple[Any, Any]]] | None:
    """Return the membership intervals of the universe tracking ``benchmark``.

    Symbol -> membership intervals ``[from, to)`` of the seeds universe whose ``index_symbol`` is
    ``benchmark``; None when no universe tracks it.
    """
    try:
        from scenarios.seeds.universes import load_universes
    except ImportError:  # pragma: no cover - seeds ship with the package
        return None
    try:
        unis = load_universes()
    except Exception:  # noqa: BLE001 - a broken seeds file is reported by its own checks
        return None
    for uni in unis.universes.values():
        if uni.index_symbol == benchmark:
            out: dict[str, list[tuple[Any, Any]]] = {}
            for m in uni.members:
                out.setdefault(m.symbol, []).append((m.from_, m.to))
            return out
    return None


def availability(returns: Any, membership: dict[str, list[tuple[Any, Any]]] | None) -> Any:
    """Return the mask of constituent returns that count, per day.

    Boolean frame: a constituent's return counts on a day when it is finite and, if the
    index's membership is known, the symbol was in the index that day (``from <= day < to``).
    Symbols the membership does not list are taken as members throughout.
    """
    import pandas as pd

    ok = returns.notna()
    if not membership:
        return ok
    days = pd.DatetimeIndex(returns.index)
    for sym in returns.columns:
        spans = membership.get(sym)
        if not spans:
            continue
        member = np.zeros(len(days), dtype=bool)
        for lo, hi in spans:
            m = np.ones(len(days), dtype=bool)
            if lo is not None:
                m &= days >= pd.Timestamp(lo)
            if hi is not None:
                m &= days < pd.Timestamp(hi)
            member |= m
        ok[sym] = ok[sym].to_numpy() & member
    return ok


def fit_implied_with_entrants(returns: Any, index_returns: Any, available: Any) -> tuple[np.ndarray, list[str]]:
    """Implied weights over the full window when some members have a short history.

    ``returns`` (days x symbols, simple daily returns), ``index_returns`` (days), ``available``
    (days x symbols, bool; see :func:`availability`). Stage 1: the members available on at
    least :data:`LONG_SHARE` of the days are fitted together (``valuation.index.implied``,
    days with a gap dropped). Stage 2, for each late entrant (most history first): on the days
    it is available, the index return is fitted as ``a x (current portfolio) + b x entrant``
    (``a + b = 1``, both >= 0, the portfolio renormalized over its available names), shrunk
    toward ``b = e``, the :func:`entry_weight` (a typical small member), with a ridge worth
    :data:`PRIOR_DAYS` sessions of data (``ridge = PRIOR_DAYS / days``): a few weeks of data
    cannot identify a 1-2% weight (its standard error is several points), a year mostly can.
    The current weights are scaled by ``1 - b`` and the entrant gets ``b``. An entrant with
    fewer than :data:`MIN_ENTRY_DAYS` days gets ``e``. Returns (weights in column order,
    notes).
    """
    from valuation.index.implied import implied_weights

    cols = list(returns.columns)
    x = returns.where(available)
    share = available.mean(axis=0)
    long_names = [c for c in cols if share[c] >= LONG_SHARE]
    notes: list[str] = []
    if not long_names:  # nobody spans the window: the old fit on the common days
        long_names, entrants = cols, []
    else:
        entrants = sorted((c for c in cols if c not in long_names),
                          key=lambda c: -int(available[c].sum()))
    rows = x[long_names].notna().all(axis=1) & index_returns.notna()
    if int(rows.sum()) < 20:
        raise ScenarioError(f"scheme implied: only {int(rows.sum())} daily returns with every "
                            f"long-history member and the index (need >= 20)")
    fit = implied_weights(x.loc[rows, long_names], index_returns[rows])
    w = {c: float(v) for c, v in zip(long_names, np.asarray(fit, dtype=np.float64), strict=True)}
    if entrants:
        notes.append(f"stage 1: {len(long_names)} members on {int(rows.sum())} days")
    for c in entrants:
        days = available[c] & index_returns.notna()
        n_days = int(days.sum())
        cur = [k for k in w if w[k] > 0]
        e = entry_weight(list(w.values()))
        if n_days >= MIN_ENTRY_DAYS and cur:
            sub = x.loc[days, cur]
            wt = np.array([w[k] for k in cur])
            mask = sub.notna().to_numpy()
            num = np.nansum(sub.to_numpy() * wt, axis=1)
            den = (mask * wt).sum(axis=1)
            port = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
            import pandas as pd

            design = pd.DataFrame({"portfolio": port, c: x.loc[days, c].to_numpy()},
                                  index=sub.index)
            ab = np.asarray(implied_weights(design, index_returns[days], nan_policy="drop_rows",
                                            prior=np.array([1.0 - e, e]), ridge=PRIOR_DAYS / n_days),
                            dtype=np.float64)
            b = float(ab[1])
            notes.append(f"{c}: {n_days} days in the index, weight {b:.4f} (fit shrunk toward "
                         f"the entry weight {e:.4f})")
        else:
            b = e
            notes.append(f"{c}: only {n_days} days in the index (< {MIN_ENTRY_DAYS}): entry weight "
                         f"{b:.4f}")
        w = {k: v * (1.0 - b) for k, v in w.items()}
        w[c] = b
    return np.array([w[c] for c in cols]), notes


def implied_scheme_weights(view: Any, symbols: list[str], benchmark: str, lookback: int,
                           notes: list[str] | None = None) -> np.ndarray:
    """Return the weights implied by the benchmark's daily returns.

    The fit uses the last ``lookback`` sessions up to as_of; members with a short history (or a
    recent index entry, when the seeds record the benchmark's membership) are handled by
    :func:`fit_implied_with_entrants`.
    """
    import pandas as pd

    bench = view.close(benchmark).dropna()
    closes = pd.DataFrame({s: view.close(s) for s in symbols}).reindex(bench.index)
    rets = closes.pct_change(fill_method=None)
    y = bench.pct_change(fill_method=None)
    keep = y.notna()
    rets, y = rets[keep].iloc[-lookback:], y[keep].iloc[-lookback:]
    if len(y) < 20:
        raise ScenarioError(f"scheme implied: only {len(y)} daily returns of {benchmark} before "
                            f"{view.as_of.date()} (need >= 20)")
    avail = availability(rets, index_membership(benchmark))
    w, fit_notes = fit_implied_with_entrants(rets, y, avail)
    if notes is not None:
        notes.extend(fit_notes)
    return w


#: the single-name cap of the real index, by benchmark (the "before" weights' cap at reviews)
INDEX_CAPS: dict[str, float] = {"HSTECH.HK": 0.08}
#: benchmarks the replica machinery models (Hang Seng quarterly reviews, buy and hold between
#: them); any other benchmark keeps the single fit over ``lookback_days``
HANG_SENG_INDEXES: frozenset[str] = frozenset({"HSTECH.HK", "^HSI", "^HSCE"})


def replica_symbols(scenario: Any) -> list[str]:
    """Return the symbols the index line of ``scenario`` reads beyond its universe and benchmarks.

    For an enabled ``index_weighting`` driver with ``scheme: implied``: its benchmark and, when the
    replica machinery models that benchmark (:data:`HANG_SENG_INDEXES`) and the scenario names the
    seeds universe that tracks it, every member of that universe's history (the replica reads
    them; with a list of symbols it reads the list). Empty for any other scenario. A guess made
    before the run, for one batched price read (``resolve_scenario(also_read=...)``): a seeds file
    that cannot be read gives the benchmark alone, and the run reports the problem where it meets
    it.
    """
    from scenarios.model.drivers import spec_of

    driver = None
    for d in scenario.drivers:
        if d.enabled and spec_of(d.type).evaluate is None:
            driver = d  # the index re-weighting (as the resolve step picks it)
    if driver is None or getattr(driver, "scheme", None) != "implied":
        return []
    bench = driver.benchmark or next(iter(scenario.benchmarks), None)
    if bench is None:
        return []
    bench = str(bench)
    universe = scenario.universe if isinstance(scenario.universe, str) else None
    if bench not in HANG_SENG_INDEXES or not universe:
        return [bench]
    try:
        from scenarios.recon.membership import Membership
        from scenarios.seeds.universes import load_universes

        uni = load_universes().universes.get(universe)
        if uni is None or uni.index_symbol != bench:
            return [bench]
        return [*Membership.from_universe(universe).symbols, bench]
    except Exception:  # noqa: BLE001 - a guess: the replica itself reports a broken seeds file
        return [bench]


def replica_weights(view: Any, symbols: list[str], ix: IndexInputs, driver: IndexWeighting,
                    universe: str | None, local_themes: Any, notes: list[str]
                    ) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (before, after) weights over ``symbols`` at the close of as_of from the replica.

    The replica is the backtest's machinery (:func:`scenarios.recon.weights_at.weights_at`):
    "before" is the index's own rule (implied weights fitted at each Hang Seng review on the
    previous period, the real cap), "after" the scenario's scheme (tilts, exclusions, its cap) set
    at the same review; both drifted with prices to as_of. None (and a note) when the replica cannot
    run here (history too short, a benchmark the Hang Seng machinery does not know); the caller then
    falls back to the single fit over ``lookback_days``.
    """
    from scenarios.errors import DataUnavailableError

    bench = str(ix.benchmark)
    if bench not in HANG_SENG_INDEXES:
        return None
    try:
        from scenarios.recon.counterfactual import IndexScheme
        from scenarios.recon.membership import Membership
        from scenarios.recon.weights_at import ViewSource, scenario_scheme, weights_at

        members = None
        if universe:
            from scenarios.seeds.universes import load_universes

            uni = load_universes().universes.get(universe)
            if uni is not None and uni.index_symbol == bench:
                members = Membership.from_universe(universe)
        if members is None:
            members = Membership.static(symbols)
        index_scheme = IndexScheme("index", scheme="implied", cap=INDEX_CAPS.get(bench))
        scen = scenario_scheme(driver, local_themes, name="scenario")
        got = weights_at([index_scheme, scen], ViewSource(view), view.as_of, universe=members,
                         index_symbol=bench)
    except (DataUnavailableError, ScenarioError, ValueError, KeyError) as exc:
        notes.append(f"replica weights unavailable at {view.as_of.date()} ({exc}); single fit "
                     f"over {driver.lookback_days} sessions used instead")
        return None
    out = []
    for nm in ("index", "scenario"):
        w = got.drifted[nm].reindex(symbols).fillna(0.0).to_numpy(dtype=np.float64)
        lost = 1.0 - float(w.sum())
        if lost > 1e-9:
            notes.append(f"{nm}: {lost:.2%} of the replica's weight sits on names outside the "
                         "universe (no price data at as_of); renormalized over the universe")
        out.append(w / w.sum())
    cap = INDEX_CAPS.get(bench)
    notes.append(f"weights from the replica: set at the review of {got.review.date()} "
                 f"(implied fit on the previous period, cap {'none' if cap is None else f'{cap:.0%}'}"
                 f" for the index, the scenario's scheme for 'after'), drifted with prices to "
                 f"{got.session.date()}")
    notes.extend(got.notes)
    return out[0], out[1]


def index_weights(ix: IndexInputs, driver: IndexWeighting | None, symbols: list[str],
                  prices: np.ndarray, view: Any, fail: Callable[[tuple[str | int, ...], str], Exception],
                  path: tuple[str | int, ...] = (), *, universe: str | None = None,
                  local_themes: Any = None) -> IndexWeights:
    """Weights before/after.

    ``ix`` holds the resolved market caps, themes and benchmark (see
    :class:`~scenarios.model.resolved.IndexInputs`); ``prices`` the baseline closes; ``view``
    the look-ahead-safe prices (scheme implied); ``fail(path, message)`` builds a located
    error; ``path`` is the driver's path in the file.
    """
    from valuation.index import weights as vw
    from valuation.index.capping import cap_holds, cap_weights

    n = len(symbols)
    if driver is None:
        if ix.market_caps is not None:
            w = np.asarray(vw.market_cap_weights(ix.market_caps))
            return IndexWeights("market_cap", w, w.copy())
        w = np.asarray(vw.equal_weights(n))
        return IndexWeights("equal", w, w.copy())
    notes: list[str] = []
    replica: tuple[np.ndarray, np.ndarray] | None = None
    if driver.scheme == "market_cap":
        before = np.asarray(vw.market_cap_weights(ix.market_caps))  # type: ignore[arg-type]
    elif driver.scheme == "equal":
        before = np.asarray(vw.equal_weights(n))
    elif driver.scheme == "custom":
        raw = np.array([float((driver.weights or {}).get(s, 0.0)) for s in symbols])
        before = np.asarray(vw.normalize(raw))
    else:
        replica = replica_weights(view, symbols, ix, driver, universe, local_themes, notes)
        if replica is not None:
            before = replica[0]
        else:
            before = implied_scheme_weights(view, symbols, str(ix.benchmark), driver.lookback_days,
                                            notes)
            before = np.asarray(vw.normalize(np.clip(before, 0.0, None)))
    after = before.copy()
    themes = dict(ix.themes)
    if driver.tilts:
        scores = np.ones(n)
        for name, mult in driver.tilts.items():
            scores = np.where(_match(themes, symbols, name), scores * mult, scores)
        after = np.asarray(vw.tilt_weights(after, scores))
    if driver.exclude:
        mask = np.zeros(n, dtype=bool)
        for name in driver.exclude:
            mask |= _match(themes, symbols, name)
        if mask.all():
            raise fail(path + ("exclude",), "exclude removes every symbol of the universe")
        after = np.asarray(vw.exclude(after, mask))
    if driver.cap is not None:
        positive = int(np.count_nonzero(after > 0))
        if not cap_holds(driver.cap, positive):
            raise fail(path + ("cap",), f"cap {driver.cap:g} is infeasible for {positive} names "
                       f"(needs cap >= 1/{positive} = {1 / positive:.4f})")
        after = np.asarray(cap_weights(after, driver.cap))
    if driver.scheme == "implied" and replica is not None:
        # one HSTECH: the scenario's weights are the replica's holdings at as_of (the checks
        # above ran on the same base weights)
        after = replica[1]
    return IndexWeights(driver.scheme, before, after,
                        notes if driver.scheme == "implied" else [])
