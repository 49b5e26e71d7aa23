"""CLI commands: ``scenarios validate``, ``scenarios run``, ``scenarios new``.

Only typer/rich are imported at module level (start-up time); numpy, pandas and the engine
are imported inside the commands.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from scenarios.cli.formats import RunFormat

from scenarios.cli.options import TableJsonCsv

if TYPE_CHECKING:
    from scenarios.results import RunResult

TEMPLATE_KINDS = ("capex", "subsidy", "rerating", "index", "shock")


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _stdout():
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 140)  # files and pipes: do not fold tables at 80
    return console


def _slug(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")
    return s[:120] or "scenario"


def _pct(x: float | None) -> str:
    return f"{100 * (math.nan if x is None else x):+.1f}%"


# ---------------------------------------------------------------------------- validate


def validate_cmd(
    files: list[Path] = typer.Argument(..., help="Scenario YAML files.", metavar="FILE..."),
    no_data: bool = typer.Option(False, "--no-data",
                                 help="Skip the checks that need prices (unknown symbols, P/E cross-check)."),
) -> None:
    """Check scenario files and list every error (file:line:col field: message). Exit 2 if any."""
    from scenarios import api

    err, out = _stderr(), _stdout()
    n_bad = 0
    for f in files:
        v = api.validate(f, data=not no_data)  # the price source is one per process
        for w in v.warnings:
            err.print(w.format(), style="yellow", markup=False)
        for e in v.errors:
            err.print(e.format(), markup=False)
        if not v.ok:
            n_bad += 1
        else:
            extra = f", {v.n_scenarios} grid scenarios" if v.n_scenarios > 1 else ""
            if v.is_set:
                extra = f"; scenario set of {v.n_scenarios} components"
            out.print(f"ok: {f} ({v.n_drivers} drivers{extra})", markup=False)
    if n_bad:
        raise typer.Exit(code=2)


# ---------------------------------------------------------------------------- run


def _typed(result: Any) -> RunResult:
    """A :class:`~scenarios.results.RunResult` (an engine result is converted)."""
    from scenarios.results import RunResult

    return result if isinstance(result, RunResult) else RunResult.from_engine(result)


def _table(result: Any):
    """The run's table: one row per symbol, then the index lines worth showing."""
    from rich.markup import escape
    from rich.table import Table

    r = _typed(result)
    title = (f"{r.name}: {r.as_of} -> {r.horizon}, {r.draws:,} draws, "
             f"seed {r.seed} ({_kinds_text([f.return_kind for f in r.forecasts])}; prices in listing currency)")
    t = Table(title=escape(title), title_justify="left", show_edge=False, pad_edge=False)
    t.add_column("symbol", no_wrap=True)
    t.add_column("return", no_wrap=True)
    for col in ("baseline", "median price", "median", "5%..95%", "P(up)"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("moved most by", overflow="fold")
    for f in r.forecasts:
        top_txt = escape(f"{f.top_driver} {_pct(float(f.top_driver_log or 0.0))}") if f.top_driver else "-"
        t.add_row(f.symbol, f.return_kind, _money(f.baseline_price), _money(f.median_price),
                  _pct(f.median_return), f"{_pct(f.return_p05)}..{_pct(f.return_p95)}",
                  _share(f.prob_up), top_txt)
    for line in r.index_lines():
        row = r.index_forecast(line.label)
        if row is None:
            continue
        t.add_row(line.name, row.return_kind, "", "", _pct(row.median_return),
                  f"{_pct(row.return_p05)}..{_pct(row.return_p95)}",
                  _share(row.prob_up), escape(line.note), style="bold" if line.label == "index" else None)
    return t


def _money(x: float | None) -> str:
    return f"{math.nan if x is None else x:,.2f}"


def _share(x: float | None) -> str:
    return f"{100 * (math.nan if x is None else x):.0f}%"


def _kinds_text(kinds: Any) -> str:
    """Title words for the symbols' return kinds: ``total returns``, ``price returns`` or
    ``total returns for stocks, price returns for indexes``."""
    found = set(kinds)
    if found == {"price"}:
        return "price returns (index levels)"
    if found == {"price", "total"}:
        return "total returns for stocks, price returns for indexes"
    return "total returns"


def _summary_csv(result: RunResult) -> str:
    """The summary CSV: one ``symbol`` line per symbol, then the index lines worth showing."""
    import pandas as pd

    s = pd.DataFrame([f.model_dump() for f in result.forecasts])
    s.insert(0, "scenario", result.name)
    s.insert(1, "line", "symbol")
    shown = {line.label for line in result.index_lines()}
    idx = pd.DataFrame([f.model_dump() for f in result.index_forecasts if f.line in shown])
    if not idx.empty:
        idx = idx.rename(columns={"line": "symbol"})
        idx.insert(0, "scenario", result.name)
        idx.insert(1, "line", "index")
        s = pd.concat([s, idx], ignore_index=True)
    return s.to_csv(index=False, float_format="%.10g", lineterminator="\n")


def _write_out(result: RunResult, folder: Path) -> list[Path]:
    import json

    import numpy as np
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    stem = _slug(result.name)
    paths = [folder / f"{stem}.json", folder / f"{stem}.csv", folder / f"{stem}.draws.csv"]
    paths[0].write_text(json.dumps(result.to_dict(include_draws=True), allow_nan=False) + "\n", encoding="utf-8")
    paths[1].write_text(_summary_csv(result), encoding="utf-8")
    draws = result.engine
    cols: dict[str, Any] = {"draw": np.arange(draws.draws)}
    for j, sym in enumerate(draws.symbols):
        cols[f"{sym} price"] = draws.predicted_price[:, j]
        cols[f"{sym} return"] = draws.predicted_return[:, j]
    if draws.index_return is not None:
        cols["index return"] = draws.index_return
        cols["index return (baseline weights)"] = draws.index_return_before
    pd.DataFrame(cols).to_csv(paths[2], index=False, float_format="%.10g", lineterminator="\n")
    return paths


def run_cmd(
    file: Path = typer.Argument(..., help="Scenario YAML file.", metavar="FILE"),
    draws: int | None = typer.Option(None, "--draws", min=1, help="Monte Carlo draws (default: the file's)."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Random seed (default: the file's)."),
    fmt: RunFormat = typer.Option(RunFormat.table, "--format", help="table, json, csv, views (Black-Litterman "
                                  "views for PyPortfolioOpt, JSON) or xlsx (a workbook in --out). A set file "
                                  "(kind: set) runs its probability-weighted mixture."),
    out: Path | None = typer.Option(None, "--out", help="Also write JSON (every draw), summary CSV "
                                    "and draws CSV into this folder."),
    record: bool = typer.Option(True, "--record/--no-record", help="Record the run in the store."),
) -> None:
    """Run a scenario: predicted price and return per symbol, 5-95% band, top driver, index line."""
    import json
    if fmt in ("views", "xlsx") or _is_set(file):  # sets, views and workbooks: scenarios.cli.sets
        from scenarios.cli.sets import run_other_cli

        return run_other_cli(file, draws=draws, seed=seed, fmt=fmt.value, out=out, record=record)

    from scenarios import api
    from scenarios.errors import ScenariosError

    err, console = _stderr(), _stdout()
    payloads: list[Any] = []
    for result in api.iter_run(file, draws=draws, seed=seed):
        for w in result.warnings:
            err.print(w if "warning:" in w else f"warning: {w}", style="yellow", markup=False)
        for n in result.notes:
            err.print(f"note: {n}", style="dim", markup=False)
        run_id = None
        if record:
            try:
                run_id = api.record(result)
            except ScenariosError as exc:
                err.print(f"warning: the run was not recorded in the store: {exc}", style="yellow",
                          markup=False)
        written = _write_out(result, out) if out is not None else []
        if fmt == "table":
            console.print(_table(result))
            if run_id:
                console.print(f"run id: {run_id}", markup=False, style="dim")
            for p in written:
                console.print(f"wrote {p}", markup=False, style="dim")
            console.print()
        elif fmt == "json":
            payload = result.to_dict()
            payload["run_id"] = run_id
            payloads.append(payload)
        else:
            text = _summary_csv(result)
            typer.echo(text if not payloads else text.split("\n", 1)[1], nl=False)
            payloads.append(None)
    if fmt == "json":
        data = payloads[0] if len(payloads) == 1 else payloads
        typer.echo(json.dumps(data, indent=2, allow_nan=False))


# ---------------------------------------------------------------------------- new


def _is_set(file: Path) -> bool:
    from scenarios.sets import is_set_file

    return is_set_file(file)


def template_text(kind: str) -> str:
    """The commented template of ``kind`` (one of :data:`TEMPLATE_KINDS`): the skeleton in
    ``scenarios/templates/`` with its ``drivers:`` filled from the driver registry."""
    from importlib import resources

    if kind not in TEMPLATE_KINDS:
        raise typer.BadParameter(f"must be one of {', '.join(TEMPLATE_KINDS)} (got {kind!r})",
                                 param_hint="KIND")
    from scenarios.model.drivers import template_text as with_drivers

    skeleton = resources.files("scenarios").joinpath("templates", f"{kind}.yaml").read_text(encoding="utf-8")
    return with_drivers(skeleton)  # the driver blocks come from the driver registry


def new_cmd(
    kind: str = typer.Argument(..., help=f"Template kind: {', '.join(TEMPLATE_KINDS)}.", metavar="KIND"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
) -> None:
    """Write a commented scenario template (validates as is; edit the numbers)."""
    text = template_text(kind)
    if out is None:
        typer.echo(text, nl=False)
        return
    if out.exists() and not force:
        raise typer.BadParameter(f"{out} exists (use --force to overwrite)", param_hint="--out")
    out.write_text(text, encoding="utf-8")
    _stdout().print(f"wrote {out}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("validate")(validate_cmd)
    app.command("run")(run_cmd)
    app.command("new")(new_cmd)
