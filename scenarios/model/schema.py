"""The scenario file schema (pydantic v2, unknown keys rejected everywhere).

See ``docs/scenario-format.md`` for the user reference. Conventions: fractions inside
(``growth: 0.35`` is +35%), plain ratios for multiples (``pe: 17.4``), money as
``amount`` + ``unit`` + ``currency`` and converted to each stock's price currency with an
explicit FX rate (price-currency units per unit of the money's currency).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from scenarios.data.symbols import normalize_symbol
from scenarios.model.params import Fraction, NonNegative, Positive, Share, SignedShare, TaxRate
from scenarios.model.periods import PERIOD_RE, add_months, add_period, is_month_end

# ------------------------------------------------------------------ small types

#: multipliers of ``unit``
UNIT_SCALE: dict[str, float] = {
    "1": 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6,
    "bn": 1e9, "b": 1e9, "billion": 1e9, "tn": 1e12, "trillion": 1e12,
}

_CCY = re.compile(r"^[A-Z]{3}$")
_PAIR = re.compile(r"^[A-Z]{6}$")


def _unit(v: Any) -> str:
    if isinstance(v, bool):
        raise ValueError(f"must be one of {sorted(set(UNIT_SCALE))} (got {v!r})")
    s = str(v).strip().lower() if v is not None else ""
    if s in {"1.0", "one", "units", "unit"}:
        s = "1"
    if s not in UNIT_SCALE:
        raise ValueError(f"must be one of 1, k, m (mn), bn, tn (got {v!r})")
    return s


Unit = Annotated[str, BeforeValidator(_unit)]


def _currency(v: Any) -> str:
    if not isinstance(v, str) or not _CCY.match(v.strip().upper()):
        raise ValueError(f"must be a 3-letter ISO currency code such as HKD, CNY, USD (got {v!r})")
    return v.strip().upper()


Currency = Annotated[str, BeforeValidator(_currency)]


def _symbol(v: Any) -> str:
    if not isinstance(v, (str, int)) or isinstance(v, bool):
        raise ValueError(f"must be a symbol such as 0700.HK (got {v!r})")
    return normalize_symbol(str(v))


Symbol = Annotated[str, BeforeValidator(_symbol)]


def _strict_date(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        raise ValueError(f"must be a date YYYY-MM-DD (got {v!r})")
    return v


Date = Annotated[dt.date, BeforeValidator(_strict_date)]


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


Horizon = Annotated[Union[dt.date, str], BeforeValidator(_horizon)]


_TAX = "tax rate (fraction in [0, 1)); default: baseline tax_rate, else 0"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: Any) -> Any:
        from scenarios.model.nobool import reject_bools

        return reject_bools(cls, data)


# ------------------------------------------------------------------ header parts


class Narrative(_Model):
    """Where the story comes from: article files in ``seeds/`` and claim ids."""

    articles: list[str] = Field(default_factory=list, description="seed article file names")
    claims: list[str] = Field(default_factory=list, description="claim ids (scenarios claims list)")


def _vol(v: Any) -> Any:
    if isinstance(v, str):
        if v.strip().lower() == "history":
            return "history"
        raise ValueError(f"must be history or an annualized volatility such as 0.35 (got {v!r})")
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"must be history or an annualized volatility such as 0.35 (got {v!r})")
    if not 0 <= v:
        raise ValueError(f"must be >= 0 (got {v:g})")
    return float(v)


#: ``"history"`` or an annualized volatility (fraction, e.g. 0.35 = 35% a year)
Vol = Annotated[Union[str, float], BeforeValidator(_vol)]


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
    """Market noise the drivers do not explain: a zero-centred log-return shock per symbol
    with standard deviation ``vol x sqrt(T)``, ``T`` = trading sessions from the baseline
    close to the horizon / 252. See ``scenarios.engine.residual``."""

    vol: Vol = Field(default="history", description="history, or annualized volatility (fraction)")
    by_symbol: dict[Symbol, Vol] = Field(default_factory=dict,
                                         description="per-symbol vol overriding vol")
    scale: float = Field(default=1.0, gt=0, le=10, description="multiplier on every vol")
    lookback_days: int = Field(default=250, ge=20, le=5000,
                               description="daily returns before as_of used by history")
    min_days: int = Field(default=60, ge=10, le=5000,
                          description="fewest daily returns history accepts per symbol")
    dist: Literal["normal", "student_t"] = "normal"
    df: float = Field(default=5.0, gt=2, le=1000, description="student_t degrees of freedom")
    correlation: Annotated[Union[str, float], BeforeValidator(_correlation)] = Field(
        default="history", description="none, history, factor or a constant in [0, 1)")
    factor: Symbol | None = Field(default=None, description="factor series for correlation: factor")
    center: Literal["mean", "median"] = Field(
        default="median",
        description="median (default): median residual = 0, the drivers' price is the median "
                    "outcome; mean: E[exp(residual)] = 1, the drivers' price is the expected price")

    @model_validator(mode="after")
    def _consistent(self) -> "Residual":
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
        return self.value * UNIT_SCALE[self.unit]


def _baseline_value(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"value": v}
    return v


BValue = Annotated[BaselineValue, BeforeValidator(_baseline_value)]


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
    source: str | None = None

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


class _Driver(_Model):
    label: str | None = Field(default=None, description="name used in reports and by extends/grid")
    enabled: bool = True
    symbols: list[Symbol] | None = Field(default=None, description="targets (default: whole universe)")
    themes: list[str] | None = Field(default=None, description="target every symbol of these themes")
    claims: list[str] = Field(default_factory=list, description="claim ids this driver encodes")
    per_symbol: bool = Field(default=False, description="draw parameters independently per symbol")
    note: str | None = None

    @property
    def name(self) -> str:
        return self.label or self.type  # type: ignore[attr-defined]


class _Money(_Driver):
    amount: NonNegative = Field(description="total money, in unit x currency")
    unit: Unit = "1"
    currency: Currency | None = Field(default=None, description="default: the symbol's reporting currency")
    fx: Positive | None = Field(default=None, description="price-currency units per unit of currency")


class EarningsGrowth(_Driver):
    """EPS compounds at ``growth`` a year for ``years`` (default: the horizon)."""

    type: Literal["earnings_growth"]
    growth: Fraction
    years: Positive | None = None


class AiCapex(_Money):
    """Incremental capex spent in year 1, depreciated straight-line: EPS drag in ``year``."""

    type: Literal["ai_capex"]
    useful_life_years: Positive
    tax_rate: TaxRate | None = Field(default=None, description=_TAX)
    year: int = Field(default=1, ge=1, le=50)


class Subsidy(_Money):
    """One-off user subsidy (red packets, coupons); optional uplift from retained users."""

    type: Literal["subsidy"]
    tax_rate: TaxRate | None = Field(default=None, description=_TAX)
    users: NonNegative | None = None
    users_unit: Unit = "1"
    retention: Share | None = None
    arpu: NonNegative | None = Field(default=None, description="annual revenue per user, in currency")
    margin: SignedShare | None = None

    @model_validator(mode="after")
    def _uplift_complete(self) -> "Subsidy":
        given = [k for k in ("users", "retention", "arpu", "margin") if getattr(self, k) is not None]
        if given and len(given) != 4:
            missing = [k for k in ("users", "retention", "arpu", "margin") if getattr(self, k) is None]
            raise ValueError(f"the retained-user uplift needs users, retention, arpu and margin "
                             f"together (missing {', '.join(missing)})")
        return self


class Buyback(_Money):
    """Shares repurchased at the baseline price: EPS rises by shares / (shares - retired)."""

    type: Literal["buyback"]


class MarginChange(_Driver):
    """Operating margin moves by ``change`` (fraction points) on baseline sales."""

    type: Literal["margin_change"]
    change: SignedShare
    tax_rate: TaxRate | None = Field(default=None, description=_TAX)


class RevenueUplift(_Driver):
    """Extra revenue (``uplift`` x baseline sales) earned at ``margin`` (e.g. AI cloud revenue)."""

    type: Literal["revenue_uplift"]
    uplift: Fraction
    margin: SignedShare
    tax_rate: TaxRate | None = Field(default=None, description=_TAX)


class FxChange(_Driver):
    """The reporting currency moves against the listing currency: EPS converted to the price
    currency changes by ``change`` (e.g. +0.02 = CNY 2% stronger against HKD). Acts only on
    targets whose baseline ``currency`` (or ``currency`` here) differs from their listing one."""

    type: Literal["fx_change"]
    change: Fraction
    currency: Currency | None = Field(default=None, description="only symbols reporting in it")


class Rerating(_Driver):
    """The multiple changes by ``change``, or reverts toward ``target`` (a P/E, or P/S with
    ``basis: ps``) with ``half_life_years`` over the horizon (no half-life: reaches it)."""

    type: Literal["rerating"]
    change: Fraction | None = None
    target: Positive | None = None
    basis: Literal["pe", "ps"] = "pe"
    half_life_years: Positive | None = None

    @model_validator(mode="after")
    def _one_mode(self) -> "Rerating":
        if (self.change is None) == (self.target is None):
            raise ValueError("give exactly one of change (fraction) or target (multiple)")
        if self.half_life_years is not None and self.target is None:
            raise ValueError("half_life_years goes with target (reversion), not with change")
        return self


class SentimentShock(_Driver):
    """A price shock (simple return) on ``date`` whose log effect fades with a half-life in
    calendar days. A shock dated on/before as_of is already in the baseline price: the driver
    then models its fading (the recovery) until the horizon."""

    type: Literal["sentiment_shock"]
    shock: Fraction
    half_life_days: Positive
    date: Date | None = Field(default=None, description="event date (default: as_of)")


class IndexWeighting(_Driver):
    """Re-weight the universe as an index and report its return next to baseline weights."""

    type: Literal["index_weighting"]
    scheme: Literal["market_cap", "equal", "custom", "implied"] = "market_cap"
    weights: dict[Symbol, float] | None = Field(default=None, description="custom weights (any scale)")
    tilts: dict[str, float] = Field(default_factory=dict, description="theme or symbol -> multiplier")
    exclude: list[str] = Field(default_factory=list, description="symbols or themes to drop")
    cap: float | None = Field(default=None, gt=0, le=1, description="max weight per name")
    rebalance: list[Date] = Field(default_factory=list)
    benchmark: Symbol | None = Field(default=None, description="index for scheme implied")
    lookback_days: int = Field(default=250, ge=20, le=2000, description="implied: trading days")

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None:
            bad = {k: w for k, w in v.items() if not w >= 0}
            if bad:
                k, w = next(iter(bad.items()))
                raise ValueError(f"weights must be >= 0 (got {w:g} for {k})")
            if not sum(v.values()) > 0:
                raise ValueError("weights must have a positive sum")
        return v

    @field_validator("tilts")
    @classmethod
    def _tilts(cls, v: dict[str, float]) -> dict[str, float]:
        for k, m in v.items():
            if not m >= 0:
                raise ValueError(f"tilt multipliers must be >= 0 (got {m:g} for {k})")
        return v

    @model_validator(mode="after")
    def _custom(self) -> "IndexWeighting":
        if self.scheme == "custom" and not self.weights:
            raise ValueError("scheme custom needs weights: {symbol: weight}")
        if self.scheme != "custom" and self.weights:
            raise ValueError(f"weights are only used with scheme custom (scheme is {self.scheme})")
        return self


Driver = Annotated[
    Union[EarningsGrowth, AiCapex, Subsidy, Buyback, MarginChange, RevenueUplift, FxChange,
          Rerating, SentimentShock, IndexWeighting],
    Field(discriminator="type"),
]

DRIVER_TYPES: tuple[str, ...] = (
    "earnings_growth", "ai_capex", "subsidy", "buyback", "margin_change", "revenue_uplift",
    "fx_change", "rerating", "sentiment_shock", "index_weighting",
)

#: drivers that add an absolute amount to EPS and therefore need baseline eps and shares
NEEDS_EPS_AND_SHARES = ("ai_capex", "subsidy", "buyback")
NEEDS_SALES_AND_SHARES = ("margin_change", "revenue_uplift")


# ------------------------------------------------------------------ scenario


class Scenario(_Model):
    """One scenario file (after ``extends`` is resolved; ``grid`` not yet expanded)."""

    name: str = Field(min_length=1)
    description: str = ""
    narrative: Narrative = Field(default_factory=Narrative)
    as_of: Date
    horizon: Horizon
    universe: list[Symbol] | str = Field(description="symbols, or a named universe such as hstech")
    benchmarks: list[Symbol] = Field(default_factory=list)
    currency: Currency = "HKD"
    fx: dict[str, float] = Field(default_factory=dict, description="pairs such as CNYHKD: 1.09")
    themes: dict[str, list[Symbol]] = Field(default_factory=dict, description="theme -> symbols")
    baseline: dict[Symbol, Baseline] = Field(default_factory=dict)
    drivers: list[Driver] = Field(default_factory=list)
    monte_carlo: MonteCarlo = Field(default_factory=MonteCarlo)
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
            if not _PAIR.match(key):
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
        """Located :class:`~scenarios.model.checks.ScenarioWarning` found while loading."""
        return self._warnings

    @property
    def grid_point(self) -> dict[str, Any]:
        """The grid values this scenario was expanded with (empty if not from a grid)."""
        return self._grid_point

    def active_drivers(self) -> list[Any]:
        return [d for d in self.drivers if d.enabled]

    def horizon_date(self, as_of: dt.date | None = None) -> dt.date:
        """The horizon as a date. With ``as_of`` (walk-forward), a period horizon is applied from
        that date (:func:`~scenarios.model.periods.add_period`) and a date horizon keeps its
        offset from the scenario's own as_of: whole months (:func:`~scenarios.model.periods.
        add_months`) when that as_of, the horizon and the new as_of are all month ends (the
        walk-forward's roll dates: 2024-12-31 -> 2025-12-31 moved to 2025-03-31 gives
        2026-03-31), calendar days otherwise."""
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
