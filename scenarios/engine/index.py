"""Index weights of the universe: the scheme's weights ("before") and the scenario's
re-weighting ("after": tilts, exclusions, cap)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.errors import ScenarioError


@dataclass
class IndexWeights:
    scheme: str
    before: np.ndarray
    after: np.ndarray


def _match(themes: dict[str, str | None], symbols: list[str], name: str) -> np.ndarray:
    """Mask of ``symbols`` equal to ``name`` or of theme ``name``."""
    return np.array([s == name or themes.get(s) == name for s in symbols])


def _market_caps(scenario: Any, symbols: list[str], prices: np.ndarray, fail: Any,
                 path: tuple[str | int, ...] = ()) -> np.ndarray:
    from scenarios.model.resolve import ResolveError, fx_rate, price_currency

    caps = np.empty(len(symbols))
    currencies = {price_currency(s) for s in symbols}
    for j, s in enumerate(symbols):
        b = scenario.baseline.get(s)
        if b is not None and b.market_cap is not None:
            cap = b.market_cap.scaled
        elif b is not None and b.shares is not None:
            cap = b.shares.scaled * prices[j]
        else:
            raise fail(path, f"market-cap weights need baseline market_cap or shares for {s}")
        if len(currencies) > 1 and price_currency(s) != scenario.currency:
            # bring every cap to the scenario currency (fx_rate gives listing-ccy per unit of ccy)
            try:
                rate = fx_rate(scenario, s, scenario.currency)
            except ResolveError as exc:
                raise fail(("fx",), f"mixed listing currencies in the index: {exc.message}") from None
            cap = cap / float(rate)
        caps[j] = cap
    return caps


def implied_scheme_weights(view: Any, symbols: list[str], benchmark: str, lookback: int) -> np.ndarray:
    """Weights implied by the benchmark's daily returns over ``lookback`` sessions up to as_of."""
    import pandas as pd

    try:
        from valuation.index.implied import implied_weights
    except ImportError as exc:  # pragma: no cover - depends on the valuation package state
        raise ScenarioError(f"scheme implied needs valuation.index.implied ({exc})") from None
    closes = {s: view.close(s) for s in symbols}
    bench = view.close(benchmark)
    frame = pd.DataFrame(closes).join(bench.rename("__index__"), how="inner").dropna()
    rets = frame.pct_change().dropna().iloc[-lookback:]
    if len(rets) < 20:
        raise ScenarioError(f"scheme implied: only {len(rets)} common daily returns of {benchmark} "
                            f"and the universe before {view.as_of.date()} (need >= 20)")
    w = implied_weights(rets[symbols], rets["__index__"])
    return np.asarray(w, dtype=np.float64).reshape(-1)


def index_weights(scenario: Any, driver: Any | None, symbols: list[str], prices: np.ndarray,
                  view: Any, fail: Any, path: tuple[str | int, ...] = ()) -> IndexWeights:
    """Weights before/after. ``fail(path, message)`` builds a located error; ``path`` is the
    driver's path in the file."""
    from valuation.index import weights as vw
    from valuation.index.capping import cap_weights

    n = len(symbols)
    if driver is None:
        has_caps = all(scenario.baseline.get(s) is not None and
                       (scenario.baseline[s].market_cap is not None or scenario.baseline[s].shares is not None)
                       for s in symbols)
        if has_caps:
            w = np.asarray(vw.market_cap_weights(_market_caps(scenario, symbols, prices, fail, path)))
            return IndexWeights("market_cap", w, w.copy())
        w = np.asarray(vw.equal_weights(n))
        return IndexWeights("equal", w, w.copy())
    if driver.scheme == "market_cap":
        before = np.asarray(vw.market_cap_weights(_market_caps(scenario, symbols, prices, fail, path)))
    elif driver.scheme == "equal":
        before = np.asarray(vw.equal_weights(n))
    elif driver.scheme == "custom":
        raw = np.array([float(driver.weights.get(s, 0.0)) for s in symbols])
        before = np.asarray(vw.normalize(raw))
    else:
        bench = driver.benchmark or scenario.benchmarks[0]
        before = implied_scheme_weights(view, symbols, bench, driver.lookback_days)
        before = np.asarray(vw.normalize(np.clip(before, 0.0, None)))
    after = before.copy()
    from scenarios.model.resolve import theme_map

    themes = theme_map(scenario, symbols)
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
        if driver.cap * positive < 1.0 - 1e-12:
            raise fail(path + ("cap",), f"cap {driver.cap:g} is infeasible for {positive} names "
                       f"(needs cap >= 1/{positive} = {1 / positive:.4f})")
        after = np.asarray(cap_weights(after, driver.cap))
    return IndexWeights(driver.scheme, before, after)
