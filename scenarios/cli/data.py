"""CLI commands: ``scenarios data import|list|show|check``.

Only typer and rich are imported at module level (start-up time); pandas, duckdb and the
data layer are imported inside the commands.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from scenarios.cli.options import TableJson, TableJsonCsv, path_arg
from scenarios.errors import shown_path

if TYPE_CHECKING:
    import pandas as pd

    from scenarios.data.quality import SeriesReport

data_app = typer.Typer(
    name="data",
    help="Price data: import CSV folders into the local store, list, show and quality-check series.",
    no_args_is_help=True,
)


def _out() -> Console:
    from scenarios.console import make_console

    return make_console(soft_wrap=True)


def _num(x: float, digits: int = 4) -> str:
    import math

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:,.{digits}f}"


@data_app.command("import")
def import_(
    folder: Path = typer.Argument(..., parser=path_arg,
                                  help="Folder of one-CSV-per-symbol files (snapshot or yfinance exports)."),
    skip_bad: bool = typer.Option(False, "--skip-bad",
                                  help="Skip malformed files (listed) instead of importing nothing."),
) -> None:
    """Load every CSV file of FOLDER into the store, in one transaction (all files or none).
    A fundamentals folder (yfinance/ and sec/ subfolders) loads its statements instead.
    """  # noqa: D205 (typer prints this as --help, line breaks kept)
    from scenarios.data.fundamentals.folder import is_fundamentals_folder

    if is_fundamentals_folder(folder):
        from scenarios.cli.fundamentals import import_fundamentals

        import_fundamentals(folder)
        return
    from scenarios.data.barstore import MIN_DATE, BarStore, BarWrite
    from scenarios.data.csvdir import CsvDirSource
    from scenarios.errors import DataFormatError

    src = CsvDirSource(folder)
    symbols = src.symbols()
    if not symbols:
        from scenarios.errors import DataUnavailableError

        _passed_over(src)
        raise DataUnavailableError(f"no .csv files in {shown_path(folder)}")
    skipped: list[str] = []
    rows = 0

    t0 = time.perf_counter()
    # read every file first: all bad files are listed at once, and nothing is imported then
    batch: list[BarWrite] = []
    for sym in symbols:
        try:
            frame = src.read(sym)
        except DataFormatError as exc:
            skipped.append(str(exc))
            continue
        rows += len(frame)
        covered = (MIN_DATE, frame.index[-1].date()) if len(frame) else None
        batch.append(BarWrite(sym, frame, "csv", covered=covered, origin=str(src.file_of(sym)),
                              fingerprint=src.fingerprint(sym)))
    if skipped and not skip_bad:
        raise DataFormatError(
            f"{len(skipped)} of {len(symbols)} files in {shown_path(folder)} are malformed; nothing was imported "
            "(fix them, or pass --skip-bad to import the others):\n" + "\n".join(f"  {m}" for m in skipped))
    store = BarStore(timeout=None)  # an import waits for a busy store (SCENARIOS_STORE_TIMEOUT)
    with store:
        n = store.write_many(batch)
    out = _out()
    out.print(f"imported {n} series ({rows:,} rows) from {shown_path(folder)} into {shown_path(store.path)} "
              f"in {time.perf_counter() - t0:.2f} s")
    for msg in skipped:
        out.print(f"skipped: {msg}")
    _passed_over(src)


def _passed_over(src: Any) -> None:
    """Say which ``.csv`` entries of a folder were not read (on stderr, names escaped)."""
    passed = src.passed_over()
    if passed:
        from scenarios.console import make_console

        make_console(stderr=True, soft_wrap=True).print(
            f"not read ({len(passed)}): " + "; ".join(f'"{shown_path(name)}" ({why})' for name, why in passed))


@data_app.command("list")
def list_(fmt: TableJson = typer.Option(TableJson.table, "--format", help="table or json")) -> None:
    """Series in the store: symbol, first, last, rows, source."""
    from scenarios.data.barstore import BarStore

    with BarStore(read_only=True) as store:  # listing works on a read-only store
        infos = store.list()
        path = store.path
    if fmt is TableJson.json:
        typer.echo(json.dumps([
            {"symbol": i.symbol, "first": i.first.isoformat() if i.first else None,
             "last": i.last.isoformat() if i.last else None, "rows": i.rows, "source": i.source,
             "origin": i.origin, "fetched_at": i.fetched_at.isoformat()} for i in infos], indent=2))
        return
    out = _out()
    if not infos:
        out.print(f"the store at {shown_path(path)} is empty: run `scenarios data import DIR` "
                  "(or any command that reads prices with SCENARIOS_PRICES set)")
        return
    table = Table(title=f"price store {shown_path(path)}", title_justify="left")
    for col, justify in (("symbol", "left"), ("first", "left"), ("last", "left"), ("rows", "right"),
                         ("source", "left"), ("fetched (UTC)", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for i in infos:
        table.add_row(i.symbol, str(i.first or ""), str(i.last or ""), f"{i.rows:,}", i.source,
                      i.fetched_at.strftime("%Y-%m-%d %H:%M"))
    out.print(table)


@data_app.command("show")
def show(
    symbol: str = typer.Argument(..., help="Yahoo symbol (0700.HK; 700.HK, 00700, HK.00700 accepted)."),
    start: str = typer.Option(None, "--start", help="First date (YYYY-MM-DD), inclusive."),
    end: str = typer.Option(None, "--end", help="Last date (YYYY-MM-DD), inclusive."),
    tail: int = typer.Option(20, "--tail", help="Table format: show only the last N rows (0 = all)."),
    fmt: TableJsonCsv = typer.Option(TableJsonCsv.table, "--format", help="table, csv or json"),
) -> None:
    """Bars of SYMBOL from the store, else $SCENARIOS_PRICES, else Yahoo."""
    from scenarios.data import default_source, normalize_symbol

    src = default_source()
    sym = normalize_symbol(symbol)
    frame = src.get(sym, start, end)
    if fmt is TableJsonCsv.csv:
        frame.to_csv(sys.stdout, date_format="%Y-%m-%d")
        return
    if fmt is TableJsonCsv.json:
        typer.echo(frame.reset_index().assign(date=frame.index.strftime("%Y-%m-%d")).to_json(  # type: ignore[attr-defined]
            orient="records", double_precision=15))
        return
    _show_table(sym, frame, tail, src.source_of(sym))


def _show_table(sym: str, frame: pd.DataFrame, tail: int, source: str | None) -> None:
    out = _out()
    if frame.empty:
        out.print(f"{sym}: no bars in that range")
        return
    shown = frame.iloc[-tail:] if tail > 0 else frame
    title = (f"{sym}  {frame.index[0].date()} .. {frame.index[-1].date()}  {len(frame):,} rows"
             + (f"  (source: {source})" if source else "")
             + (f"  - last {len(shown)} shown" if len(shown) < len(frame) else ""))
    from rich import box

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("date", no_wrap=True, min_width=10)
    for c in frame.columns:
        table.add_column("div" if c == "dividends" else c, justify="right", no_wrap=True)
    for d, row in shown.iterrows():
        cells = [_num(float(row[c]), 0 if c == "volume" else 4) for c in frame.columns]
        table.add_row(d.strftime("%Y-%m-%d"), *cells)  # type: ignore[attr-defined]
    out.print(table)


@data_app.command("check")
def check(
    symbols: list[str] = typer.Argument(None, help="Symbols to check (default: every series available offline)."),
    folder: Path = typer.Option(None, "--dir", parser=path_arg,
                                help="Check the CSV files of this folder instead of the store/$SCENARIOS_PRICES."),
    fmt: TableJson = typer.Option(TableJson.table, "--format", help="table or json"),
    show_all: bool = typer.Option(False, "--all", help="Table: list every issue, not the first few per check."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too, not only on errors."),
    low_volume: float = typer.Option(0.05, "--low-volume",
                                     help="Low-volume threshold: fraction of the trailing median."),
    jump: float = typer.Option(0.40, "--jump", help="Jump threshold: absolute daily return as a fraction."),
    fundamentals: bool = typer.Option(False, "--fundamentals",
                                      help="Check the saved fundamentals (SEC split jumps, missing Total Debt, "
                                           "per-ADS bases, TTM rows) instead of prices."),
) -> None:
    """Quality report per series: calendar gaps, duplicates, bad or stale prices, jumps."""
    from scenarios.data.fundamentals.folder import is_fundamentals_folder

    if fundamentals or (folder is not None and is_fundamentals_folder(folder)):
        from scenarios.cli.fundamentals import check_fundamentals

        check_fundamentals(folder, symbols or None, fmt, strict)
        return
    from scenarios.data.quality import CheckConfig, check_source
    from scenarios.errors import DataUnavailableError

    if folder is not None:
        from scenarios.data.csvdir import CsvDirSource

        source = CsvDirSource(folder)
        _passed_over(source)
    else:
        from scenarios.data import build_source, offline
        from scenarios.paths import env_path

        prices = env_path("SCENARIOS_PRICES")
        source = build_source(prices=prices, online=not offline() and bool(symbols))
    if not symbols and not source.symbols():
        raise DataUnavailableError(
            f"nothing to check: --dir {shown_path(folder)} holds no price CSV files (one SYMBOL.csv per "
            "series)" if folder is not None else
            "nothing to check: the store is empty and SCENARIOS_PRICES is not set; run "
            "`scenarios data import DIR`, set SCENARIOS_PRICES, or pass --dir DIR")
    reports = check_source(source, symbols or None,
                           config=CheckConfig(low_volume_fraction=low_volume, jump_threshold=jump))
    if fmt is TableJson.json:
        typer.echo(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        _check_table(reports, show_all)
    errors = sum(r.errors for r in reports)
    warnings = sum(r.warnings for r in reports)
    if errors or (strict and warnings):
        raise typer.Exit(1)


def _check_table(reports: list[SeriesReport], show_all: bool, examples: int = 3) -> None:
    """One row per (series, check): how many rows, the span, and the most recent cases.

    ``--all`` lists every issue (one row per run of consecutive rows) instead.
    """
    out = _out()
    table = Table(title="price data quality", title_justify="left")
    table.add_column("symbol", no_wrap=True)
    table.add_column("check", overflow="fold")
    table.add_column("sev", no_wrap=True)
    table.add_column("rows", justify="right", no_wrap=True)
    table.add_column("span" if not show_all else "dates", min_width=10)
    table.add_column("most recent" if not show_all else "detail", overflow="fold", min_width=28, ratio=1)
    clean: list[str] = []
    for r in reports:
        if not r.issues:
            clean.append(r.symbol)
            continue
        groups: dict[str, list] = {}
        for i in r.issues:
            groups.setdefault(i.check, []).append(i)
        for check_name, issues in groups.items():
            sev = "error" if any(i.severity == "error" for i in issues) else "warning"
            style = "red" if sev == "error" else None
            if show_all:
                for i in issues:
                    span = ("-" if i.first is None else str(i.first) if i.first == i.last
                            else f"{i.first} ..{i.last}")
                    table.add_row(r.symbol, check_name, i.severity, str(i.count), span, i.detail, style=style)
                continue
            rows = sum(i.count for i in issues)
            if any(i.first is None or i.last is None for i in issues):  # the whole series (unreadable, empty)
                table.add_row(r.symbol, check_name, sev, str(rows), "-", issues[0].detail, style=style)
                continue
            first, last = min(i.first for i in issues), max(i.last for i in issues)
            span = str(first) if first == last else f"{first} ..{last}"
            recent = sorted(issues, key=lambda i: i.last, reverse=True)
            when = ", ".join(str(i.last) if i.first == i.last else f"{i.first}..{i.last}"
                             for i in recent[:examples])
            more = f" (+{len(issues) - examples} more)" if len(issues) > examples else ""
            text = f"{when}{more}: {recent[0].detail}"
            table.add_row(r.symbol, check_name, sev, str(rows), span, text, style=style)
    if table.row_count:
        out.print(table)
    n_err = sum(1 for r in reports if r.errors)
    n_warn = sum(1 for r in reports if r.warnings and not r.errors)
    out.print(f"{len(reports)} series checked: {n_err} with errors, {n_warn} with warnings only, "
              f"{len(clean)} clean" + (f" ({', '.join(clean[:10])}{' ...' if len(clean) > 10 else ''})"
                                       if clean else "")
              + ("" if show_all else ". --all lists every case; --format json gives every date."))


from scenarios.cli.fundamentals import fundamentals as _fundamentals  # noqa: E402

data_app.command("fundamentals")(_fundamentals)


def register(app: typer.Typer) -> None:
    """Add ``scenarios data ...`` to the root app."""
    app.add_typer(data_app, name="data")
