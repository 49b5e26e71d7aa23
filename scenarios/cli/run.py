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
from scenarios.cli.options import allow_path_option, drop_bad_rows_option, path_arg, scheduler_option, workers_option
from scenarios.errors import shown_path

if TYPE_CHECKING:
    from scenarios.results import RunResult

TEMPLATE_KINDS = ("capex", "subsidy", "rerating", "index", "shock")


def _stderr():
    from scenarios.console import make_console

    return make_console(stderr=True, soft_wrap=True)


def _stdout():
    from scenarios.console import make_console

    return make_console(wide=140)  # files and pipes: do not fold tables at 80


def _slug(name: str) -> str:
    """Return a file-name stem for ``name``.

    Safe characters only; a long name is cut and a short hash of the whole name appended, so grid
    points that differ only at the end never share files.
    """
    import hashlib

    s = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "scenario"
    if len(s) > 120:
        s = f"{s[:100]}-{hashlib.blake2b(name.encode('utf-8'), digest_size=4).hexdigest()}"
    return s


def _unique_stem(name: str, used: set[str]) -> str:
    """:func:`_slug`, made unique among the stems already written by this command."""
    stem, n = _slug(name), 2
    while stem.lower() in used:
        stem, n = f"{_slug(name)}-{n}", n + 1
    used.add(stem.lower())
    return stem


def _pct(x: float | None) -> str:
    return f"{100 * (math.nan if x is None else x):+.1f}%"


# ---------------------------------------------------------------------------- validate


def validate_cmd(
    files: list[Path] = typer.Argument(..., parser=path_arg, help="Scenario YAML files.", metavar="FILE..."),
    no_data: bool = typer.Option(False, "--no-data",
                                 help="Skip the checks that need prices (unknown symbols, P/E cross-check)."),
    allow_path: list[Path] | None = allow_path_option(),
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
    """Return a :class:`~scenarios.results.RunResult` (an engine result is converted)."""
    from scenarios.results import RunResult

    return result if isinstance(result, RunResult) else RunResult.from_engine(result)


def _table(result: Any):
    """Return the run's table: one row per symbol, then the index lines worth showing.

    Names and labels come from the file: they print verbatim (never markup, control characters
    shown).
    """
    from rich.table import Table

    from scenarios.console import verbatim
    from scenarios.errors import one_line

    r = _typed(result)
    title = (f"{one_line(r.name)}: {r.as_of} -> {r.horizon}, {r.draws:,} draws, "
             f"seed {r.seed} ({_kinds_text([f.return_kind for f in r.forecasts])}; prices in listing currency)")
    t = Table(title=verbatim(title), title_justify="left", show_edge=False, pad_edge=False)
    t.add_column("symbol", no_wrap=True)
    t.add_column("return", no_wrap=True)
    for col in ("baseline", "median price", "median", "5%..95%", "P(up)", "s.e. pp",
                "noise-free"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("moved most by (pp)", overflow="fold")
    for f in r.forecasts:
        top_txt: Any
        if f.top_driver and f.top_driver_pp is not None:
            top_txt = verbatim(f"{f.top_driver} {f.top_driver_pp:+.1f} pp")
        elif f.top_driver:  # a run recorded before the attribution (schema 1-2): a log term
            top_txt = verbatim(f"{f.top_driver} {float(f.top_driver_log or 0.0):+.3f} log")
        else:
            top_txt = "-"
        t.add_row(verbatim(f.symbol), f.return_kind, _money(f.baseline_price), _money(f.median_price),
                  _pct(f.median_return), f"{_pct(f.return_p05)}..{_pct(f.return_p95)}",
                  _share(f.prob_up), _se_text(f.median_return_se, f.prob_up_se),
                  "-" if f.point_return is None else _pct(f.point_return), top_txt)
    for line in r.index_lines():
        row = r.index_forecast(line.label)
        if row is None:
            continue
        t.add_row(line.name, row.return_kind, "", "", _pct(row.median_return),
                  f"{_pct(row.return_p05)}..{_pct(row.return_p95)}",
                  _share(row.prob_up), "", "", verbatim(line.note),
                  style="bold" if line.label == "index" else None)
    return t


def _se_text(median_se: float | None, prob_se: float | None) -> str:
    """Monte Carlo standard errors of the median and of P(up), percentage points: ``0.42/0.45``."""
    if median_se is None or prob_se is None:
        return "-"
    return f"{100 * median_se:.2f}/{100 * prob_se:.2f}"


def _money(x: float | None) -> str:
    return f"{math.nan if x is None else x:,.2f}"


def _share(x: float | None) -> str:
    return f"{100 * (math.nan if x is None else x):.0f}%"


def _kinds_text(kinds: Any) -> str:
    """Title words for the symbols' return kinds.

    ``total returns``, ``price returns`` or
    ``total returns for stocks, price returns for indexes``.
    """
    found = set(kinds)
    if found == {"price"}:
        return "price returns (index levels)"
    if found == {"price", "total"}:
        return "total returns for stocks, price returns for indexes"
    return "total returns"


def _summary_csv(result: RunResult) -> str:
    """Return the summary CSV: one ``symbol`` line per symbol, then the index lines worth showing."""
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


def _write_out(result: RunResult, folder: Path, used: set[str] | None = None) -> list[Path]:
    """Write the three output files of ``result`` into ``folder``, each atomically.

    ``used`` (the stems this command wrote already) keeps grid points from sharing file names.
    """
    import json

    import numpy as np
    import pandas as pd

    from scenarios.outputs import atomic_path, check_folder, write_text

    check_folder(folder)
    stem = _unique_stem(result.name, used if used is not None else set())
    paths = [folder / f"{stem}.json", folder / f"{stem}.csv", folder / f"{stem}.draws.csv"]
    write_text(paths[0], json.dumps(result.to_dict(include_draws=True), allow_nan=False) + "\n")
    write_text(paths[1], _summary_csv(result))
    draws = result.engine
    cols: dict[str, Any] = {"draw": np.arange(draws.draws)}
    for j, sym in enumerate(draws.symbols):
        cols[f"{sym} price"] = draws.predicted_price[:, j]
        cols[f"{sym} return"] = draws.predicted_return[:, j]
    if draws.index_return is not None:
        cols["index return"] = draws.index_return
        cols["index return (baseline weights)"] = draws.index_return_before
    with atomic_path(paths[2]) as tmp:
        pd.DataFrame(cols).to_csv(tmp, index=False, float_format="%.10g", lineterminator="\n")
    return paths


def run_cmd(
    file: Path = typer.Argument(..., parser=path_arg, help="Scenario YAML file.", metavar="FILE"),
    draws: int | None = typer.Option(None, "--draws", min=1, help="Monte Carlo draws (default: the file's)."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Random seed (default: the file's)."),
    fmt: RunFormat = typer.Option(RunFormat.table, "--format", help="table, json, csv, views (Black-Litterman "
                                  "views for PyPortfolioOpt, JSON) or xlsx (a workbook in --out). A set file "
                                  "(kind: set) runs its probability-weighted mixture."),
    out: Path | None = typer.Option(None, "--out", parser=path_arg, help="Also write JSON (every draw), summary CSV "
                                    "and draws CSV into this folder."),
    keep_draws: bool = typer.Option(False, "--keep-draws", help="Keep every draw of the per-driver "
                                    "log contributions, EPS and the multiple (memory: draws x symbols "
                                    "each); by default only their means. Implied by --out."),
    record: bool = typer.Option(True, "--record/--no-record", help="Record the run in the store."),
    no_save: bool = typer.Option(False, "--no-save", hidden=True, help="Old name of --no-record."),
    allow_path: list[Path] | None = allow_path_option(),
    drop_bad: bool = drop_bad_rows_option(),
    workers: int | None = workers_option(),
    scheduler: str | None = scheduler_option(),
) -> None:
    """Run a scenario: predicted price and return per symbol, 5-95% band, top driver, index line.

    Each grid point's output files are written before it is recorded (a run whose files could
    not be written is not recorded); a run that cannot be recorded exits 5 after its results
    are shown (--no-record runs without the store).
    """
    import json

    record = record and not no_save
    if fmt in ("views", "xlsx") or _is_set(file):  # sets, views and workbooks: scenarios.cli.sets
        from scenarios.cli.sets import run_other_cli

        return run_other_cli(file, draws=draws, seed=seed, fmt=fmt.value, out=out, record=record,
                             workers=workers, scheduler=scheduler)

    from scenarios import api
    from scenarios.errors import ScenariosError, StoreError

    err, console = _stderr(), _stdout()
    if out is not None:  # before any work: a folder that cannot be written fails now, not after
        from scenarios.outputs import check_folder

        check_folder(out)
    payloads: list[Any] = []
    used: set[str] = set()
    store_error: ScenariosError | None = None
    n_runs = n_lost = 0
    from scenarios.cli.render import print_warnings_and_notes

    # --out writes every draw (JSON and draws CSV): it asks for them
    for result in api.iter_run(file, draws=draws, seed=seed, keep_draws=keep_draws or out is not None,
                               workers=workers, scheduler=scheduler):
        n_runs += 1
        print_warnings_and_notes(result, err)
        # outputs first: a run whose files could not be written is not recorded
        written = _write_out(result, out, used) if out is not None else []
        run_id = None
        if record and store_error is None:
            try:
                run_id = api.record(result)
            except ScenariosError as exc:  # results are still shown; the exit code says "not recorded"
                store_error = exc
        if record and run_id is None:
            n_lost += 1
        if fmt != "table":
            for p in written:  # stdout carries the JSON/CSV; say where the files went on stderr
                err.print(f"wrote {shown_path(p)}", markup=False)
        if fmt == "table":
            console.print(_table(result))
            console.print("noise-free: every parameter at its mean, no market noise (what the "
                          "backtest's hit rate and IC score); moved most by: the driver's exact "
                          "Shapley share of it, percentage points; s.e. pp: Monte Carlo standard "
                          "errors of the median and of P(up)", markup=False, style="dim")
            if result.pnl is not None:  # the portfolio block (scenarios.engine.pnl)
                from scenarios.cli.pnl_render import pnl_forecast_text

                for line in pnl_forecast_text(result.pnl):
                    console.print(line, markup=False, highlight=False)
            if run_id:
                console.print(f"run id: {run_id}", markup=False, style="dim")
            for p in written:
                console.print(f"wrote {shown_path(p)}", markup=False, style="dim")
            console.print()
        elif fmt == "json":
            payload = result.to_dict()
            payload["run_id"] = run_id
            payloads.append(payload)
        else:
            from scenarios.console import clean_control

            text = clean_control(_summary_csv(result))  # a name's ESC never reaches the terminal raw
            typer.echo(text if not payloads else text.split("\n", 1)[1], nl=False)
            payloads.append(None)
    if fmt == "json":
        data = payloads[0] if len(payloads) == 1 else payloads
        typer.echo(json.dumps(data, indent=2, allow_nan=False))
    if store_error is not None:
        where = f" and written to {shown_path(out)}" if out is not None else ""
        what = "the run was" if n_runs == 1 else f"{n_lost} of {n_runs} grid runs were"
        raise StoreError(f"{what} computed (results above{where}) but NOT recorded in the store: "
                         f"{store_error} Pass --no-record to run without the store.")


# ---------------------------------------------------------------------------- new


def _is_set(file: Path) -> bool:
    from scenarios.sets import is_set_file

    return is_set_file(file)


def template_text(kind: str) -> str:
    """Return the commented template of ``kind`` (one of :data:`TEMPLATE_KINDS`).

    The skeleton in ``scenarios/templates/`` with its ``drivers:`` filled from the driver registry.
    """
    from importlib import resources

    if kind not in TEMPLATE_KINDS:
        raise typer.BadParameter(f"must be one of {', '.join(TEMPLATE_KINDS)} (got {kind!r})",
                                 param_hint="KIND")
    from scenarios.model.drivers import template_text as with_drivers

    skeleton = resources.files("scenarios").joinpath("templates", f"{kind}.yaml").read_text(encoding="utf-8")
    return with_drivers(skeleton)  # the driver blocks come from the driver registry


def new_cmd(
    kind: str = typer.Argument(..., help=f"Template kind: {', '.join(TEMPLATE_KINDS)}.", metavar="KIND"),
    out: Path | None = typer.Option(None, "--out", "-o", parser=path_arg, help="Write to this file instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
) -> None:
    """Write a commented scenario template (validates as is; edit the numbers)."""
    text = template_text(kind)
    if out is None:
        typer.echo(text, nl=False)
        return
    from scenarios.outputs import check_file, write_text

    if out.exists() and not out.is_dir() and not force:
        raise typer.BadParameter(f"{shown_path(out)} exists (use --force to overwrite)", param_hint="--out")
    write_text(check_file(out, force=force), text)
    _stdout().print(f"wrote {shown_path(out)}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("validate")(validate_cmd)
    app.command("run")(run_cmd)
    app.command("new")(new_cmd)
