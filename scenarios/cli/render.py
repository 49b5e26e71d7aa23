"""Terminal rendering of backtest payloads (single and walk-forward) with rich.

Works from the typed results of :mod:`scenarios.results` (a fresh backtest or one read back
from the store), so ``scenarios backtest`` and ``scenarios runs show`` print exactly the same
thing. Returns are printed as percents with their kind (total return for
stocks, price return for indexes); ``n/a`` marks an undefined number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scenarios.errors import one_line, shown_path
from scenarios.numfmt import as_finite as _num
from scenarios.numfmt import crps_text, num, pct
from scenarios.numfmt import p_text as _p

if TYPE_CHECKING:
    from rich.console import JustifyMethod

    from scenarios.results import BacktestResult, IndexPerformance, SingleBacktestResult, WalkForwardResult

__all__ = ["crps_text", "make_console", "num", "pct", "render_backtest"]


def make_console() -> Any:
    """Return a stdout console.

    The terminal's width on a terminal, 160 columns when piped (so the
    tables are not cut to 80 columns in files and logs).
    """
    import sys

    from scenarios.console import make_console

    tty = bool(getattr(sys.stdout, "isatty", lambda: False)())
    # markup on: the renderers escape what they interpolate (_e); emoji and control chars off
    return make_console(markup=True, width=None if tty else 160)

















def _yes(v: Any) -> str:
    x = _num(v)
    return "-" if x is None else ("yes" if x >= 0.5 else "no")


def _e(v: Any) -> str:
    from scenarios.console import plain

    return plain(v)


def render_backtest(result: BacktestResult, console: Any) -> None:
    """Print a backtest result (either mode) on a rich ``console``."""
    from scenarios.results import WalkForwardResult

    if isinstance(result, WalkForwardResult):
        _render_walk(result, console)
    else:
        _render_single(result, console)


def _kind_label(kind: str | None) -> str:
    return {"total": "total", "price": "price"}.get(kind or "", kind or "-")


def _render_single(d: SingleBacktestResult, console: Any) -> None:
    from rich.table import Table

    band = d.band
    lo_l, hi_l = f"{100 * band[0]:g}%", f"{100 * band[1]:g}%"
    console.print(
        f"[bold]{_e(one_line(d.scenario))}[/bold]  as of {d.as_of} -> horizon {d.horizon}  "
        f"({d.draws} draws, seed {d.seed})" + (f"  file {_e(shown_path(d.file))}" if d.file else ""),
        highlight=False)
    t = Table(show_edge=False, pad_edge=False, title="per symbol (predicted = median of the draws)",
              title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("symbol", "left"), ("kind", "left"), ("predicted", "right"), (f"{lo_l}..{hi_l}", "right"),
        ("realized", "right"), ("hit", "center"), ("error", "right"), ("in band", "center"),
        ("PIT", "right"), ("CRPS", "right"), ("window", "left"))
    for col, just in columns:
        t.add_column(col, justify=just, no_wrap=col != "window",
                     min_width=len(col) if col != "window" else None)
    for r in d.per_symbol:
        scored = r.scored
        window = r.status
        if r.status == "partial":
            window = f"partial to {r.end_date}"
        elif r.status == "unavailable":
            window = "unavailable: " + (r.note or "")
        t.add_row(
            r.symbol, _kind_label(r.kind), pct(r.predicted),
            f"{pct(r.lower)}..{pct(r.upper)}", pct(r.realized),
            _yes(r.hit) if scored else "-", pct(r.error) if scored else "-",
            _yes(r.inside) if scored else "-", num(r.pit, 2) if scored else "-",
            crps_text(r.crps) if scored else "-", _e(window),
        )
    console.print(t)
    s = d.score_summary
    console.print()
    console.print(f"[bold]across symbols[/bold] ({s.n_scored} of {s.n_symbols} scored; "
                  f"{s.return_kind or '-'}; status: {s.status or '-'})", highlight=False)
    kv = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    kv.add_column("metric")
    kv.add_column("value", justify="right")
    kv.add_column("meaning", style="dim")
    sig = s.signal or "median"
    kv.add_row("hit rate", pct(s.hit_rate, signed=False, digits=0), f"{sig} forecast has the right sign")
    kv.add_row("IC (Spearman)", num(s.ic, 2) if s.ic_status in (None, "ok") else s.ic_status,
               f"rank correlation of the {sig} forecast and realized"
               + ("" if s.ic_status in (None, "ok") else " (needs 5+ names whose forecasts differ)"))
    kv.add_row("MAE", pct(s.mae, signed=False), "mean |median - realized|, percentage points")
    kv.add_row("band coverage", pct(s.coverage, signed=False, digits=0),
               f"realized inside the {lo_l}..{hi_l} band (nominal {pct(s.nominal_coverage, signed=False, digits=0)})")
    kv.add_row("CRPS", crps_text(s.crps), "ensemble score in return units (pp); lower is better")
    kv.add_row("mean PIT", num(s.mean_pit, 2), "0.5 if unbiased; near 0 or 1: outcomes outside the ensemble")
    console.print(kv)
    idx = d.index
    if idx is not None:
        console.print()
        line = (f"[bold]scenario index[/bold] ({_e(idx.target or 'scenario portfolio')}, "
                f"{idx.kind or 'total'} return): predicted {pct(idx.predicted)} "
                f"({pct(idx.lower)}..{pct(idx.upper)})")
        if idx.scored:
            line += (f", realized {pct(idx.realized)}, error {pct(idx.error)}, "
                     f"in band {_yes(idx.inside)}, PIT {num(idx.pit, 2)}")
            if idx.note:
                line += f" ({_e(idx.note)})"
        else:
            line += f", {_e(idx.note)}"
        line += (f"; {idx.benchmark} did {pct(idx.benchmark_realized)} "
                 f"({idx.benchmark_kind or 'price'} return)")
        console.print(line, highlight=False)
    if d.index_performance is not None:
        _render_index_perf(d.index_performance, console)
    if d.pnl is not None:  # the portfolio block (scenarios.backtest.pnl)
        from scenarios.cli.pnl_render import render_pnl_score

        render_pnl_score(d.pnl, console)
    _render_excess_single(d, console)
    _render_notes(d.notes, console)


# --- benchmark-relative calls (issue 11 item 10) ---

def _render_excess_single(d: SingleBacktestResult, console: Any) -> None:
    """One line per declared benchmark: sign hit rate of the excess and the basket's call."""
    if not d.excess:
        return
    console.print()
    for b, blk in d.excess.items():
        line = (f"[bold]relative to {_e(b)}[/bold] (excess, basis {_e(blk.basis or '?')}): "
                f"sign right for {pct(blk.hit_rate, signed=False, digits=0)} of {blk.n_scored} names")
        bk = blk.basket
        if bk is not None and bk.scored:
            line += (f"; basket ({_e(bk.weights or '')}) predicted {pct(bk.predicted)}, realized "
                     f"{pct(bk.realized)}, sign {_yes(bk.hit)}")
        line += f"; {_e(b)} forecast: {_e(blk.benchmark_forecast or '?')}"
        console.print(line, highlight=False)
    if any((blk.basis or "") == "total - price" for blk in d.excess.values()):
        from scenarios.backtest.excess import DIVIDEND_CAVEAT

        console.print(f"basis total - price: {_e(DIVIDEND_CAVEAT)}", highlight=False)


def _render_index_perf(perf: IndexPerformance, console: Any) -> None:
    from rich.table import Table

    console.print()
    if perf.status == "unavailable":
        console.print("[bold]scenario-weighted index[/bold]: not simulated", highlight=False)
        return
    sch = perf.scheme or {}
    console.print(
        f"[bold]scenario-weighted index[/bold] ({sch.get('scheme')}"
        + (f", tilts {_e(sch.get('tilts'))}" if sch.get("tilts") else "")
        + (f", exclude {_e(sch.get('exclude'))}" if sch.get("exclude") else "")
        + f", cap {pct(sch.get('cap'), signed=False, digits=0) if sch.get('cap') else 'none'}) "
        f"{perf.start}..{perf.end}, {perf.sessions} sessions, price returns: "
        f"total {pct(perf.total_return)}, max drawdown {pct(perf.max_drawdown)}",
        highlight=False)
    t = Table(show_edge=False, pad_edge=False)
    for col in ("benchmark", "kind", "benchmark return", "excess", "tracking error (ann.)",
                "information ratio", "benchmark max DD"):
        t.add_column(col, justify="left" if col == "benchmark" else "right")
    for b, v in perf.vs.items():
        t.add_row(b, v.return_kind, pct(v.total_return), pct(v.excess_return),
                  pct(v.tracking_error, signed=False), num(v.information_ratio, 2),
                  pct(v.max_drawdown))
    console.print(t)
    if perf.turnover:
        console.print("turnover at rebalances (one-way): "
                      + ", ".join(f"{k} {pct(v, signed=False)}" for k, v in perf.turnover.items()),
                      highlight=False)
    else:
        console.print("no rebalance inside the window", highlight=False)


def _render_walk(d: WalkForwardResult, console: Any) -> None:
    from rich.table import Table

    band = d.band
    console.print(
        f"[bold]{_e(one_line(d.scenario))}[/bold]  walk-forward, {d.roll} as_of from {d.start} "
        f"to {d.end}  ({d.draws} draws, seed {d.seed})", highlight=False)
    t = Table(show_edge=False, pad_edge=False, title="windows (each run sees only prices up to its as_of)",
              title_justify="left")
    for col in ("as_of", "horizon", "scored", "hit", "IC", "MAE", "MAE zero", "MAE mom.",
                "coverage", "CRPS", "status"):
        t.add_column(col, justify="left" if col in ("as_of", "horizon", "status") else "right",
                     no_wrap=col != "status", min_width=10 if col in ("as_of", "horizon") else None)
    for w in d.windows:
        status = w.status
        if status == "failed":
            status = "failed: " + (w.error or "")
        t.add_row(str(w.as_of), str(w.horizon or "-"), f"{w.n_scored}/{w.n_symbols}",
                  pct(w.hit_rate, signed=False, digits=0),
                  num(w.ic, 2) if w.ic_status in (None, "ok") else str(w.ic_status),
                  pct(w.mae, signed=False), pct(w.mae_zero, signed=False),
                  pct(w.mae_momentum, signed=False),
                  pct(w.coverage, signed=False, digits=0), crps_text(w.crps), _e(status))
    console.print(t)
    tr = d.track
    console.print()
    console.print(f"[bold]track record[/bold]: {tr.n_scored_windows} of {tr.n_windows} windows "
                  f"scored, {tr.n_pairs} (window, symbol) pairs; {tr.return_kind or '-'}",
                  highlight=False)
    if tr.n_pairs:
        kv = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
        kv.add_column("metric")
        kv.add_column("value", justify="right")
        kv.add_column("test", style="dim")
        if tr.pt_hac_lags is not None:
            kv.add_row("hit rate", pct(tr.hit_rate, signed=False, digits=0),
                       f"{tr.signal or 'median'} forecast; Pesaran-Timmermann, overlap-robust "
                       f"(panel HAC, {tr.pt_hac_lags} lags): t {num(tr.pt_hac_tstat, 2)}, "
                       f"p {_p(tr.pt_hac_pvalue)} two-sided; pairs as independent: p "
                       f"{_p(tr.pt_pvalue)} (chance level {pct(tr.pt_expected, signed=False, digits=0)})")
        else:  # a record of schema 1-2
            kv.add_row("hit rate", pct(tr.hit_rate, signed=False, digits=0),
                       f"Pesaran-Timmermann {num(tr.pt_statistic, 2)}, p {_p(tr.pt_pvalue)} "
                       f"(one-sided; chance level {pct(tr.pt_expected, signed=False, digits=0)})")
        left_out = (tr.ic_windows_no_signal or 0) + (tr.ic_windows_too_few or 0)
        kv.add_row("mean IC", num(tr.mean_ic, 3),
                   f"t {num(tr.ic_tstat, 2)}, p {_p(tr.ic_pvalue)} over {tr.ic_n} windows"
                   + (f" ({tr.ic_variance})" if tr.ic_variance else "")
                   + (f"; {left_out} window(s) without an IC (no signal / too few names)" if left_out else ""))
        kv.add_row("band coverage", pct(tr.coverage, signed=False, digits=0),
                   f"nominal {pct(tr.nominal_coverage, signed=False, digits=0)} "
                   f"({100 * band[0]:g}%..{100 * band[1]:g}% band)")
        kv.add_row("CRPS", crps_text(tr.crps), "mean over pairs, return units (pp); lower is better")
        kv.add_row("MAE", pct(tr.mae, signed=False),
                   f"zero forecast {pct(tr.mae_zero, signed=False)}, "
                   f"momentum {pct(tr.mae_momentum, signed=False)}")
        console.print(kv)
        if tr.dm:
            console.print()
            t2 = Table(show_edge=False, pad_edge=False,
                       title=f"Diebold-Mariano: scenario vs naive (h={tr.h}, HLN-corrected, two-sided)",
                       title_justify="left")
            for col in ("naive", "loss", "mean loss diff", "DM", "p", "better"):
                t2.add_column(col, justify="left" if col in ("naive", "loss", "better") else "right")
            for key, v in tr.dm.items():
                naive = "zero" if "zero" in key else "momentum"
                t2.add_row(naive, v.loss or "", f"{_num(v.mean_diff) or 0:+.5f}",
                           num(v.statistic, 2), _p(v.pvalue), str(v.better or "-"))
            console.print(t2)
        it = tr.index
        if it is not None and it.n_scored:
            console.print()
            dmi = it.dm_vs_zero_squared
            console.print(
                f"[bold]scenario index[/bold] (scenario portfolio, {it.kind} return): "
                f"hit rate {pct(it.hit_rate, signed=False, digits=0)}, MAE {pct(it.mae, signed=False)}, "
                f"coverage {pct(it.coverage, signed=False, digits=0)}, "
                f"DM vs zero {num(dmi.statistic if dmi else None, 2)} "
                f"(p {_p(dmi.pvalue if dmi else None)})", highlight=False)
    if d.pnl is not None:  # the portfolio block (scenarios.backtest.pnl)
        from scenarios.cli.pnl_render import render_pnl_walk

        render_pnl_walk(d.pnl, console)
    for b, ex in tr.excess.items():
        console.print(
            f"[bold]relative to {_e(b)}[/bold] (excess, basis {_e(ex.basis or '?')}): sign right for "
            f"{pct(ex.hit_rate, signed=False, digits=0)} of {ex.n_pairs} (as_of, symbol) pairs, "
            f"baskets {pct(ex.basket_hit_rate, signed=False, digits=0)} of {ex.n_baskets}", highlight=False)
    _render_notes(d.notes, console)


def _render_notes(notes: list[str], console: Any) -> None:
    if not notes:
        return
    console.print()
    for n in notes:
        console.print(f"[yellow]note[/yellow]: {_e(one_line(n))}", highlight=False)


def print_warnings_and_notes(result: Any, err: Any) -> None:
    """Print a run's warnings (yellow, ``warning:`` added where missing) and notes on ``err``.

    The texts come from files and data: printed verbatim (no markup), each on one line
    (:func:`~scenarios.errors.one_line`).
    """
    for w in map(one_line, result.warnings):
        err.print(w if "warning:" in w else f"warning: {w}", style="yellow", markup=False)
    for n in result.notes:
        err.print(f"note: {one_line(n)}", style="dim", markup=False)
