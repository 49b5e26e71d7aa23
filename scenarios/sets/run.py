"""Run a scenario set: each component through the engine, then the pooled mixture draws.

See :mod:`scenarios.sets.mixture` for how draws are assigned to components (reproducible from
the set's seed; components keep their own seeds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarios.errors import ScenarioError
from scenarios.numfmt import as_finite as _num
from scenarios.results import (
    SCHEMA_VERSION,
    ComponentLine,
    MixtureLine,
    SetComponent,
    SetRunResult,
    to_jsonable,
)
from scenarios.sets.mixture import ASSIGNMENT_KEY, assemble, assign_components, mixture_stats
from scenarios.sets.model import ScenarioSet

if TYPE_CHECKING:
    from scenarios.data.base import PriceSource
    from scenarios.engine.result import ScenarioResult

__all__ = ["ASSIGNMENT_TEXT", "SetRun", "run_set"]

ASSIGNMENT_TEXT = (f"draw i comes from the component picked by the i-th uniform of the stream "
                   f"'{ASSIGNMENT_KEY}' of the set's seed (inverse CDF of the probabilities, in "
                   "file order); the k-th draw assigned to a component is that component's k-th "
                   "draw on its own seed")


@dataclass
class SetRun:
    """A set run with the engine results of its components (``None`` when no draw was assigned)."""

    result: SetRunResult
    components: list[ScenarioResult | None]
    labels: np.ndarray


def _run_component(source: PriceSource, task: tuple[Any, int]) -> ScenarioResult:
    """One component's engine run (a task of :func:`scenarios.parallel.imap_tasks`)."""
    from scenarios.engine import run_scenario

    scenario, k = task
    return run_scenario(scenario, source=source, draws=k)


def run_set(sset: ScenarioSet, *, source: PriceSource | None = None, draws: int | None = None,
            seed: int | None = None, full: bool = False, workers: int | None = None,
            scheduler: str | None = None) -> SetRun:
    """Run ``sset``'s mixture.

    Parameters
    ----------
    sset : ScenarioSet
        From :func:`scenarios.sets.load_set`.
    source : PriceSource, optional
        Price source (default: the standard source).
    draws, seed : int, optional
        Mixture draws and the assignment seed (default: the set's ``monte_carlo``).
    full : bool, default False
        Run every component with all ``N`` draws (backtests score each component alone); the
        mixture uses the first ``n_c`` of them, the same numbers as without ``full``.
    workers, scheduler : optional
        Run the components on Dask (:mod:`scenarios.parallel`; each keeps its own seed, so
        the numbers are the serial ones).
    """
    from scenarios.parallel import imap_tasks, panel_seeds

    if source is None:
        from scenarios.data import default_source

        source = default_source()
    n = int(draws if draws is not None else sset.draws)
    s = int(seed if seed is not None else sset.seed)
    if n < 1:
        raise ScenarioError(f"draws must be >= 1 (got {n})", field="--draws")
    labels = assign_components(sset.probabilities, n, s)
    counts = np.bincount(labels, minlength=len(sset.components))
    sizes = [n if full else int(counts[c]) for c in range(len(sset.components))]
    todo = [(comp.scenario, k) for comp, k in zip(sset.components, sizes, strict=True) if k > 0]
    prices, listings = panel_seeds(t[0] for t in todo)
    done = iter(imap_tasks(_run_component, todo, source=source, workers=workers, scheduler=scheduler,
                           symbols=prices, fundamentals=listings))
    runs: list[ScenarioResult | None] = [next(done) if k > 0 else None for k in sizes]
    ref = next(r for r in runs if r is not None)
    for comp, r in zip(sset.components, runs, strict=True):
        if r is not None and list(r.symbols) != list(ref.symbols):
            raise ScenarioError(f"{comp.file} resolves to the symbols {', '.join(r.symbols)}; another "
                                f"component to {', '.join(ref.symbols)} (components must price the "
                                "same universe)", file=sset.file, field="components")
    returns = assemble(labels, [None if r is None else r.predicted_return for r in runs])
    has_index = all(r is None or r.index_return is not None for r in runs)
    index = (assemble(labels, [None if r is None else r.index_return[:, None] for r in runs])[:, 0]  # type: ignore[index]
             if has_index else None)
    k_comp = len(sset.components)
    stats = mixture_stats(returns, labels, k_comp)
    lines = [_line(sym, "symbol", kind, st, sset, cur, float(p0))
             for sym, kind, cur, p0, st in zip(ref.symbols, ref.return_kinds, ref.currencies,
                                               ref.baseline_price, stats, strict=True)]
    if index is not None and len(ref.symbols) > 1:
        st = mixture_stats(index, labels, k_comp)[0]
        lines.append(_line("index", "index", ref._line_kind(ref.index_weights_after), st, sset, None, None))
    warnings: list[str] = []
    for comp, r in zip(sset.components, runs, strict=True):
        warnings.extend(f"{comp.label}: {w}" for w in (r.warnings if r is not None else []))
    notes = [f"{comp.label}: no draw assigned (probability {comp.probability:g}); its lines are empty"
             for comp, k in zip(sset.components, counts, strict=True) if k == 0]
    comps = [SetComponent(label=comp.label, file=comp.file, probability=comp.probability,
                          seed=(r.seed if r is not None else comp.scenario.monte_carlo.seed),
                          assigned_draws=int(k), run_draws=(r.draws if r is not None else 0), why=comp.why)
             for comp, r, k in zip(sset.components, runs, counts, strict=True)]
    result = SetRunResult(
        schema_version=SCHEMA_VERSION, kind="scenario_set_result", name=sset.name, file=_abs(sset.file),
        file_sha256=sset.file_sha256,
        as_of=sset.as_of.isoformat(), horizon=sset.horizon.isoformat(), draws=n, seed=s,
        assignment=ASSIGNMENT_TEXT, symbols=list(ref.symbols), components=comps, lines=lines,
        narrative=to_jsonable(sset.narrative), warnings=warnings, notes=notes)
    result._draws = {"returns": returns, "index": index, "labels": labels}
    return SetRun(result, runs, labels)


def _abs(file: str) -> str:
    from pathlib import Path

    return str(Path(file).resolve())




def _line(name: str, kind: str, return_kind: str, st: Any, sset: ScenarioSet, currency: str | None,
          baseline: float | None) -> MixtureLine:
    comps = [ComponentLine(label=c.label, probability=c.probability, weight=w, median_return=_num(med),
                           mean_return=_num(mean), contribution=_num(con), share=_num(sh))
             for c, w, med, mean, con, sh in zip(sset.components, st.component_weight, st.component_median,
                                                 st.component_mean, st.component_contribution,
                                                 st.component_share, strict=True)]
    return MixtureLine(line=name, kind=kind, return_kind=return_kind, currency=currency,
                       baseline_price=baseline, mean_return=_num(st.mean), median_return=_num(st.median),
                       return_p05=_num(st.p05), return_p95=_num(st.p95), prob_up=_num(st.prob_up),
                       se_mean=_num(st.se_mean), se_median=_num(st.se_median), se_p05=_num(st.se_p05),
                       se_p95=_num(st.se_p95), se_prob_up=_num(st.se_prob_up), components=comps)
