"""CLI command: ``scenarios backtest FILE`` (single as_of, or walk-forward with ``--roll``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import typer

from scenarios.cli.formats import BacktestFormat
from scenarios.cli.options import (
    allow_path_option,
    bad_option,
    drop_bad_rows_option,
    path_arg,
    path_text,
    scheduler_option,
    workers_option,
)
from scenarios.errors import one_line, shown_path


def _parse_band(text: str) -> tuple[float, float]:
    """``"5,95"`` or ``"0.05,0.95"`` -> (0.05, 0.95)."""
    parts = [p.strip() for p in text.replace(":", ",").split(",") if p.strip()]
    if len(parts) != 2:
        bad_option("give two quantiles, e.g. 5,95", option="--band")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        bad_option("quantiles must be numbers, e.g. 5,95", option="--band")
    if hi > 1 or lo > 1:
        lo, hi = lo / 100, hi / 100
    if not 0 <= lo < hi <= 1:
        bad_option("need 0 <= lower < upper <= 100", option="--band")
    return lo, hi


def backtest(
    file: str = typer.Argument(..., metavar="FILE", parser=path_text, help="Scenario YAML file."),
    roll: str | None = typer.Option(None, "--roll", help="Walk forward: quarterly or monthly as_of dates."),
    start: str | None = typer.Option(None, "--from", help="First as_of of the walk (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--to", help="Last as_of of the walk (YYYY-MM-DD)."),
    draws: int | None = typer.Option(None, "--draws", min=1, help="Monte Carlo draws (default: the file's)."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Random seed (default: the file's)."),
    band: str = typer.Option("5,95", "--band", help="Forecast band quantiles in percent."),
    partial: str = typer.Option("exclude", "--partial",
                                help="Windows cut short by the end of the data: exclude or include."),
    no_index: bool = typer.Option(False, "--no-index", help="Skip the index simulation of index scenarios."),
    fmt: BacktestFormat = typer.Option(BacktestFormat.table, "--format", "-f",
                                       help="table, json or xlsx (a workbook in --out)."),
    out: Path | None = typer.Option(None, "--out", parser=path_arg, help="Folder for the --format xlsx workbook."),
    record: bool = typer.Option(True, "--record/--no-record", help="Record the result as a run in the store."),
    no_save: bool = typer.Option(False, "--no-save", hidden=True, help="Old name of --no-record."),
    allow_path: list[Path] | None = allow_path_option(),
    drop_bad: bool = drop_bad_rows_option(),
    workers: int | None = workers_option(),
    scheduler: str | None = scheduler_option(),
) -> None:
    """Score a scenario against what happened: at its as_of, or walked forward with --roll.

    Only prices up to each as_of are visible to the scenario; realized returns run from the as_of close to the horizon close (stocks: total returns from adjusted closes; indexes: price returns). Windows that the data does not cover are reported, not scored.

    The result is recorded as a `backtest` run (see `scenarios runs list`); a file with a grid gives one backtest (and one run) per grid point, then a comparison table.
    """  # noqa: E501 (typer prints this as --help, line breaks kept)
    save = record and not no_save
    import json

    from scenarios import api
    from scenarios.cli.render import make_console, render_backtest
    from scenarios.errors import StoreError

    if partial not in ("exclude", "include"):
        bad_option("use --partial exclude or include", option="--partial")
    part: Literal["exclude", "include"] = "include" if partial == "include" else "exclude"
    q = _parse_band(band)
    from scenarios.sets import is_set_file

    if is_set_file(file):
        if roll is not None or start or end:
            bad_option("a scenario set is scored at its as_of; --roll/--from/--to are not available for sets",
                 option="--roll")
        from scenarios.cli.sets import backtest_set_cli

        return backtest_set_cli(file, draws=draws, seed=seed, band=q, partial=part, fmt=fmt.value,
                                out=out, save=save, workers=workers, scheduler=scheduler)
    if fmt == "xlsx":
        from scenarios.cli.sets import need_out

        need_out(out)
    console = make_console()
    results: list[Any] = []
    run_ids: list[str | None] = []
    store_error: StoreError | None = None
    for result in api.iter_backtest(file, roll=roll, start=start, end=end,  # type: ignore[arg-type]
                                    draws=draws, seed=seed, band=q, partial=part,
                                    index=not no_index, progress=fmt == "table",
                                    workers=workers, scheduler=scheduler):
        if fmt in ("table", "xlsx"):
            render_backtest(result, console)  # shown before recording: a busy store loses nothing
        run_id = None
        if save and store_error is None:
            try:
                run_id = api.record(result)
            except StoreError as exc:
                store_error = exc
        results.append(result)
        run_ids.append(run_id)
        if fmt == "xlsx" and out is not None:
            from scenarios.cli.sets import xlsx_path

            console.print(f"wrote {shown_path(api.write_xlsx(result, xlsx_path(out, result.scenario)))}", markup=False)
        if fmt in ("table", "xlsx"):
            if run_id:
                console.print()
                console.print(f"recorded as run [bold]{run_id}[/bold] (scenarios runs show {run_id})")
            console.print()
    if fmt == "json":
        outputs = [{"run_id": rid, **r.to_dict()} for rid, r in zip(run_ids, results, strict=True)]
        data = outputs[0] if len(outputs) == 1 else outputs
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif len(results) > 1:
        render_grid_summary(results, run_ids, console)
    if store_error is not None:
        raise StoreError(f"the backtest ran (results above) but could not be recorded: {store_error}")


def render_grid_summary(results: list[Any], run_ids: list[str | None], console: Any) -> None:
    """One line per grid point: the headline scores side by side."""
    from rich.markup import escape
    from rich.table import Table

    from scenarios.cli.render import crps_text, num, pct
    from scenarios.results import WalkForwardResult

    t = Table(show_edge=False, pad_edge=False, title_justify="left",
              title=f"grid: {len(results)} scenarios (choosing the best in-sample point overfits: "
                    "check it walk-forward)")
    for col in ("scenario", "run", "hit rate", "IC", "MAE", "coverage", "CRPS"):
        t.add_column(col, justify="left" if col in ("scenario", "run") else "right")
    for r, run_id in zip(results, run_ids, strict=True):
        if isinstance(r, WalkForwardResult):
            s: Any = r.track
            ic = s.mean_ic
        else:
            s = r.score_summary
            ic = s.ic
        t.add_row(escape(one_line(str(r.scenario))), str(run_id or "-"),
                  pct(s.hit_rate, signed=False, digits=0), num(ic, 2),
                  pct(s.mae, signed=False), pct(s.coverage, signed=False, digits=0),
                  crps_text(s.crps))
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add ``scenarios backtest`` to the root app."""
    app.command("backtest")(backtest)
