"""Terminal rendering of backtest payloads (single and walk-forward) with rich.

Works from the stored JSON payload (``SingleBacktest.to_dict()`` /
``WalkForwardBacktest.to_dict()``), so ``scenarios backtest`` and ``scenarios runs show`` print
exactly the same thing. Returns are printed as percents with their kind (total return for
stocks, price return for indexes); ``n/a`` marks an undefined number.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["make_console", "render_backtest_payload", "summary_line"]


def summary_line(payload: dict[str, Any]) -> str:
    """One line for ``scenarios runs list``: mode, window(s) and the headline scores."""
    if payload.get("mode") == "walk_forward":
        t = payload.get("track") or {}
        return (f"walk-forward {payload.get('roll')} {payload.get('from')}..{payload.get('to')}: "
                f"{t.get('n_scored_windows', 0)}/{t.get('n_windows', 0)} windows, "
                f"hit {pct(t.get('hit_rate'), signed=False, digits=0)} (PT p {_p(t.get('pt_pvalue'))}), "
                f"IC {num(t.get('mean_ic'), 2)}, coverage {pct(t.get('coverage'), signed=False, digits=0)}")
    s = payload.get("summary") or {}
    return (f"{payload.get('as_of')}..{payload.get('horizon')}: {s.get('n_scored', 0)}/{s.get('n_symbols', 0)} "
            f"scored, hit {pct(s.get('hit_rate'), signed=False, digits=0)}, IC {num(s.get('ic'), 2)}, "
            f"MAE {pct(s.get('mae'), signed=False)}, coverage {pct(s.get('coverage'), signed=False, digits=0)}"
            + ("" if s.get("status") == "complete" else f" ({s.get('status')})"))


def make_console() -> Any:
    """A stdout console: the terminal's width on a terminal, 160 columns when piped (so the
    tables are not cut to 80 columns in files and logs)."""
    import sys

    from scenarios.console import make_console

    tty = bool(getattr(sys.stdout, "isatty", lambda: False)())
    # markup on: the renderers escape what they interpolate (_e); emoji and control chars off
    return make_console(markup=True, width=None if tty else 160)


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None if v is None else float(v)
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def pct(v: Any, signed: bool = True, digits: int = 1) -> str:
    """``0.0394 -> '+3.9%'``; ``None``/NaN -> ``'n/a'``."""
    x = _num(v)
    if x is None:
        return "n/a"
    return f"{100 * x:+.{digits}f}%" if signed else f"{100 * x:.{digits}f}%"


def num(v: Any, digits: int = 3) -> str:
    x = _num(v)
    return "n/a" if x is None else f"{x:.{digits}f}"


def _p(v: Any) -> str:
    x = _num(v)
    if x is None:
        return "n/a"
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def _yes(v: Any) -> str:
    x = _num(v)
    return "-" if x is None else ("yes" if x >= 0.5 else "no")


def _e(v: Any) -> str:
    from scenarios.console import plain

    return plain(v)


def render_backtest_payload(payload: dict[str, Any], console: Any) -> None:
    """Print a backtest payload (either mode) on a rich ``console``."""
    if payload.get("mode") == "walk_forward":
        _render_walk(payload, console)
    else:
        _render_single(payload, console)


def _kind_label(kind: str | None) -> str:
    return {"total": "total", "price": "price"}.get(kind or "", kind or "-")


def _render_single(d: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    band = d.get("band") or [0.05, 0.95]
    lo_l, hi_l = f"{100 * band[0]:g}%", f"{100 * band[1]:g}%"
    console.print(
        f"[bold]{_e(d.get('scenario'))}[/bold]  as of {d.get('as_of')} -> horizon {d.get('horizon')}  "
        f"({d.get('draws')} draws, seed {d.get('seed')})" + (f"  file {_e(d['file'])}" if d.get("file") else ""),
        highlight=False)
    t = Table(show_edge=False, pad_edge=False, title="per symbol (predicted = median of the draws)",
              title_justify="left")
    for col, just in (("symbol", "left"), ("kind", "left"), ("predicted", "right"),
                      (f"{lo_l}..{hi_l}", "right"), ("realized", "right"), ("hit", "center"),
                      ("error", "right"), ("in band", "center"), ("PIT", "right"), ("CRPS", "right"),
                      ("window", "left")):
        t.add_column(col, justify=just, no_wrap=col != "window",
                     min_width=len(col) if col != "window" else None)
    for r in d.get("per_symbol", []):
        scored = bool(r.get("scored"))
        window = r.get("status", "")
        if r.get("status") == "partial":
            window = f"partial to {r.get('end_date')}"
        elif r.get("status") == "unavailable":
            window = "unavailable: " + (r.get("note") or "")
        t.add_row(
            r.get("symbol", ""), _kind_label(r.get("kind")), pct(r.get("predicted")),
            f"{pct(r.get('lower'))}..{pct(r.get('upper'))}", pct(r.get("realized")),
            _yes(r.get("hit")) if scored else "-", pct(r.get("error")) if scored else "-",
            _yes(r.get("inside")) if scored else "-", num(r.get("pit"), 2) if scored else "-",
            num(r.get("crps"), 3) if scored else "-", _e(window),
        )
    console.print(t)
    s = d.get("summary", {})
    n = s.get("n_scored", 0)
    console.print()
    console.print(f"[bold]across symbols[/bold] ({n} of {s.get('n_symbols')} scored; "
                  f"{s.get('return_kind', '-')}; status: {s.get('status', '-')})", highlight=False)
    kv = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    kv.add_column("metric")
    kv.add_column("value", justify="right")
    kv.add_column("meaning", style="dim")
    kv.add_row("hit rate", pct(s.get("hit_rate"), signed=False, digits=0), "median forecast has the right sign")
    kv.add_row("IC (Spearman)", num(s.get("ic"), 2), "rank correlation of predicted and realized")
    kv.add_row("MAE", pct(s.get("mae"), signed=False), "mean |median - realized|, percentage points")
    kv.add_row("band coverage", pct(s.get("coverage"), signed=False, digits=0),
               f"realized inside the {lo_l}..{hi_l} band (nominal {pct(s.get('nominal_coverage'), signed=False, digits=0)})")
    kv.add_row("CRPS", num(s.get("crps"), 4), "ensemble score, return units; lower is better")
    kv.add_row("mean PIT", num(s.get("mean_pit"), 2), "0.5 if unbiased; near 0 or 1: outcomes outside the ensemble")
    console.print(kv)
    idx = d.get("index")
    if idx:
        console.print()
        line = (f"[bold]scenario index[/bold] ({_e(idx.get('target', 'scenario portfolio'))}, "
                f"{idx.get('kind', 'total')} return): predicted {pct(idx.get('predicted'))} "
                f"({pct(idx.get('lower'))}..{pct(idx.get('upper'))})")
        if idx.get("scored"):
            line += (f", realized {pct(idx.get('realized'))}, error {pct(idx.get('error'))}, "
                     f"in band {_yes(idx.get('inside'))}, PIT {num(idx.get('pit'), 2)}")
            if idx.get("note"):
                line += f" ({_e(idx.get('note'))})"
        else:
            line += f", {_e(idx.get('note'))}"
        line += (f"; {idx.get('benchmark')} did {pct(idx.get('benchmark_realized'))} "
                 f"({idx.get('benchmark_kind', 'price')} return)")
        console.print(line, highlight=False)
    perf = d.get("index_performance")
    if perf:
        _render_index_perf(perf, console)
    _render_notes(d.get("notes", []), console)


def _render_index_perf(perf: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    console.print()
    if perf.get("status") == "unavailable":
        console.print("[bold]scenario-weighted index[/bold]: not simulated", highlight=False)
        return
    sch = perf.get("scheme") or {}
    console.print(
        f"[bold]scenario-weighted index[/bold] ({sch.get('scheme')}"
        + (f", tilts {_e(sch.get('tilts'))}" if sch.get("tilts") else "")
        + (f", exclude {_e(sch.get('exclude'))}" if sch.get("exclude") else "")
        + f", cap {pct(sch.get('cap'), signed=False, digits=0) if sch.get('cap') else 'none'}) "
        f"{perf.get('start')}..{perf.get('end')}, {perf.get('sessions')} sessions, price returns: "
        f"total {pct(perf.get('total_return'))}, max drawdown {pct(perf.get('max_drawdown'))}",
        highlight=False)
    t = Table(show_edge=False, pad_edge=False)
    for col in ("benchmark", "kind", "benchmark return", "excess", "tracking error (ann.)",
                "information ratio", "benchmark max DD"):
        t.add_column(col, justify="left" if col == "benchmark" else "right")
    for b, v in (perf.get("vs") or {}).items():
        t.add_row(b, v.get("return_kind", "price"), pct(v.get("total_return")), pct(v.get("excess_return")),
                  pct(v.get("tracking_error"), signed=False), num(v.get("information_ratio"), 2),
                  pct(v.get("max_drawdown")))
    console.print(t)
    turn = perf.get("turnover") or {}
    if turn:
        console.print("turnover at rebalances (one-way): "
                      + ", ".join(f"{k} {pct(v, signed=False)}" for k, v in turn.items()), highlight=False)
    else:
        console.print("no rebalance inside the window", highlight=False)


def _render_walk(d: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    band = d.get("band") or [0.05, 0.95]
    console.print(
        f"[bold]{_e(d.get('scenario'))}[/bold]  walk-forward, {d.get('roll')} as_of from {d.get('from')} "
        f"to {d.get('to')}  ({d.get('draws')} draws, seed {d.get('seed')})", highlight=False)
    t = Table(show_edge=False, pad_edge=False, title="windows (each run sees only prices up to its as_of)",
              title_justify="left")
    for col in ("as_of", "horizon", "scored", "hit", "IC", "MAE", "MAE zero", "MAE mom.",
                "coverage", "CRPS", "status"):
        t.add_column(col, justify="left" if col in ("as_of", "horizon", "status") else "right",
                     no_wrap=col != "status", min_width=10 if col in ("as_of", "horizon") else None)
    for w in d.get("windows", []):
        status = w.get("status", "")
        if status == "failed":
            status = "failed: " + (w.get("error") or "")
        t.add_row(str(w.get("as_of")), str(w.get("horizon") or "-"),
                  f"{w.get('n_scored', 0)}/{w.get('n_symbols', 0)}",
                  pct(w.get("hit_rate"), signed=False, digits=0), num(w.get("ic"), 2),
                  pct(w.get("mae"), signed=False), pct(w.get("mae_zero"), signed=False),
                  pct(w.get("mae_momentum"), signed=False),
                  pct(w.get("coverage"), signed=False, digits=0), num(w.get("crps"), 4), _e(status))
    console.print(t)
    tr = d.get("track", {})
    console.print()
    console.print(f"[bold]track record[/bold]: {tr.get('n_scored_windows')} of {tr.get('n_windows')} windows "
                  f"scored, {tr.get('n_pairs')} (window, symbol) pairs; {tr.get('return_kind', '-')}",
                  highlight=False)
    if tr.get("n_pairs"):
        kv = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
        kv.add_column("metric")
        kv.add_column("value", justify="right")
        kv.add_column("test", style="dim")
        kv.add_row("hit rate", pct(tr.get("hit_rate"), signed=False, digits=0),
                   f"Pesaran-Timmermann {num(tr.get('pt_statistic'), 2)}, p {_p(tr.get('pt_pvalue'))} "
                   f"(one-sided; chance level {pct(tr.get('pt_expected'), signed=False, digits=0)})")
        kv.add_row("mean IC", num(tr.get("mean_ic"), 3),
                   f"t {num(tr.get('ic_tstat'), 2)}, p {_p(tr.get('ic_pvalue'))} over {tr.get('ic_n')} windows")
        kv.add_row("band coverage", pct(tr.get("coverage"), signed=False, digits=0),
                   f"nominal {pct(tr.get('nominal_coverage'), signed=False, digits=0)} "
                   f"({100 * band[0]:g}%..{100 * band[1]:g}% band)")
        kv.add_row("CRPS", num(tr.get("crps"), 4), "mean over pairs; lower is better")
        kv.add_row("MAE", pct(tr.get("mae"), signed=False),
                   f"zero forecast {pct(tr.get('mae_zero'), signed=False)}, "
                   f"momentum {pct(tr.get('mae_momentum'), signed=False)}")
        console.print(kv)
        dm = tr.get("dm") or {}
        if dm:
            console.print()
            t2 = Table(show_edge=False, pad_edge=False,
                       title=f"Diebold-Mariano: scenario vs naive (h={tr.get('h')}, HLN-corrected, two-sided)",
                       title_justify="left")
            for col in ("naive", "loss", "mean loss diff", "DM", "p", "better"):
                t2.add_column(col, justify="left" if col in ("naive", "loss", "better") else "right")
            for key, v in dm.items():
                naive = "zero" if "zero" in key else "momentum"
                t2.add_row(naive, v.get("loss", ""), f"{_num(v.get('mean_diff')) or 0:+.5f}",
                           num(v.get("statistic"), 2), _p(v.get("pvalue")), str(v.get("better") or "-"))
            console.print(t2)
        it = tr.get("index")
        if it and it.get("n_scored"):
            console.print()
            dmi = it.get("dm_vs_zero_squared") or {}
            console.print(
                f"[bold]scenario index[/bold] (scenario portfolio, {it.get('kind')} return): "
                f"hit rate {pct(it.get('hit_rate'), signed=False, digits=0)}, MAE {pct(it.get('mae'), signed=False)}, "
                f"coverage {pct(it.get('coverage'), signed=False, digits=0)}, "
                f"DM vs zero {num(dmi.get('statistic'), 2)} (p {_p(dmi.get('pvalue'))})", highlight=False)
    _render_notes(d.get("notes", []), console)


def _render_notes(notes: list[str], console: Any) -> None:
    if not notes:
        return
    console.print()
    for n in notes:
        console.print(f"[yellow]note[/yellow]: {_e(n)}", highlight=False)
