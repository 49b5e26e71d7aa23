"""CLI commands: ``scenarios claims check|list`` (the articles' claims against the data).

Only typer is imported at module level; pandas and the checker load inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from scenarios.cli.options import TableJson, path_arg

claims_app = typer.Typer(
    name="claims",
    help="The articles' quantitative claims (seeds/claims.yaml): list them, check them on prices.",
    no_args_is_help=True,
)


_VERDICT_STYLE = {"confirmed": "green", "approximately": "yellow", "contradicted": "red",
                  "not verifiable": "dim"}

_RULES = (
    "Rules: returns run from the last close before the window to its last close (\"in 2025\" = "
    "2024-12-31 -> 2025-12-31 close); indexes give price returns; stock returns are price "
    "returns with dividends removed via the dividends column, or total returns where a file has "
    "no dividend record (see the basis in --format json). 'about' = within 1 pt (confirmed) / "
    "3 pt (approximately) for returns, 0.5 / 1.5 pt for daily moves, 1% / 3% of the value for "
    "levels; 'over'/'under' must hold strictly, approximately when short by at most the second "
    "band. Details: docs/claims.md."
)


def check(
    path: Path = typer.Argument(None, parser=path_arg, help="Claims file (default: seeds/claims.yaml).",
                                show_default=False),
    output: TableJson = typer.Option(TableJson.table, "--format", "-f",
                                        help="table (for people) or json (for programs)."),
    include_all: bool = typer.Option(False, "--all",
                                     help="Also list the claims prices cannot check (fundamentals, flows...)."),
    strict: bool = typer.Option(False, "--strict", help="Exit with code 1 when any claim is contradicted."),
) -> None:
    """Check every price-verifiable claim against the price data and give a verdict."""
    from scenarios import api
    from scenarios.seeds.check import verdict_counts

    results = api.claims_check(path, include_all=include_all)
    counts = verdict_counts(results)
    if output is TableJson.json:
        import json

        payload: dict[str, Any] = {
            "file": str(path) if path else "seeds/claims.yaml",
            "checked": len(results),
            "counts": counts,
            "claims": [r.to_dict() for r in results],
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    else:
        _print_table(results, counts)
    if strict and counts["contradicted"]:
        raise typer.Exit(1)


def _print_table(results: list[Any], counts: dict[str, int]) -> None:
    from rich.table import Table
    from rich.text import Text

    from scenarios.console import make_console
    from scenarios.errors import one_line

    console = make_console(soft_wrap=False, wide=180)  # files and pipes get whole rows
    table = Table(show_edge=False, pad_edge=False, show_lines=False, expand=False)
    table.add_column("claim", no_wrap=True)
    table.add_column("article said")
    table.add_column("data say")
    table.add_column("verdict")
    for r in results:
        syms = ",".join(r.claim.symbols)
        said = f"{syms} {r.said}" if syms else r.said
        style = _VERDICT_STYLE.get(r.verdict, "")
        table.add_row(r.claim.id, one_line(said), one_line(r.data),
                      Text(one_line(r.verdict_text), style=style))
    console.print(table)
    summary = ", ".join(f"{n} {v}" for v, n in counts.items())
    console.print(f"{len(results)} claims checked: {summary}.")
    console.print(_RULES, style="dim")


def list_claims(
    path: Path = typer.Argument(None, parser=path_arg, help="Claims file (default: seeds/claims.yaml).",
                                show_default=False),
    kind: str = typer.Option(None, "--kind", help="Only claims of this kind (price_return, capex...)."),
    article: str = typer.Option(None, "--article",
                                help="Only claims of this article (file name or its 3-digit number)."),
) -> None:
    """List the claims (id, article, kind, what was said, paraphrase)."""
    from rich.table import Table

    from scenarios.console import make_console
    from scenarios.errors import one_line
    from scenarios.seeds.check import describe_claim
    from scenarios.seeds.claims import load_claims

    claims = load_claims(path)
    if kind:
        claims = [c for c in claims if c.kind == kind]
    if article:
        claims = [c for c in claims if c.article == article or c.article.startswith(article + "_")]
    table = Table(show_edge=False, pad_edge=False)
    for col in ("claim", "kind", "said", "paraphrase"):
        table.add_column(col)
    for c in claims:
        syms = ",".join(c.symbols)
        table.add_row(c.id, c.kind, one_line(f"{syms} {describe_claim(c)}".strip()), one_line(c.paraphrase))
    console = make_console()
    console.print(table)
    console.print(f"{len(claims)} claims.")


claims_app.command("check")(check)
claims_app.command("list")(list_claims)


def register(app: typer.Typer) -> None:
    """Add ``scenarios claims ...`` to the root app."""
    app.add_typer(claims_app, name="claims")
