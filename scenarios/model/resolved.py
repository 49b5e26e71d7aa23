"""The resolve step: a loaded scenario -> an immutable, typed :class:`ResolvedScenario`.

Everything the engine needs is settled here, against the price source at the information
cut-off: the universe at that date, the horizon, the baseline arrays in the price currency
(closes read through one :class:`~scenarios.data.view.PriceView`), each enabled driver's
targets and FX, the index inputs, and a factory for located errors (``file:line:col field``).
The engine (:func:`scenarios.engine.run.run_resolved`) only does numbers with it; nothing
outside ``scenarios.model`` reads the YAML document.

Located problems raise :class:`~scenarios.errors.ScenarioError` (or ``ScenarioErrors``) in the
order a reader meets them: cut-off and horizon, draws, prices, universe, baseline, drivers,
index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from scenarios.data.base import PriceSource
from scenarios.data.view import PriceView
from scenarios.dates import as_date as _as_date
from scenarios.errors import ScenarioError, ScenarioErrors
from scenarios.model.drivers import DriverBase, DriverSpec, spec_of
from scenarios.model.portfolio import ResolvedPortfolio, resolve_portfolio
from scenarios.model.references import (
    ResolveError,
    driver_targets,
    fx_rate,
    price_currency,
    reporting_currency,
    resolve_universe,
    theme_map,
)
from scenarios.model.schema import Residual, Scenario

if TYPE_CHECKING:
    from scenarios.model.schema import IndexWeighting
from scenarios.model.validation import data_checks, missing_baseline, raw_key
from scenarios.yamlio import format_path

#: largest draws x symbols per run (every (draws, n) float64 array is 8 bytes per cell)
MAX_CELLS = 50_000_000

Path = tuple[str | int, ...]
#: ``error(path, message)`` -> a ScenarioError located at ``path`` in the scenario file
ErrorFactory = Callable[[Path, str], ScenarioError]


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class BaselineArrays:
    """Per-symbol baseline arrays (length n_symbols, universe order; NaN where not given).

    Money is in each symbol's price (listing) currency: reporting-currency figures are
    multiplied by the symbol's FX (price-currency units per reporting unit).
    """

    symbols: tuple[str, ...]
    price: np.ndarray            #: P0, the adjusted close on or before as_of, price currency
    eps: np.ndarray              #: EPS0, price currency (NaN: unknown -> multiple not reported)
    shares: np.ndarray           #: share count
    sales_ps: np.ndarray         #: annual sales per share, price currency
    tax: np.ndarray              #: default tax rate (fraction; 0 where not given)
    dividend_yield: np.ndarray   #: annual fraction (0 where not given)
    #: what ``eps`` holds: ``"eps"`` (P/E method) or ``"fcf"`` (FCF per share, ``valuation:
    #: fcf_yield``; ``multiple`` is then price / FCF = 1 / FCF yield)
    measure: str = "eps"

    @property
    def eps_internal(self) -> np.ndarray:
        """EPS0 used by the chain: the baseline EPS, or P0 (multiple 1) where unknown."""
        return np.where(np.isfinite(self.eps), self.eps, self.price)

    @property
    def multiple(self) -> np.ndarray:
        """M0 = P0 / EPS0 (NaN where EPS is unknown)."""
        return self.price / self.eps


@dataclass(frozen=True)
class ResolvedDriver:
    """One enabled driver that moves prices, with its targets settled."""

    position: int                 #: index in the file's ``drivers`` list (for located errors)
    spec: DriverSpec
    driver: DriverBase            #: the driver's schema object (an instance of ``spec.schema``)
    targets: tuple[str, ...]      #: symbols it acts on, universe order
    fx: np.ndarray | None         #: money drivers without ``fx``: price-currency units per unit
    #:                               of the driver's currency, per target; otherwise None

    @property
    def label(self) -> str:
        """The driver's name (label, else type): its contribution's key and stream prefix."""
        return str(self.driver.name)

    @property
    def type(self) -> str:
        """The driver's type name."""
        return self.spec.type


@dataclass(frozen=True)
class IndexInputs:
    """What the index line needs besides prices.

    The re-weighting driver (None: plain index), market caps (scenario currency; None when some
    member has neither market_cap nor shares, or the scheme does not use them), each symbol's theme
    and the benchmark of scheme implied.
    """

    driver: IndexWeighting | None
    path: Path
    market_caps: np.ndarray | None
    themes: Mapping[str, str | None]
    benchmark: str | None


@dataclass(frozen=True)
class ResolvedScenario:
    """A scenario settled against the prices at its cut-off: what the engine runs.

    Dates are the information cut-off ``as_of`` (a walk-forward may move it), the horizon and
    ``years = (horizon - as_of).days / 365.25``. ``prices`` is the look-ahead-safe view at
    ``as_of`` (later closes raise :class:`~scenarios.errors.LookAheadError`).
    """

    name: str
    file: str | None
    file_sha256: str | None
    grid_point: Mapping[str, Any]
    inputs: Mapping[str, Any]          #: the scenario as JSON (``model_dump``), echoed in results
    as_of: dt.date
    horizon: dt.date
    years: float
    draws: int
    seed: int
    symbols: tuple[str, ...]
    currencies: tuple[str, ...]        #: price (listing) currency per symbol
    return_kinds: tuple[str, ...]      #: "total return" / "price return" per symbol
    baseline: BaselineArrays
    baseline_dates: tuple[dt.date, ...]  #: date of each symbol's baseline close
    benchmarks: Mapping[str, Mapping[str, Any]]   #: symbol -> {date, level, return_kind}
    #: symbol -> {source, first, last, field} (+ rows, sha256: the fingerprint of a stock's rows)
    data_sources: Mapping[str, Mapping[str, Any]]
    drivers: tuple[ResolvedDriver, ...]  #: enabled drivers with a log-return term, file order
    index: IndexInputs
    residual: Residual | None
    prices: PriceView
    warnings: tuple[str, ...]
    error: ErrorFactory                #: ``error(path, message)`` -> located ScenarioError
    #: baseline values taken from data: symbol -> item -> {value, period, source, known_from}
    fundamentals: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: sentences on how the data were read (a half-day close used, a stale bar replaced): not problems
    notes: tuple[str, ...] = ()
    #: the ``portfolio:`` block settled against the universe and benchmarks (None without one)
    portfolio: ResolvedPortfolio | None = None
    #: ``valuation: dcf``: log(V(1, params_h) / V(1, params_0)), the DCF move of price / FCF
    #: (0 for pe and fcf_yield)
    valuation_log: float = 0.0

    @property
    def benchmark_symbols(self) -> tuple[str, ...]:
        """The declared benchmark symbols."""
        return tuple(self.benchmarks)


# ---------------------------------------------------------------------------- helpers




def error_factory(scenario: Scenario) -> ErrorFactory:
    """``error(path, message)``.

    A ScenarioError at ``path`` of the scenario's file (line and column when it was read from a
    file, the field path otherwise).
    """
    doc = scenario._doc

    def error(path: Path, message: str) -> ScenarioError:
        if doc is not None:
            return doc.error(path, message)
        return ScenarioError(message, file=scenario.file, field=format_path(path) or None)
    return error


def _baseline_key(scenario: Scenario, sym: str) -> Any:
    """Return the baseline key of ``sym`` as written in the file."""
    return raw_key(scenario._doc, ("baseline",), sym) if scenario._doc else sym


def _provenance(source: Any, sym: str) -> str:
    getter = getattr(source, "source_of", None)
    name = getter(sym) if callable(getter) else None
    return str(name or getattr(source, "name", type(source).__name__))


def _baseline_arrays(scenario: Scenario, symbols: list[str], price: np.ndarray,
                     error: ErrorFactory) -> BaselineArrays:
    n = len(symbols)
    fcf_method = scenario.valuation.method != "pe"
    eps = np.full(n, np.nan)
    shares = np.full(n, np.nan)
    sales_ps = np.full(n, np.nan)
    tax = np.zeros(n)
    dy = np.zeros(n)
    for j, sym in enumerate(symbols):
        b = scenario.baseline.get(sym)
        if b is None:
            continue
        try:
            fx = float(fx_rate(scenario, sym, reporting_currency(scenario, sym)))
        except ResolveError as exc:
            raise error(("baseline", _baseline_key(scenario, sym), "currency"), exc.message) from None
        if b.shares is not None:
            shares[j] = b.shares.scaled
        if fcf_method:  # the chain's "earnings" are FCF per share (valuation: fcf_yield)
            eps[j] = _fcf_per_share(scenario, sym, b, fx, error)
        elif b.eps is not None:
            if not b.eps.value > 0:
                raise error(("baseline", _baseline_key(scenario, sym), "eps"),
                            "must be > 0: the price model divides the close "
                            f"by EPS (got {b.eps.value:g}); leave eps out for a loss-making company")
            eps[j] = b.eps.value * fx
        if b.sales is not None and b.shares is not None:
            sales_ps[j] = b.sales.scaled * fx / b.shares.scaled
        if b.tax_rate is not None:
            tax[j] = b.tax_rate.value
        if b.dividend_yield is not None:
            dy[j] = b.dividend_yield.value
    return BaselineArrays(symbols=tuple(symbols), price=_frozen(price), eps=_frozen(eps),
                          shares=_frozen(shares), sales_ps=_frozen(sales_ps), tax=_frozen(tax),
                          dividend_yield=_frozen(dy), measure="fcf" if fcf_method else "eps")


def _dcf_unit(dcf: Any, horizon: bool) -> float:
    """Two-stage DCF value of one unit of current FCF (``valuation.cashflow.dcf_value``)."""
    from valuation.cashflow import dcf_value

    years, g, gt, r = dcf.params(horizon)
    return float(dcf_value(1.0, g, years, gt, r))  # type: ignore[arg-type]


def _dcf_log_ratio(scenario: Scenario, error: ErrorFactory) -> float:
    """log(V(1, params at the horizon) / V(1, params at as_of)).

    V is linear in FCF, so the DCF price anchored at P0 is P0 x FCF_h / FCF0 x exp(this).
    """
    dcf = scenario.valuation.dcf
    try:
        v0, vh = _dcf_unit(dcf, False), _dcf_unit(dcf, True)
    except ValueError as exc:  # ValuationError: growth above the discount rate for ever, ...
        raise error(("valuation", "dcf"), str(exc)) from None
    if not (v0 > 0 and vh > 0):
        raise error(("valuation", "dcf"), f"the DCF value per unit of FCF must be > 0 "
                    f"(as_of {v0:g}, horizon {vh:g})")
    return float(np.log(vh / v0))


def _fcf_per_share(scenario: Scenario, sym: str, b: Any, fx: float, error: ErrorFactory) -> float:
    """Baseline FCF per share in the price currency (``valuation: fcf_yield``).

    The ``fcf`` total (x unit, reporting currency) x FX / shares; refused unless > 0; NaN without
    fcf.
    """
    key = _baseline_key(scenario, sym)
    if b.fcf is None:  # like a missing eps under pe: multiple not reported, FCF drivers refused
        return float("nan")
    if b.shares is None:
        raise error(("baseline", key, "fcf"), f"valuation {scenario.valuation.method} needs baseline shares for {sym} "
                    "to turn the fcf total into FCF per share")
    if not b.fcf.value > 0:
        raise error(("baseline", key, "fcf"),
                    f"must be > 0 under valuation {scenario.valuation.method}: the price model divides the close by "
                    f"FCF per share (got {b.fcf.value:g}); a company with negative free cash flow "
                    "has no FCF yield: use method pe, or a normalised (through-the-cycle) fcf "
                    "stated as an assumption")
    return float(b.fcf.scaled * fx / b.shares.scaled)


def _drivers(scenario: Scenario, symbols: list[str], error: ErrorFactory,
             ) -> tuple[tuple[ResolvedDriver, ...], tuple[int, IndexWeighting] | None]:
    """Return the enabled drivers with a log-return term, and the index re-weighting (if any)."""
    out: list[ResolvedDriver] = []
    index_driver: tuple[int, IndexWeighting] | None = None
    for i, d in enumerate(scenario.drivers):
        if not d.enabled:
            continue
        spec = spec_of(d.type)
        if spec.evaluate is None:  # re-weights the index line (index_weighting)
            index_driver = (i, cast("IndexWeighting", d))
            continue
        try:
            targets = driver_targets(scenario, i, d, symbols)
        except ResolveError as exc:
            raise error(exc.path, exc.message) from None
        if spec.narrow is not None:
            targets = spec.narrow(scenario, d, targets)
        why = missing_baseline(scenario, d, targets)  # a walk-forward as_of may add members
        if why:
            raise error(("drivers", i, "type"), why)
        fx = None
        if spec.money and d.fx is None and targets:  # type: ignore[attr-defined]  # money drivers have fx
            try:
                fx = _frozen(np.array([float(fx_rate(scenario, sym, d.currency or  # type: ignore[attr-defined]
                                                     reporting_currency(scenario, sym)))
                                       for sym in targets]))
            except ResolveError as exc:
                raise error(("drivers", i, "currency"), exc.message) from None
        out.append(ResolvedDriver(position=i, spec=spec, driver=d, targets=tuple(targets), fx=fx))
    return tuple(out), index_driver


def _market_caps(scenario: Scenario, symbols: list[str], price: np.ndarray, error: ErrorFactory,
                 path: Path) -> np.ndarray:
    """Return the market caps of the members.

    Market caps (baseline market_cap, else shares x P0), in the scenario currency when the
    members are listed in more than one currency.
    """
    caps = np.empty(len(symbols))
    currencies = {price_currency(s) for s in symbols}
    for j, s in enumerate(symbols):
        b = scenario.baseline.get(s)
        if b is not None and b.market_cap is not None:
            cap = b.market_cap.scaled
        elif b is not None and b.shares is not None:
            cap = b.shares.scaled * price[j]
        else:
            raise error(path, f"market-cap weights need baseline market_cap or shares for {s}")
        if len(currencies) > 1 and price_currency(s) != scenario.currency:
            # bring every cap to the scenario currency (fx_rate gives listing-ccy per unit of ccy)
            try:
                rate = fx_rate(scenario, s, scenario.currency)
            except ResolveError as exc:
                raise error(("fx",), f"mixed listing currencies in the index: {exc.message}") from None
            cap = cap / float(rate)
        caps[j] = cap
    return _frozen(caps)


def _index_inputs(scenario: Scenario, symbols: list[str], price: np.ndarray, error: ErrorFactory,
                  index_driver: tuple[int, IndexWeighting] | None) -> IndexInputs:
    driver = index_driver[1] if index_driver else None
    path: Path = ("drivers", index_driver[0]) if index_driver else ("universe",)
    caps = None
    if driver is None:
        given = [scenario.baseline.get(s) for s in symbols]
        if all(b is not None and (b.market_cap is not None or b.shares is not None) for b in given):
            caps = _market_caps(scenario, symbols, price, error, path)
    elif driver.scheme == "market_cap":
        caps = _market_caps(scenario, symbols, price, error, path)
    benchmark = None
    if driver is not None and driver.scheme == "implied":
        benchmark = driver.benchmark or next(iter(scenario.benchmarks), None)
        if benchmark is None:
            raise error(path + ("scheme",), "scheme implied needs a benchmark (driver benchmark: "
                        "or the scenario's benchmarks list)")
    themes = theme_map(scenario, symbols) if driver is not None else {}
    return IndexInputs(driver=driver, path=path, market_caps=caps,
                       themes=MappingProxyType(dict(themes)), benchmark=benchmark)


# ---------------------------------------------------------------------------- the step


def resolve_scenario(scenario: Scenario, *, source: PriceSource | None = None, draws: int | None = None,
                     seed: int | None = None, as_of: Any = None,
                     also_read: Sequence[str] = ()) -> ResolvedScenario:
    """Settle ``scenario`` against ``source`` at its cut-off (see the module docstring).

    Args:
        scenario: a loaded :class:`~scenarios.model.schema.Scenario`.
        source: price source (default :func:`scenarios.data.default_source`).
        draws, seed: override ``monte_carlo.draws`` / ``monte_carlo.seed``.
        as_of: override the information cut-off (walk-forward backtests). A period horizon
            (``6M``) is applied from the new date; a date horizon keeps its offset from the
            scenario's own ``as_of``. Named universes are taken at the new date; baseline
            ``from_data`` items and dated series resolve at the new date (plain numbers are
            used as written).
        also_read: more symbols whose prices the caller will read through this view (the
            engine's index replica members): they are read in the same batch as the universe
            and benchmarks, so a run reads the store once.

    Raises
    ------
        ScenarioError, ScenarioErrors: located problems (unknown symbols, stale prices, a
            driver without the baseline it needs, a missing FX rate).
    """
    from scenarios.data.symbols import return_kind

    error = error_factory(scenario)
    cut = _as_date(as_of) or scenario.as_of
    horizon = scenario.horizon_date(cut if as_of is not None else None)
    if horizon <= cut:
        raise error(("horizon",), f"must be after as_of ({cut}) (got {horizon})")
    years = (horizon - cut).days / 365.25
    n_draws = int(draws if draws is not None else scenario.monte_carlo.draws)
    run_seed = int(seed if seed is not None else scenario.monte_carlo.seed)
    if n_draws < 1:
        raise ScenarioError(f"draws must be >= 1 (got {n_draws})", field="monte_carlo.draws")
    if source is None:
        from scenarios.data import default_source

        source = default_source()

    view = PriceView(source, cut)
    try:  # every series of the run in one batch (one store read); the checks below read them
        batch = [*resolve_universe(scenario, cut), *scenario.benchmarks, *also_read]
    except ResolveError:
        batch = []  # data_checks reports it
    if batch:
        view.prefetch(list(dict.fromkeys(batch)))
    # baselines from data (eps: from_data ...), resolved at this run's as_of (a no-op when
    # nothing is asked from data); see scenarios.model.from_data
    from scenarios.model.from_data import fill_baselines

    scenario, from_data = fill_baselines(scenario, cut, prices=source, view=view, fail=error)
    found: dict[str, tuple[Any, float, Any]] = {}
    notes: list[str] = []
    errors, warns = data_checks(scenario, source, as_of=cut, view=view, found=found, notes=notes)
    if errors:
        raise ScenarioErrors(errors)
    warnings = [w.format() for w in scenario.warnings] + [w.format() for w in warns]
    try:
        symbols = resolve_universe(scenario, cut)
    except ResolveError as exc:
        raise error(exc.path, exc.message) from None
    if isinstance(scenario.universe, str):
        # members of a named universe without prices were reported by data_checks and left out
        symbols = [s for s in symbols if s in found]
    if n_draws * len(symbols) > MAX_CELLS:
        raise ScenarioError(
            f"{n_draws:,} draws x {len(symbols)} symbols = {n_draws * len(symbols):,} cells is more "
            f"than this engine holds in memory ({MAX_CELLS:,}; each array would take "
            f"{n_draws * len(symbols) * 8 / 2**20:,.0f} MiB): use fewer draws", field="monte_carlo.draws")

    # baseline closes (as_of only), read once by data_checks through the same view
    price = np.empty(len(symbols))
    days: list[dt.date] = []
    data_sources: dict[str, dict[str, Any]] = {}
    from scenarios.data.fingerprint import rows_fingerprint

    for j, sym in enumerate(symbols):
        day, close, first = found[sym]
        price[j] = close
        days.append(day.date())
        used = view.history(sym, first, day)  # the rows this run could see (reproducibility)
        data_sources[sym] = {"source": _provenance(source, sym), "first": first.date().isoformat(),
                             "last": day.date().isoformat(), "field": "close (adjusted)",
                             "rows": int(len(used)), "sha256": rows_fingerprint(used)}
    benchmarks: dict[str, dict[str, Any]] = {}
    for b in scenario.benchmarks:
        day, level, first = found[b]
        benchmarks[b] = {"date": day.date().isoformat(), "level": level, "return_kind": "price"}
        data_sources[b] = {"source": _provenance(source, b), "first": first.date().isoformat(),
                           "last": day.date().isoformat(), "field": "close (index level)"}

    baseline = _baseline_arrays(scenario, symbols, price, error)
    valuation_log = 0.0
    if scenario.valuation.method != "pe":
        notes.append(f"valuation {scenario.valuation.method} ({scenario.valuation.convention} FCF "
                     "convention): the earnings state is FCF per share and the multiple is price / "
                     "FCF (1 / FCF yield), implied from the as_of close")
    if scenario.valuation.dcf is not None:
        valuation_log = _dcf_log_ratio(scenario, error)
        notes.append("valuation dcf: the DCF value per unit of FCF moves from "
                     f"{_dcf_unit(scenario.valuation.dcf, False):.4g} (as_of) to "
                     f"{_dcf_unit(scenario.valuation.dcf, True):.4g} (horizon): a log change of "
                     f"{valuation_log:+.4f} of price / FCF")
    drivers, index_driver = _drivers(scenario, symbols, error)
    index = _index_inputs(scenario, symbols, baseline.price, error, index_driver)
    portfolio = None
    if scenario.portfolio is not None:
        portfolio = resolve_portfolio(
            scenario.portfolio, scenario_currency=scenario.currency, fx=scenario.fx,
            symbols=symbols, benchmarks=list(benchmarks), error=error,
            index_kind="total" if all(return_kind(s) == "total" for s in symbols) else "mixed")
    return ResolvedScenario(
        name=scenario.name, file=scenario.file, file_sha256=scenario.file_sha256,
        grid_point=MappingProxyType(dict(scenario.grid_point)),
        inputs=MappingProxyType(scenario.model_dump(mode="json")),
        as_of=cut, horizon=horizon, years=years, draws=n_draws, seed=run_seed,
        symbols=tuple(symbols), currencies=tuple(price_currency(s) for s in symbols),
        return_kinds=tuple(return_kind(s) for s in symbols),
        baseline=baseline, baseline_dates=tuple(days),
        benchmarks=MappingProxyType(benchmarks), data_sources=MappingProxyType(data_sources),
        drivers=drivers, index=index, residual=scenario.monte_carlo.residual, prices=view,
        warnings=tuple(warnings), error=error,
        fundamentals=MappingProxyType(dict(from_data)), notes=tuple(notes), portfolio=portfolio,
        valuation_log=valuation_log,
    )
