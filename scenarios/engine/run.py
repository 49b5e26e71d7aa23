"""``run_scenario``: price a scenario's universe at its horizon under every Monte Carlo draw.

Price model (per symbol and draw)::

    P_h = P0 * (EPS_h / EPS0) * (M_h / M0) * exp(shock terms) * exp(dividend carry)

``P0`` is the adjusted close on or before ``as_of`` read through a
:class:`~scenarios.data.view.PriceView` (nothing after ``as_of`` is ever read), and
``M0 = P0 / EPS0`` is implied from it, so with neutral drivers ``P_h == P0`` exactly.

Two steps: :func:`scenarios.model.resolved.resolve_scenario` settles the scenario against the
prices (a :class:`~scenarios.model.resolved.ResolvedScenario`), and :func:`run_resolved` does
the numbers. :func:`run_scenario` does both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from scenarios.data.base import PriceSource
from scenarios.engine import index as _index
from scenarios.engine.evaluate import (
    EPS_FLOOR_FRACTION,
    VALUE_FLOOR_FRACTION,
    State,
    apply_driver,
    apply_value_adjustments,
    dividends,
    new_state,
    valuation_term,
)
from scenarios.engine.noise_free import driver_attribution
from scenarios.engine.residual import ResidualDataError, residual_draws, resolve_residual
from scenarios.engine.result import ScenarioResult, combined_return_kind
from scenarios.engine.sampling import Sampler
from scenarios.errors import DataUnavailableError
from scenarios.model.resolved import MAX_CELLS, ResolvedScenario, resolve_scenario
from scenarios.model.schema import Scenario

__all__ = ["MAX_CELLS", "run_resolved", "run_scenario"]


def run_scenario(scenario: Scenario, *, source: PriceSource | None = None, draws: int | None = None,
                 seed: int | None = None, as_of: dt.date | str | None = None) -> ScenarioResult:
    """Run ``scenario`` and return a :class:`~scenarios.engine.result.ScenarioResult`.

    Args:
        scenario: a :class:`~scenarios.model.schema.Scenario` (e.g. from ``load_scenario``).
        source: price source (default :func:`scenarios.data.default_source`).
        draws, seed: override ``monte_carlo.draws`` / ``monte_carlo.seed``.
        as_of: override the information cut-off (walk-forward backtests). A period horizon
            (``6M``) is applied from the new date; a date horizon keeps its offset from the
            scenario's own ``as_of``. Named universes are taken at the new date; baseline
            fundamentals are used as written.

    Raises
    ------
        ScenarioErrors: located problems found with the prices (unknown symbols, stale data).
    """
    resolved = resolve_scenario(scenario, source=source, draws=draws, seed=seed, as_of=as_of)
    return run_resolved(resolved)


def run_resolved(rs: ResolvedScenario, *, sampler: Sampler | None = None) -> ScenarioResult:
    """Run a resolved scenario: drivers, dividend carry, residual noise, prices, index line.

    ``sampler``: default ``Sampler(rs.seed, rs.draws)``; one with the same seed and draws that
    fixes some parameters gives common random numbers for the others (two-way sensitivity).
    """
    if sampler is None:
        sampler = Sampler(rs.seed, rs.draws)
    elif sampler.draws != rs.draws:
        raise ValueError(f"sampler has {sampler.draws} draws, the scenario {rs.draws}")
    state = _drivers(rs, sampler)
    base = rs.baseline
    valuation_term(state, base, rs.valuation_log)  # valuation: dcf (0 otherwise)
    div_label = "dividends" if "dividends" not in state.contributions else "dividend_carry"
    dividends(state, base, rs.years, div_label)
    residual_info = _add_residual(rs, state, sampler) if rs.residual is not None else None
    _value_adjustments(rs, state)
    warnings = list(rs.warnings)
    # what the view said about the prices it handed out (bad rows dropped with --drop-bad-rows,
    # one-day spikes left out of volatility estimates)
    warnings += [w for w in getattr(rs.prices, "warnings", ()) if w not in warnings]
    for sym, count in state.floored.items():
        warnings.append(f"{sym}: {count} of {rs.draws} draws pushed EPS below "
                        f"{100 * EPS_FLOOR_FRACTION:g}% of its baseline; floored there (the P/E model needs EPS > 0)")
    for sym, count in state.value_floored.items():
        warnings.append(f"{sym}: in {count} of {rs.draws} draws a cash item (one-off, programme or "
                        f"buyback) would leave less than {100 * VALUE_FLOOR_FRACTION:g}% of the "
                        "horizon price; floored there")

    predicted_return, predicted_price, eps_out, multiple = _prices(rs, state)
    attribution = driver_attribution(rs)  # the noise-free path and its Shapley terms (pp)
    warnings += _band_sanity(rs, predicted_return)
    iw = _index_line(rs)
    inputs = dict(rs.inputs)
    inputs["resolved"] = {"as_of": rs.as_of.isoformat(), "horizon": rs.horizon.isoformat(),
                          "horizon_years": rs.years, "universe": list(rs.symbols),
                          "random_parameters": sorted(sampler.keys)}
    if iw.notes:
        inputs["resolved"]["index_fit"] = list(iw.notes)
    if rs.fundamentals:
        inputs["resolved"]["fundamentals"] = {k: dict(v) for k, v in rs.fundamentals.items()}
    out = ScenarioResult(
        name=rs.name, symbols=list(rs.symbols), currencies=list(rs.currencies),
        as_of=rs.as_of.isoformat(), horizon=rs.horizon.isoformat(), horizon_years=rs.years,
        baseline_price=np.array(base.price), baseline_date=[d.isoformat() for d in rs.baseline_dates],
        predicted_price=predicted_price, predicted_return=predicted_return, eps=eps_out,
        multiple=multiple, contributions=state.contributions, seed=rs.seed, draws=rs.draws,
        index_scheme=iw.scheme, index_return=predicted_return @ iw.after,
        index_return_before=predicted_return @ iw.before, index_weights_before=iw.before,
        index_weights_after=iw.after, benchmarks={k: dict(v) for k, v in rs.benchmarks.items()},
        inputs=inputs, data_sources={k: dict(v) for k, v in rs.data_sources.items()}, file=rs.file,
        file_sha256=rs.file_sha256, warnings=warnings, notes=list(rs.notes), grid_point=dict(rs.grid_point),
        residual=residual_info, return_kind=combined_return_kind(list(rs.return_kinds)),
        point_return=attribution.total_pp / 100.0, attribution=attribution.to_dict(),
    )
    if rs.portfolio is not None:  # the portfolio block's P&L (scenarios.engine.pnl)
        from scenarios.engine.pnl import portfolio_pnl

        out.pnl = portfolio_pnl(rs, out)
    return out


#: A 5-95% band reaching past these returns (fractions) is implausible for a horizon of years:
#: it usually means a unit slip (shares without ``unit: bn``) or a bad price in the history.
BAND_LIMITS: tuple[float, float] = (-0.99, 10.0)


def _band_sanity(rs: ResolvedScenario, predicted_return: np.ndarray) -> list[str]:
    """One warning per symbol whose 5-95% band is wider than -99%..+1,000%."""
    lo, hi = BAND_LIMITS
    q = np.quantile(predicted_return, [0.05, 0.95], axis=0)
    return [f"{sym}: the 5-95% band {100 * a:+.1f}%..{100 * b:+.1f}% is wider than "
            f"{100 * lo:+.0f}%..{100 * hi:+,.0f}%: check the baseline units and the price history"
            for sym, a, b in zip(rs.symbols, q[0], q[1], strict=True) if a < lo or b > hi]


def _drivers(rs: ResolvedScenario, sampler: Sampler) -> State:
    """Apply every driver in file order; a ValuationError becomes a located error."""
    state = new_state(rs.baseline, rs.draws)
    for rd in rs.drivers:
        try:
            apply_driver(state, rs.baseline, rd, sampler, as_of=rs.as_of, horizon=rs.horizon,
                         years=rs.years)
        except ValueError as exc:  # ValuationError: an input the schema could not rule out
            raise rs.error(("drivers", rd.position), f"{rd.type}: {exc}") from None
    return state


def _value_adjustments(rs: ResolvedScenario, state: State) -> None:
    """Cash items, after every multiplicative term (see :mod:`scenarios.engine.evaluate`)."""
    by_label = {rd.label: rd for rd in rs.drivers}

    def locate(label: str, exc: ValueError) -> Exception:  # ValuationError: a located error
        rd = by_label[label]
        return rs.error(("drivers", rd.position), f"{rd.type}: {exc}")

    apply_value_adjustments(state, rs.baseline, locate)


def _prices(rs: ResolvedScenario, state: State,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(predicted return, predicted price, EPS, multiple), each ``(draws, n)``.

    EPS and the
    multiple are NaN for symbols without a baseline EPS.
    """
    base = rs.baseline
    total = np.zeros((rs.draws, len(rs.symbols)))
    for c in state.contributions.values():
        np.add(total, c, out=total)
    predicted_return = np.expm1(total)
    predicted_price = np.exp(total, out=total)
    predicted_price *= base.price
    known = np.isfinite(base.eps)
    if state.log_multiple is None:
        multiple = np.broadcast_to(base.multiple, (rs.draws, len(rs.symbols)))
    else:
        multiple = np.exp(state.log_multiple, out=state.log_multiple)
        multiple *= base.multiple
    eps_out = state.eps
    if not known.all():
        eps_out = np.where(known, eps_out, np.nan)
        multiple = np.where(known, multiple, np.nan)
    eps_out = np.array(eps_out) if not eps_out.flags.writeable else eps_out
    multiple = np.array(multiple) if not multiple.flags.writeable else multiple
    return predicted_return, predicted_price, eps_out, multiple


def _index_line(rs: ResolvedScenario) -> _index.IndexWeights:
    """Index weights before/after the scenario's re-weighting."""
    ix = rs.index
    try:
        uni = rs.inputs.get("universe")
        return _index.index_weights(ix, ix.driver, list(rs.symbols), rs.baseline.price, rs.prices,
                                    rs.error, ix.path, universe=uni if isinstance(uni, str) else None,
                                    local_themes=rs.inputs.get("themes"))
    except ValueError as exc:  # ValuationError (e.g. all weights zero)
        raise rs.error(ix.path, str(exc)) from None


def _add_residual(rs: ResolvedScenario, state: State, sampler: Sampler) -> dict[str, Any]:
    """Record the ``residual`` contribution (see :mod:`scenarios.engine.residual`)."""
    label = "residual" if "residual" not in state.contributions else "market_residual"
    path = ("monte_carlo", "residual")
    try:
        spec = resolve_residual(rs.residual, list(rs.symbols), rs.prices, list(rs.baseline_dates),
                                rs.horizon, list(rs.benchmark_symbols), label)
    except ResidualDataError as exc:
        raise rs.error(path + exc.where, str(exc)) from None
    except DataUnavailableError as exc:
        raise rs.error(path + ("factor",), f"correlation factor: {exc}") from None

    def generator(key: str) -> Any:
        sampler.keys.append(key)
        return sampler.generator(key)

    state.contributions[label] = residual_draws(spec, generator, rs.draws)
    return spec.to_dict()
