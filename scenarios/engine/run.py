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

from scenarios.engine import index as _index
from scenarios.engine.blocks import Simulation, simulate
from scenarios.engine.evaluate import EPS_FLOOR_FRACTION, VALUE_FLOOR_FRACTION
from scenarios.engine.noise_free import driver_attribution
from scenarios.engine.result import ScenarioResult, combined_return_kind
from scenarios.engine.sampling import Sampler
from scenarios.model.resolved import MAX_CELLS, ResolvedScenario, resolve_scenario
from scenarios.model.schema import Scenario

__all__ = ["BLOCK_DRAWS", "MAX_CELLS", "run_resolved", "run_scenario"]


def run_scenario(scenario: Scenario, *, source: Any = None, draws: int | None = None,
                 seed: int | None = None, as_of: dt.date | str | None = None,
                 keep_draws: bool = False) -> ScenarioResult:
    """Run ``scenario`` and return a :class:`~scenarios.engine.result.ScenarioResult`.

    Args:
        scenario: a :class:`~scenarios.model.schema.Scenario` (e.g. from ``load_scenario``).
        source: price source (default :func:`scenarios.data.default_source`).
        draws, seed: override ``monte_carlo.draws`` / ``monte_carlo.seed``.
        as_of: override the information cut-off (walk-forward backtests). A period horizon
            (``6M``) is applied from the new date; a date horizon keeps its offset from the
            scenario's own ``as_of``. Named universes are taken at the new date; baseline
            fundamentals are used as written.
        keep_draws: also keep every draw of the per-driver log contributions, EPS and the
            multiple (see :func:`run_resolved`).

    Raises
    ------
        ScenarioErrors: located problems found with the prices (unknown symbols, stale data).
    """
    resolved = resolve_scenario(scenario, source=source, draws=draws, seed=seed, as_of=as_of,
                                also_read=_index.replica_symbols(scenario))
    return run_resolved(resolved, keep_draws=keep_draws)


#: draws evaluated together: a run of more draws goes in blocks of this many rows (peak memory
#: bounded by the block, not the run); the numbers do not depend on it
BLOCK_DRAWS = 25_000


def run_resolved(rs: ResolvedScenario, *, sampler: Sampler | None = None, keep_draws: bool = False,
                 block_draws: int = BLOCK_DRAWS) -> ScenarioResult:
    """Run a resolved scenario: drivers, dividend carry, residual noise, prices, index line.

    ``sampler``: default ``Sampler(rs.seed, rs.draws)``; one with the same seed and draws that
    fixes some parameters gives common random numbers for the others (two-way sensitivity).

    The draws are evaluated in blocks of ``block_draws`` rows (:func:`simulate`); the result
    is the same, bit for bit, for any block size. The result always holds every draw of the
    predicted returns and prices and of the index lines; the per-driver log contributions are
    kept as their means over the draws (``contribution_mean``) unless ``keep_draws``, which
    also keeps every draw of them (``contributions``), of EPS and of the multiple.
    """
    if sampler is None:
        sampler = Sampler(rs.seed, rs.draws)
    elif sampler.draws != rs.draws:
        raise ValueError(f"sampler has {sampler.draws} draws, the scenario {rs.draws}")
    sim = simulate(rs, sampler, keep_draws=keep_draws, block_draws=block_draws, tail_limits=BAND_TAILS)
    warnings = _run_warnings(rs, sim)
    attribution = driver_attribution(rs)  # the noise-free path and its Shapley terms (pp)
    warnings += _band_sanity(rs, sim.predicted_return, sim.tail_counts)
    iw = _index_line(rs)
    base = rs.baseline
    predicted_return = sim.predicted_return
    out = ScenarioResult(
        name=rs.name, symbols=list(rs.symbols), currencies=list(rs.currencies),
        as_of=rs.as_of.isoformat(), horizon=rs.horizon.isoformat(), horizon_years=rs.years,
        baseline_price=np.array(base.price), baseline_date=[d.isoformat() for d in rs.baseline_dates],
        predicted_price=sim.predicted_price, predicted_return=predicted_return, eps=sim.eps,
        multiple=sim.multiple, contributions=sim.contributions, seed=rs.seed, draws=rs.draws,
        index_scheme=iw.scheme, index_return=predicted_return @ iw.after,
        index_return_before=predicted_return @ iw.before, index_weights_before=iw.before,
        index_weights_after=iw.after, benchmarks={k: dict(v) for k, v in rs.benchmarks.items()},
        inputs=_resolved_inputs(rs, sampler, iw), data_sources={k: dict(v) for k, v in rs.data_sources.items()},
        file=rs.file, file_sha256=rs.file_sha256, warnings=warnings, notes=list(rs.notes),
        grid_point=dict(rs.grid_point), residual=sim.residual,
        return_kind=combined_return_kind(list(rs.return_kinds)),
        point_return=attribution.total_pp / 100.0, attribution=attribution.to_dict(),
        contribution_mean=sim.contribution_mean,
    )
    if rs.portfolio is not None:  # the portfolio block's P&L (scenarios.engine.pnl)
        from scenarios.engine.pnl import portfolio_pnl

        out.pnl = portfolio_pnl(rs, out)
    return out


def _run_warnings(rs: ResolvedScenario, sim: Simulation) -> list[str]:
    """Collect the run's warnings.

    The resolve step's, the price view's (bad rows dropped with --drop-bad-rows, one-day spikes left
    out of volatility estimates) and the floors the draws hit.
    """
    warnings = list(rs.warnings)
    warnings += [w for w in getattr(rs.prices, "warnings", ()) if w not in warnings]
    for sym, count in sim.floored.items():
        warnings.append(f"{sym}: {count} of {rs.draws} draws pushed EPS below "
                        f"{100 * EPS_FLOOR_FRACTION:g}% of its baseline; floored there (the P/E model needs EPS > 0)")
    for sym, count in sim.value_floored.items():
        warnings.append(f"{sym}: in {count} of {rs.draws} draws a cash item (one-off, programme or "
                        f"buyback) would leave less than {100 * VALUE_FLOOR_FRACTION:g}% of the "
                        "horizon price; floored there")
    return warnings


def _resolved_inputs(rs: ResolvedScenario, sampler: Sampler, iw: _index.IndexWeights) -> dict[str, Any]:
    """Return the scenario's inputs plus what the run resolved.

    Resolved: dates, universe, random parameters, the index fit, fundamentals read from data.
    """
    inputs = dict(rs.inputs)
    inputs["resolved"] = {"as_of": rs.as_of.isoformat(), "horizon": rs.horizon.isoformat(),
                          "horizon_years": rs.years, "universe": list(rs.symbols),
                          "random_parameters": sorted(sampler.keys)}
    if iw.notes:
        inputs["resolved"]["index_fit"] = list(iw.notes)
    if rs.fundamentals:
        inputs["resolved"]["fundamentals"] = {k: dict(v) for k, v in rs.fundamentals.items()}
    return inputs


#: A 5-95% band reaching past these returns (fractions) is implausible for a horizon of years:
#: it usually means a unit slip (shares without ``unit: bn``) or a bad price in the history.
BAND_LIMITS: tuple[float, float] = (-0.99, 10.0)
#: the returns the band check counts draws against: the limits with a margin for rounding
BAND_TAILS: tuple[float, float] = (BAND_LIMITS[0] + 1e-9, BAND_LIMITS[1] - 1e-9)


def _band_sanity(rs: ResolvedScenario, predicted_return: np.ndarray,
                 tail_counts: tuple[np.ndarray, np.ndarray] | None = None) -> list[str]:
    """One warning per symbol whose 5-95% band is wider than -99%..+1,000%.

    The band's quantiles are needed only for a symbol that may be past a limit: with ``k``
    the order statistic under the 5% quantile (linear interpolation between the ``k``-th and
    next smallest draws), the 5% quantile can be below ``lo`` only if more than ``k`` draws
    are at or below ``lo`` (plus a margin for rounding); likewise for 95% and ``hi``. Those
    symbols get ``numpy.quantile`` as before; the others are not partitioned at all.

    ``tail_counts``: the counts of draws at or below ``lo + margin`` and at or above ``hi -
    margin`` per symbol (:data:`BAND_TAILS`), when the engine took them block by block;
    counted here otherwise.
    """
    lo, hi = BAND_LIMITS
    draws = predicted_return.shape[0]
    k_lo = int(np.floor(0.05 * (draws - 1)))
    k_hi = int(np.floor(0.95 * (draws - 1)))
    if tail_counts is None:
        tail_counts = (np.count_nonzero(predicted_return <= BAND_TAILS[0], axis=0),
                       np.count_nonzero(predicted_return >= BAND_TAILS[1], axis=0))
    low = tail_counts[0] > k_lo
    high = tail_counts[1] >= draws - 1 - k_hi
    cols = np.flatnonzero(low | high)
    if cols.size == 0:
        return []
    q = np.quantile(predicted_return[:, cols], [0.05, 0.95], axis=0)
    return [f"{rs.symbols[j]}: the 5-95% band {100 * a:+.1f}%..{100 * b:+.1f}% is wider than "
            f"{100 * lo:+.0f}%..{100 * hi:+,.0f}%: check the baseline units and the price history"
            for j, a, b in zip(cols, q[0], q[1], strict=True) if a < lo or b > hi]


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
