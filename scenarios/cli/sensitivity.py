"""CLI command: ``scenarios sensitivity FILE`` (one-at-a-time tornado on the noise-free path).

Only typer is imported at module level; the engine loads inside the command.
"""

from __future__ import annotations

from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from scenarios.cli.options import (
    allow_path_option,
    bad_option,
    parse_named_ranges,
    path_arg,
    path_text,
    scheduler_option,
    workers_option,
)
from scenarios.errors import shown_path
from scenarios.numfmt import num, pct


class SensFormat(str, Enum):
    """Output of ``scenarios sensitivity``."""

    table = "table"
    json = "json"
    xlsx = "xlsx"

if TYPE_CHECKING:
    from scenarios.exports.xlsx import Sheet
    from scenarios.sensitivity import Tornado, TwoWay


def parse_vary(values: list[str]) -> dict[str, tuple[float, float]]:
    """``["drivers[growth].growth=0.05:0.2"]`` -> ``{"drivers[growth].growth": (0.05, 0.2)}``.

    The name is split at the LAST ``=`` (labels may hold one).
    """
    return parse_named_ranges(values, option="--vary", label="PARAM", example="drivers[growth].growth=0.05:0.2",
                              noun="parameter", last_equals=True)


def sensitivity(
    file: str = typer.Argument(..., metavar="FILE", parser=path_text, help="Scenario YAML (not a set)."),
    vary: list[str] = typer.Option(None, "--vary",
                                   help="PARAM=LOW:HIGH: sweep PARAM (named as in `runs compare`, "
                                        "e.g. drivers\\[growth].growth) over LOW..HIGH instead of "
                                        "its 5th..95th percentile (repeatable)."),
    output: SensFormat = typer.Option(SensFormat.table, "--format", "-f",
                                      help="table (for people), json (for programs) or xlsx "
                                           "(DIR/sensitivity.xlsx; needs --out)."),
    out: Path | None = typer.Option(None, "--out", parser=path_arg, metavar="DIR",
                                    help="Write the tornado chart there (tornado.png, tornado.svg) "
                                         "and, with --format xlsx, sensitivity.xlsx."),
    two_way: tuple[str, str] | None = typer.Option(None, "--two-way", metavar="PARAM1 PARAM2",
                                            help="Instead of the tornado: a table of the Monte "
                                                 "Carlo median return and P(up) over a grid of "
                                                 "the two parameters (common random numbers)."),
    levels: int | None = typer.Option(None, "--levels", min=2, max=21,
                                      help="Values per parameter in --two-way (5th..95th "
                                           "percentile; default 5)."),
    draws: int | None = typer.Option(None, "--draws", min=1, help="Monte Carlo draws for --two-way."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Random seed for --two-way."),
    allow_path: list[Path] | None = allow_path_option(),
    workers: int | None = workers_option(),
    scheduler: str | None = scheduler_option(),
) -> None:
    """Tornado: each random driver parameter from its 5th to its 95th percentile, one at a time.

    Every other parameter stays at its mean and the residual is off (the noise-free path), so it takes one engine pass. Per symbol, the return at the low and the high value and the swing, sorted by swing.
    """  # noqa: E501 (typer prints this as --help, line breaks kept)
    from scenarios import api
    from scenarios.parallel import check_parallel

    check_parallel(workers, scheduler)  # --two-way runs its cells on Dask; the tornado is one pass
    ranges = parse_vary(list(vary or []))
    if output is SensFormat.xlsx and out is None:
        bad_option("--format xlsx writes DIR/sensitivity.xlsx: give --out DIR", "--out")
    grid = two_way is not None and two_way[0] is not None
    if not grid:  # the tornado is one noise-free pass: these would be ignored
        for option, value in (("--levels", levels), ("--draws", draws), ("--seed", seed)):
            if value is not None:
                bad_option(f"{option} applies to --two-way only (the tornado is noise-free: no grid, "
                           "no draws)", option)
    elif out is not None and output is not SensFormat.xlsx:
        bad_option("--two-way draws no chart: --out is only for --format xlsx (DIR/sensitivity.xlsx)", "--out")
    if grid:
        assert two_way is not None
        tables = api.two_way(file, two_way[0], two_way[1], levels=levels or 5, vary=ranges,
                             draws=draws, seed=seed, workers=workers, scheduler=scheduler)
        if output is SensFormat.xlsx:
            from scenarios.exports.xlsx import two_way_sheet

            assert out is not None
            _write_xlsx([two_way_sheet(t) for t in tables], out)
        elif output is SensFormat.json:
            import json

            typer.echo(json.dumps({"file": file, "two_way": [t.to_dict() for t in tables]},
                                  indent=2, ensure_ascii=False))
        else:
            for t in tables:
                _print_two_way(t)
        return
    results = api.sensitivity(file, vary=ranges)
    charts: list[str] = []
    if out is not None:
        from scenarios.errors import ScenarioError
        from scenarios.sensitivity import write_chart

        for k, tornado in enumerate(results):
            target = out if len(results) == 1 else out / f"grid_{k}"
            try:
                charts += [str(p) for p in write_chart(tornado, target)]
            except OSError as exc:
                raise ScenarioError(f"cannot write the chart to {shown_path(target)}: {exc.strerror or exc}",
                                    field="--out") from None
    if output is SensFormat.xlsx:
        from scenarios.exports.xlsx import tornado_sheet

        assert out is not None
        _write_xlsx([tornado_sheet(t) for t in results], out)
        return
    if output is SensFormat.json:
        import json

        payload = [t.to_dict() for t in results]
        typer.echo(json.dumps({"file": file, "results": payload, "charts": charts},
                              indent=2, ensure_ascii=False))
        return
    for tornado in results:
        _print_table(tornado)
    if charts:
        from rich.text import Text

        from scenarios.console import make_console, verbatim

        console = make_console(soft_wrap=True)
        console.print(Text("charts: ") + verbatim(", ".join(charts)))


def _write_xlsx(sheets: list[Sheet], out: Path) -> None:
    from rich.text import Text

    from scenarios.console import make_console, verbatim
    from scenarios.errors import ScenarioError
    from scenarios.exports.xlsx import write_workbook

    for k, sh in enumerate(sheets[1:], start=2):  # one sheet per grid point
        sh.title = f"{sh.title}-{k}"
    path = out / "sensitivity.xlsx"
    try:
        write_workbook(sheets, path)
    except OSError as exc:
        raise ScenarioError(f"cannot write {shown_path(path)}: {exc.strerror or exc}", field="--out") from None
    make_console(soft_wrap=True).print(Text("wrote ") + verbatim(shown_path(path)))


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
                          pct(b.low_return, digits=2), pct(b.high_return, digits=2), num(100 * b.swing, 2))
        console.print(verbatim(s) + Text(f": noise-free return {pct(t.base[s], digits=2)}"))
        console.print(table)
    console.print(Text("low/high value: the parameter's 5th/95th percentile (or --vary); returns: "
                       "simple return at the horizon, every other parameter at its mean, residual "
                       "off; swing: |high - low| in percentage points."))


def _print_two_way(t: TwoWay) -> None:
    from rich.table import Table
    from rich.text import Text

    from scenarios.console import make_console, verbatim

    console = make_console(soft_wrap=False, wide=200)
    for ln in t.lines:
        for title, grid, fmt in (("median return", t.median[ln], partial(pct, digits=2)),
                                 ("P(up)", t.prob_up[ln], partial(pct, signed=False, digits=1))):
            table = Table(show_edge=False, pad_edge=False)
            table.add_column(verbatim(f"{t.param1} \\ {t.param2}"), justify="right", no_wrap=True)
            for v in t.values2:
                table.add_column(f"{v:.4g}", justify="right", no_wrap=True)
            for v, row in zip(t.values1, grid, strict=True):
                table.add_row(f"{v:.4g}", *[fmt(x) for x in row])
            console.print(verbatim(ln) + Text(f": {title}"))
            console.print(table)
    console.print(Text(f"each cell: {t.draws:,} Monte Carlo draws on seed {t.seed} with the two "
                       "parameters fixed; every other parameter and the residual share the same "
                       "random numbers across cells. Values: 5th..95th percentile evenly in "
                       "probability (or --vary LOW..HIGH evenly)."))


def register(app: typer.Typer) -> None:
    """Add ``scenarios sensitivity`` to the root app."""
    app.command("sensitivity")(sensitivity)
