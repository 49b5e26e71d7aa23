"""CLI command: ``scenarios backtest FILE`` (single as_of, or walk-forward with ``--roll``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import typer

from scenarios.cli.options import TableJson, allow_path_option, drop_bad_rows_option


def _bad(message: str, param_hint: str) -> NoReturn:
    """A usage error as a :class:`~scenarios.errors.ScenarioError` (exit code 2, one line)."""
    from scenarios.errors import ScenarioError

    raise ScenarioError(message, field=param_hint)


def _parse_band(text: str) -> tuple[float, float]:
    """``"5,95"`` or ``"0.05,0.95"`` -> (0.05, 0.95)."""
    parts = [p.strip() for p in text.replace(":", ",").split(",") if p.strip()]
    if len(parts) != 2:
        _bad("give two quantiles, e.g. 5,95", param_hint="--band")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        _bad("quantiles must be numbers, e.g. 5,95", param_hint="--band")
    if hi > 1 or lo > 1:
        lo, hi = lo / 100, hi / 100
    if not 0 <= lo < hi <= 1:
        _bad("need 0 <= lower < upper <= 100", param_hint="--band")
    return lo, hi


def backtest(
    file: str = typer.Argument(..., metavar="FILE", help="Scenario YAML file."),
    roll: str | None = typer.Option(None, "--roll", help="Walk forward: quarterly or monthly as_of dates."),
    start: str | None = typer.Option(None, "--from", help="First as_of of the walk (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--to", help="Last as_of of the walk (YYYY-MM-DD)."),
    draws: int | None = typer.Option(None, "--draws", min=1, help="Monte Carlo draws (default: the file's)."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (default: the file's)."),
    band: str = typer.Option("5,95", "--band", help="Forecast band quantiles in percent."),
    partial: str = typer.Option("exclude", "--partial",
                                help="Windows cut short by the end of the data: exclude or include."),
    no_index: bool = typer.Option(False, "--no-index", help="Skip the index simulation of index scenarios."),
    fmt: TableJson = typer.Option(TableJson.table, "--format", "-f", help="table or json."),
    record: bool = typer.Option(True, "--record/--no-record", help="Record the result as a run in the store."),
    no_save: bool = typer.Option(False, "--no-save", hidden=True, help="Old name of --no-record."),
    allow_path: list[Path] | None = allow_path_option(),
    drop_bad: bool = drop_bad_rows_option(),
) -> None:
    """Score a scenario against what happened: at its as_of, or walked forward with --roll.

    Only prices up to each as_of are visible to the scenario; realized returns run from the as_of close to the horizon close (stocks: total returns from adjusted closes; indexes: price returns). Windows that the data does not cover are reported, not scored.

    The result is recorded as a `backtest` run (see `scenarios runs list`); a file with a grid gives one backtest (and one run) per grid point, then a comparison table.
    """
    save = record and not no_save
    import json

    from scenarios.backtest.render import make_console, render_backtest_payload, summary_line
    from scenarios.errors import StoreError
    from scenarios.model import expand_grid, load_scenario
    from scenarios.store.runs import record_run, to_jsonable

    if partial not in ("exclude", "include"):
        _bad("use --partial exclude or include", param_hint="--partial")
    q = _parse_band(band)
    if roll is None and (start or end):
        _bad("--from/--to go with --roll quarterly|monthly", param_hint="--roll")
    scenario = load_scenario(file)
    scenarios = expand_grid(scenario)
    walk: tuple[Any, Any] | None = None
    if roll is not None:
        from scenarios.backtest.walkforward import ROLLS, roll_dates

        if roll not in ROLLS:
            _bad(f"use --roll {' or '.join(ROLLS)}", param_hint="--roll")
        import pandas as pd

        try:
            s = pd.Timestamp(start) if start else pd.Timestamp(scenario.as_of)
            e = pd.Timestamp(end) if end else pd.Timestamp.today().normalize()
        except ValueError as exc:
            _bad(f"dates are YYYY-MM-DD ({exc})", param_hint="--from/--to")
        if e < s:
            _bad(f"--to {e.date()} is before --from {s.date()}", param_hint="--to")
        if not roll_dates(s, e, roll):  # type: ignore[arg-type]
            _bad(f"no {roll} as_of date (calendar period end) between {s.date()} and {e.date()}",
                 param_hint="--from/--to")
        walk = (s, e)
    from scenarios.data import default_source

    source = default_source()
    console = make_console()
    outputs: list[dict[str, Any]] = []
    store_error: StoreError | None = None
    for sc in scenarios:
        if walk is not None:
            from scenarios.backtest.single import walk_forward_scenario

            result: Any = walk_forward_scenario(
                sc, roll=roll, start=walk[0], end=walk[1], source=source, draws=draws,  # type: ignore[arg-type]
                seed=seed, band=q, partial=partial, progress=fmt == "table")  # type: ignore[arg-type]
        else:
            from scenarios.backtest.single import backtest_scenario

            result = backtest_scenario(sc, source=source, draws=draws, seed=seed, band=q,
                                       partial=partial, index=not no_index)  # type: ignore[arg-type]
        payload = to_jsonable(result.to_dict())
        if sc.grid_point:
            payload["grid_point"] = to_jsonable(sc.grid_point)
        if fmt == "table":
            render_backtest_payload(payload, console)  # shown before recording: a busy store loses nothing
        run_id = None
        if save and store_error is None:
            try:
                run_id = record_run("backtest", payload, name=sc.name, file_sha256=sc.file_sha256,
                                    summary=summary_line(payload))
            except StoreError as exc:
                store_error = exc
        outputs.append({"run_id": run_id, **payload})
        if fmt == "table":
            if run_id:
                console.print()
                console.print(f"recorded as run [bold]{run_id}[/bold] (scenarios runs show {run_id})")
            console.print()
    if fmt == "json":
        data = outputs[0] if len(outputs) == 1 else outputs
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif len(outputs) > 1:
        render_grid_summary(outputs, console)
    if store_error is not None:
        raise StoreError(f"the backtest ran (results above) but could not be recorded: {store_error}")


def render_grid_summary(outputs: list[dict[str, Any]], console: Any) -> None:
    """One line per grid point: the headline scores side by side."""
    from rich.markup import escape
    from rich.table import Table

    from scenarios.backtest.render import num, pct

    t = Table(show_edge=False, pad_edge=False, title_justify="left",
              title=f"grid: {len(outputs)} scenarios (choosing the best in-sample point overfits: "
                    "check it walk-forward)")
    for col in ("scenario", "run", "hit rate", "IC", "MAE", "coverage", "CRPS"):
        t.add_column(col, justify="left" if col in ("scenario", "run") else "right")
    for o in outputs:
        s = o.get("track") if o.get("mode") == "walk_forward" else o.get("summary")
        s = s or {}
        ic = s.get("mean_ic") if o.get("mode") == "walk_forward" else s.get("ic")
        t.add_row(escape(str(o.get("scenario"))), str(o.get("run_id") or "-"),
                  pct(s.get("hit_rate"), signed=False, digits=0), num(ic, 2),
                  pct(s.get("mae"), signed=False), pct(s.get("coverage"), signed=False, digits=0),
                  num(s.get("crps"), 4))
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add ``scenarios backtest`` to the root app."""
    app.command("backtest")(backtest)
