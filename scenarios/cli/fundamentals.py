"""CLI: ``scenarios data fundamentals SYMBOL`` and the fundamentals parts of ``data import|check``.

The fundamentals parts of ``data import`` and ``data check`` are registered from
:mod:`scenarios.cli.data`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from scenarios.cli.options import TableJson

if TYPE_CHECKING:
    from scenarios.data.fundamentals.select import Picked

#: items shown by ``data fundamentals`` (in this order)
SHOWN = ("revenue", "net_income", "operating_income", "eps_diluted", "shares_diluted",
         "shares_outstanding", "ocf", "capex", "ppe_net_purchases", "fcf", "fcf_yahoo",
         "depreciation", "dividends_paid", "buybacks", "total_debt", "cash_and_st_investments",
         "net_debt", "tax_rate", "dividend_yield")


def _out() -> Console:
    from scenarios.console import make_console

    return make_console(soft_wrap=True)


def _fmt(p: Picked) -> str:
    from scenarios.data.fundamentals.items import ITEMS

    kind = ITEMS[p.item].kind
    if kind == "money":
        return f"{p.currency} {p.value / 1e9:,.3f}bn"
    if kind == "shares":
        return f"{p.value / 1e9:,.4f}bn {p.per_share_basis}"
    if kind == "per_share":
        return f"{p.currency} {p.value:,.4f} per {p.per_share_basis}"
    return f"{p.value:.4f}" if not math.isnan(p.value) else ""


def fundamentals(
    symbol: str = typer.Argument(..., help="Listing (0700.HK, 9988.HK, BABA, MSFT)."),
    as_of: str = typer.Option(None, "--as-of", help="Only what was public on this date (YYYY-MM-DD); default today."),
    fmt: TableJson = typer.Option(TableJson.table, "--format", help="table or json"),
    periods: bool = typer.Option(False, "--periods", help="Also list every known period row."),
) -> None:
    """What is known about SYMBOL's fundamentals at a date: TTM or last fiscal year per item."""  # noqa: D401 (typer prints this as --help, line breaks kept)
    import datetime as dt

    import pandas as pd

    from scenarios.data import default_source, normalize_symbol
    from scenarios.data.fundamentals.resolver import default_fundamentals
    from scenarios.data.fundamentals.select import pick
    from scenarios.data.fundamentals.splits import splits_provider as _splits_provider
    from scenarios.data.fundamentals.view import FundamentalsView
    from scenarios.errors import DataUnavailableError, ScenarioError

    try:
        sym = normalize_symbol(symbol)
    except ValueError as exc:
        raise ScenarioError(str(exc), field="SYMBOL") from None
    try:
        day = pd.Timestamp(as_of).date() if as_of else dt.datetime.now(dt.UTC).date()
    except ValueError:
        raise ScenarioError(f"--as-of must be a date such as 2025-04-01 (got {as_of!r})", field="--as-of") from None
    source = default_fundamentals()
    if source.get_for(sym).empty:
        from scenarios.data.fundamentals.yahoo import OFFLINE_ALTERNATIVES

        raise DataUnavailableError(f"no fundamentals for {sym}: searched {source.describe()}. {OFFLINE_ALTERNATIVES}")
    try:
        prices = default_source()
    except Exception:  # noqa: BLE001 - no price source: SEC per-share figures stay as filed
        prices = None
    view = FundamentalsView(source, day, splits=_splits_provider(prices))
    frame = view.frame(sym)
    picked = [p for p in (pick(frame, sym, i) for i in SHOWN) if p is not None]
    if fmt is TableJson.json:
        payload = {"symbol": sym, "as_of": day.isoformat(), "values": [p.to_dict() for p in picked]}
        if periods:
            payload["rows"] = json.loads(frame.to_json(orient="records", date_format="iso"))
        typer.echo(json.dumps(payload, indent=2))
        return
    out = _out()
    if not picked:
        out.print(f"{sym}: nothing was public by {day} (the sources start later; see --format json --periods)")
        return
    table = Table(title=f"{sym} fundamentals known at {day}", title_justify="left")
    for col, justify in (("item", "left"), ("value", "right"), ("measure", "left"), ("period end", "left"),
                         ("source", "left"), ("known from", "left"), ("note", "left")):
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for p in picked:
        measure = f"TTM ({len(p.periods)} quarters)" if p.basis == "TTM" else p.basis
        table.add_row(p.item, _fmt(p), measure, p.period_end, p.source, p.known_from, p.note)
    out.print(table)
    if periods:
        out.print(frame.assign(value=frame["value"].map(lambda v: f"{v:.6g}")).to_string(index=False))


def import_fundamentals(folder: Path) -> None:
    """Run ``data import`` of a fundamentals folder: every statement file into the store, one transaction."""
    import time

    from scenarios.data.fundamentals.folder import FundamentalsDir
    from scenarios.data.fundamentals.store import FundamentalsStore

    t0 = time.perf_counter()
    src = FundamentalsDir(folder)
    frame = src.read_all()
    with FundamentalsStore() as store:
        n = store.write(frame)
        path = store.path
    _out().print(f"imported {n:,} fundamentals rows ({frame['symbol'].nunique()} symbols, "
                 f"{len(src.files())} files) from {folder} into {path} in {time.perf_counter() - t0:.2f} s")


def check_fundamentals(folder: Path | None, symbols: list[str] | None, fmt: TableJson, strict: bool) -> None:
    """List the known problems of the saved statements (``data check --fundamentals``)."""
    from scenarios.data.fundamentals.folder import FundamentalsDir
    from scenarios.data.fundamentals.frame import concat
    from scenarios.data.fundamentals.quality import check_frame
    from scenarios.data.fundamentals.resolver import fundamentals_folder
    from scenarios.data.symbols import normalize_symbol
    from scenarios.errors import DataUnavailableError

    path = folder if folder is not None else fundamentals_folder()
    if path is None:
        raise DataUnavailableError("no fundamentals folder to check: set SCENARIOS_FUNDAMENTALS (or "
                                   "SCENARIOS_PRICES with a fundamentals/ folder beside it) or pass --dir DIR")
    src = FundamentalsDir(path)
    frame = concat([src.get(normalize_symbol(s)) for s in symbols]) if symbols else src.read_all()
    issues = check_frame(frame)
    if fmt is TableJson.json:
        typer.echo(json.dumps([i.to_dict() for i in issues], indent=2))
    else:
        table = Table(title=f"fundamentals data quality ({path})", title_justify="left")
        for col in ("symbol", "source", "check", "sev", "periods", "detail"):
            table.add_column(col, overflow="fold")
        for i in issues:
            table.add_row(i.symbol, i.source, i.check, i.severity, i.periods, i.detail,
                          style="red" if i.severity == "error" else None)
        out = _out()
        out.print(table)
        out.print(f"{frame['symbol'].nunique()} symbols checked: {len(issues)} issues")
    if any(i.severity == "error" for i in issues) or (strict and any(i.severity == "warning" for i in issues)):
        raise typer.Exit(1)
