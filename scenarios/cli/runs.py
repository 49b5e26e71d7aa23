"""CLI commands: ``scenarios runs list|show|delete`` (recorded runs in the store)."""

from __future__ import annotations

from typing import Any

import typer

from scenarios.cli.options import TableJson


runs_app = typer.Typer(
    name="runs",
    help="List and show recorded runs (scenario runs and backtests) kept in the store.",
    no_args_is_help=True,
)


def _fmt_scalar(v: Any) -> str:
    """Cell text (markup-escaped: names such as ``x[a=1]`` are not rich tags)."""
    from rich.markup import escape

    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.6g}"
    return escape(str(v))


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def _records_table(title: str, rows: list[dict[str, Any]], index_name: str | None = None):
    from rich.table import Table

    cols: list[str] = []
    for r in rows:
        for k, v in r.items():
            if k not in cols and _is_scalar(v):
                cols.append(k)
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for c in cols:
        table.add_column(c, justify="left" if c == index_name else "right")
    for r in rows:
        table.add_row(*(_fmt_scalar(r.get(c)) for c in cols))
    return table


def render_payload(payload: dict[str, Any], console) -> None:
    """Print a payload generically: scalars as key/value, record lists and dicts of dicts as tables."""
    import json

    from rich.table import Table

    scalars = {k: v for k, v in payload.items() if _is_scalar(v)}
    if scalars:
        kv = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
        kv.add_column("key", style="bold")
        kv.add_column("value")
        for k, v in scalars.items():
            kv.add_row(_fmt_scalar(k), _fmt_scalar(v))
        console.print(kv)
    for k, v in payload.items():
        if _is_scalar(v):
            continue
        console.print()
        if isinstance(v, list) and v and all(isinstance(r, dict) for r in v):
            console.print(_records_table(k, v))
        elif isinstance(v, dict) and v and all(isinstance(r, dict) for r in v.values()):
            rows = [{"key": key, **r} for key, r in v.items()]
            console.print(_records_table(k, rows, index_name="key"))
        elif isinstance(v, dict) and v and all(_is_scalar(x) for x in v.values()):
            t = Table(title=k, title_justify="left", show_header=False, show_edge=False, box=None)
            t.add_column("key", style="bold")
            t.add_column("value")
            for kk, vv in v.items():
                t.add_row(_fmt_scalar(str(kk)), _fmt_scalar(vv))
            console.print(t)
        else:
            text = json.dumps(v, ensure_ascii=False)
            if len(text) > 400:
                text = text[:400] + f"... ({len(text)} characters; use --format json)"
            console.print(f"[bold]{_fmt_scalar(k)}[/bold]: {_fmt_scalar(text)}", markup=True, highlight=False)


@runs_app.command("list")
def list_cmd(
    kind: str | None = typer.Option(None, "--kind", "-k", help="Only runs of this kind (run, backtest, ...)."),
    limit: int = typer.Option(50, "--limit", "-n", min=0, help="Show at most this many (newest first)."),
    fmt: TableJson = typer.Option(TableJson.table, "--format", "-f", help="table or json."),
) -> None:
    """List recorded runs, newest first."""
    import json

    from rich.table import Table

    from scenarios.store.runs import list_runs

    runs = list_runs(kind=kind, limit=limit)
    if fmt == "json":
        typer.echo(json.dumps([
            {"id": r.id, "kind": r.kind, "name": r.name, "created_at": r.created_at.isoformat(),
             "file_sha256": r.file_sha256, "summary": r.summary} for r in runs], indent=2))
        return
    from scenarios.backtest.render import make_console

    console = make_console()
    if not runs:
        console.print("no recorded runs" + (f" of kind {kind!r}" if kind else "")
                      + " (record one with `scenarios run FILE` or `scenarios backtest FILE`)")
        return
    table = Table(show_edge=False, pad_edge=False)
    for col in ("id", "kind", "name", "created (UTC)", "summary"):
        table.add_column(col, no_wrap=col in ("id", "created (UTC)"))
    for r in runs:
        table.add_row(r.id, _fmt_scalar(r.kind), _fmt_scalar(r.name), f"{r.created_at:%Y-%m-%d %H:%M:%S}",
                      _fmt_scalar(r.summary or ""))
    console.print(table)


@runs_app.command("show")
def show_cmd(
    run_id: str = typer.Argument(..., metavar="ID", help="Run id (a unique prefix is enough)."),
    fmt: TableJson = typer.Option(TableJson.table, "--format", "-f", help="table or json."),
) -> None:
    """Show one recorded run: its metadata and outputs."""
    import json

    from scenarios.store.runs import load_run, run_info

    info = run_info(run_id)
    payload = load_run(info.id)
    if fmt == "json":
        typer.echo(json.dumps({"id": info.id, "kind": info.kind, "name": info.name,
                               "created_at": info.created_at.isoformat(),
                               "file_sha256": info.file_sha256, "payload": payload},
                              indent=2, ensure_ascii=False))
        return
    from scenarios.backtest.render import make_console

    console = make_console()
    console.print(f"[bold]{info.id}[/bold]  {_fmt_scalar(info.kind)}  {_fmt_scalar(info.name)}  "
                  f"recorded {info.created_at:%Y-%m-%d %H:%M:%S} UTC"
                  + (f"  file sha256 {info.file_sha256[:12]}" if info.file_sha256 else ""))
    renderer = None
    if info.kind == "backtest":
        try:
            from scenarios.backtest.render import render_backtest_payload as renderer
        except ImportError:  # pragma: no cover - renderer optional
            renderer = None
    if renderer is not None:
        renderer(payload, console)
    else:
        render_payload(payload, console)


@runs_app.command("delete")
def delete_cmd(
    run_id: str = typer.Argument(..., metavar="ID", help="Run id (a unique prefix is enough)."),
) -> None:
    """Delete one recorded run."""
    from scenarios.store.runs import delete_run

    typer.echo(f"deleted {delete_run(run_id)}")


def register(app: typer.Typer) -> None:
    """Add ``scenarios runs ...`` to the root app."""
    app.add_typer(runs_app, name="runs")
