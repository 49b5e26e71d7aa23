"""The public Python API: load, run, backtest, compare and report scenarios.

The layer the command line calls (``scenarios run`` = parse the arguments, :func:`run`, print);
a notebook uses the same functions::

    import scenarios.api as sa

    r = sa.run("examples/tencent_feb_2026.yaml", draws=2000, seed=1)[0]
    r.summary()                     # DataFrame: median, band_low/band_high, P(up) per symbol
    bt = sa.backtest("examples/deepseek_rally_feb_2025.yaml", draws=2000)
    bt.scores()                     # DataFrame: predicted vs realized per symbol
    sa.report(bt[0], "report.html")

Results are the typed models of :mod:`scenarios.results` (:class:`~scenarios.results.RunResult`,
:class:`~scenarios.results.SingleBacktestResult`, :class:`~scenarios.results.WalkForwardResult`),
each with ``summary()`` / ``scores()`` (pandas DataFrames) and ``to_dict()`` / ``to_json()``.
A scenario file with a ``grid`` gives one result per grid point: :func:`run` and
:func:`backtest` return a :class:`Results` list (one element for a plain file).

Units: returns, band quantiles, probabilities and coverages are fractions (0.05 = 5%); prices
are in each symbol's listing currency. Prices come from the standard source
(:func:`scenarios.data.default_source`: the store, then ``$SCENARIOS_PRICES``, then Yahoo).
Errors are the exceptions of :mod:`scenarios.errors` (``ScenarioError`` for bad input,
``DataError`` for missing data, ``StoreError`` for the run store).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, Union, overload

from scenarios.results import RunResult

if TYPE_CHECKING:
    import pandas as pd

    from scenarios.data.base import PriceSource
    from scenarios.errors import ScenarioError
    from scenarios.model.schema import Scenario
    from scenarios.report.model import ReportView
    from scenarios.results import (
        BacktestResult,
        Result,
        SetBacktestResult,
        SetRunResult,
        SingleBacktestResult,
        WalkForwardResult,
    )
    from scenarios.seeds.check import ClaimCheck
    from scenarios.sensitivity import Tornado, TwoWay

__all__ = [
    "Comparison", "Results", "Validation", "backtest", "claims_check", "compare", "iter_backtest",
    "iter_run", "load", "load_result", "prices", "record", "report", "report_view", "run", "sensitivity",
    "two_way", "validate", "views", "write_xlsx",
]

PathOrScenario = Union[str, Path, "Scenario"]
Roll = Literal["monthly", "quarterly"]
# constraints named as text: the backtest and set result models load only when used (start-up time)
T = TypeVar("T", "RunResult", "SingleBacktestResult", "WalkForwardResult", "SetRunResult", "SetBacktestResult")


class Results(list[T], Generic[T]):
    """The results of one scenario file, one per grid point (a ``list``).

    :meth:`summary` and :meth:`scores` are the elements' frames: the single element's own
    frame for a plain file, else the frames concatenated with the scenario name as the outer
    index level (``scenario``).
    """

    def _concat(self, frames: list[pd.DataFrame]) -> pd.DataFrame:
        import pandas as pd

        if len(frames) == 1:
            return frames[0]
        return pd.concat(frames, keys=[r.name for r in self], names=["scenario"])

    def summary(self) -> pd.DataFrame:
        """Each result's ``summary()`` (see :meth:`scenarios.results.RunResult.summary`)."""
        return self._concat([r.summary() for r in self])

    def scores(self) -> pd.DataFrame:
        """Each result's ``scores()`` (backtests; a plain run raises ``ValueError``)."""
        return self._concat([r.scores() for r in self])

    def to_dict(self) -> list[dict[str, Any]]:
        """Every result's JSON form, in grid order."""
        return [r.to_dict() for r in self]

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as strict JSON text (a list, one object per grid point)."""
        import json

        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)


# ------------------------------------------------------------------------------ load, validate

def load(path: str | Path) -> Scenario:
    """Load and statically check a scenario file (``extends`` resolved).

    Parameters
    ----------
    path : str or Path
        Scenario YAML file.

    Returns
    -------
    Scenario
        The validated scenario; ``scenario.warnings`` holds located warnings. A file with a
        ``grid`` is one scenario here; :func:`run` expands it.

    Raises
    ------
    scenarios.errors.ScenarioErrors
        Every problem, each with file, line, column and field.
    """
    from scenarios.model import load_scenario

    return load_scenario(path)


@dataclass(frozen=True)
class Validation:
    """Outcome of :func:`validate` for one file.

    ``errors`` and ``warnings`` (located :class:`~scenarios.errors.ScenarioError` objects;
    ``.format()`` gives ``file:line:col field: message``), the number of grid scenarios and of
    drivers.
    """

    file: str
    errors: list[ScenarioError] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)
    n_scenarios: int = 0
    n_drivers: int = 0
    #: a scenario set (``kind: set``): ``n_scenarios`` counts its components
    is_set: bool = False

    @property
    def ok(self) -> bool:
        """True when the file has no error."""
        return not self.errors


def validate(path: str | Path, *, data: bool = True, source: PriceSource | None = None) -> Validation:
    """Check a scenario file and collect every error and warning (nothing is raised for them).

    Parameters
    ----------
    path : str or Path
        Scenario YAML file.
    data : bool, default True
        Also run the checks that need prices (unknown or stale symbols, P/E cross-check).
    source : PriceSource, optional
        Price source for those checks (default: the standard source).

    Returns
    -------
    Validation
    """
    from scenarios.errors import ScenarioError, ScenarioErrors
    from scenarios.model import data_checks, expand_grid, load_scenario

    errors: list[Any] = []
    warnings: list[Any] = []
    scenarios: list[Any] = []
    try:
        if _is_set(path):  # a set: its components are the scenarios checked
            from scenarios.sets import load_set

            scenarios = [c.scenario for c in load_set(path).components]
            for sc in scenarios:
                warnings.extend(sc.warnings)
        else:
            scenario = load_scenario(path)
            warnings.extend(scenario.warnings)
            scenarios = expand_grid(scenario)
    except ScenarioErrors as exc:
        errors.extend(exc.errors)
        warnings.extend(getattr(exc, "warnings", []))
    except ScenarioError as exc:
        errors.append(exc)
    if scenarios and data:
        if source is None:
            from scenarios.data import default_source

            source = default_source()
        seen: set[str] = set()
        for s in scenarios:
            e, w = data_checks(s, source)
            pairs: list[tuple[Any, list[Any]]] = [*((x, errors) for x in e), *((x, warnings) for x in w)]
            for item, bucket in pairs:
                if item.format() not in seen:
                    seen.add(item.format())
                    bucket.append(item)
    return Validation(str(path), errors, warnings, len(scenarios),
                      len(scenarios[0].drivers) if scenarios else 0, _is_set(path))


def _scenarios(path_or_scenario: PathOrScenario) -> list[Scenario]:
    from scenarios.model import expand_grid, load_scenario

    scenario = (load_scenario(path_or_scenario) if isinstance(path_or_scenario, (str, Path))
                else path_or_scenario)
    return expand_grid(scenario)


# ------------------------------------------------------------------------------ run

def _run_point(source: PriceSource, task: tuple[Scenario, int | None, int | None, bool]) -> RunResult:
    """One grid point's run (a task of :func:`scenarios.parallel.imap_tasks`)."""
    from scenarios.engine import run_scenario

    s, draws, seed, keep_draws = task
    return RunResult.from_engine(run_scenario(s, source=source, draws=draws, seed=seed, keep_draws=keep_draws))


def iter_run(path_or_scenario: PathOrScenario, *, draws: int | None = None, seed: int | None = None,
             source: PriceSource | None = None, keep_draws: bool = False, workers: int | None = None,
             scheduler: str | None = None) -> Iterator[RunResult]:
    """Run a scenario, one grid point at a time (see :func:`run`); nothing is recorded.

    A scenario-set file (``kind: set``) gives one :class:`~scenarios.results.SetRunResult`.
    ``workers``/``scheduler`` run the grid points (a set's components) on Dask
    (:mod:`scenarios.parallel`); the results are the serial ones, bit for bit.
    """
    from scenarios.parallel import check_parallel, imap_tasks, is_parallel, panel_seeds

    check_parallel(workers, scheduler)
    if _is_set(path_or_scenario):
        yield _run_set(path_or_scenario, draws=draws, seed=seed, source=source,  # type: ignore[misc]
                       workers=workers, scheduler=scheduler)
        return
    scenarios = _scenarios(path_or_scenario)
    # a run that its file alone reproduces (no grid, default prices, this process): recording it
    # also keeps its realised score (scenarios.report.scored.score_to_record)
    from_file = (isinstance(path_or_scenario, (str, Path)) and source is None and len(scenarios) == 1
                 and not scenarios[0].grid_point and not is_parallel(workers, scheduler))
    if source is None:
        from scenarios.data import default_source

        source = default_source()
    prices, listings = panel_seeds(scenarios)
    for s, result in zip(scenarios, imap_tasks(_run_point, [(s, draws, seed, keep_draws) for s in scenarios],
                                               source=source, workers=workers, scheduler=scheduler,
                                               symbols=prices, fundamentals=listings,
                                               progress="grid" if len(scenarios) > 1 else None), strict=False):
        if from_file:
            result._scenario = s
        yield result


def run(path_or_scenario: PathOrScenario, *, draws: int | None = None, seed: int | None = None,
        record: bool = False, keep_draws: bool = False, workers: int | None = None,
        scheduler: str | None = None) -> Results[RunResult]:
    """Run a scenario: predicted price and return per symbol at the horizon.

    A scenario-set file (``kind: set``, see :mod:`scenarios.sets.model`) gives one
    :class:`~scenarios.results.SetRunResult` (the probability-weighted mixture: expected
    return, median, band, P(up) with Monte Carlo standard errors, each component's median and
    share of the expected return); ``draws``/``seed`` then override the set's.

    Parameters
    ----------
    path_or_scenario : str, Path or Scenario
        A scenario file, or a scenario from :func:`load`.
    draws : int, optional
        Monte Carlo draws (default: the file's ``monte_carlo.draws``).
    seed : int, optional
        Random seed (default: the file's); the same seed gives the same numbers.
    record : bool, default False
        Record each result in the run store (``scenarios runs list``); the id is then
        ``result.run_id``.
    keep_draws : bool, default False
        Also keep every draw of the per-driver log contributions, EPS and the multiple in
        ``result.engine`` (``contributions``, ``eps``, ``multiple``); by default only their
        means are kept (``contribution_mean``: what the summary, report and attribution read).
        The predicted prices and returns and the index lines always keep every draw.
    workers : int, optional
        Run the grid points (a set's components) on a local Dask cluster of this many
        processes (> 1; needs the ``scale`` extra). Results are identical to the serial run.
    scheduler : str, optional
        Or on an existing Dask cluster (``tcp://HOST:8786``). Only this process records.

    Returns
    -------
    Results[RunResult]
        One result per grid point (one element for a plain file). ``result.summary()`` is a
        DataFrame indexed by symbol with ``median``, ``band_low``, ``band_high`` (5%-95%
        band of the return) and ``P(up)`` (fractions); ``result.engine`` holds every draw
        of the prices and returns.
        With a ``portfolio:`` block, ``result.pnl`` is its P&L per unit of gross notional
        (:class:`~scenarios.results.PnlForecast`; every draw in ``result.engine.pnl``).

    Raises
    ------
    scenarios.errors.ScenarioErrors
        The file is invalid (every problem located).
    scenarios.errors.DataError
        Prices the scenario needs are missing (``LookAheadError`` never: the engine reads
        prices up to ``as_of`` only).
    scenarios.errors.StoreError
        ``record=True`` and the store cannot be written (results before it are recorded).
    """
    out: Results[RunResult] = Results()
    for r in iter_run(path_or_scenario, draws=draws, seed=seed, keep_draws=keep_draws, workers=workers,
                      scheduler=scheduler):
        if record:
            _store(r)
        out.append(r)
    return out


# ------------------------------------------------------------------------------ backtest

def _bad(message: str, field_name: str) -> ScenarioError:
    from scenarios.errors import ScenarioError

    return ScenarioError(message, field=field_name)


def _walk_window(first: Scenario, roll: str, start: str | dt.date | None,
                 end: str | dt.date | None) -> tuple[Any, Any]:
    import pandas as pd

    from scenarios.backtest.walkforward import ROLLS, roll_dates

    if roll not in ROLLS:
        raise _bad(f"use --roll {' or '.join(ROLLS)}", "--roll")
    try:
        s = pd.Timestamp(start) if start else pd.Timestamp(first.as_of)
        e = pd.Timestamp(end) if end else pd.Timestamp.today().normalize()
    except ValueError as exc:
        raise _bad(f"dates are YYYY-MM-DD ({exc})", "--from/--to") from None
    if e < s:
        raise _bad(f"--to {e.date()} is before --from {s.date()}", "--to")
    if not roll_dates(s, e, roll):  # type: ignore[arg-type]
        raise _bad(f"no {roll} as_of date (calendar period end) between {s.date()} and {e.date()}",
                   "--from/--to")
    return s, e


def _backtest_point(source: PriceSource, task: tuple[Scenario, dict[str, Any]]) -> BacktestResult:
    """Backtest one grid point (a task of :func:`scenarios.parallel.imap_tasks`).

    Scored at its as_of, or walked forward serially (``walk`` in the options).
    """
    sc, opts = task
    opts = dict(opts)
    walk = opts.pop("walk")
    if walk is not None:
        from scenarios.backtest.scenario import walk_forward_scenario

        bt: Any = walk_forward_scenario(sc, start=walk[0], end=walk[1], source=source, **opts)
    else:
        from scenarios.backtest.scenario import backtest_scenario

        bt = backtest_scenario(sc, source=source, **opts)
    from scenarios.results import from_backtest

    return from_backtest(bt, sc.grid_point)


def iter_backtest(path_or_scenario: PathOrScenario, *, roll: Roll | None = None,
                  start: str | dt.date | None = None, end: str | dt.date | None = None,
                  draws: int | None = None, seed: int | None = None,
                  band: tuple[float, float] = (0.05, 0.95),
                  partial: Literal["exclude", "include"] = "exclude", index: bool = True,
                  progress: bool = False, source: PriceSource | None = None,
                  workers: int | None = None, scheduler: str | None = None) -> Iterator[BacktestResult]:
    """Backtest a scenario, one grid point at a time (see :func:`backtest`); nothing is recorded.

    The arguments are checked before anything runs (:class:`~scenarios.errors.ScenarioError`
    naming the option). ``workers``/``scheduler`` (:mod:`scenarios.parallel`) spread the grid
    points over Dask, or a single scenario's walk-forward windows, or a set's components.
    """
    from scenarios.parallel import check_parallel, imap_tasks, is_parallel, panel_seeds

    if partial not in ("exclude", "include"):
        raise _bad("use --partial exclude or include", "--partial")
    if roll is None and (start or end):
        raise _bad("--from/--to go with --roll quarterly|monthly", "--roll")
    check_parallel(workers, scheduler)
    if _is_set(path_or_scenario):
        if roll is not None:
            raise _bad("a scenario set is scored at its as_of; --roll (walk-forward) is not "
                       "available for sets", "--roll")
        from scenarios.sets import load_set
        from scenarios.sets.backtest import backtest_set

        yield backtest_set(load_set(path_or_scenario), source=source, draws=draws,  # type: ignore[arg-type,misc]
                           seed=seed, band=band, partial=partial, workers=workers, scheduler=scheduler)
        return
    scenarios = _scenarios(path_or_scenario)
    walk = _walk_window(scenarios[0], roll, start, end) if roll is not None else None
    if source is None:
        from scenarios.data import default_source

        source = default_source()
    if walk is not None:
        opts: dict[str, Any] = {"walk": walk, "roll": roll, "draws": draws, "seed": seed, "band": band,
                                "partial": partial}
    else:
        opts = {"walk": None, "draws": draws, "seed": seed, "band": band, "partial": partial,
                "index": index}
    if len(scenarios) > 1 and is_parallel(workers, scheduler):  # the grid points are the tasks
        prices, listings = panel_seeds(scenarios)
        yield from imap_tasks(_backtest_point, [(sc, {**opts, "progress": False} if walk else opts)
                                                for sc in scenarios],
                              source=source, workers=workers, scheduler=scheduler, symbols=prices,
                              fundamentals=listings, progress="grid" if progress else None)
        return
    for sc in scenarios:  # serial, or one scenario whose walk-forward windows are the tasks
        extra: dict[str, Any] = {}
        if walk is not None:
            extra = {"progress": progress}
            if is_parallel(workers, scheduler):
                extra.update(workers=workers, scheduler=scheduler)
        yield _backtest_point(source, (sc, {**opts, **extra}))


@overload
def backtest(path_or_scenario: PathOrScenario, *, roll: None = None, start: None = None, end: None = None,
             record: bool = False, draws: int | None = None, seed: int | None = None,
             band: tuple[float, float] = (0.05, 0.95), partial: Literal["exclude", "include"] = "exclude",
             index: bool = True, workers: int | None = None,
             scheduler: str | None = None) -> Results[SingleBacktestResult]: ...


@overload
def backtest(path_or_scenario: PathOrScenario, *, roll: Roll, start: str | dt.date | None = None,
             end: str | dt.date | None = None, record: bool = False, draws: int | None = None,
             seed: int | None = None, band: tuple[float, float] = (0.05, 0.95),
             partial: Literal["exclude", "include"] = "exclude",
             index: bool = True, workers: int | None = None,
             scheduler: str | None = None) -> Results[WalkForwardResult]: ...


def backtest(path_or_scenario: PathOrScenario, *, roll: Roll | None = None,
             start: str | dt.date | None = None, end: str | dt.date | None = None,
             record: bool = False, draws: int | None = None, seed: int | None = None,
             band: tuple[float, float] = (0.05, 0.95),
             partial: Literal["exclude", "include"] = "exclude",
             index: bool = True, workers: int | None = None,
             scheduler: str | None = None) -> Results[SingleBacktestResult] | Results[WalkForwardResult]:
    """Score a scenario against what happened: at its ``as_of``, or walked forward.

    Only prices up to each as_of are visible to the scenario; realized returns run from the
    as_of close to the horizon close (stocks: total returns; indexes: price returns).

    Parameters
    ----------
    path_or_scenario : str, Path or Scenario
        A scenario file, or a scenario from :func:`load`.
    roll : {"quarterly", "monthly"}, optional
        Walk forward: re-run the scenario at each calendar quarter (month) end between
        ``start`` and ``end``. Without it the scenario is scored at its own as_of.
    start, end : str or date, optional
        First and last as_of of the walk (default: the scenario's as_of, today).
    record : bool, default False
        Record each result as a ``backtest`` run in the store (``result.run_id``).
    draws, seed : int, optional
        Override the file's Monte Carlo settings.
    band : (float, float), default (0.05, 0.95)
        Forecast band quantiles (fractions).
    partial : {"exclude", "include"}, default "exclude"
        Score windows cut short by the end of the data, or not.
    index : bool, default True
        Simulate the scenario's index (``index_weighting`` scenarios; a few seconds).
    workers, scheduler : optional
        Run on Dask (see :func:`run`): the grid points, else a walk-forward's windows, else a
        set's components. Results are identical to the serial run; only this process records.

    Returns
    -------
    Results[SingleBacktestResult] or Results[WalkForwardResult]
        One per grid point. ``.scores()`` is a DataFrame of predicted vs realized returns
        (per symbol; per as_of and symbol for a walk-forward). With a ``portfolio:`` block,
        ``.pnl`` holds the realised P&L against the predicted band (walk-forward: per window
        and ``.pnl.track``), with the return basis of each leg.

    Raises
    ------
    scenarios.errors.ScenarioError
        Invalid file or options (``roll``, ``start``/``end``, ``partial``), naming the option.
    scenarios.errors.DataError
        Prices are missing (a walk-forward records a date it cannot forecast as a failed
        window and raises only when every date fails).
    scenarios.errors.StoreError
        ``record=True`` and the store cannot be written.
    """
    out: Results[Any] = Results()
    for r in iter_backtest(path_or_scenario, roll=roll, start=start, end=end, draws=draws, seed=seed,
                           band=band, partial=partial, index=index, workers=workers,
                           scheduler=scheduler):
        if record:
            _store(r)
        out.append(r)
    return out


# ------------------------------------------------------------------------------ sensitivity

def _sensitivity_inputs(path_or_scenario: PathOrScenario, source: PriceSource | None,
                        ) -> tuple[list[Scenario], PriceSource, str]:
    """Return a sensitivity's scenarios (one per grid point), price source and display name.

    Raises ScenarioError for a set file: sensitivities take one scenario file.
    """
    if _is_set(path_or_scenario):
        raise _bad("sensitivity takes a scenario file, not a set (kind: set)", "FILE")
    scenarios = _scenarios(path_or_scenario)
    if source is None:
        from scenarios.data import default_source

        source = default_source()
    name = str(path_or_scenario) if isinstance(path_or_scenario, (str, Path)) else ""
    return scenarios, source, name


def sensitivity(path_or_scenario: PathOrScenario, *, vary: dict[str, tuple[float, float]] | None = None,
                source: PriceSource | None = None) -> list[Tornado]:
    """One-at-a-time sensitivity (tornado) of a scenario on the noise-free path (:mod:`scenarios.sensitivity`).

    Each random driver parameter at its 5th and 95th percentile (or ``vary[name] = (low, high)``),
    the others at their means, residual off.

    Parameters
    ----------
    path_or_scenario : str, Path or Scenario
        A scenario file (not a set), or a scenario from :func:`load`.
    vary : dict, optional
        ``{"drivers[LABEL].PARAM": (low, high)}`` in the parameter's own units.

    Returns
    -------
    list[Tornado]
        One per grid point; ``tornado.bars[symbol]`` sorted by swing (fractions of return).

    Raises
    ------
    scenarios.errors.ScenarioError
        A set file, or an unknown parameter name (the message lists the valid names).
    """
    from scenarios.model.resolved import resolve_scenario
    from scenarios.sensitivity import tornado

    scenarios, source, name = _sensitivity_inputs(path_or_scenario, source)
    return [tornado(resolve_scenario(s, source=source), vary=vary, name=name) for s in scenarios]


def two_way(path_or_scenario: PathOrScenario, param1: str, param2: str, *, levels: int = 5,
            vary: dict[str, tuple[float, float]] | None = None, draws: int | None = None,
            seed: int | None = None, source: PriceSource | None = None, workers: int | None = None,
            scheduler: str | None = None) -> list[TwoWay]:
    """Two-way sensitivity table (:func:`scenarios.sensitivity.two_way`).

    Median return and P(up) of the Monte Carlo on a ``levels`` x ``levels`` grid of two parameters
    (5th..95th percentile, or ``vary[name] = (low, high)``), common random numbers across cells. One
    table per grid point. Raises ScenarioError for a set file or unknown names.
    ``workers``/``scheduler`` run the cells on Dask (the resolved scenario is shipped; workers read
    no prices); the tables are the serial ones, bit for bit.
    """
    from scenarios.model.resolved import resolve_scenario
    from scenarios.sensitivity import two_way as _two_way

    scenarios, source, name = _sensitivity_inputs(path_or_scenario, source)
    return [_two_way(resolve_scenario(s, source=source, draws=draws, seed=seed), param1, param2,
                     levels=levels, vary=vary, name=name, workers=workers, scheduler=scheduler)
            for s in scenarios]


# ------------------------------------------------------------------------------ sets, exports

def _is_set(path_or_scenario: PathOrScenario) -> bool:
    if not isinstance(path_or_scenario, (str, Path)):
        return False
    from scenarios.sets import is_set_file

    return is_set_file(path_or_scenario)


def _run_set(path: PathOrScenario, *, draws: int | None, seed: int | None,
             source: PriceSource | None, workers: int | None = None,
             scheduler: str | None = None) -> SetRunResult:
    from scenarios.sets import load_set
    from scenarios.sets.run import run_set

    return run_set(load_set(path), source=source, draws=draws, seed=seed,  # type: ignore[arg-type]
                   workers=workers, scheduler=scheduler).result


def views(result: RunResult | SetRunResult, *, tau: float = 0.05) -> dict[str, Any]:
    """Return Black-Litterman views of a run or set run.

    The run must have been made in this process. The form is the one ``pypfopt.BlackLittermanModel``
    takes (see :mod:`scenarios.sets.views`): expected returns, the covariance of returns across
    draws, ``omega`` and ``view_confidences`` from the band width (fractions, horizon returns).
    """
    from scenarios.results import SetRunResult
    from scenarios.sets.views import views as make_views

    if isinstance(result, SetRunResult):
        returns = result.draws_data["returns"]
    else:
        returns = result.engine.predicted_return
    out = make_views(returns, list(result.symbols), tau=tau)
    out["scenario"] = result.name
    out["as_of"], out["horizon"] = result.as_of, result.horizon
    return out


def write_xlsx(result: Result | SetRunResult | SetBacktestResult, out: str | Path) -> Path:
    """Write ``result`` as an Excel workbook.

    Sheets: inputs, summary, attribution, quantiles and, for backtests, the scores; numbers with
    number formats. Needs openpyxl (the ``xlsx`` extra).
    """
    from scenarios.exports.xlsx import sheets_for, write_workbook

    return write_workbook(sheets_for(result), out)


# ------------------------------------------------------------------------------ store

def record(result: Result | SetRunResult | SetBacktestResult) -> str:
    """Record ``result`` in the run store and return its id (also set as ``result.run_id``).

    A run from :func:`iter_run` (or :func:`run`) of a scenario file whose horizon has passed is
    also scored against realised prices, and the score kept for its report
    (:mod:`scenarios.report.scored`), so that ``scenarios report RUN_ID`` need not re-run it.

    Raises
    ------
    scenarios.errors.StoreError
        The store cannot be written (locked by another process, read-only ...).
    """
    return _store(result)


def _store(result: Result | SetRunResult | SetBacktestResult) -> str:
    from scenarios.store.runs import record_run

    if isinstance(result, RunResult):
        then = None
        if result._scenario is not None:  # its horizon passed: keep the score its report shows
            from scenarios.report.scored import score_to_record
            from scenarios.store.scores import score_writer

            try:
                score = score_to_record(result)
            except Exception as exc:  # noqa: BLE001 - the score is a cache: never lose the run for it
                import logging

                from scenarios.errors import foreign_reason

                logging.getLogger(__name__).warning(
                    "the run is recorded without its realised score; its report computes it (%s)",
                    foreign_reason(exc))
                score = None
            then = None if score is None else score_writer(*score)
        run_id = record_run("run", result.to_dict(), name=result.name, file_sha256=result.file_sha256,
                            then=then)
        result._run_id = run_id
        return run_id
    from scenarios.results import SetBacktestResult, SetRunResult  # (loaded here: not for a run)

    if isinstance(result, SetRunResult):
        head = result.lines[-1]  # the index line when there is one, else the (only) symbol
        line = (f"set of {len(result.components)}: {head.line} expected "
                + ("n/a" if head.mean_return is None else f"{100 * head.mean_return:+.1f}%")
                + ", median " + ("n/a" if head.median_return is None else f"{100 * head.median_return:+.1f}%"))
        run_id = record_run("set", result.to_dict(), name=result.name, file_sha256=result.file_sha256,
                            summary=line)
    elif isinstance(result, SetBacktestResult):
        s = result.score_summary
        line = (f"set backtest: CRPS {s.crps if s.crps is not None else float('nan'):.4f}, best component "
                f"{result.best_component} (hindsight)")
        run_id = record_run("set_backtest", result.to_dict(), name=result.scenario,
                            file_sha256=result.file_sha256, summary=line)
    else:
        run_id = record_run("backtest", result.to_dict(), name=result.scenario,
                            file_sha256=result.file_sha256, summary=_summary_line(result))
    result._run_id = run_id
    return run_id


def _summary_line(result: BacktestResult) -> str:
    """One line for ``scenarios runs list``: mode, window(s) and the headline scores."""
    from scenarios.numfmt import num, p_text, pct
    from scenarios.results import WalkForwardResult

    if isinstance(result, WalkForwardResult):
        t = result.track
        return (f"walk-forward {result.roll} {result.start}..{result.end}: "
                f"{t.n_scored_windows}/{t.n_windows} windows, "
                f"hit {pct(t.hit_rate, signed=False, digits=0)} (PT p {p_text(t.pt_pvalue)}), "
                f"IC {num(t.mean_ic, 2)}, coverage {pct(t.coverage, signed=False, digits=0)}")
    s = result.score_summary
    return (f"{result.as_of}..{result.horizon}: {s.n_scored}/{s.n_symbols} "
            f"scored, hit {pct(s.hit_rate, signed=False, digits=0)}, IC {num(s.ic, 2)}, "
            f"MAE {pct(s.mae, signed=False)}, coverage {pct(s.coverage, signed=False, digits=0)}"
            + ("" if s.status == "complete" else f" ({s.status})"))


def load_result(run_id: str) -> Result:
    """Return a recorded run or backtest (an id or a unique prefix of one) as a typed result.

    Raises
    ------
    scenarios.errors.RunNotFoundError
        No such run.
    scenarios.errors.IncompatibleRunError
        It was recorded by a version of scenarios whose format this one cannot read.
    """
    from scenarios.results import result_of
    from scenarios.store.runs import fetch_run

    info, stored = fetch_run(run_id)
    out = result_of(info.kind, stored, what=f"run {info.id}")
    out._run_id = info.id
    return out


@dataclass(frozen=True)
class Comparison:
    """Recorded runs side by side (:func:`scenarios.compare.compare_runs`).

    ``data`` is the JSON-ready comparison (header, input diff, predictions, backtest scores, notes).
    """

    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as a JSON-ready dict."""
        return self.data

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return the comparison as JSON text (``indent`` spaces; no NaN)."""
        import json

        return json.dumps(self.data, indent=indent, ensure_ascii=False, allow_nan=False)

    def summary(self) -> pd.DataFrame:
        """Predicted returns, one row per (symbol or index line, run).

        ``median``, ``p05``, ``p95``, ``prob_up``, ``median_diff`` vs the first run (fractions) and,
        for backtests, ``realized``, ``hit``, ``pit``.
        """
        import pandas as pd

        ids = [h["id"] for h in self.data["runs"]]
        rows = []
        for p in self.data["predictions"]:
            for rid, x, d in zip(ids, p["runs"], p["median_diff"], strict=True):
                if x is not None:
                    rows.append({"symbol": p["symbol"], "run": rid, "line": p["line"],
                                 "return_kind": p["return_kind"], **x, "median_diff": d})
        return pd.DataFrame(rows).set_index(["symbol", "run"]) if rows else pd.DataFrame()

    def scores(self) -> pd.DataFrame:
        """Backtest scores per run (hit rate, IC, CRPS, coverage, nominal coverage, MAE)."""
        import pandas as pd

        rows = [{"run": h["id"], **s} for h, s in zip(self.data["runs"], self.data["backtest_summary"], strict=True)
                if s is not None]
        return pd.DataFrame(rows).set_index("run") if rows else pd.DataFrame()


def compare(run_ids: Sequence[str]) -> Comparison:
    """Compare two or more recorded runs (ids or unique prefixes; the first is the reference).

    Raises
    ------
    scenarios.errors.IncomparableRunsError
        Fewer than two runs, or a symbol's return is total in one run and price in another.
    """
    from scenarios.compare import RunRecord, compare_runs
    from scenarios.store.runs import load_run, run_info

    records = []
    for rid in run_ids:
        info = run_info(rid)
        records.append(RunRecord(id=info.id, kind=info.kind, name=info.name, created_at=info.created_at,
                                 file_sha256=info.file_sha256, payload=load_run(info.id)))
    return Comparison(compare_runs(records))


# ------------------------------------------------------------------------------ report

def report_view(target: Result | str | Path, *, draws: int | None = None,
                seed: int | None = None) -> ReportView:
    """Return the report's view-model of a result, a run id or a scenario file.

    A scenario file is run now (``draws``/``seed`` apply to a file only); a run id is read from the
    store. See :func:`report`.
    """
    from scenarios.report.sources import view_for_file, view_for_result
    from scenarios.results import SingleBacktestResult, WalkForwardResult

    if isinstance(target, (RunResult, SingleBacktestResult, WalkForwardResult)):
        return view_for_result(target, run_id=target.run_id)
    text = str(target)
    if isinstance(target, Path) or text.lower().endswith((".yaml", ".yml")) or Path(text).is_file():
        path = Path(text)
        if not path.is_file():
            from scenarios.errors import ScenarioError

            raise ScenarioError("scenario file not found", file=path)
        return view_for_file(path, draws=draws, seed=seed)
    from scenarios.report.sources import recorded_view

    return recorded_view(text)[0]


def report(result_or_run_id: Result | str | Path, out: str | Path, *, png_dir: str | Path | None = None,
           draws: int | None = None, seed: int | None = None) -> Path:
    """Write a self-contained HTML report (inline charts, opens offline).

    Parameters
    ----------
    result_or_run_id : RunResult, SingleBacktestResult, WalkForwardResult, str or Path
        A result from :func:`run` / :func:`backtest`, a recorded run id (or unique prefix), or
        a scenario file (run now, and scored once its horizon has passed).
    out : str or Path
        HTML file to write (parent folders are created).
    png_dir : str or Path, optional
        Also write every chart as a PNG into this folder.
    draws, seed : int, optional
        For a scenario file only: override its Monte Carlo settings.

    Returns
    -------
    Path
        The HTML file written.
    """
    from scenarios.report import write_report

    return write_report(report_view(result_or_run_id, draws=draws, seed=seed), out, png_dir)


# ------------------------------------------------------------------------------ data, claims

def claims_check(path: str | Path | None = None, *, include_all: bool = False) -> list[ClaimCheck]:
    """Check the articles' price claims (``seeds/claims.yaml`` or ``path``) against the data.

    Parameters
    ----------
    path : str or Path, optional
        Claims file (default: the seeds' ``claims.yaml``).
    include_all : bool, default False
        Also list the claims prices cannot check (marked not verifiable, with the reason).

    Returns
    -------
    list of ClaimCheck
        One per claim, in file order: ``verdict`` (confirmed, approximately, contradicted, not
        verifiable), what was said and what the data say; ``to_dict()`` for JSON.
    """
    from scenarios.seeds.check import check_claims
    from scenarios.seeds.claims import load_claims

    return check_claims(load_claims(path), include_all=include_all)


def prices(symbol: str, start: str | dt.date | None = None, end: str | dt.date | None = None) -> pd.DataFrame:
    """Daily prices of ``symbol`` (``0700.HK``, ``^HSI`` ...) in ``[start, end]``.

    Returns
    -------
    pandas.DataFrame
        The canonical frame (:mod:`scenarios.data.frame`): a date index, ``open``, ``high``,
        ``low``, ``close`` (adjusted, listing currency), ``volume`` ...

    Raises
    ------
    scenarios.errors.DataUnavailableError
        No source has the symbol over the range.
    """
    from scenarios.data import get_prices

    return get_prices(symbol, start, end)
