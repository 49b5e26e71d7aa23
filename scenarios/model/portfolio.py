"""The ``portfolio:`` block of a scenario file: long and short positions and their P&L terms.

A scenario may express its narrative as a position (issue 12, section 3)::

    portfolio:
      base_currency: HKD          # default: the scenario's currency
      positions:
        - {symbol: 0981.HK, side: long, weight: 1}
        - {symbol: HSTECH.HK, side: short, weight: 1}
      costs_bps: 10               # bps of notional traded, each trade (default 0)
      rebalance: none             # buy and hold from the as_of close to the horizon close

Sizes are ``weight`` (any positive number; only ratios matter) or ``notional`` (an amount in
``currency``, default the base currency, converted with the scenario's ``fx`` table at
``as_of``); one block uses one of the two. Symbols may be universe members, the declared
``benchmarks`` or the reserved name :data:`INDEX` (the scenario's own re-weighted index line).

Rebalance rules: ``none`` (the only one so far): positions are opened at the as_of close and
held, unchanged in units, to the horizon close, where they are closed. Trades: the opening
trade (notional ``|N_i|``) and, with ``close_at_horizon`` (default true), the closing trade
(notional ``|N_i (1 + r_i)(1 + f_i)|`` at the horizon). ``fx_change`` states an ASSUMED change
of each foreign currency against the base over the window (fraction, base per foreign unit;
default 0: the as_of rate of the ``fx`` table holds at the horizon).

:func:`resolve_portfolio` settles the block against a resolved universe and benchmarks into a
:class:`ResolvedPortfolio` (located errors); the numbers are in :mod:`scenarios.engine.pnl`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from scenarios.data.symbols import currency_of, normalize_symbol, return_kind
from scenarios.errors import ScenarioError
from scenarios.model.fields import Currency
from scenarios.model.fields import StrictModel as _Model

__all__ = ["INDEX", "Portfolio", "Position", "ResolvedPortfolio", "ResolvedPosition", "fx_between",
           "portfolio_errors", "resolve_portfolio"]

#: reserved symbol of the scenario's own index line (``index_return`` of the run)
INDEX = "index"

Path = tuple[str | int, ...]


class Position(_Model):
    """One position: a symbol, a side and a size (``weight`` or ``notional``)."""

    symbol: str = Field(min_length=1, description="universe stock, benchmark, or index")
    side: Literal["long", "short"]
    weight: float | None = Field(default=None, gt=0, description="relative size (> 0)")
    notional: float | None = Field(default=None, gt=0, description="amount in currency (> 0)")
    currency: Currency | None = Field(default=None, description="currency of notional (default: base)")

    @field_validator("symbol", mode="before")
    @classmethod
    def _symbol(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise ValueError(f"must be a symbol such as 0981.HK, a benchmark, or {INDEX} (got {v!r})")
        s = str(v).strip()
        return INDEX if s.lower() == INDEX else normalize_symbol(s)

    @model_validator(mode="after")
    def _size(self) -> Position:
        if (self.weight is None) == (self.notional is None):
            raise ValueError("give exactly one of weight (relative size) or notional (an amount)")
        if self.currency is not None and self.notional is None:
            raise ValueError("currency goes with notional")
        return self


class Portfolio(_Model):
    """Long and short positions held from ``as_of`` to the horizon (see the module docstring)."""

    base_currency: Currency | None = Field(default=None, description="default: the scenario currency")
    positions: list[Position] = Field(min_length=1)
    costs_bps: float = Field(default=0.0, ge=0, le=1000, description="bps of notional traded")
    close_at_horizon: bool = Field(default=True, description="count the closing trade's costs")
    rebalance: Literal["none"] = Field(default="none", description="none: buy and hold to the horizon")
    fx_change: dict[Currency, float] = Field(
        default_factory=dict, description="ASSUMED change of base per unit of a currency over the window")

    @model_validator(mode="after")
    def _consistent(self) -> Portfolio:
        kinds = {"weight" if p.weight is not None else "notional" for p in self.positions}
        if len(kinds) > 1:
            raise ValueError("size every position by weight or every position by notional, not both")
        seen: set[str] = set()
        for p in self.positions:
            if p.symbol in seen:
                raise ValueError(f"{p.symbol} appears twice: net it into one position")
            seen.add(p.symbol)
        for ccy, f in self.fx_change.items():
            if not f > -1:
                raise ValueError(f"fx_change of {ccy} must be > -1 (a fraction; got {f:g})")
        return self


# ---------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class ResolvedPosition:
    """A position settled for the engine.

    Signed size in the base currency and where its per-draw return comes from.
    """

    symbol: str
    sign: int                  #: +1 long, -1 short
    notional: float            #: size in the base currency (> 0); weights: the weight itself
    source: Literal["stock", "benchmark", "index"]
    currency: str              #: listing currency (the scenario currency for the index line)
    fx0: float                 #: base-currency units per listing-currency unit at as_of
    fx_change: float           #: assumed change of fx over the window (fraction)
    return_kind: str           #: "total" (stocks, the index of stocks), "price" (benchmarks), "mixed"


@dataclass(frozen=True)
class ResolvedPortfolio:
    """A portfolio block with its positions resolved (base currency, costs in basis points)."""

    base_currency: str
    positions: tuple[ResolvedPosition, ...]
    costs_bps: float
    close_at_horizon: bool
    rebalance: str
    sized_by: Literal["weight", "notional"]

    @property
    def gross(self) -> float:
        """Gross notional at entry, base currency (sum of |sizes|)."""
        return float(sum(p.notional for p in self.positions))

    def basis(self) -> str:
        """One sentence on the return basis of each leg (what the P&L is made of)."""
        legs = []
        for p in self.positions:
            kind = {"total": "total return (adjusted closes, dividends reinvested)",
                    "price": "price return (index level, dividends not included)",
                    "mixed": "mixed (total-return stocks and price-return index levels)"}[p.return_kind]
            name = "the scenario's index" if p.source == "index" else p.symbol
            legs.append(f"{'long' if p.sign > 0 else 'short'} {name}: {kind}")
        return "; ".join(legs)


def fx_between(table: Mapping[str, float], from_ccy: str, to_ccy: str) -> float:
    """Return the FX rate: ``to_ccy`` units per ``from_ccy`` unit.

    ``to_ccy`` units per ``from_ccy`` unit from an fx table of pairs (``USDHKD: 7.8`` = HKD
    per USD, or its inverse pair). Raises ``KeyError`` naming the pair when neither is there.
    """
    if from_ccy == to_ccy:
        return 1.0
    if from_ccy + to_ccy in table:
        return float(table[from_ccy + to_ccy])
    if to_ccy + from_ccy in table:
        return 1.0 / float(table[to_ccy + from_ccy])
    raise KeyError(f"{from_ccy}{to_ccy}")


def resolve_portfolio(portfolio: Portfolio, *, scenario_currency: str, fx: Mapping[str, float],
                      symbols: Sequence[str], benchmarks: Sequence[str], index_kind: str = "total",
                      error: Callable[[Path, str], ScenarioError]) -> ResolvedPortfolio:
    """Settle ``portfolio`` against the run's universe ``symbols`` and ``benchmarks``.

    Raises a located :class:`~scenarios.errors.ScenarioError` for a symbol that is neither a
    universe member, a benchmark nor ``index``, and for a missing FX rate.
    """
    base = portfolio.base_currency or scenario_currency
    out: list[ResolvedPosition] = []
    source: Literal["stock", "benchmark", "index"]
    for i, p in enumerate(portfolio.positions):
        where: Path = ("portfolio", "positions", i)
        if p.symbol == INDEX:
            source, ccy, kind = "index", scenario_currency, index_kind
        elif p.symbol in symbols:  # a universe member (an index level in the universe: price return)
            source, ccy, kind = "stock", currency_of(p.symbol), return_kind(p.symbol)
        elif p.symbol in benchmarks:
            source, ccy, kind = "benchmark", currency_of(p.symbol), "price"
        else:
            raise error(where + ("symbol",),
                        f"{p.symbol} is not in the universe ({len(symbols)} symbols at as_of) nor "
                        f"in benchmarks ({', '.join(benchmarks) or 'none'}); add it to one of them "
                        f"or write {INDEX} for the scenario's own index")
        try:
            fx0 = fx_between(fx, ccy, base)
        except KeyError as exc:
            raise error(where + ("symbol",),
                        f"{p.symbol} is listed in {ccy} and the portfolio's base is {base}: add "
                        f"fx: {{{exc.args[0]}: RATE}} ({base} per {ccy}) at the top level") from None
        if p.notional is not None:
            nccy = p.currency or base
            try:
                size = p.notional * fx_between(fx, nccy, base)
            except KeyError as exc:
                raise error(where + ("currency",),
                            f"notional in {nccy} with base {base}: add fx: {{{exc.args[0]}: RATE}} "
                            f"({base} per {nccy}) at the top level") from None
        else:
            assert p.weight is not None
            size = p.weight
        fchg = float(portfolio.fx_change.get(ccy, 0.0)) if ccy != base else 0.0
        out.append(ResolvedPosition(symbol=p.symbol, sign=1 if p.side == "long" else -1,
                                    notional=float(size), source=source, currency=ccy, fx0=fx0,
                                    fx_change=fchg, return_kind=kind))
    sized: Literal["weight", "notional"] = "weight" if portfolio.positions[0].weight is not None else "notional"
    return ResolvedPortfolio(base_currency=base, positions=tuple(out), costs_bps=portfolio.costs_bps,
                             close_at_horizon=portfolio.close_at_horizon,
                             rebalance=portfolio.rebalance, sized_by=sized)


def portfolio_errors(scenario: Any, universe: Sequence[str], error: Callable[[Path, str], ScenarioError],
                     ) -> list[ScenarioError]:
    """Return the located problems of ``scenario.portfolio`` (no prices needed).

    Checked against ``universe`` (the members at the scenario's as_of) and the benchmarks, without
    prices (``scenarios validate``).
    """
    if scenario.portfolio is None:
        return []
    try:
        resolve_portfolio(scenario.portfolio, scenario_currency=scenario.currency, fx=scenario.fx,
                          symbols=list(universe), benchmarks=list(scenario.benchmarks), error=error)
    except ScenarioError as exc:
        return [exc]
    return []

