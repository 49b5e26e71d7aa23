"""Score a scenario set at its as_of: the mixture, each component alone, and the best component.

The mixture's CRPS and PIT on the mixture draws, each component scored alone on the same window, and
the best component by CRPS (a choice made after seeing the outcome: flagged as hindsight).

Each component is run once with all ``N`` draws (its own seed); the mixture uses the first
``n_c`` of them (:func:`scenarios.sets.run.run_set` with ``full=True``), so the mixture's
numbers are those of ``scenarios run SET.yaml`` and every component is scored on as many
draws as the mixture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from scenarios.numfmt import as_finite as _num
from scenarios.results import SCHEMA_VERSION, ComponentScore, SetBacktestResult, to_jsonable
from scenarios.sets.model import ScenarioSet
from scenarios.sets.run import run_set

if TYPE_CHECKING:
    from scenarios.data.base import PriceSource

__all__ = ["HINDSIGHT_NOTE", "backtest_set"]

HINDSIGHT_NOTE = ("hindsight: the best component is chosen by its CRPS on this one outcome; a set "
                  "decided before the fact cannot know it (compare over many as_of dates instead)")


def backtest_set(sset: ScenarioSet, *, source: PriceSource | None = None, draws: int | None = None,
                 seed: int | None = None, band: tuple[float, float] = (0.05, 0.95),
                 partial: Literal["exclude", "include"] = "exclude", workers: int | None = None,
                 scheduler: str | None = None) -> SetBacktestResult:
    """Run and score ``sset`` (see the module docstring).

    Realized returns run from the as_of close to the horizon close (stocks: total returns; indexes:
    price returns). ``workers``/``scheduler`` run the components on Dask
    (:func:`scenarios.sets.run.run_set`).
    """
    import pandas as pd

    from scenarios.backtest.forecast import Forecast, forecast_from_result
    from scenarios.backtest.realized import realized_returns
    from scenarios.backtest.scoring import score_forecast

    if source is None:
        from scenarios.data import default_source

        source = default_source()
    run = run_set(sset, source=source, draws=draws, seed=seed, full=True, workers=workers,
                  scheduler=scheduler)
    res = run.result
    ref = next(r for r in run.components if r is not None)
    as_of, horizon = pd.Timestamp(res.as_of), pd.Timestamp(res.horizon)
    realized = realized_returns(res.symbols, as_of, horizon, source)
    mix = Forecast(as_of=as_of, horizon=horizon, symbols=res.symbols, ensemble=res.draws_data["returns"],
                   baseline_dates=[pd.Timestamp(b) for b in ref.baseline_date])
    score = score_forecast(mix, source, band=band, partial=partial, realized=realized)
    comps: list[ComponentScore] = []
    for comp, r in zip(sset.components, run.components, strict=True):
        assert r is not None  # full=True runs every component
        f = forecast_from_result(r, as_of=as_of, horizon=horizon)
        s = score_forecast(f, source, band=band, partial=partial, realized=realized).summary
        comps.append(ComponentScore(label=comp.label, probability=comp.probability, crps=_num(s["crps"]),
                                    coverage=_num(s["coverage"]), mean_pit=_num(s["mean_pit"]),
                                    n_scored=int(s["n_scored"])))
    scored = [c for c in comps if c.crps is not None]
    best = min(scored, key=lambda c: c.crps) if scored else None  # type: ignore[arg-type,return-value]
    notes = list(score.notes)
    mix_crps = _num(score.summary["crps"])
    if best is not None and mix_crps is not None:
        verdict = "beats" if mix_crps < best.crps else "does not beat"  # type: ignore[operator]
        notes.append(f"the mixture (CRPS {mix_crps:.4f}) {verdict} its best single component "
                     f"{best.label} (CRPS {best.crps:.4f}); " + HINDSIGHT_NOTE)
    sc = to_jsonable(score.to_dict())
    payload = {
        "schema_version": SCHEMA_VERSION, "mode": "set", "scenario": res.name, "file": res.file,
        "file_sha256": res.file_sha256, "as_of": res.as_of, "horizon": res.horizon, "draws": res.draws,
        "seed": res.seed, "band": list(band), "summary": sc["summary"], "per_symbol": sc["per_symbol"],
        "components": [c.to_dict() for c in comps],
        "best_component": best.label if best else None,
        "best_component_crps": best.crps if best else None, "hindsight": True, "notes": notes,
    }
    out = SetBacktestResult.model_validate(payload)
    out = out.model_copy(update={"result": res})
    return out

