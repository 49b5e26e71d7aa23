"""CLI command: ``scenarios sweep FILE`` (random tilt variants of a scenario's index scheme).

Only typer is imported at module level; numpy/pandas and the simulation load inside the command.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer

from scenarios.cli.options import (
    TableJson,
    allow_path_option,
    bad_option,
    parse_named_ranges,
    path_text,
    scheduler_option,
    workers_option,
)


def _parse_tilts(values: list[str]) -> dict[str, tuple[float, float]]:
    """``["ai_models_cloud=0.5:2", ...]`` -> ``{"ai_models_cloud": (0.5, 2.0)}``."""
    from scenarios.seeds.universes import THEMES

    def known(theme: str, text: str) -> None:
        if theme not in THEMES:
            bad_option(f"unknown theme {theme!r} in {text!r}; expected one of {', '.join(THEMES)}", "--tilt")

    def ordered(lo: float, hi: float, text: str) -> None:
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo <= hi):
            bad_option(f"need 0 <= LOW <= HIGH, finite (got {text!r})", "--tilt")

    return parse_named_ranges(values, option="--tilt", label="THEME", example="ai_models_cloud=0.5:2",
                              noun="theme", check_name=known, check_range=ordered)


def _check_caps(variants: list[Any], spec: Any) -> None:
    """Refuse --tilt ranges that leave no name, or too few for the cap (a 0:0 range removes a theme).

    The simulation would fall back to equal weights for such a scheme at every rebalance, or
    stop with a data error when no name is left.
    """
    from scenarios.backtest.sweep import positive_names
    from valuation.index.capping import cap_holds, names_needed

    for v in variants[1:]:
        n = positive_names(v, spec.members)
        if not n and spec.members:  # was a data error (exit 3) from the simulation
            bad_option(f"scheme {v.name} keeps no name with a weight: the 0:0 ranges remove every "
                       "theme of the universe", "--tilt")
        if v.cap is not None and n and not cap_holds(v.cap, n):
            bad_option(f"scheme {v.name} keeps {n} names, too few for the cap {v.cap:g} (needs "
                       f"{names_needed(v.cap)}): a 0:0 range removes its theme", "--tilt")


def _multiplier(x: float) -> str:
    """Return a tilt multiplier as the table shows it: ``x1.50``, or ``x1e+308`` past 2 decimals."""
    return f"x{x:.2f}" if x == 0 or 0.01 <= abs(x) < 1e6 else f"x{x:.3g}"


def sweep(
    file: str = typer.Argument(..., metavar="FILE", parser=path_text,
                               help="Scenario YAML with an index_weighting driver."),
    schemes: int = typer.Option(200, "--schemes", "-n", min=1, max=100_000,
                                help="Number of schemes (the base plus random variants)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed of the tilt draws."),
    tilt: list[str] = typer.Option(None, "--tilt",
                                   help="THEME=LOW:HIGH: draw that theme's multiplier uniformly in "
                                        "[LOW, HIGH] (repeatable). Default: every theme x a "
                                        "log-uniform factor in [1/2, 2]."),
    top: int = typer.Option(5, "--top", min=1, help="How many best and worst schemes to show."),
    output: TableJson = typer.Option(TableJson.table, "--format", "-f",
                                     help="table (for people) or json (for programs)."),
    allow_path: list[Path] | None = allow_path_option(),
    chunk_size: int | None = typer.Option(None, "--chunk-size", min=1,
                                          help="Simulate the schemes in batches of this many (one "
                                               "batch by default; with --workers, each batch is a "
                                               "task; the same chunk size gives the same table "
                                               "serial or parallel)."),
    workers: int | None = workers_option(),
    scheduler: str | None = scheduler_option(),
) -> None:
    """Sweep tilt variants of a scenario's index scheme over its as_of..horizon window.

    All schemes run in one batched simulation (implied weights fitted once). Prints the best and worst schemes by total price return with their tracking error against the index, max drawdown and mean one-way turnover per rebalance.
    """  # noqa: E501 (typer prints this as --help, line breaks kept)
    from scenarios.backtest.sweep import random_tilts, scenario_sweep_spec, sweep_schemes
    from scenarios.data import default_source
    from scenarios.model import load_scenario

    ranges = _parse_tilts(list(tilt or []))
    scenario = load_scenario(file)
    spec = scenario_sweep_spec(scenario, file=file)
    variants = random_tilts(spec.base, schemes, seed, ranges=ranges or None)
    _check_caps(variants, spec)
    from scenarios.errors import DataUnavailableError
    from valuation.exceptions import ValuationError

    try:
        res = sweep_schemes(variants, default_source(), spec.start, spec.end,
                            index_symbol=spec.index_symbol, universe=spec.universe,
                            workers=workers, scheduler=scheduler, chunk_size=chunk_size)
    except ValuationError as exc:  # a weight fit or a weight rule the data cannot support
        raise DataUnavailableError(f"{file}: the index schemes cannot be simulated over "
                                   f"{spec.start.date()}..{spec.end.date()}: {exc}") from exc
    table = res.table.sort_values("total_return", ascending=False, kind="stable")
    k = min(top, len(table))
    best, worst = table.iloc[:k], table.iloc[::-1].iloc[:k]
    base_row = table.loc[["base"]]
    if output is TableJson.json:
        import json

        def rows(df: Any) -> list[dict[str, Any]]:
            return [{"scheme": str(name), **{c: float(v) for c, v in r.items()}}
                    for name, r in df.iterrows()]

        typer.echo(json.dumps({
            "file": file, "index": res.index_symbol, "start": res.start.date().isoformat(),
            "end": res.end.date().isoformat(), "return_kind": "price", "units": "fractions",
            "schemes": len(table), "seed": seed, "rebalances": res.rebalances,
            "index_total_return": res.index_total_return,
            "base": rows(base_row)[0], "best": rows(best), "worst": rows(worst),
            "notes": list(res.notes)}, indent=2, ensure_ascii=False))
        return
    _print_table(res, best, worst, base_row, len(table))


def _print_table(res: Any, best: Any, worst: Any, base_row: Any, n: int) -> None:
    from rich.table import Table
    from rich.text import Text

    from scenarios.console import make_console

    console = make_console(soft_wrap=False, wide=200)
    tilt_cols = [c for c in best.columns if c.startswith("tilt:")]
    console.print(Text(f"{n} schemes, {res.start.date()}..{res.end.date()} (price returns), "
                       f"{res.index_symbol} {res.index_total_return:+.2%}"))
    for title, df in (("best", best), ("worst", worst), ("base (the scenario's scheme)", base_row)):
        table = Table(title=title, show_edge=False, pad_edge=False)
        for col in ["scheme", "return", "excess pp", "TE", "max DD", "turnover",
                    *[c[5:] for c in tilt_cols]]:
            table.add_column(col, justify="left" if col == "scheme" else "right", no_wrap=True)
        for name, r in df.iterrows():
            table.add_row(Text(str(name)), f"{r.total_return:+.2%}",
                          f"{100 * r.excess_return:+.2f}", f"{r.tracking_error:.2%}",
                          f"{r.max_drawdown:.2%}", f"{r.mean_turnover:.2%}",
                          *[_multiplier(r[c]) for c in tilt_cols])
        console.print(table)
    console.print(Text(f"return: compounded price return; excess: minus {res.index_symbol}'s, in "
                       "percentage points; TE: tracking error vs the index, annualized (252 "
                       f"sessions); turnover: one-way, mean over {res.rebalances} rebalances; "
                       "theme columns: tilt multipliers."))
    for note in res.notes:
        console.print(Text(f"note: {note}"))


def register(app: typer.Typer) -> None:
    """Add ``scenarios sweep`` to the root app."""
    app.command("sweep")(sweep)
