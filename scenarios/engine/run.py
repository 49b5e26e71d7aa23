"""``run_scenario``: price a scenario's universe at its horizon under every Monte Carlo draw.

Price model (per symbol and draw)::

    P_h = P0 * (EPS_h / EPS0) * (M_h / M0) * exp(shock terms) * exp(dividend carry)

``P0`` is the adjusted close on or before ``as_of`` read through a
:class:`~scenarios.data.view.PriceView` (nothing after ``as_of`` is ever read), and
``M0 = P0 / EPS0`` is implied from it, so with neutral drivers ``P_h == P0`` exactly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from scenarios.errors import ScenarioError, ScenarioErrors
from scenarios.yamlio import format_path


#: largest draws x symbols per run (every (draws, n) float64 array is 8 bytes per cell)
MAX_CELLS = 50_000_000


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    import pandas as pd

    return pd.Timestamp(value).date()


def _fail_factory(scenario: Any):
    doc = scenario._doc

    def fail(path: tuple[str | int, ...], message: str) -> ScenarioError:
        if doc is not None:
            return doc.error(path, message)
        return ScenarioError(message, file=scenario.file, field=format_path(path) or None)
    return fail


def run_scenario(scenario: Any, *, source: Any = None, draws: int | None = None,
                 seed: int | None = None, as_of: Any = None) -> "Any":
    """Run ``scenario`` and return a :class:`~scenarios.engine.result.ScenarioResult`.

    Args:
        scenario: a :class:`~scenarios.model.schema.Scenario` (e.g. from ``load_scenario``).
        source: price source (default :func:`scenarios.data.default_source`).
        draws, seed: override ``monte_carlo.draws`` / ``monte_carlo.seed``.
        as_of: override the information cut-off (walk-forward backtests). A period horizon
            (``6M``) is applied from the new date; a date horizon keeps its offset from the
            scenario's own ``as_of``. Named universes are taken at the new date; baseline
            fundamentals are used as written.

    Raises:
        ScenarioErrors: located problems found with the prices (unknown symbols, stale data).
    """
    from scenarios.data.symbols import return_kind
    from scenarios.engine.evaluate import Baseline, apply_driver, dividends, new_state
    from scenarios.engine.index import index_weights
    from scenarios.engine.result import ScenarioResult, combined_return_kind
    from scenarios.engine.sampling import Sampler
    from scenarios.model.checks import data_checks
    from scenarios.model.resolve import (
        ResolveError,
        driver_targets,
        fx_rate,
        price_currency,
        reporting_currency,
        resolve_universe,
    )
    from scenarios.data.view import PriceView

    from scenarios.model.checks import missing_baseline, raw_key

    fail = _fail_factory(scenario)
    cut = _as_date(as_of) or scenario.as_of
    horizon = scenario.horizon_date(cut if as_of is not None else None)
    if horizon <= cut:
        raise fail(("horizon",), f"must be after as_of ({cut}) (got {horizon})")
    years = (horizon - cut).days / 365.25
    n_draws = int(draws if draws is not None else scenario.monte_carlo.draws)
    run_seed = int(seed if seed is not None else scenario.monte_carlo.seed)
    if n_draws < 1:
        raise ScenarioError(f"draws must be >= 1 (got {n_draws})", field="monte_carlo.draws")
    if source is None:
        from scenarios.data import default_source

        source = default_source()

    view = PriceView(source, cut)
    found: dict[str, tuple[Any, float, Any]] = {}
    errors, warns = data_checks(scenario, source, as_of=cut, view=view, found=found)
    if errors:
        raise ScenarioErrors(errors)
    warnings = [w.format() for w in scenario.warnings] + [w.format() for w in warns]
    try:
        symbols = resolve_universe(scenario, cut)
    except ResolveError as exc:
        raise fail(exc.path, exc.message) from None
    if isinstance(scenario.universe, str):  # members of a named universe without prices are left
        symbols = [s for s in symbols if s in found]  # out (data_checks warned about each)
        if not symbols:
            raise fail(("universe",), f"no member of universe {scenario.universe!r} has price data on {cut}")

    if n_draws * len(symbols) > MAX_CELLS:
        raise ScenarioError(
            f"{n_draws:,} draws x {len(symbols)} symbols = {n_draws * len(symbols):,} cells is more "
            f"than this engine holds in memory ({MAX_CELLS:,}; each array would take "
            f"{n_draws * len(symbols) * 8 / 2**20:,.0f} MiB): use fewer draws", field="monte_carlo.draws")

    # ---------------------------------------------------------------- baseline (as_of only)
    n = len(symbols)
    price = np.empty(n)
    dates: list[str] = []
    data_sources: dict[str, dict[str, Any]] = {}

    def provenance(sym: str) -> str:
        getter = getattr(source, "source_of", None)
        name = getter(sym) if callable(getter) else None
        return str(name or getattr(source, "name", type(source).__name__))

    from scenarios.data.fingerprint import rows_fingerprint

    for j, sym in enumerate(symbols):
        day, close, first = found[sym]  # read once, by data_checks, through the same view
        price[j] = close
        dates.append(day.date().isoformat())
        used = view.history(sym, first, day)  # the rows this run could see (reproducibility)
        data_sources[sym] = {"source": provenance(sym), "first": first.date().isoformat(),
                             "last": day.date().isoformat(), "field": "close (adjusted)",
                             "rows": int(len(used)), "sha256": rows_fingerprint(used)}
    benchmarks: dict[str, dict[str, Any]] = {}
    for b in scenario.benchmarks:
        day, level, first = found[b]
        benchmarks[b] = {"date": day.date().isoformat(), "level": level, "return_kind": "price"}
        data_sources[b] = {"source": provenance(b), "first": first.date().isoformat(),
                           "last": day.date().isoformat(), "field": "close (index level)"}

    def fx_for(sym: str, currency: str | None) -> Any:
        ccy = currency or reporting_currency(scenario, sym)
        return fx_rate(scenario, sym, ccy)

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
            fx = float(fx_for(sym, None))
        except ResolveError as exc:
            raise fail(("baseline", raw_key(scenario._doc, ("baseline",), sym) if scenario._doc else sym, "currency"), exc.message) from None
        if b.shares is not None:
            shares[j] = b.shares.scaled
        if b.eps is not None:
            if not b.eps.value > 0:
                raise fail(("baseline", raw_key(scenario._doc, ("baseline",), sym) if scenario._doc else sym, "eps"), "must be > 0: the price model divides the close "
                           f"by EPS (got {b.eps.value:g}); leave eps out for a loss-making company")
            eps[j] = b.eps.value * fx
        if b.sales is not None and b.shares is not None:
            sales_ps[j] = b.sales.scaled * fx / b.shares.scaled
        if b.tax_rate is not None:
            tax[j] = b.tax_rate.value
        if b.dividend_yield is not None:
            dy[j] = b.dividend_yield.value
    base = Baseline(symbols=symbols, price=price, eps=eps, shares=shares, sales_ps=sales_ps,
                    tax=tax, dividend_yield=dy)

    # ---------------------------------------------------------------- drivers
    sampler = Sampler(run_seed, n_draws)
    state = new_state(base, n_draws)
    index_driver: tuple[int, Any] | None = None
    for i, d in enumerate(scenario.drivers):
        if not d.enabled:
            continue
        if d.type == "index_weighting":
            index_driver = (i, d)
            continue
        try:
            targets = driver_targets(scenario, i, d, symbols)
        except ResolveError as exc:
            raise fail(exc.path, exc.message) from None
        if d.type == "fx_change":
            from scenarios.model.resolve import fx_exposed

            targets = fx_exposed(scenario, d, targets)
        why = missing_baseline(scenario, d, targets)  # a walk-forward as_of may add members
        if why:
            raise fail(("drivers", i, "type"), why)
        try:
            apply_driver(state, base, d, d.name, targets, sampler, as_of=cut, horizon=horizon,
                         years=years, fx_for=fx_for)
        except ResolveError as exc:
            raise fail(("drivers", i, "currency"), exc.message) from None
        except ValueError as exc:  # ValuationError: an input the schema could not rule out
            raise fail(("drivers", i), f"{d.type}: {exc}") from None
    div_label = "dividends" if "dividends" not in state.contributions else "dividend_carry"
    dividends(state, base, years, div_label)
    residual_info = None
    if scenario.monte_carlo.residual is not None:
        residual_info = _add_residual(scenario, state, sampler, symbols, view, found, horizon,
                                      n_draws, fail)
    for sym, count in state.floored.items():
        warnings.append(f"{sym}: {count} of {n_draws} draws pushed EPS below "
                        f"{100 * 0.01:g}% of its baseline; floored there (the P/E model needs EPS > 0)")

    total = np.zeros((n_draws, n))
    for c in state.contributions.values():
        np.add(total, c, out=total)
    predicted_return = np.expm1(total)
    predicted_price = np.exp(total, out=total)
    predicted_price *= price
    known = np.isfinite(eps)
    if state.log_multiple is None:
        multiple = np.broadcast_to(base.multiple, (n_draws, n))
    else:
        multiple = np.exp(state.log_multiple, out=state.log_multiple)
        multiple *= base.multiple
    eps_out = state.eps
    if not known.all():
        eps_out = np.where(known, eps_out, np.nan)
        multiple = np.where(known, multiple, np.nan)
    eps_out = np.array(eps_out) if not eps_out.flags.writeable else eps_out
    multiple = np.array(multiple) if not multiple.flags.writeable else multiple

    # ---------------------------------------------------------------- index line
    path = ("drivers", index_driver[0]) if index_driver else ("universe",)
    try:
        iw = index_weights(scenario, index_driver[1] if index_driver else None, symbols, price,
                           view, fail, path)
    except ValueError as exc:  # ValuationError (e.g. all weights zero)
        raise fail(path, str(exc)) from None
    index_return = predicted_return @ iw.after
    index_before = predicted_return @ iw.before

    inputs = scenario.model_dump(mode="json")
    inputs["resolved"] = {"as_of": cut.isoformat(), "horizon": horizon.isoformat(),
                          "horizon_years": years, "universe": symbols,
                          "random_parameters": sorted(sampler.keys)}
    if iw.notes:
        inputs["resolved"]["index_fit"] = list(iw.notes)
    return ScenarioResult(
        name=scenario.name, symbols=symbols, currencies=[price_currency(s) for s in symbols],
        as_of=cut.isoformat(), horizon=horizon.isoformat(), horizon_years=years,
        baseline_price=price, baseline_date=dates, predicted_price=predicted_price,
        predicted_return=predicted_return, eps=eps_out, multiple=multiple,
        contributions=state.contributions, seed=run_seed, draws=n_draws,
        index_scheme=iw.scheme, index_return=index_return, index_return_before=index_before,
        index_weights_before=iw.before, index_weights_after=iw.after, benchmarks=benchmarks,
        inputs=inputs, data_sources=data_sources, file=scenario.file,
        file_sha256=scenario.file_sha256, warnings=warnings + [w for w in view.warnings if w not in warnings],
        grid_point=dict(scenario.grid_point),
        residual=residual_info,
        return_kind=combined_return_kind([return_kind(s) for s in symbols]),
    )


def _add_residual(scenario: Any, state: Any, sampler: Any, symbols: list[str], view: Any,
                  found: dict[str, Any], horizon: dt.date, n_draws: int, fail: Any) -> dict[str, Any]:
    """Record the ``residual`` contribution (see :mod:`scenarios.engine.residual`)."""
    from scenarios.engine.residual import ResidualDataError, residual_draws, resolve_residual
    from scenarios.errors import DataUnavailableError

    cfg = scenario.monte_carlo.residual
    label = "residual" if "residual" not in state.contributions else "market_residual"
    path = ("monte_carlo", "residual")
    try:
        spec = resolve_residual(cfg, symbols, view, [found[s][0].date() for s in symbols], horizon,
                                list(scenario.benchmarks), label)
    except ResidualDataError as exc:
        raise fail(path + ("vol",), str(exc)) from None
    except DataUnavailableError as exc:
        raise fail(path + ("factor",), f"correlation factor: {exc}") from None

    def generator(key: str) -> Any:
        sampler.keys.append(key)
        return sampler.generator(key)

    state.contributions[label] = residual_draws(spec, generator, n_draws)
    return spec.to_dict()
