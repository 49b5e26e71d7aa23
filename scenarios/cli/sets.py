"""CLI branches for scenario sets (``kind: set``) and the ``views`` / ``xlsx`` formats.

``scenarios run SET.yaml`` and ``scenarios backtest SET.yaml`` come here (the commands in
:mod:`scenarios.cli.run` and :mod:`scenarios.cli.backtest` check the file kind first).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scenarios.errors import one_line, shown_path
from scenarios.numfmt import pct as _pct

if TYPE_CHECKING:
    from scenarios.results import SetBacktestResult, SetRunResult


def _pp(x: float | None) -> str:
    """Return a standard error of a return, in percentage points."""
    return "n/a" if x is None else f"{100 * x:.2f}pp"


def need_out(out: Path | None) -> Path:
    """``--format xlsx`` writes a file: ``--out FOLDER`` is required (usage error otherwise)."""
    if out is None:
        from scenarios.errors import ScenarioError

        raise ScenarioError("--format xlsx writes a workbook: give --out FOLDER", field="--out")
    return out


def xlsx_path(out: Path, name: str) -> Path:
    """Return the workbook path for a result called ``name`` in the folder ``out``."""
    from scenarios.cli.run import _slug

    return out / f"{_slug(name)}.xlsx"


def set_tables(r: SetRunResult) -> list[Any]:
    """Build the mixture table (one row per symbol, then the index) and the components table."""
    from rich.table import Table

    from scenarios.console import verbatim as Text  # as written, control characters shown

    probs = ", ".join(f"{one_line(c.label)} {100 * c.probability:g}%" for c in r.components)
    t = Table(title=Text(f"{one_line(r.name)}: {r.as_of} -> {r.horizon}, {r.draws:,} draws, seed {r.seed} "
                           f"(mixture of {probs}; returns as fractions shown in %, s.e. in pp)"),
              title_justify="left", show_edge=False, pad_edge=False)
    for col in ("line", "return", "expected", "s.e.", "median", "s.e.", "5%..95%", "P(up)", "s.e."):
        t.add_column(col, justify="left" if col in ("line", "return") else "right", no_wrap=True)
    for x in r.lines:
        t.add_row(Text(x.line), x.return_kind, _pct(x.mean_return), _pp(x.se_mean), _pct(x.median_return),
                  _pp(x.se_median), f"{_pct(x.return_p05)}..{_pct(x.return_p95)}",
                  _pct(x.prob_up, signed=False, digits=0), _pp(x.se_prob_up),
                  style="bold" if x.kind == "index" else None)
    c = Table(title="components: median return and share of the expected return (contribution = "
                    "share of draws x component mean)", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("line", "component", "probability", "draws", "median", "contribution", "share"):
        c.add_column(col, justify="left" if col in ("line", "component") else "right", no_wrap=True)
    for x in r.lines:
        for k, cl in enumerate(x.components):
            c.add_row(Text(x.line) if k == 0 else "", Text(one_line(cl.label)), _pct(cl.probability, False, 0),
                      _pct(cl.weight, False, 1), _pct(cl.median_return), _pct(cl.contribution),
                      _pct(cl.share, False, 0))
    return [t, c]


def backtest_tables(b: SetBacktestResult) -> list[Any]:
    """Build the set backtest's tables: the mixture per symbol, then the mixture against each component."""
    from rich.table import Table

    from scenarios.console import verbatim as Text  # as written, control characters shown

    s = b.score_summary
    t = Table(title=Text(f"{one_line(b.scenario)}: set scored {b.as_of} -> {b.horizon} ({b.draws:,} mixture draws; "
                           f"{s.return_kind})"), title_justify="left", show_edge=False, pad_edge=False)
    for col in ("symbol", "median", "band", "realized", "inside", "PIT", "CRPS"):
        t.add_column(col, justify="left" if col == "symbol" else "right", no_wrap=True)
    for p in b.per_symbol:
        t.add_row(Text(p.symbol), _pct(p.predicted), f"{_pct(p.lower)}..{_pct(p.upper)}", _pct(p.realized),
                  "-" if p.inside is None else ("yes" if p.inside else "no"),
                  "n/a" if p.pit is None else f"{p.pit:.2f}", "n/a" if p.crps is None else f"{p.crps:.4f}")
    c = Table(title="the mixture against each component alone (mean CRPS over the scored symbols; "
                    "lower is better)", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("forecast", "probability", "CRPS", "coverage", "mean PIT"):
        c.add_column(col, justify="left" if col == "forecast" else "right", no_wrap=True)
    c.add_row("mixture", "", "n/a" if s.crps is None else f"{s.crps:.4f}", _pct(s.coverage, False, 0),
              "n/a" if s.mean_pit is None else f"{s.mean_pit:.2f}", style="bold")
    for x in b.components:
        mark = " (best, hindsight)" if x.label == b.best_component else ""
        c.add_row(Text(one_line(x.label) + mark), _pct(x.probability, False, 0),
                  "n/a" if x.crps is None else f"{x.crps:.4f}", _pct(x.coverage, False, 0),
                  "n/a" if x.mean_pit is None else f"{x.mean_pit:.2f}")
    return [t, c]


def run_set_cli(file: Path, *, draws: int | None, seed: int | None, fmt: str, out: Path | None,
                record: bool, workers: int | None = None, scheduler: str | None = None) -> None:
    """``scenarios run SET.yaml``."""
    import typer

    from scenarios import api
    from scenarios.cli.run import _stderr, _stdout
    from scenarios.errors import ScenariosError

    if fmt == "csv":
        from scenarios.errors import ScenarioError

        raise ScenarioError("a set run has no CSV form; use --format table, json, views or xlsx",
                            field="--format")
    if fmt == "xlsx":
        need_out(out)
    err, console = _stderr(), _stdout()
    result = next(iter(api.iter_run(file, draws=draws, seed=seed, workers=workers, scheduler=scheduler)))
    from scenarios.cli.render import print_warnings_and_notes

    print_warnings_and_notes(result, err)
    # outputs first (atomically): a run whose files could not be written is not recorded
    written: list[Path] = []
    if out is not None:
        from scenarios.cli.run import _slug
        from scenarios.outputs import check_folder, write_text

        check_folder(out)
        written.append(write_text(out / f"{_slug(result.name)}.json", result.to_json() + "\n"))
        if fmt == "xlsx":
            written.append(api.write_xlsx(result, xlsx_path(out, result.name)))
    run_id = None
    not_recorded: ScenariosError | None = None
    if record:
        try:
            run_id = api.record(result)
        except ScenariosError as exc:  # results are still shown; the exit code says "not recorded"
            not_recorded = exc
    if fmt == "json":
        typer.echo(json.dumps({**result.to_dict(), "run_id": run_id}, indent=2, allow_nan=False))
    elif fmt == "views":
        typer.echo(json.dumps(api.views(result), indent=2, allow_nan=False))
    else:
        for t in set_tables(result):  # type: ignore[arg-type]
            console.print(t)
            console.print()
        console.print(f"draws: {result.assignment}", markup=False, style="dim")  # type: ignore[attr-defined]
        if run_id:
            console.print(f"run id: {run_id}", markup=False, style="dim")
        for p in written:
            console.print(f"wrote {shown_path(p)}", markup=False, style="dim")
    if not_recorded is not None:
        from scenarios.errors import StoreError

        raise StoreError(f"the set run computed (results above) but NOT recorded in the store: "
                         f"{not_recorded} Pass --no-record to run without the store.")


def backtest_set_cli(file: str, *, draws: int | None, seed: int | None, band: tuple[float, float],
                     partial: Literal["exclude", "include"], fmt: str, out: Path | None, save: bool,
                     workers: int | None = None, scheduler: str | None = None) -> None:
    """``scenarios backtest SET.yaml``."""
    import typer

    from scenarios import api
    from scenarios.cli.render import make_console
    from scenarios.errors import StoreError

    if fmt == "xlsx":
        need_out(out)
    console = make_console()
    result = next(iter(api.iter_backtest(file, draws=draws, seed=seed, band=band,
                                         partial=partial, workers=workers, scheduler=scheduler)))
    run_id = None
    store_error: StoreError | None = None
    if save:
        try:
            run_id = api.record(result)
        except StoreError as exc:
            store_error = exc
    if fmt == "json":
        typer.echo(json.dumps({"run_id": run_id, **result.to_dict()}, indent=2, ensure_ascii=False))
    else:
        if fmt == "xlsx":
            p = api.write_xlsx(result, xlsx_path(need_out(out), result.scenario))
        for t in backtest_tables(result):  # type: ignore[arg-type]
            console.print(t)
            console.print()
        for n in result.notes:
            console.print(f"note: {one_line(n)}", markup=False)  # a note names components
        if run_id:
            console.print(f"recorded as run {run_id}", markup=False)
        if fmt == "xlsx":
            console.print(f"wrote {shown_path(p)}", markup=False, style="dim")
    if store_error is not None:
        raise StoreError(f"the backtest ran (results above) but could not be recorded: {store_error}")


def run_other_cli(file: Path, *, draws: int | None, seed: int | None, fmt: str, out: Path | None,
                  record: bool, workers: int | None = None, scheduler: str | None = None) -> None:
    """``scenarios run`` for a set file, or with ``--format views`` / ``xlsx`` for a scenario."""
    from scenarios.sets import is_set_file

    if is_set_file(file):
        return run_set_cli(file, draws=draws, seed=seed, fmt=fmt, out=out, record=record, workers=workers,
                           scheduler=scheduler)
    import typer

    from scenarios import api
    from scenarios.cli.render import print_warnings_and_notes
    from scenarios.cli.run import _stderr, _stdout, _table, _write_out
    from scenarios.errors import ScenariosError

    if fmt == "xlsx":
        need_out(out)
    err, console = _stderr(), _stdout()
    views: list[dict[str, Any]] = []
    not_recorded: ScenariosError | None = None
    for result in api.iter_run(file, draws=draws, seed=seed, workers=workers, scheduler=scheduler):
        print_warnings_and_notes(result, err)
        written = _write_out(result, out) if out is not None else []
        if fmt == "xlsx":
            written.append(api.write_xlsx(result, xlsx_path(need_out(out), result.name)))
        run_id = None
        if record and not_recorded is None:
            try:
                run_id = api.record(result)
            except ScenariosError as exc:  # results are still shown; the exit code says "not recorded"
                not_recorded = exc
        if fmt == "views":
            views.append(api.views(result))
            for p in written:
                err.print(f"wrote {shown_path(p)}", markup=False)
            continue
        console.print(_table(result))
        if run_id:
            console.print(f"run id: {run_id}", markup=False, style="dim")
        for p in written:
            console.print(f"wrote {shown_path(p)}", markup=False, style="dim")
        console.print()
    if fmt == "views":
        typer.echo(json.dumps(views[0] if len(views) == 1 else views, indent=2, allow_nan=False))
    if not_recorded is not None:
        from scenarios.errors import StoreError

        raise StoreError(f"the run computed (results above) but NOT recorded in the store: "
                         f"{not_recorded} Pass --no-record to run without the store.")
