"""CLI command: ``scenarios universe NAME [--as-of DATE]`` (members of a seeds universe).

Only typer is imported at module level; the seeds load inside the command.
"""

from __future__ import annotations

from typing import Any

import typer

from scenarios.cli.options import TableJson


def _parse_day(value: str | None) -> str | None:
    if value is None:
        return None
    from scenarios.seeds.universes import _as_date

    try:
        return _as_date(value).isoformat()  # type: ignore[union-attr]
    except ValueError:
        raise typer.BadParameter(f"expected a date YYYY-MM-DD (got {value!r})") from None


def universe(
    name: str = typer.Argument(None, help="Universe name (hstech, us_hyperscalers, ...); none: list them.",
                               show_default=False),
    as_of: str = typer.Option(None, "--as-of", callback=_parse_day,
                              help="Members in force that day (YYYY-MM-DD); default: the latest state."),
    output: TableJson = typer.Option(TableJson.table, "--format", "-f",
                                     help="table (for people) or json (for programs)."),
) -> None:
    """Members of a named universe (seeds/universes.yaml) on a date, with theme and membership."""
    from scenarios.seeds.universes import load_universes

    unis = load_universes()
    rows: list[dict[str, Any]]
    if name is None:
        rows = [{"name": n, "members_now": len(u.members_on(None)), "history_start":
                 u.history_start.isoformat() if u.history_start else None,
                 "description": u.description} for n, u in sorted(unis.universes.items())]
        if output is TableJson.json:
            import json

            typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            _table(["universe", "members now", "recorded from", "description"],
                   [[r["name"], str(r["members_now"]), r["history_start"] or "-", r["description"]]
                    for r in rows])
        return
    uni = unis.get(name)
    symbols = unis.members(name, as_of)
    themes = unis.themes
    on = None if as_of is None else _day(as_of)
    rows = []
    for sym in symbols:
        m = next(m for m in uni.members if m.symbol == sym and (on is None and m.to is None
                                                                   or on is not None and m.active(on)))
        t = themes.get(sym)
        rows.append({"symbol": sym, "name": t.name if t else None, "theme": t.theme if t else None,
                     "from": m.from_.isoformat() if m.from_ else None,
                     "to": m.to.isoformat() if m.to else None,
                     "fast_entry": m.fast_entry, "uncertain": m.uncertain, "note": m.note})
    if output is TableJson.json:
        import json

        typer.echo(json.dumps({"universe": name, "as_of": as_of, "count": len(rows),
                               "expected_size": uni.expected_size(on) if on else uni.size,
                               "members": rows}, indent=2, ensure_ascii=False))
        return
    start = uni.history_start.isoformat() if uni.history_start else "its start"
    _table(["symbol", "company", "theme", "member from", "until (excl.)", "flags"],
           [[r["symbol"], r["name"] or "-", r["theme"] or "-", r["from"] or start, r["to"] or "-",
             ", ".join(f for f, on_ in (("fast entry", r["fast_entry"]), ("uncertain", r["uncertain"]))
                       if on_) or ""] for r in rows],
           footer=f"{len(rows)} members of {name} on {as_of or 'the latest state'}.")


def _day(text: str) -> Any:
    from scenarios.seeds.universes import _as_date

    return _as_date(text)


def _table(columns: list[str], rows: list[list[str]], footer: str | None = None) -> None:
    from rich.table import Table
    from rich.text import Text

    from scenarios.console import make_console
    from scenarios.errors import one_line

    console = make_console(soft_wrap=False, wide=160)  # files and pipes get whole rows
    table = Table(show_edge=False, pad_edge=False)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*(Text(one_line(cell)) for cell in row))  # a cell is one line
    console.print(table)
    if footer:
        console.print(Text(footer))


def register(app: typer.Typer) -> None:
    """Add ``scenarios universe`` to the root app."""
    app.command("universe")(universe)
