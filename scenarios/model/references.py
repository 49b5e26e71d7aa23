"""Resolution helpers shared by the checks and the resolve step (:mod:`scenarios.model.resolved`).

Universe members, themes, driver targets and FX rates. Each raises :class:`ResolveError` (with the
path it concerns) so callers can turn it into a located error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from scenarios.data.symbols import currency_of, normalize_symbol


class ResolveError(ValueError):
    """A reference in the scenario cannot be resolved; ``path`` is where it is written."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def resolve_universe(scenario: Any, as_of: dt.date | None = None) -> list[str]:
    """Symbols of the universe (a named universe is taken at ``as_of``, default the scenario's)."""
    uni = scenario.universe
    if isinstance(uni, list):
        seen: list[str] = []
        for i, s in enumerate(uni):
            if s in seen:
                raise ResolveError(f"{s} is listed twice", ("universe", i))
            seen.append(s)
        return seen
    try:
        from scenarios.seeds.universes import universe_members
    except ImportError:  # pragma: no cover - seeds always ship with the package
        raise ResolveError(f"named universes need scenarios.seeds; list the symbols instead of {uni!r}",
                           ("universe",)) from None
    from scenarios.errors import DataUnavailableError, ScenarioError

    try:
        members = universe_members(uni, as_of or scenario.as_of)
    except ScenarioError as exc:
        raise ResolveError(exc.message, ("universe",)) from None
    except (KeyError, DataUnavailableError) as exc:
        raise ResolveError(str(exc).strip("'\""), ("universe",)) from None
    if not members:
        raise ResolveError(f"universe {uni!r} has no members on {as_of or scenario.as_of}", ("universe",))
    return list(members)


def _seed_themes() -> dict[str, str]:
    """Symbol -> theme from ``seeds/universes.yaml`` (empty if the file is unavailable)."""
    try:
        from scenarios.seeds.universes import themes
        return {sym: t.theme for sym, t in themes().items()}
    except Exception:  # noqa: BLE001 - missing or broken seeds file: no themes from it
        return {}


def theme_map(scenario: Any, symbols: list[str]) -> dict[str, str | None]:
    """Symbol -> theme for ``symbols``: the scenario's ``themes`` map first, then the seeds."""
    seeds = _seed_themes()
    out: dict[str, str | None] = {}
    for s in symbols:
        out[s] = next((t for t, members in scenario.themes.items() if s in members), seeds.get(s))
    return out


def theme_of(scenario: Any, symbol: str) -> str | None:
    """Theme of ``symbol`` (see :func:`theme_map`)."""
    return theme_map(scenario, [symbol])[symbol]


def known_themes(scenario: Any, universe: list[str]) -> dict[str, list[str]]:
    """Theme -> members of ``universe``."""
    out: dict[str, list[str]] = {}
    for s, t in theme_map(scenario, universe).items():
        if t is not None:
            out.setdefault(t, []).append(s)
    for theme in scenario.themes:
        out.setdefault(theme, [])
    return out


def driver_targets(scenario: Any, index: int, driver: Any, universe: list[str]) -> list[str]:
    """Symbols a driver acts on, in universe order (default: the whole universe)."""
    if driver.symbols is None and driver.themes is None:
        return list(universe)
    chosen: set[str] = set()
    for j, s in enumerate(driver.symbols or []):
        if s not in universe:
            raise ResolveError(f"{s} is not in the universe ({_short(universe)})",
                               ("drivers", index, "symbols", j))
        chosen.add(s)
    if driver.themes:
        themes = known_themes(scenario, universe)
        for j, t in enumerate(driver.themes):
            members = themes.get(t, [])
            if not members:
                raise ResolveError(f"theme {t!r} matches no symbol in the universe (themes here: "
                                   f"{', '.join(sorted(k for k, v in themes.items() if v)) or 'none'})",
                                   ("drivers", index, "themes", j))
            chosen.update(members)
    return [s for s in universe if s in chosen]


def _short(items: list[str], n: int = 8) -> str:
    return ", ".join(items[:n]) + (f", ... ({len(items)} in all)" if len(items) > n else "")


def price_currency(symbol: str) -> str:
    """Return the currency ``symbol`` trades in."""
    return currency_of(normalize_symbol(symbol))


def reporting_currency(scenario: Any, symbol: str) -> str:
    """Return the currency of ``symbol``'s reported figures (baseline, else the price currency)."""
    b = scenario.baseline.get(symbol)
    if b is not None and b.currency:
        return b.currency
    return price_currency(symbol)


def fx_rate(scenario: Any, symbol: str, currency: str, *, override: Any = None,
            path: tuple[str | int, ...] = ()) -> Any:
    """Price-currency units of ``symbol`` per unit of ``currency``.

    Order: same currency -> 1; ``override`` (a driver's ``fx``); the symbol's baseline ``fx``
    when ``currency`` is its reporting currency; the scenario's ``fx`` table (``CNYHKD`` or the
    inverse ``HKDCNY``). May return a distribution (from ``override``).
    """
    target = price_currency(symbol)
    if currency == target:
        return 1.0
    if override is not None:
        return override
    b = scenario.baseline.get(symbol)
    if b is not None and b.fx is not None and (b.currency or target) == currency:
        return b.fx
    table = scenario.fx
    if currency + target in table:
        return table[currency + target]
    if target + currency in table:
        return 1.0 / table[target + currency]
    raise ResolveError(f"no FX rate from {currency} to {target} for {symbol}: add fx: "
                       f"{{{currency}{target}: RATE}} ({target} per {currency}) at the top level, "
                       f"or fx: RATE in baseline.{symbol} or in the driver", path)


def fx_exposed(scenario: Any, driver: Any, targets: list[str]) -> list[str]:
    """Return the targets of an ``fx_change`` driver.

    Those that report in a currency other than their listing currency (and in ``driver.currency``
    when given).
    """
    out = []
    for sym in targets:
        rep = reporting_currency(scenario, sym)
        if rep != price_currency(sym) and (driver.currency is None or rep == driver.currency):
            out.append(sym)
    return out
