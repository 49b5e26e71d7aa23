"""What a driver kind is made of: :class:`DriverSpec`, the schema bases and the evaluator seam.

A driver kind is one module of this package holding one :class:`DriverSpec`: its pydantic
schema class, the baseline fields it needs, its decomposition group, its evaluator, a template
snippet and a one-line doc. The schema union, the checks, the engine's dispatch, the report's
groups, ``scenarios new`` and the driver reference in ``docs/scenario-format.md`` are all derived
from the specs (see :mod:`scenarios.model.drivers`).

Layering: an evaluator is written against :class:`DriverStep`, a protocol defined here and
implemented by the engine (:mod:`scenarios.engine.evaluate`). The evaluator itself only uses
numpy and the pure math of ``valuation``, so the model never imports the engine and the engine
imports the evaluators through the registry.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from pydantic import Field

from scenarios.model.fields import Currency, StrictModel, Symbol, Unit
from scenarios.model.params import NonNegative, Positive

if TYPE_CHECKING:  # the schema imports this module
    from scenarios.model.schema import Scenario

Path = tuple[str | int, ...]


# ------------------------------------------------------------------ schema bases


class DriverBase(StrictModel):
    """Keys every driver has (the ``type`` literal is declared by each kind)."""

    if TYPE_CHECKING:  # for the type checker only: each kind declares its own ``type`` literal field
        type: str

    label: str | None = Field(default=None, description="name used in reports and by extends/grid")
    enabled: bool = True
    symbols: list[Symbol] | None = Field(default=None, description="targets (default: whole universe)")
    themes: list[str] | None = Field(default=None, description="target every symbol of these themes")
    claims: list[str] = Field(default_factory=list, description="claim ids this driver encodes")
    per_symbol: bool = Field(default=False, description="draw parameters independently per symbol")
    note: str | None = None

    @property
    def name(self) -> str:
        """The driver's label, or its type when it has none."""
        return self.label or str(self.type)


class MoneyDriver(DriverBase):
    """A driver that spends or earns an amount of money (converted with an explicit FX rate)."""

    amount: NonNegative = Field(description="total money, in unit x currency")
    unit: Unit = "1"
    currency: Currency | None = Field(default=None, description="default: the symbol's reporting currency")
    fx: Positive | None = Field(default=None, description="price-currency units per unit of currency")


# ------------------------------------------------------------------ evaluator seam


class DriverStep(Protocol):
    """One driver applied to its targets, as an evaluator sees it.

    Arrays of length ``k`` are per target symbol (universe order); ``(draws, k)`` arrays hold
    every Monte Carlo draw. Money is in the price currency after FX unless said otherwise.
    """

    driver: Any          #: the driver's schema object (an instance of the spec's ``schema``)
    draws: int           #: number of Monte Carlo draws
    k: int               #: number of target symbols
    years: float         #: horizon in years (calendar days / 365.25)
    as_of: dt.date       #: information cut-off
    horizon: dt.date     #: horizon date
    price: np.ndarray    #: ``(k,)`` baseline close P0, price currency
    shares: np.ndarray   #: ``(k,)`` share count (NaN where not given)
    sales_ps: np.ndarray  #: ``(k,)`` annual sales per share, price currency (NaN where not given)
    multiple: np.ndarray  #: ``(k,)`` baseline P/E = P0 / EPS0 (NaN where EPS is not given)
    #: ``"eps"`` (valuation pe) or ``"fcf"`` (valuation fcf_yield: ``eps()`` is FCF per share
    #: and ``multiple`` is price / FCF)
    measure: str

    def draw(self, name: str) -> Any:
        """Draws of parameter ``name``: a float, ``(draws, 1)``, or ``(draws, k)`` per symbol."""
        ...

    def money(self) -> tuple[Any, Any]:
        """(amount in units of its currency, FX to the price currency per target)."""
        ...

    def tax(self) -> Any:
        """Return the driver's ``tax_rate`` draws, else the targets' baseline tax rates ``(k,)``."""
        ...

    def eps(self) -> np.ndarray:
        """Return current EPS of the targets ``(draws, k)``, price currency (read-only)."""
        ...

    def set_eps(self, new: Any, contrib: Any = None) -> None:
        """Replace the targets' EPS by ``new`` and record the log contribution.

        ``new`` is floored; the contribution recorded is ``log(new / old)``, or ``contrib`` when
        given and nothing was floored.
        """
        ...

    def log_multiple(self) -> np.ndarray | None:
        """Log change of the targets' multiple since as_of ``(draws, k)``; None: no re-rating yet."""
        ...

    def rerate(self, contrib: Any) -> None:
        """Record ``contrib`` ``(draws, k)`` as a log change of the multiple."""
        ...

    def log_price(self, contrib: Any) -> None:
        """Record ``contrib`` ``(draws, k)`` as a log price effect (no EPS or multiple change)."""
        ...

    def fx(self) -> Any:
        """FX to the price currency per target: the driver's ``fx`` draws, else the resolved rate."""
        ...

    def adjust_value(self, change: Callable[[np.ndarray], Any]) -> None:
        """Register a change of value per share (cash items: one-offs, programmes, buybacks).

        ``change`` maps the horizon price of each path WITHOUT this item, ``(draws, k)`` in the
        price currency, to the change of value per share ``dV`` (price currency, broadcastable
        to ``(draws, k)``). The engine calls it once, after every multiplicative term (EPS,
        multiple, shocks, dividend carry, residual noise), and records ``log(1 + dV / P)`` as
        this driver's log contribution (added to any EPS effect it also has), so the horizon
        price of every path moves by exactly ``dV``.
        """
        ...


Evaluator = Callable[[DriverStep], None]


# ------------------------------------------------------------------ checks seam


@dataclass(frozen=True)
class CheckContext:
    """What a driver's own static check sees (``targets`` already resolved)."""

    scenario: Scenario
    driver: Any          #: an instance of the kind's schema class
    position: int
    targets: list[str]
    universe: list[str]
    horizon: dt.date
    raw_key: Callable[[Path, str], Any]  #: the key as written in the file for a symbol key


@dataclass(frozen=True)
class Problem:
    """A problem found by a driver's check, at ``path`` below the driver (``("date",)``)."""

    path: Path
    message: str
    key: bool = False


# ------------------------------------------------------------------ the spec


@dataclass(frozen=True)
class DriverSpec:
    """Everything about one driver kind.

    Attributes
    ----------
        type: the ``type:`` value in scenario files.
        schema: the pydantic model of the driver (its ``type`` field is ``Literal[type]``).
        doc: one line for listings and the format reference.
        reference: the format reference's paragraph (markdown) about the kind's keys and math.
        group: decomposition group of its log contribution in reports (``None``: the kind
            adds no log-return term, e.g. ``index_weighting`` re-weights the index line).
        evaluate: the evaluator (``None`` exactly when ``group`` is ``None``).
        template: a commented YAML list item (``  - type: ...``) for ``drivers:``.
        needs: baseline fields each target needs, or a function of the driver giving them.
        narrow: optional targets filter (e.g. ``fx_change`` acts only on FX-exposed symbols).
        check: optional static check beyond the schema (returns located problems).
        single: at most one driver of this kind per scenario.
    """

    type: str
    schema: builtins.type[DriverBase]
    doc: str
    reference: str
    group: str | None
    evaluate: Evaluator | None
    template: str
    needs: tuple[str, ...] | Callable[[Any], tuple[str, ...]] = ()
    narrow: Callable[[Scenario, Any, list[str]], list[str]] | None = None
    check: Callable[[CheckContext], Sequence[Problem]] | None = None
    single: bool = False

    @property
    def money(self) -> bool:
        """Whether the kind spends money (amount, unit, currency, fx)."""
        return issubclass(self.schema, MoneyDriver)

    def baseline_needs(self, driver: Any) -> tuple[str, ...]:
        """Baseline fields every target of ``driver`` must have."""
        return self.needs(driver) if callable(self.needs) else self.needs
