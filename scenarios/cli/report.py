"""CLI command: ``scenarios report RUN_ID|FILE [--out report.html] [--png DIR]``.

A RUN_ID (or unique prefix) reports a recorded run or backtest from the store. A FILE (a
scenario YAML) is run on the spot and, when its horizon has passed, scored against realized
prices, then reported (nothing is recorded in the store).
"""

from __future__ import annotations

from pathlib import Path

import typer

from scenarios.cli.options import allow_path_option, path_arg, path_text
from scenarios.errors import shown_path


def _looks_like_file(target: str) -> bool:
    """Return the rule of :func:`scenarios.api.report_view`: a YAML name or an existing file."""
    return target.lower().endswith((".yaml", ".yml")) or Path(target).is_file()


def _recorded_view(run_id: str):  # -> ReportView
    """Return the report view of a recorded run.

    A line on stderr per symbol whose price rows changed since it was recorded (also noted in the
    report).
    """
    from scenarios.console import make_console
    from scenarios.report.sources import recorded_view

    view, changes = recorded_view(run_id)
    err = make_console(stderr=True)
    for line in changes:
        err.print(f"note: {line}", style="yellow", markup=False)
    return view


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command("report")
    def report(
        target: str = typer.Argument(..., metavar="RUN_ID|FILE", parser=path_text,
                                     help="A recorded run id (or unique prefix), or a scenario YAML file."),
        out: Path = typer.Option(Path("report.html"), "--out", "-o", parser=path_arg, help="HTML file to write."),
        png: Path | None = typer.Option(None, "--png", parser=path_arg, metavar="DIR",
                                        help="Also write every chart as a PNG into DIR (for slides)."),
        draws: int | None = typer.Option(None, "--draws", min=1, help="FILE only: override monte_carlo.draws."),
        seed: int | None = typer.Option(None, "--seed", min=0, help="FILE only: override monte_carlo.seed."),
        force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
        allow_path: list[Path] | None = allow_path_option(),
    ) -> None:
        """Write a self-contained HTML report (inline charts, opens offline) of a run or scenario.

        The page shows the drivers and the claims behind them, a fan chart per symbol (realized path on top once the horizon has passed), predicted vs realized returns with IC and hit rate, the index counterfactual and weights (index scenarios), the return decomposition and the walk-forward track record. Sections without data say why.

        Examples: scenarios report examples/us_ai_capex_2026.yaml --png slides/ ; scenarios report r20251231-120000 --out bt.html (a run id prefix from scenarios runs list).
        """  # noqa: E501 - typer wraps the help text itself
        from scenarios import api
        from scenarios.console import make_console
        from scenarios.outputs import check_file, check_folder
        from scenarios.report import chart_specs, write_report
        from scenarios.report.html import SECTIONS

        console = make_console()
        is_file = _looks_like_file(target)
        if not is_file and (draws is not None or seed is not None):  # a recorded run keeps its own
            raise typer.BadParameter(
                f"{'--draws' if draws is not None else '--seed'} applies to a scenario FILE only, and "
                f"{shown_path(target)} is read as a run id (no such file, no .yaml name); a recorded "
                "run is reported with the draws and seed it was run with",
                param_hint="--draws/--seed")
        check_file(out, force=force)  # before any work: the report must have somewhere to go
        if png is not None:
            check_folder(png, "--png")
        view = api.report_view(target, draws=draws, seed=seed) if is_file else _recorded_view(target)
        n_charts = len(chart_specs(view))
        write_report(view, out, png)
        present = {
            "inputs": view.inputs is not None, "forecast": bool(view.fans),
            "scatter": view.scatter is not None,
            "index": view.index_lines is not None or view.weights is not None or bool(view.index_return),
            "decomposition": view.decomposition is not None, "track": view.track is not None,
        }
        shown = [title for sid, title in SECTIONS if present[sid]]
        skipped = [title for sid, title in SECTIONS if not present[sid]]
        console.print(f"wrote {shown_path(out)} ({out.stat().st_size / 1024:.0f} KiB, {n_charts} charts)", markup=False)
        console.print("sections: " + ", ".join(shown), markup=False)
        if skipped:
            console.print("omitted (no data): " + ", ".join(skipped), markup=False)
        if png is not None:
            console.print(f"PNG charts in {shown_path(png)}/", markup=False)
