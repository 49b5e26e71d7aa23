"""The scenario file schema (pydantic v2, unknown keys rejected everywhere).

See ``docs/scenario-format.md`` for the user reference. Conventions: fractions inside
(``growth: 0.35`` is +35%), plain ratios for multiples (``pe: 17.4``), money as
``amount`` + ``unit`` + ``currency`` and converted to each stock's price currency with an
explicit FX rate (price-currency units per unit of the money's currency).
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, Union, cast

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from scenarios.model.dated import DatedFields, split_dated
from scenarios.model.drivers import REGISTRY
from scenarios.model.drivers.base import DriverBase as _Driver
from scenarios.model.drivers.base import MoneyDriver as _Money
from scenarios.model.fields import CURRENCY_PAIR, UNIT_SCALE, Currency, Date, Symbol, Unit
from scenarios.model.fields import StrictModel as _Model
from scenarios.model.portfolio import Portfolio
from scenarios.periods import PERIOD_RE, add_months, add_period, is_month_end

#: Longest horizon a scenario may have (years): beyond it the data say nothing useful.
MAX_HORIZON_YEARS = 10
_PERIOD_DAYS = {"D": 1, "W": 7, "M": 365.25 / 12, "Q": 365.25 / 4, "Y": 365.25}


def _horizon(v: Any) -> dt.date | str:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        m = PERIOD_RE.match(v)
        if m and int(m.group(1)) > 0:
            n, unit = int(m.group(1)), m.group(2).upper()
            if n * _PERIOD_DAYS[unit] > MAX_HORIZON_YEARS * 365.25 + 1:
                raise ValueError(f"must be at most {MAX_HORIZON_YEARS} years (got {v!r})")
            return f"{n}{unit}"
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a date YYYY-MM-DD or a period such as 90D, 6W, 6M, 2Q, 1Y (got {v!r})")


Horizon = Annotated[dt.date | str, BeforeValidator(_horizon)]


# ------------------------------------------------------------------ header parts


class Narrative(_Model):
    """Where the story comes from: article files in ``seeds/`` and claim ids."""

    articles: list[str] = Field(default_factory=list, description="seed article file names")
    claims: list[str] = Field(default_factory=list, description="claim ids (scenarios claims list)")


#: the volatility models ``vol`` accepts by name (``valuation.volatility.forecast_vol``)
VOL_MODELS = ("history", "ewma", "garch")
#: the largest annualized volatility an estimate (history, ewma, garch) may give: 500% a year
VOL_MAX = 5.0
_VOL_EXPECTED = "history, ewma, garch or an annualized volatility such as 0.35"


def _vol(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip().lower()
        if s in VOL_MODELS:
            return s
        raise ValueError(f"must be {_VOL_EXPECTED} (got {v!r})")
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"must be {_VOL_EXPECTED} (got {v!r})")
    if not 0 <= v:
        raise ValueError(f"must be >= 0 (got {v:g})")
    return float(v)


#: ``"history"``, ``"ewma"``, ``"garch"`` or an annualized volatility (fraction, e.g. 0.35 = 35%
#: a year)
Vol = Annotated[str | float, BeforeValidator(_vol)]


def _correlation(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("none", "history", "factor"):
            return s
        raise ValueError(f"must be none, history, factor or a number in [0, 1) (got {v!r})")
    if v is None:
        return "none"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"must be none, history, factor or a number in [0, 1) (got {v!r})")
    if not 0 <= v < 1:
        raise ValueError(f"a constant correlation must be in [0, 1) (got {v:g})")
    return float(v)


class Residual(_Model):
    """Market noise the drivers do not explain.

    A log-return shock per symbol with standard deviation ``vol x sqrt(T)``, ``T`` = trading
    sessions from the baseline close to the horizon / 252, ``vol`` estimated (history, ewma, garch)
    or given, centred so that the drivers' price is the expected price (``center: mean``, default)
    or the median. See ``scenarios.engine.residual`` and the calibration in docs/backtesting.md.
    """

    vol: Vol = Field(default="history",
                     description="history, ewma (RiskMetrics, lambda 0.94), garch (GARCH(1,1), needs "
                                 "the [vol] extra) or an annualized volatility (fraction)")
    by_symbol: dict[Symbol, Vol] = Field(default_factory=dict,
                                         description="per-symbol vol overriding vol")
    scale: float = Field(default=1.0, gt=0, le=10, description="multiplier on every vol")
    lookback_days: int = Field(default=250, ge=20, le=5000,
                               description="daily returns before as_of used by history")
    min_days: int = Field(default=60, ge=10, le=5000,
                          description="fewest daily returns history/ewma accept per symbol")
    garch_days: int = Field(default=1000, ge=100, le=5000,
                            description="daily returns before as_of a garch fit uses")
    dist: Literal["normal", "student_t"] = "normal"
    df: float = Field(default=5.0, gt=2, le=1000, description="student_t degrees of freedom")
    correlation: Annotated[str | float, BeforeValidator(_correlation)] = Field(
        default="history", description="none, history, factor or a constant in [0, 1)")
    factor: Symbol | None = Field(default=None, description="factor series for correlation: factor")
    center: Literal["mean", "median"] = Field(
        default="mean",
        description="mean (default): E[exp(residual)] = 1, the drivers' price is the expected "
                    "price (means aggregate to an index); median: median residual = 0, the "
                    "drivers' price is the median outcome")

    @model_validator(mode="after")
    def _consistent(self) -> Residual:
        if self.min_days > self.lookback_days:
            raise ValueError(f"min_days ({self.min_days}) cannot exceed lookback_days "
                             f"({self.lookback_days})")
        if self.factor is not None and self.correlation != "factor":
            raise ValueError("factor goes with correlation: factor")
        if "df" in self.model_fields_set and self.dist != "student_t":
            raise ValueError("df goes with dist: student_t")
        return self


def _residual(v: Any) -> Any:
    if isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return {"vol": v}  # shorthand: residual: history / residual: 0.3
    return v


class MonteCarlo(_Model):
    """Monte Carlo settings: number of draws, seed and the residual noise."""

    draws: int = Field(default=10_000, ge=1, le=10_000_000, description="number of draws")
    seed: int = Field(default=0, ge=0, description="seed of numpy.random.default_rng")
    residual: Annotated[Residual | None, BeforeValidator(_residual)] = Field(
        default=None, description="market noise beyond the drivers (absent: none)")


class BaselineValue(_Model):
    """A baseline number with its unit and where it came from."""

    value: float
    unit: Unit = "1"
    source: str | None = None

    @property
    def scaled(self) -> float:
        """The value in base units (``value`` times the unit's scale)."""
        return self.value * UNIT_SCALE[self.unit]


def _baseline_value(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"value": v}
    if isinstance(v, str):
        raise ValueError(f"expected a number, {{value, unit, source}}, a dated series "
                         f"{{YYYY-MM-DD: value}} or from_data (got {v!r})")
    return v


BValue = Annotated[BaselineValue, BeforeValidator(_baseline_value)]


#: baseline fields that may be written ``from_data`` (``forward_from_data``: eps only); ``fcf``,
#: ``capex`` and ``depreciation`` count once the Baseline model has such fields
FROM_DATA_FIELDS = ("eps", "shares", "sales", "net_debt", "dividend_yield", "tax_rate", "fcf", "capex",
                    "depreciation")


def from_data_fields() -> tuple[str, ...]:
    """Return the :data:`FROM_DATA_FIELDS` this version's :class:`Baseline` has."""
    return tuple(f for f in FROM_DATA_FIELDS if f in Baseline.model_fields)


def _split_data_markers(v: Any) -> Any:
    """Move ``eps: from_data`` style markers out of the value fields into ``data_items``."""
    if not isinstance(v, dict):
        return v
    out = dict(v)
    items = dict(out.get("data_items") or {})
    allowed = from_data_fields()
    for k, val in v.items():
        if val in ("from_data", "forward_from_data"):
            if k not in allowed:
                raise ValueError(f"{k}: {val} is not available (from data: {', '.join(allowed)})")
            if val == "forward_from_data" and k != "eps":
                raise ValueError(f"{k}: forward_from_data is available for eps only (write from_data)")
            items[k] = out.pop(k)
    if items:
        out["data_items"] = items
    return out


class Baseline(_Model):
    """Per-symbol fundamentals as of ``as_of``.

    ``eps``, ``sales``, ``net_debt``, ``ebitda`` are in the reporting ``currency`` (default: the
    listing currency); ``fx`` converts them to the price currency. ``eps`` is annual per share;
    totals (sales, net_debt, ebitda, market_cap) take a ``unit``; ``shares`` is a count.
    """

    currency: Currency | None = None
    fx: float | None = Field(default=None, gt=0, description="price-currency units per reporting unit")
    eps: BValue | None = None
    pe: BValue | None = None
    sales: BValue | None = None
    shares: BValue | None = None
    net_debt: BValue | None = None
    ebitda: BValue | None = None
    market_cap: BValue | None = None
    dividend_yield: BValue | None = None
    tax_rate: BValue | None = None
    #: annual free cash flow, total (``unit``), reporting currency; used by ``valuation: fcf_yield``
    fcf: BValue | None = None
    source: str | None = None
    # Baselines from data (filled at as_of by scenarios.model.from_data):
    # ``from_data: true`` takes every item the data has; ``eps: from_data`` (or
    # ``forward_from_data``) asks for one item and is recorded in ``data_items``.
    from_data: bool = False
    data_items: dict[str, Literal["from_data", "forward_from_data"]] = Field(default_factory=dict)
    # Dated series (``eps: {2023-12-31: 20.1, 2024-12-31: 23.5}``), moved here from the value
    # fields and resolved at as_of by scenarios.model.point_in_time (None once resolved).
    dated: DatedFields | None = None

    @model_validator(mode="before")
    @classmethod
    def _data_markers(cls, v: Any) -> Any:
        return _split_data_markers(split_dated(v))

    @model_validator(mode="after")
    def _dated_or_plain(self) -> Baseline:
        if self.dated is not None:
            for f, _ in self.dated.items():
                if getattr(self, f) is not None or f in self.data_items:
                    raise ValueError(f"{f} is given both as a dated series and as a value")
        return self

    @field_validator("data_items")
    @classmethod
    def _data_fields(cls, v: dict[str, str]) -> dict[str, str]:
        allowed = from_data_fields()
        for k, mode in v.items():
            if k not in allowed:
                raise ValueError(f"{k} cannot come from data (from data: {', '.join(allowed)})")
            if mode == "forward_from_data" and k != "eps":
                raise ValueError(f"{k}: forward_from_data is available for eps only (write from_data)")
        return v

    @field_validator("pe", "shares", "market_cap")
    @classmethod
    def _positive(cls, v: BaselineValue | None, info: ValidationInfo) -> BaselineValue | None:
        if v is not None and not v.value > 0:
            raise ValueError(f"must be > 0 (got {v.value:g})")
        return v

    @field_validator("sales")
    @classmethod
    def _nonneg(cls, v: BaselineValue | None) -> BaselineValue | None:
        if v is not None and v.value < 0:
            raise ValueError(f"must be >= 0 (got {v.value:g})")
        return v

    @field_validator("dividend_yield", "tax_rate")
    @classmethod
    def _fraction(cls, v: BaselineValue | None) -> BaselineValue | None:
        if v is not None and not 0 <= v.value < 1:
            raise ValueError(f"must be a fraction in [0, 1) (got {v.value:g}; write 0.25 for 25%)")
        return v


# ------------------------------------------------------------------ drivers
# Each driver kind lives in its own module of scenarios.model.drivers; everything here is derived
# from that registry (the classes are re-exported for older imports).

# The driver classes, the union ``Driver`` and the ``NEEDS_*`` tuples load every kind's module:
# they are made on first use (module ``__getattr__``). ``Scenario.drivers`` names the union through
# ``_AnyDriver``, which builds it when a schema is generated, so importing this module imports no
# kind (a run imports the kinds its file uses, see :func:`scenario_model`).

if TYPE_CHECKING:  # the union is built at run time: the type checker sees the base class
    from scenarios.model.drivers.ai_capex import AiCapex
    from scenarios.model.drivers.buyback import Buyback
    from scenarios.model.drivers.earnings_growth import EarningsGrowth
    from scenarios.model.drivers.fx_change import FxChange
    from scenarios.model.drivers.index_weighting import IndexWeighting
    from scenarios.model.drivers.margin_change import MarginChange
    from scenarios.model.drivers.rerating import Rerating
    from scenarios.model.drivers.revenue_uplift import RevenueUplift
    from scenarios.model.drivers.sentiment_shock import SentimentShock
    from scenarios.model.drivers.subsidy import Subsidy

    Driver: TypeAlias = _Driver
    _AnyDriver: TypeAlias = _Driver
    #: drivers that add an absolute amount to EPS and therefore need baseline eps and shares
    NEEDS_EPS_AND_SHARES: tuple[str, ...]
    NEEDS_SALES_AND_SHARES: tuple[str, ...]
else:
    class _AnyDriver:
        """``Scenario.drivers``' item type: the discriminated union of every kind (:func:`driver_union`)."""

        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
            return handler.generate_schema(driver_union())


def driver_union() -> Any:
    """Return the discriminated union (on ``type``) of every registered driver kind's schema class."""
    return Annotated[
        Union[tuple(spec.schema for spec in REGISTRY.values())],  # noqa: UP007 (built at run time)
        Field(discriminator="type"),
    ]


DRIVER_TYPES: tuple[str, ...] = tuple(REGISTRY)

#: names made on first use (see above): a kind's schema class, or a function of every spec
_LAZY: dict[str, Any] = {
    "AiCapex": ("ai_capex", "AiCapex"), "Buyback": ("buyback", "Buyback"),
    "EarningsGrowth": ("earnings_growth", "EarningsGrowth"), "FxChange": ("fx_change", "FxChange"),
    "IndexWeighting": ("index_weighting", "IndexWeighting"), "MarginChange": ("margin_change", "MarginChange"),
    "Rerating": ("rerating", "Rerating"), "RevenueUplift": ("revenue_uplift", "RevenueUplift"),
    "SentimentShock": ("sentiment_shock", "SentimentShock"), "Subsidy": ("subsidy", "Subsidy"),
    "Driver": driver_union,
    "NEEDS_EPS_AND_SHARES": lambda: tuple(t for t, s in REGISTRY.items() if s.needs == ("eps", "shares")),
    "NEEDS_SALES_AND_SHARES": lambda: tuple(t for t, s in REGISTRY.items() if s.needs == ("sales", "shares")),
}


def __getattr__(name: str) -> Any:
    """Return a name of :data:`_LAZY`, made on first use."""
    how = _LAZY.get(name)
    if how is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if isinstance(how, tuple):
        value = getattr(importlib.import_module(f"scenarios.model.drivers.{how[0]}"), how[1])
    else:
        value = how()
    globals()[name] = value
    return value

__all__ = [
    "DRIVER_TYPES", "NEEDS_EPS_AND_SHARES", "NEEDS_SALES_AND_SHARES", "UNIT_SCALE", "AiCapex",
    "Baseline", "BaselineValue", "Buyback", "Currency", "Date", "Driver", "EarningsGrowth",
    "FxChange", "IndexWeighting", "MarginChange", "MonteCarlo", "Narrative", "Rerating",
    "Residual", "RevenueUplift", "Scenario", "SentimentShock", "Subsidy", "Symbol", "Unit",
    "add_period", "_Driver", "_Money",
]


# ------------------------------------------------------------------ scenario


class DcfAtHorizon(_Model):
    """Two-stage DCF parameters that change by the horizon (unset: as at as_of)."""

    years: int | None = Field(default=None, ge=0, le=50)
    growth: float | None = Field(default=None, gt=-1, le=1)
    terminal_growth: float | None = Field(default=None, gt=-1, lt=1)
    discount_rate: float | None = Field(default=None, gt=-1, lt=1)


class Dcf(_Model):
    """Two-stage DCF (``valuation.cashflow.dcf_value``).

    ``years`` explicit years at ``growth``, then ``terminal_growth`` forever, discounted at
    ``discount_rate`` (annual fractions).
    """

    years: int = Field(ge=0, le=50)
    growth: float = Field(gt=-1, le=1)
    terminal_growth: float = Field(gt=-1, lt=1)
    discount_rate: float = Field(gt=-1, lt=1)
    at_horizon: DcfAtHorizon = Field(default_factory=DcfAtHorizon)

    def params(self, horizon: bool = False) -> tuple[int, float, float, float]:
        """(years, growth, terminal_growth, discount_rate) at as_of, or at the horizon."""
        h = self.at_horizon if horizon else DcfAtHorizon()
        pick = lambda k: getattr(self, k) if getattr(h, k) is None else getattr(h, k)  # noqa: E731
        return (pick("years"), pick("growth"), pick("terminal_growth"), pick("discount_rate"))

    @model_validator(mode="after")
    def _spread(self) -> Dcf:
        for when, (_, _, gt, r) in (("", self.params()), ("at_horizon: ", self.params(True))):
            if not r > gt:
                raise ValueError(f"{when}discount_rate ({r:g}) must be above terminal_growth ({gt:g}): "
                                 "no terminal value exists otherwise")
        return self


class Valuation(_Model):
    """How a price follows the fundamentals.

    ``pe`` (EPS x P/E, the default), ``fcf_yield`` (FCF per share x price/FCF, i.e. 1 / FCF yield,
    implied from the as_of close) or ``dcf`` (``fcf_yield`` times the ratio of two-stage DCF values
    per unit of FCF, horizon / as_of).
    """

    method: Literal["pe", "fcf_yield", "dcf"] = "pe"
    dcf: Dcf | None = None
    convention: Literal["gross_capex", "net_capex"] | None = Field(
        default=None, description="FCF definition of baseline fcf: OCF - gross PP&E purchases "
        "(gross_capex, yfinance 'Free Cash Flow') or OCF - PP&E net of proceeds (net_capex)")

    @model_validator(mode="after")
    def _convention(self) -> Valuation:
        if self.method != "pe" and self.convention is None:
            raise ValueError(f"method {self.method} needs convention: gross_capex | net_capex "
                             "(which FCF definition the baseline fcf uses)")
        if (self.method == "dcf") != (self.dcf is not None):
            raise ValueError("method dcf needs a dcf: {years, growth, terminal_growth, discount_rate} "
                             "block, and the dcf block goes with method dcf only")
        if self.method == "pe" and self.convention is not None:
            raise ValueError("convention goes with method fcf_yield or dcf (the pe method uses EPS)")
        return self


def _default_narrative() -> Narrative:
    """Return ``Narrative()`` built without validating: every field at its default.

    The default factories of :class:`Scenario` below: calling the class would build the class's own
    validator (a few ms each) for an instance whose every field is its default.
    """
    return Narrative.model_construct()


def _default_monte_carlo() -> MonteCarlo:
    """``MonteCarlo()`` built without validating (every field at its default)."""
    return MonteCarlo.model_construct()


def _default_valuation() -> Valuation:
    """``Valuation()`` built without validating (every field at its default, which it accepts)."""
    return Valuation.model_construct()


class Scenario(_Model):
    """One scenario file (after ``extends`` is resolved; ``grid`` not yet expanded)."""

    name: str = Field(min_length=1)
    description: str = ""
    narrative: Narrative = Field(default_factory=_default_narrative)
    as_of: Date
    horizon: Horizon
    universe: list[Symbol] | str = Field(description="symbols, or a named universe such as hstech")
    benchmarks: list[Symbol] = Field(default_factory=list)
    currency: Currency = "HKD"
    fx: dict[str, float] = Field(default_factory=dict, description="pairs such as CNYHKD: 1.09")
    themes: dict[str, list[Symbol]] = Field(default_factory=dict, description="theme -> symbols")
    baseline: dict[Symbol, Baseline] = Field(default_factory=dict)
    drivers: list[_AnyDriver] = Field(default_factory=list)
    monte_carlo: MonteCarlo = Field(default_factory=_default_monte_carlo)
    valuation: Valuation = Field(default_factory=_default_valuation, description="pe (default) or fcf_yield")
    portfolio: Portfolio | None = Field(default=None, description="long/short positions and their P&L "
                                        "(scenarios.model.portfolio)")
    extends: str | None = Field(default=None, description="parent file, relative to this one")
    grid: dict[str, Any] = Field(default_factory=dict,
                                 description="parameter path -> list of values; zip: {path: list}")

    _file: str | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)
    _doc: Any = PrivateAttr(default=None)
    _warnings: list[Any] = PrivateAttr(default_factory=list)
    _raw: Any = PrivateAttr(default=None)
    _grid_point: dict[str, Any] = PrivateAttr(default_factory=dict)

    @field_validator("universe", mode="before")
    @classmethod
    def _universe(cls, v: Any) -> Any:
        if isinstance(v, list) and not v:
            raise ValueError("must name at least one symbol")
        return v

    @field_validator("fx")
    @classmethod
    def _fx(cls, v: dict[str, float]) -> dict[str, float]:
        out = {}
        for k, rate in v.items():
            key = str(k).replace("/", "").replace(" ", "").upper()
            if not CURRENCY_PAIR.fullmatch(key):
                raise ValueError(f"fx keys are currency pairs such as CNYHKD (HKD per CNY) (got {k!r})")
            if not rate > 0:
                raise ValueError(f"fx rates must be > 0 (got {rate:g} for {k})")
            out[key] = float(rate)
        return out

    # -- convenience ------------------------------------------------------------------
    @property
    def file(self) -> str | None:
        """The file this scenario was loaded from (None when built in code)."""
        return self._file

    @property
    def file_sha256(self) -> str | None:
        """SHA-256 of the file's bytes (of the child file when it extends another)."""
        return self._sha256

    @property
    def warnings(self) -> list[Any]:
        """Located :class:`~scenarios.model.validation.ScenarioWarning` found while loading."""
        return self._warnings

    @property
    def grid_point(self) -> dict[str, Any]:
        """The grid values this scenario was expanded with (empty if not from a grid)."""
        return self._grid_point

    def active_drivers(self) -> list[Any]:
        """Return the enabled drivers."""
        return [d for d in self.drivers if d.enabled]

    def horizon_date(self, as_of: dt.date | None = None) -> dt.date:
        """Return the horizon as a date.

        With ``as_of`` (walk-forward), a period horizon is applied from that date
        (:func:`~scenarios.periods.add_period`) and a date horizon keeps its offset from the
        scenario's own as_of: whole months (:func:`~scenarios.periods.add_months`) when that as_of,
        the horizon and the new as_of are all month ends (the walk-forward's roll dates: 2024-12-31
        -> 2025-12-31 moved to 2025-03-31 gives 2026-03-31), calendar days otherwise.
        """
        base = self.as_of if as_of is None else as_of
        if isinstance(self.horizon, dt.date):
            if as_of is None:
                return self.horizon
            if isinstance(as_of, dt.datetime):
                as_of = as_of.date()
            if is_month_end(self.as_of) and is_month_end(self.horizon) and is_month_end(as_of):
                months = (self.horizon.year - self.as_of.year) * 12 + self.horizon.month - self.as_of.month
                return add_months(as_of, months)
            return as_of + (self.horizon - self.as_of)
        return add_period(base, self.horizon)


# ------------------------------------------------------------------ validating a file's kinds only

#: sorted driver kinds -> the :class:`Scenario` subclass validating them (see :func:`scenario_model`)
_BY_KINDS: dict[tuple[str, ...], type[Scenario]] = {}


def scenario_model(data: Any) -> type[Scenario]:
    """Return the model that validates the scenario mapping ``data``: :class:`Scenario` or a subclass.

    Building a validator costs per field, and the driver union holds every registered kind (tens
    of milliseconds of CPU in every process); a file uses a few. So a mapping whose drivers are all
    mappings with a registered ``type`` is validated by a subclass of :class:`Scenario` whose union
    holds only those kinds (one class per set of kinds, built once per process). The instance is the
    same in every respect that the full union would give (fields, values, ``model_dump``,
    ``isinstance(x, Scenario)``, the name ``Scenario``); it pickles through :func:`_restore`.
    Anything else (no drivers, a driver that is not such a mapping) gets :class:`Scenario` itself,
    and a caller re-validates with :class:`Scenario` when the subclass rejects the data, so every
    error message is the full union's.
    """
    drivers = data.get("drivers") if isinstance(data, dict) else None
    if not isinstance(drivers, list) or not drivers:
        return Scenario
    kinds: set[str] = set()
    for d in drivers:
        kind = d.get("type") if isinstance(d, dict) else None
        if not isinstance(kind, str) or kind not in REGISTRY:
            return Scenario
        kinds.add(kind)
    return _model_of(tuple(k for k in DRIVER_TYPES if k in kinds))


def _model_of(kinds: tuple[str, ...]) -> type[Scenario]:
    model = _BY_KINDS.get(kinds)
    if model is None:
        union: Any = Annotated[Union[tuple(REGISTRY[k].schema for k in kinds)],  # noqa: UP007 (built at run time)
                               Field(discriminator="type")]
        namespace: dict[str, Any] = {
            "__module__": __name__, "__qualname__": "Scenario", "__doc__": Scenario.__doc__,
            "__annotations__": {"drivers": list[union]},
            "drivers": Field(default_factory=list),
            "__driver_kinds__": kinds,
            "__reduce__": _reduce,
        }
        model = _BY_KINDS[kinds] = cast(type[Scenario], type("Scenario", (Scenario,), namespace))
    return model


def _reduce(self: Scenario) -> tuple[Any, ...]:
    """Pickle a :func:`scenario_model` instance by its driver kinds (its class is made at run time)."""
    return (_restore, (type(self).__driver_kinds__, self.__getstate__()))  # type: ignore[attr-defined]


def _restore(kinds: tuple[str, ...], state: Any) -> Scenario:
    model = _model_of(kinds)
    out = model.__new__(model)
    out.__setstate__(state)
    return out
