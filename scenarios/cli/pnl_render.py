"""Terminal rendering of a portfolio's P&L: the run's predicted distribution and the backtests' realised P&L against it.

Text from files is printed verbatim (no rich markup).
"""

from __future__ import annotations

from typing import Any

from scenarios.numfmt import pct
from scenarios.results import PnlForecast, PnlScore, PnlWalk

__all__ = ["pnl_forecast_text", "render_pnl_score", "render_pnl_walk"]


def _pct(x: float | None, signed: bool = True) -> str:
    return pct(x, signed=signed, missing="-")


def _positions(p: PnlForecast) -> str:
    return ", ".join(f"{x.side} {x.symbol} {x.notional:g}" for x in p.positions)


def pnl_forecast_text(p: PnlForecast) -> list[str]:
    """Lines describing the predicted P&L (fractions printed as percents of gross notional)."""
    lines = [
        (f"portfolio P&L in {p.base_currency}, per unit of gross notional (gross {p.gross_notional:g}): "
         f"{_positions(p)}; rebalance {p.rebalance}; costs {p.costs_bps:g} bps of notional traded"
         + (" (open and close)" if p.close_at_horizon else " (open only)")),
        (f"  expected {_pct(p.mean)}, median {_pct(p.median)}, 5%..95% {_pct(p.p05)}..{_pct(p.p95)}, "
         f"P(loss) {_pct(p.prob_loss, signed=False)}, 5% VaR {_pct(p.var_05, signed=False)}, "
         f"5% ES {_pct(p.es_05, signed=False)} (VaR and ES as losses); mean costs "
         f"{_pct(p.mean_costs, signed=False)}"),
        f"  return basis: {p.return_basis}",
    ]
    bf = p.benchmark_forecast.get("per_symbol") if isinstance(p.benchmark_forecast, dict) else None
    if isinstance(bf, dict):
        for sym, info in bf.items():
            if isinstance(info, dict):
                corr = info.get("correlation_with")
                c = ""
                vals = {k: float(v) for k, v in corr.items() if isinstance(v, (int, float))} \
                    if isinstance(corr, dict) else {}
                if len(vals) > 3:
                    c = (f", noise correlation with the {len(vals)} stocks {min(vals.values()):.2f}.."
                         f"{max(vals.values()):.2f} (mean {sum(vals.values()) / len(vals):.2f})")
                elif vals:
                    c = ", noise correlation " + ", ".join(f"{k} {v:.2f}" for k, v in vals.items())
                lines.append(f"  {sym}: residual-only forecast (no drivers), vol "
                             f"{_pct(info.get('vol'), signed=False)} a year from its history{c}")  # type: ignore[arg-type]
    lines += [f"  note: {n}" for n in p.notes]
    return lines


def render_pnl_score(s: PnlScore, console: Any) -> None:
    """Print the realised P&L of a single backtest against the predicted band."""
    console.print()
    head = (f"portfolio P&L ({s.base_currency}, per unit of gross notional): predicted median "
            f"{_pct(s.predicted)} ({_pct(s.lower)}..{_pct(s.upper)}), realised {_pct(s.realized)} "
            f"after costs ({_pct(s.realized_before_costs)} before)")
    if s.scored:
        head += (f", in band {'yes' if s.inside else 'no'}, PIT {s.pit:.2f}, CRPS {s.crps:.4f}"
                 if s.pit is not None and s.crps is not None else "")
    else:
        head += ", not scored"
    console.print(head, markup=False, highlight=False)
    console.print(f"  basis: {s.return_basis}", markup=False, highlight=False)
    for leg in s.legs:
        console.print(f"  {leg.symbol}: {_pct(leg.return_)} {leg.kind} return, {leg.start_date} -> "
                      f"{leg.end_date} ({leg.status})", markup=False, highlight=False)
    if s.note:
        console.print(f"  note: {s.note}", markup=False, highlight=False)


def render_pnl_walk(w: PnlWalk, console: Any) -> None:
    """Print the walk-forward P&L track record."""
    t = w.track
    console.print()
    console.print(f"portfolio P&L track record (per unit of gross notional): {t.n_scored} of "
                  f"{t.n_windows} windows scored; band coverage {_pct(t.coverage, signed=False)} "
                  f"(nominal {_pct(t.nominal_coverage, signed=False)}), mean PIT "
                  f"{'-' if t.mean_pit is None else f'{t.mean_pit:.2f}'}, CRPS "
                  f"{'-' if t.crps is None else f'{t.crps:.4f}'}, mean realised {_pct(t.mean_realized)} "
                  f"vs mean predicted median {_pct(t.mean_predicted)}", markup=False, highlight=False)
    console.print(f"  basis: {t.return_basis}", markup=False, highlight=False)
    for s in w.windows:
        console.print(f"  {s.as_of} -> {s.horizon}: predicted {_pct(s.predicted)} "
                      f"({_pct(s.lower)}..{_pct(s.upper)}), realised {_pct(s.realized)}"
                      + ("" if s.scored else f", not scored ({s.status})"), markup=False, highlight=False)
