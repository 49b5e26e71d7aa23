"""CLI commands: ``scenarios runs list|show|compare|delete`` (recorded runs in the store)."""

from __future__ import annotations

from typing import Any

import typer

from scenarios.cli.options import TableJson
from scenarios.errors import one_line

runs_app = typer.Typer(
    name="runs",
    help="List, show and compare recorded runs (scenario runs and backtests) kept in the store.",
    no_args_is_help=True,
)


def _fmt_scalar(v: Any) -> str:
    """Cell text: one line (:func:`~scenarios.errors.one_line`), markup-escaped.

    Names such as ``x[a=1]`` are not rich tags.
    """
    from rich.markup import escape

    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.6g}"
    return escape(one_line(str(v)))


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
    limit: int = typer.Option(50, "--limit", "-n", min=0, max=1_000_000_000,
                              help="Show at most this many (newest first)."),
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
    from scenarios.cli.render import make_console

    console = make_console()
    if not runs:
        console.print("no recorded runs" + (f" of kind {kind!r}" if kind else "")
                      + " (record one with `scenarios run FILE` or `scenarios backtest FILE`)", markup=False)
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

    from scenarios.errors import IncompatibleRunError
    from scenarios.results import RunResult, from_payload
    from scenarios.store.runs import load_run, run_info

    info = run_info(run_id)
    payload = load_run(info.id)
    try:
        typed = from_payload(info.kind, payload, what=f"run {info.id}")  # None: a free-form kind
    except IncompatibleRunError as exc:
        # `runs show` is the store's viewer: show what is stored, and say why it is not typed
        typed = None
        from scenarios.console import make_console as stderr_console

        stderr_console(stderr=True).print(f"note: {exc}; shown as stored", style="yellow", markup=False)
    if typed is not None:
        payload = typed.to_dict()
    if fmt == "json":
        typer.echo(json.dumps({"id": info.id, "kind": info.kind, "name": info.name,
                               "created_at": info.created_at.isoformat(),
                               "file_sha256": info.file_sha256, "payload": payload,
                               "data_changed": _data_changes(payload)},
                              indent=2, ensure_ascii=False))
        return
    from scenarios.cli.render import make_console, render_backtest

    console = make_console()
    console.print(f"[bold]{info.id}[/bold]  {_fmt_scalar(info.kind)}  {_fmt_scalar(info.name)}  "
                  f"recorded {info.created_at:%Y-%m-%d %H:%M:%S} UTC"
                  + (f"  file sha256 {info.file_sha256[:12]}" if info.file_sha256 else ""))
    if typed is not None and not isinstance(typed, RunResult):
        render_backtest(typed, console)
    else:
        render_payload(payload, console)
    for line in _data_changes(payload):
        console.print(f"note: {line}", markup=False, style="yellow")


def _data_changes(payload: dict[str, Any]) -> list[str]:
    """Symbols whose price rows differ from those the run recorded (see :mod:`scenarios.data.fingerprint`).

    Nothing for runs recorded before fingerprints.
    """
    from scenarios.data.fingerprint import data_changes

    return data_changes(payload)


# ---------------------------------------------------------------------------- compare


def _pp(v: Any) -> str:
    """Return a difference of two fractions in percentage points (``+2.3pp``); ``-`` when missing."""
    return "-" if v is None else f"{100 * v:+.1f}pp"


def _cell(v: Any, present: bool = True, width: int = 48) -> str:
    """Return an input value for the diff table: ``-`` when the run lacks the key, JSON for lists."""
    import json

    from rich.markup import escape

    if not present:
        return "-"
    if v is None:
        return "null"
    if isinstance(v, dict) and v:
        kind = f"{v['type']} " if isinstance(v.get("type"), str) else ""
        return escape(f"{{{kind}{len(v)} key{'' if len(v) == 1 else 's'}}}")
    if isinstance(v, (list, dict)):
        text = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
        return escape(text if len(text) <= width else text[: width - 3] + "...")
    return _fmt_scalar(v)


def _grid_text(gp: dict[str, Any]) -> str:
    r"""Return a grid point as one line: ``path=value, ...`` (a text value's newline shows as ``\n``)."""
    text = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in gp.items())
    return one_line(text) or "-"


def render_comparison(cmp: dict[str, Any], console: Any) -> None:
    """Print a :func:`scenarios.compare.compare_runs` result (percents, pp differences)."""
    from rich.markup import escape
    from rich.table import Table

    from scenarios.cli.render import crps_text, num, pct

    runs = cmp["runs"]
    labels = [f"#{i + 1}" for i in range(len(runs))]
    t = Table(title="runs", title_justify="left", show_edge=False, pad_edge=False)
    t.add_column("", style="bold", no_wrap=True)
    for lab in labels:
        t.add_column(lab, overflow="fold")
    fields = (("id", "id"), ("kind", "kind"), ("name", "name"), ("file", "file"),
              ("file_sha256", "sha256"), ("as_of", "as_of"), ("horizon", "horizon"), ("seed", "seed"),
              ("draws", "draws"), ("grid_point", "grid point"), ("created_at", "created (UTC)"))
    for key, title in fields:
        cells = []
        for h in runs:
            v = h.get(key)
            if key == "grid_point":
                cells.append(escape(_grid_text(v or {})))
            elif key == "created_at":
                cells.append((v or "-").replace("T", " ")[:19])
            else:  # names, files, dates: one line each
                cells.append(_fmt_scalar(v))
        t.add_row(title, *cells)
    console.print(t)

    console.print()
    diff = cmp["input_diff"]
    if not diff:
        console.print("[bold]inputs[/bold]: no difference in the resolved scenario inputs "
                      "(name and description aside)", highlight=False)
    else:
        t = Table(title=f"inputs that differ ({len(diff)} keys)", title_justify="left", show_edge=False,
                  pad_edge=False)
        t.add_column("key", overflow="fold")
        for lab in labels:
            t.add_column(lab, justify="right", overflow="fold")
        for d in diff:
            t.add_row(escape(one_line(d["key"])),
                      *(_cell(v, p) for v, p in zip(d["values"], d["present"], strict=True)))
        console.print(t)

    preds = cmp["predictions"]
    if preds:
        console.print()
        backtest = any(x is not None and "realized" in x for r in preds for x in r["runs"])
        t = Table(title="predicted returns (median of the draws; difference vs #1 in percentage points)",
                  title_justify="left", show_edge=False, pad_edge=False)
        cols = ["symbol", "return", "run", "median", "5%..95%", "P(up)", "vs #1"]
        if backtest:
            cols += ["realized", "hit", "PIT"]
        for col in cols:
            t.add_column(col, justify="left" if col in ("symbol", "return", "run") else "right", no_wrap=True)
        for row in preds:
            name = row["symbol"] if row["line"] == "symbol" else f"[{row['symbol']}]"
            for i, (lab, x) in enumerate(zip(labels, row["runs"], strict=True)):
                first = i == 0
                cells = [escape(name) if first else "", _fmt_scalar(row["return_kind"]) if first else "", lab]
                if x is None:
                    cells += ["-"] * (len(cols) - 3)
                else:
                    cells += [pct(x.get("median")), f"{pct(x.get('p05'))}..{pct(x.get('p95'))}",
                              pct(x.get("prob_up"), signed=False, digits=0),
                              "" if first else _pp(row["median_diff"][i])]
                    if backtest:
                        hit = x.get("hit")
                        cells += [pct(x.get("realized")) if "realized" in x else "-",
                                  "-" if hit is None else ("yes" if hit >= 0.5 else "no"),
                                  num(x.get("pit"), 2) if "pit" in x else "-"]
                t.add_row(*cells, end_section=i == len(runs) - 1)
        console.print(t)

    scores = cmp["backtest_summary"]
    if any(s is not None for s in scores):
        console.print()
        t = Table(title="backtest scores across symbols", title_justify="left", show_edge=False, pad_edge=False)
        for col in ("run", "scored", "hit rate", "IC", "CRPS", "coverage", "nominal", "MAE"):
            t.add_column(col, justify="left" if col == "run" else "right")
        for lab, s in zip(labels, scores, strict=True):
            if s is None:
                continue
            t.add_row(lab, _fmt_scalar(s.get("n_scored")), pct(s.get("hit_rate"), signed=False, digits=0),
                      num(s.get("ic"), 2), crps_text(s.get("crps")), pct(s.get("coverage"), signed=False, digits=0),
                      pct(s.get("nominal_coverage"), signed=False, digits=0), pct(s.get("mae"), signed=False))
        console.print(t)
    rel = cmp.get("relative_calls") or []
    if any(rel):
        console.print()
        t = Table(title="relative calls: excess return over each benchmark (hit rate on the sign "
                  "of excess)", title_justify="left", show_edge=False, pad_edge=False)
        for col in ("run", "benchmark", "basis", "scored", "hit rate", "basket pred.", "basket real.",
                    "basket hit"):
            t.add_column(col, justify="left" if col in ("run", "benchmark", "basis") else "right")
        for lab, blocks in zip(labels, rel, strict=True):
            for blk in blocks:
                if "basket_hit_rate" in blk:  # walk-forward
                    bp, br = "-", "-"
                    bh = (f"{pct(blk.get('basket_hit_rate'), signed=False, digits=0)} of "
                          f"{blk.get('n_baskets', 0)}")
                else:
                    bp, br = pct(blk.get("basket_predicted")), pct(blk.get("basket_realized"))
                    bh = "-" if blk.get("basket_hit") is None else ("yes" if blk["basket_hit"] else "no")
                t.add_row(escape(lab), escape(str(blk["benchmark"])), escape(str(blk.get("basis") or "-")),
                          _fmt_scalar(blk.get("n_scored")), pct(blk.get("hit_rate"), signed=False, digits=0),
                          bp, br, bh)
        console.print(t)
        if any(blk.get("basis") in ("total - price", "mixed") for blocks in rel for blk in blocks):
            from scenarios.backtest.excess import DIVIDEND_CAVEAT

            console.print(f"basis total - price: {DIVIDEND_CAVEAT}", highlight=False)
    if cmp["notes"]:
        console.print()
        for n in cmp["notes"]:
            console.print(f"note: {escape(n)}", highlight=False, style="yellow")


@runs_app.command("compare")
def compare_cmd(
    run_ids: list[str] = typer.Argument(..., metavar="ID",
                                        help="Two or more run ids (unique prefixes are enough); "
                                             "the first is the reference."),
    fmt: TableJson = typer.Option(TableJson.table, "--format", "-f", help="table or json."),
) -> None:
    """Compare recorded runs: header, inputs that differ, predicted returns side by side
    (median difference vs the first run), and backtest scores.
    """  # noqa: D205 (typer prints this as --help, line breaks kept)
    from scenarios import api

    if len(run_ids) < 2:
        raise typer.BadParameter(f"give at least two run ids to compare (got {len(run_ids)})",
                                 param_hint="ID")
    cmp = api.compare(run_ids)
    if fmt == "json":
        typer.echo(cmp.to_json())
        return
    from scenarios.cli.render import make_console

    console = make_console()
    render_comparison(cmp.to_dict(), console)


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
