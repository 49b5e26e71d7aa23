"""CLI commands: ``scenarios validate``, ``scenarios run``, ``scenarios new``.

Only typer/rich are imported at module level (start-up time); numpy, pandas and the engine
are imported inside the commands.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from scenarios.cli.options import TableJsonCsv, allow_path_option, drop_bad_rows_option

TEMPLATE_KINDS = ("capex", "subsidy", "rerating", "index", "shock")


def _stderr():
    from scenarios.console import make_console

    return make_console(stderr=True, soft_wrap=True)


def _stdout():
    from scenarios.console import make_console

    return make_console(wide=140)  # files and pipes: do not fold tables at 80


def _slug(name: str) -> str:
    """A file-name stem for ``name``: safe characters only; a long name is cut and a short hash
    of the whole name appended, so grid points that differ only at the end never share files."""
    import hashlib

    s = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "scenario"
    if len(s) > 120:
        s = f"{s[:100]}-{hashlib.blake2b(name.encode('utf-8'), digest_size=4).hexdigest()}"
    return s


def _unique_stem(name: str, used: set[str]) -> str:
    """:func:`_slug`, made unique among the stems already written by this command."""
    stem, n = _slug(name), 2
    while stem.lower() in used:
        stem, n = f"{_slug(name)}-{n}", n + 1
    used.add(stem.lower())
    return stem


def _pct(x: float) -> str:
    return f"{100 * x:+.1f}%"


# ---------------------------------------------------------------------------- validate


def validate_cmd(
    files: list[Path] = typer.Argument(..., help="Scenario YAML files.", metavar="FILE..."),
    no_data: bool = typer.Option(False, "--no-data",
                                 help="Skip the checks that need prices (unknown symbols, P/E cross-check)."),
    allow_path: list[Path] | None = allow_path_option(),
) -> None:
    """Check scenario files and list every error (file:line:col field: message). Exit 2 if any."""
    from scenarios.errors import ScenarioError, ScenarioErrors
    from scenarios.model import data_checks, expand_grid, load_scenario

    err, out = _stderr(), _stdout()
    n_bad = 0
    source = None
    for f in files:
        errors: list[Any] = []
        warnings: list[Any] = []
        scenarios: list[Any] = []
        try:
            scenario = load_scenario(f)
            warnings.extend(scenario.warnings)
            scenarios = expand_grid(scenario)
        except ScenarioErrors as exc:
            errors.extend(exc.errors)
            warnings.extend(getattr(exc, "warnings", []))
        except ScenarioError as exc:
            errors.append(exc)
        if scenarios and not no_data:
            if source is None:
                from scenarios.data import default_source

                source = default_source()
            seen: set[str] = set()
            for s in scenarios:
                e, w = data_checks(s, source)
                for item in e:
                    if item.format() not in seen:
                        seen.add(item.format())
                        errors.append(item)
                for item in w:
                    if item.format() not in seen:
                        seen.add(item.format())
                        warnings.append(item)
        for w in warnings:
            err.print(w.format(), style="yellow", markup=False)
        for e in errors:
            err.print(e.format(), markup=False)
        if errors:
            n_bad += 1
        else:
            extra = f", {len(scenarios)} grid scenarios" if len(scenarios) > 1 else ""
            n_drivers = len(scenarios[0].drivers) if scenarios else 0
            out.print(f"ok: {f} ({n_drivers} drivers{extra})", markup=False)
    if n_bad:
        raise typer.Exit(code=2)


# ---------------------------------------------------------------------------- run


def _table(result: Any):
    from rich.table import Table
    from rich.text import Text

    from scenarios.console import clean_control

    def verbatim(text: str) -> Text:  # names and labels from the file: never markup
        return Text(clean_control(text))

    s = result.summary()
    title = (f"{result.name}: {result.as_of} -> {result.horizon}, {result.draws:,} draws, "
             f"seed {result.seed} ({_kinds_text(s['return_kind'])}; prices in listing currency)")
    t = Table(title=verbatim(title), title_justify="left", show_edge=False, pad_edge=False)
    t.add_column("symbol", no_wrap=True)
    t.add_column("return", no_wrap=True)
    for col in ("baseline", "median price", "median", "5%..95%", "P(up)"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("moved most by", overflow="fold")
    for sym, row in s.iterrows():
        top = row["top_driver"]
        top_txt = verbatim(f"{top} {_pct(float(row['top_driver_log']))}") if top else "-"
        t.add_row(verbatim(str(sym)), str(row["return_kind"]), f"{row['baseline_price']:,.2f}",
                  f"{row['median_price']:,.2f}",
                  _pct(row["median_return"]), f"{_pct(row['return_p05'])}..{_pct(row['return_p95'])}",
                  f"{100 * row['prob_up']:.0f}%", top_txt)
    for label, name, note in index_lines(result):
        row = result.index_summary().loc[label]
        t.add_row(name, str(row["return_kind"]), "", "", _pct(row["median_return"]),
                  f"{_pct(row['return_p05'])}..{_pct(row['return_p95'])}",
                  f"{100 * row['prob_up']:.0f}%", verbatim(note), style="bold" if label == "index" else None)
    return t


def _kinds_text(kinds: Any) -> str:
    """Title words for the symbols' return kinds: ``total returns``, ``price returns`` or
    ``total returns for stocks, price returns for indexes``."""
    found = set(kinds)
    if found == {"price"}:
        return "price returns (index levels)"
    if found == {"price", "total"}:
        return "total returns for stocks, price returns for indexes"
    return "total returns"


def _index_driver(result: Any) -> dict[str, Any] | None:
    for d in (result.inputs or {}).get("drivers") or []:
        if isinstance(d, dict) and d.get("type") == "index_weighting" and d.get("enabled", True):
            return d
    return None


def index_lines(result: Any) -> list[tuple[str, str, str]]:
    """Index rows worth printing, as (index_summary label, row name, note).

    None for a one-symbol universe without an ``index_weighting`` driver (the "index" would
    be the stock itself). Without the driver: one "basket" row (equal or market-cap weights;
    nothing is re-weighted). With it: the re-weighted index (scheme, tilts, exclusions, cap)
    and the same names under the scheme's own weights."""
    if result.index_return is None:
        return []
    driver = _index_driver(result)
    scheme = result.index_scheme or "equal"
    if driver is None:
        if len(result.symbols) < 2:
            return []
        kind = "equal-weight" if scheme == "equal" else scheme.replace("_", "-") + "-weighted"
        return [("index", "basket", f"{kind} basket")]
    parts = [scheme]
    if driver.get("tilts"):
        parts.append("tilts")
    if driver.get("exclude"):
        parts.append("exclusions")
    if driver.get("cap") is not None:
        parts.append(f"cap {100 * float(driver['cap']):g}%")
    return [("index", "index", f"re-weighted index ({', '.join(parts)})"),
            ("index (baseline weights)", "index, base w", f"{scheme} weights, not re-weighted")]


def _summary_csv(result: Any) -> str:
    import pandas as pd

    s = result.summary().reset_index()
    s.insert(0, "scenario", result.name)
    s.insert(1, "line", "symbol")
    shown = {label for label, _, _ in index_lines(result)}
    idx = result.index_summary()
    idx = idx[idx.index.isin(shown)].reset_index(names="symbol")
    if not idx.empty:
        idx.insert(0, "scenario", result.name)
        idx.insert(1, "line", "index")
        s = pd.concat([s, idx], ignore_index=True)
    return s.to_csv(index=False, float_format="%.10g", lineterminator="\n")


def _record(result: Any) -> str:
    """Record ``result`` in the store (a busy store is waited for; a failure raises StoreError)."""
    from scenarios.store.runs import record_run

    return record_run("run", result.to_dict(include_draws=False), name=result.name,
                      file_sha256=result.file_sha256)


def _write_out(result: Any, folder: Path, used: set[str] | None = None) -> list[Path]:
    """Write the three output files of ``result`` into ``folder``, each atomically."""
    import json

    import numpy as np
    import pandas as pd

    from scenarios.outputs import atomic_path, check_folder, write_text

    check_folder(folder)
    stem = _unique_stem(result.name, used if used is not None else set())
    paths = [folder / f"{stem}.json", folder / f"{stem}.csv", folder / f"{stem}.draws.csv"]
    write_text(paths[0], json.dumps(result.to_dict(include_draws=True), allow_nan=False) + "\n")
    write_text(paths[1], _summary_csv(result))
    cols: dict[str, Any] = {"draw": np.arange(result.draws)}
    for j, sym in enumerate(result.symbols):
        cols[f"{sym} price"] = result.predicted_price[:, j]
        cols[f"{sym} return"] = result.predicted_return[:, j]
    if result.index_return is not None:
        cols["index return"] = result.index_return
        cols["index return (baseline weights)"] = result.index_return_before
    with atomic_path(paths[2]) as tmp:
        pd.DataFrame(cols).to_csv(tmp, index=False, float_format="%.10g", lineterminator="\n")
    return paths


def run_cmd(
    file: Path = typer.Argument(..., help="Scenario YAML file.", metavar="FILE"),
    draws: int | None = typer.Option(None, "--draws", min=1, help="Monte Carlo draws (default: the file's)."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Random seed (default: the file's)."),
    fmt: TableJsonCsv = typer.Option(TableJsonCsv.table, "--format", help="table, json or csv."),
    out: Path | None = typer.Option(None, "--out", help="Also write JSON (every draw), summary CSV "
                                    "and draws CSV into this folder."),
    record: bool = typer.Option(True, "--record/--no-record", help="Record the run in the store."),
    allow_path: list[Path] | None = allow_path_option(),
    drop_bad: bool = drop_bad_rows_option(),
) -> None:
    """Run a scenario: predicted price and return per symbol, 5-95% band, top driver, index line."""
    import json

    from scenarios.engine import run_scenario
    from scenarios.model import expand_grid, load_scenario

    err, console = _stderr(), _stdout()
    scenario = load_scenario(file)
    scenarios = expand_grid(scenario)
    if out is not None:  # before any work: a folder that cannot be written fails now, not after
        from scenarios.outputs import check_folder

        check_folder(out)
    from scenarios.data import default_source

    source = default_source()
    from scenarios.errors import StoreError

    payloads = []
    used: set[str] = set()
    store_error: StoreError | None = None
    n_lost = 0
    for s in scenarios:
        result = run_scenario(s, source=source, draws=draws, seed=seed)
        for w in result.warnings:
            err.print(w if "warning:" in w else f"warning: {w}", style="yellow", markup=False)
        # outputs first: a run whose files could not be written is not recorded
        written = _write_out(result, out, used) if out is not None else []
        run_id = None
        if record and store_error is None:
            try:
                run_id = _record(result)
            except StoreError as exc:  # results are still shown; the exit code says "not recorded"
                store_error = exc
        if record and run_id is None:
            n_lost += 1
        if fmt != "table":
            for p in written:  # stdout carries the JSON/CSV; say where the files went on stderr
                err.print(f"wrote {p}", markup=False)
        if fmt == "table":
            console.print(_table(result))
            if run_id:
                console.print(f"run id: {run_id}", markup=False, style="dim")
            for p in written:
                console.print(f"wrote {p}", markup=False, style="dim")
            console.print()
        elif fmt == "json":
            payload = result.to_dict(include_draws=False)
            payload["run_id"] = run_id
            payloads.append(payload)
        else:
            from scenarios.console import clean_control

            text = clean_control(_summary_csv(result))  # a name's ESC never reaches the terminal raw
            typer.echo(text if not payloads else text.split("\n", 1)[1], nl=False)
            payloads.append(None)
    if fmt == "json":
        data = payloads[0] if len(payloads) == 1 else payloads
        typer.echo(json.dumps(data, indent=2, allow_nan=False))
    if store_error is not None:
        where = f" and written to {out}" if out is not None else ""
        what = "the run was" if len(scenarios) == 1 else f"{n_lost} of {len(scenarios)} grid runs were"
        raise StoreError(f"{what} computed (results above{where}) but NOT recorded in the store: "
                         f"{store_error} Pass --no-record to run without the store.")


# ---------------------------------------------------------------------------- new


def template_text(kind: str) -> str:
    """The commented template of ``kind`` (one of :data:`TEMPLATE_KINDS`)."""
    from importlib import resources

    if kind not in TEMPLATE_KINDS:
        raise typer.BadParameter(f"must be one of {', '.join(TEMPLATE_KINDS)} (got {kind!r})",
                                 param_hint="KIND")
    return resources.files("scenarios").joinpath("templates", f"{kind}.yaml").read_text(encoding="utf-8")


def new_cmd(
    kind: str = typer.Argument(..., help=f"Template kind: {', '.join(TEMPLATE_KINDS)}.", metavar="KIND"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
) -> None:
    """Write a commented scenario template (validates as is; edit the numbers)."""
    text = template_text(kind)
    if out is None:
        typer.echo(text, nl=False)
        return
    from scenarios.outputs import check_file, write_text

    if out.exists() and not out.is_dir() and not force:
        raise typer.BadParameter(f"{out} exists (use --force to overwrite)", param_hint="--out")
    write_text(check_file(out, force=force), text)
    _stdout().print(f"wrote {out}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("validate")(validate_cmd)
    app.command("run")(run_cmd)
    app.command("new")(new_cmd)
