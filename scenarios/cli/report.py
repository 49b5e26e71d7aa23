"""CLI command: ``scenarios report RUN_ID|FILE [--out report.html] [--png DIR]``.

A RUN_ID (or unique prefix) reports a recorded run or backtest from the store. A FILE (a
scenario YAML) is run on the spot and, when its horizon has passed, scored against realized
prices, then reported (nothing is recorded in the store).
"""

from __future__ import annotations

from pathlib import Path

import typer

from scenarios.cli.options import allow_path_option


def _looks_like_file(target: str) -> bool:
    return target.lower().endswith((".yaml", ".yml")) or Path(target).is_file()


def _from_file(path: Path, draws: int | None, seed: int | None):  # -> ReportView
    import datetime as dt

    from scenarios.engine import run_scenario
    from scenarios.model import load_scenario
    from scenarios.report.adapters import view_from_parts

    scenario = load_scenario(path)
    result = run_scenario(scenario, draws=draws, seed=seed)
    score = perf = None
    if dt.date.fromisoformat(str(result.horizon)[:10]) <= dt.date.today():
        score = _score(result)
        perf = _index_performance(scenario, result)
    return view_from_parts(result.to_dict(), score=score, counterfactual=perf)


def _index_performance(scenario, result):  # -> dict | None
    """The scenario's index scheme simulated over (as_of, horizon] vs HSTECH and HSI, for
    ``index_weighting`` scenarios (None otherwise, or when it cannot run)."""
    if not any(d.type == "index_weighting" and d.enabled for d in scenario.drivers):
        return None
    from scenarios.backtest.single import index_performance
    from scenarios.errors import DataError

    try:
        perf = index_performance(scenario, result.as_of, result.horizon)
    except (DataError, ValueError):
        return None
    return perf if perf.get("levels") else None


def _score(result):  # -> dict | None
    """The backtest score of a result whose horizon has passed (None if it cannot be scored)."""
    from scenarios.backtest.forecast import forecast_from_result
    from scenarios.backtest.scoring import score_forecast
    from scenarios.errors import DataError

    bench = next((b for b in (result.benchmarks or {}) if "HSTECH" in b.upper()), None)
    try:
        forecast = forecast_from_result(result, as_of=result.as_of, horizon=result.horizon,
                                        index_benchmark=bench)
        return score_forecast(forecast).to_dict()
    except DataError:
        return None


def _from_run(payload: dict, run_id: str, kind: str):  # -> ReportView
    """A stored run. ``run`` payloads carry the scenario result; ``backtest`` payloads carry the
    scores only, so the scenario is re-run from its recorded file with the recorded seed and
    draws (deterministic), after checking that the file still has the recorded hash."""
    from scenarios.report.adapters import find_parts, view_from_parts

    parts = find_parts(payload)
    result = parts["result"]
    score, counterfactual = parts["score"], parts["counterfactual"]
    notes: list[str] = []
    from scenarios.cli.runs import _data_changes

    changes = _data_changes(payload)
    if changes:
        notes.append("Price data changed since this run: " + "; ".join(changes) + ".")
        for line in changes:
            from scenarios.console import make_console

            make_console(stderr=True).print(f"note: {line}", style="yellow")
    if result is None:
        result = _rerun(payload, run_id, notes)
    elif score is None and parts["walk_forward"] is None and _horizon_passed(result):
        score, counterfactual = _score_stored_run(result, notes) or (None, counterfactual)
    view = view_from_parts(result, score=score, walk_forward=parts["walk_forward"],
                           counterfactual=counterfactual, run_id=run_id,
                           kind="walk-forward" if parts["walk_forward"] else
                           "run, scored now" if score is not None and parts["score"] is None else kind)
    if notes:
        from dataclasses import replace

        joined = " ".join([*notes, view.notes.get("forecast", "")]).strip()
        view = replace(view, notes={**view.notes, "forecast": joined})
    return view


def _horizon_passed(result: dict) -> bool:
    import datetime as dt

    return dt.date.fromisoformat(str(result.get("horizon"))[:10]) <= dt.date.today()


def _score_stored_run(result: dict, notes: list[str]):  # -> (score, index performance) | None
    """A stored ``run`` whose horizon has passed: re-run its file with the recorded seed and
    draws (same ensemble) and score it, as ``scenarios report FILE`` would. None (with a note)
    when the file is gone or changed."""
    import hashlib

    from scenarios.engine import run_scenario
    from scenarios.model import load_scenario

    file = result.get("file")
    if not file or not Path(file).is_file():
        notes.append(f"The horizon has passed but the scenario file {file or '(not recorded)'} is not "
                     "there to re-run and score it: run `scenarios backtest FILE` for the scores.")
        return None
    scenario = load_scenario(file)
    current = hashlib.sha256(Path(file).read_bytes()).hexdigest()
    if result.get("file_sha256") not in (None, current, getattr(scenario, "file_sha256", None)):
        notes.append(f"The horizon has passed but {file} changed since this run: not scored.")
        return None
    rerun = run_scenario(scenario, draws=result.get("draws"), seed=result.get("seed"))
    notes.append("Scored now: the run's own file, seed and draws re-run and compared with realized prices.")
    return _score(rerun), _index_performance(scenario, rerun)


def _rerun(payload: dict, run_id: str, notes: list[str]) -> dict:
    import hashlib

    from scenarios.engine import run_scenario
    from scenarios.errors import DataFormatError
    from scenarios.model import load_scenario

    file = payload.get("file")
    if not file or not Path(file).is_file():
        raise DataFormatError(
            f"run {run_id} holds backtest scores only, and its scenario file "
            f"{file or '(not recorded)'} is not there any more to re-run the forecast it scored; "
            "report the scenario file instead (scenarios report FILE)")
    recorded = payload.get("file_sha256")
    current = hashlib.sha256(Path(file).read_bytes()).hexdigest()
    scenario = load_scenario(file)
    if recorded and recorded not in (current, getattr(scenario, "file_sha256", None)):
        notes.append(f"The scenario file {file} changed since run {run_id}: the fans are re-run from "
                     "the current file, the scores are the recorded ones.")
    result = run_scenario(scenario, draws=payload.get("draws"), seed=payload.get("seed"))
    return result.to_dict()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command("report")
    def report(
        target: str = typer.Argument(..., metavar="RUN_ID|FILE",
                                     help="A recorded run id (or unique prefix), or a scenario YAML file."),
        out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write."),
        png: Path | None = typer.Option(None, "--png", metavar="DIR",
                                        help="Also write every chart as a PNG into DIR (for slides)."),
        draws: int | None = typer.Option(None, "--draws", help="FILE only: override monte_carlo.draws."),
        seed: int | None = typer.Option(None, "--seed", help="FILE only: override monte_carlo.seed."),
        force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
        allow_path: list[Path] | None = allow_path_option(),
    ) -> None:
        """Write a self-contained HTML report (inline charts, opens offline) of a run or scenario.

        The page shows the drivers and the claims behind them, a fan chart per symbol (realized path on top once the horizon has passed), predicted vs realized returns with IC and hit rate, the index counterfactual and weights (index scenarios), the return decomposition and the walk-forward track record. Sections without data say why.

        Examples: scenarios report examples/us_ai_capex_2026.yaml --png slides/ ; scenarios report r20251231-120000 --out bt.html (a run id prefix from scenarios runs list).
        """  # noqa: E501 - typer wraps the help text itself
        from scenarios.console import make_console
        from scenarios.report import build_charts
        from scenarios.report.html import SECTIONS, render_html

        from scenarios.outputs import check_file, check_folder, write_text

        console = make_console()
        check_file(out, force=force)  # before any work: the report must have somewhere to go
        if png is not None:
            check_folder(png, "--png")
        if _looks_like_file(target):
            path = Path(target)
            if not path.is_file():
                from scenarios.errors import ScenarioError

                raise ScenarioError("scenario file not found", file=path)
            view = _from_file(path, draws, seed)
        else:
            from scenarios.store.runs import load_run, run_info

            info = run_info(target)
            view = _from_run(load_run(info.id), info.id, info.kind)
        from scenarios import __version__

        charts = build_charts(view, png)
        write_text(out, render_html(view, charts, version=__version__))
        present = {
            "inputs": view.inputs is not None, "forecast": bool(view.fans),
            "scatter": view.scatter is not None,
            "index": view.index_lines is not None or view.weights is not None or bool(view.index_return),
            "decomposition": view.decomposition is not None, "track": view.track is not None,
        }
        shown = [title for sid, title in SECTIONS if present[sid]]
        skipped = [title for sid, title in SECTIONS if not present[sid]]
        console.print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB, {len(charts)} charts)", markup=False)
        console.print("sections: " + ", ".join(shown), markup=False)
        if skipped:
            console.print("omitted (no data): " + ", ".join(skipped), markup=False)
        if png is not None:
            console.print(f"PNG charts in {png}/", markup=False)
