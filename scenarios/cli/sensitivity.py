"""CLI command: ``scenarios sensitivity FILE`` (one-at-a-time tornado on the noise-free path).

Only typer is imported at module level; the engine loads inside the command.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from scenarios.cli.options import TableJson, allow_path_option

if TYPE_CHECKING:
    from scenarios.sensitivity import Tornado


def _bad(message: str, param_hint: str) -> NoReturn:
    from scenarios.errors import ScenarioError

    raise ScenarioError(message, field=param_hint)


def parse_vary(values: list[str]) -> dict[str, tuple[float, float]]:
    """``["drivers[growth].growth=0.05:0.2"]`` -> ``{"drivers[growth].growth": (0.05, 0.2)}``.
    The name is split at the LAST ``=`` (labels may hold one)."""
    out: dict[str, tuple[float, float]] = {}
    for text in values:
        name, sep, rng = text.rpartition("=")
        lo_s, sep2, hi_s = rng.partition(":")
        name = name.strip()
        if not sep or not sep2 or not name:
            _bad(f"expected PARAM=LOW:HIGH, e.g. drivers[growth].growth=0.05:0.2 (got {text!r})", "--vary")
        try:
            lo, hi = float(lo_s), float(hi_s)
        except ValueError:
            _bad(f"LOW and HIGH must be numbers (got {text!r})", "--vary")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            _bad(f"LOW and HIGH must be finite (got {text!r})", "--vary")
        if name in out:
            _bad(f"parameter {name} is given twice", "--vary")
        out[name] = (lo, hi)
    return out


def sensitivity(
    file: str = typer.Argument(..., metavar="FILE", help="Scenario YAML (not a set)."),
    vary: list[str] = typer.Option(None, "--vary",
                                   help="PARAM=LOW:HIGH: sweep PARAM (named as in `runs compare`, "
                                        "e.g. drivers[growth].growth) over LOW..HIGH instead of "
                                        "its 5th..95th percentile (repeatable)."),
    output: TableJson = typer.Option(TableJson.table, "--format", "-f",
                                     help="table (for people) or json (for programs)."),
    out: Path | None = typer.Option(None, "--out", metavar="DIR",
                                    help="Write the tornado chart there (tornado.png, tornado.svg)."),
    allow_path: list[Path] | None = allow_path_option(),
) -> None:
    """Tornado: each random driver parameter from its 5th to its 95th percentile, one at a time.

    Every other parameter stays at its mean and the residual is off (the noise-free path), so it takes one engine pass. Per symbol, the return at the low and the high value and the swing, sorted by swing.
    """
    from scenarios import api

    ranges = parse_vary(list(vary or []))
    results = api.sensitivity(file, vary=ranges)
    charts: list[str] = []
    if out is not None:
        from scenarios.errors import ScenarioError
        from scenarios.sensitivity import write_chart

        for k, t in enumerate(results):
            target = out if len(results) == 1 else out / f"grid_{k}"
            try:
                charts += [str(p) for p in write_chart(t, target)]
            except OSError as exc:
                raise ScenarioError(f"cannot write the chart to {target}: {exc.strerror or exc}",
                                    field="--out") from None
    if output is TableJson.json:
        import json

        payload = [t.to_dict() for t in results]
        typer.echo(json.dumps({"file": file, "results": payload, "charts": charts},
                              indent=2, ensure_ascii=False))
        return
    for t in results:
        _print_table(t)
    if charts:
        from rich.text import Text

        from scenarios.console import make_console, verbatim

        console = make_console(soft_wrap=True)
        console.print(Text("charts: ") + verbatim(", ".join(charts)))


def _print_table(t: Tornado) -> None:
    from rich.table import Table
    from rich.text import Text

    from scenarios.console import make_console, verbatim

    console = make_console(soft_wrap=False, wide=200)
    for s in t.symbols:
        table = Table(title=None, show_edge=False, pad_edge=False)
        for col in ["parameter", "low value", "high value", "low return", "high return", "swing pp"]:
            table.add_column(col, justify="left" if col == "parameter" else "right", no_wrap=True)
        for b in t.bars[s]:
            table.add_row(verbatim(b.param), f"{b.low_value:.4g}", f"{b.high_value:.4g}",
                          f"{b.low_return:+.2%}", f"{b.high_return:+.2%}", f"{100 * b.swing:.2f}")
        console.print(verbatim(s) + Text(f": noise-free return {t.base[s]:+.2%}"))
        console.print(table)
    console.print(Text("low/high value: the parameter's 5th/95th percentile (or --vary); returns: "
                       "simple return at the horizon, every other parameter at its mean, residual "
                       "off; swing: |high - low| in percentage points."))


def register(app: typer.Typer) -> None:
    """Add ``scenarios sensitivity`` to the root app."""
    app.command("sensitivity")(sensitivity)
