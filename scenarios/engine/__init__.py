"""Monte Carlo engine: sample parameters, evaluate drivers over all draws, collect the predictions.

Drivers are evaluated vectorized over draws; per-symbol and index-level predictions are collected in
a :class:`ScenarioResult`.

The engine takes a :class:`~scenarios.model.resolved.ResolvedScenario` (:func:`run_resolved`);
:func:`run_scenario` resolves a loaded scenario first.
"""

from scenarios.engine.result import ScenarioResult
from scenarios.engine.run import run_resolved, run_scenario
from scenarios.engine.sampling import Sampler, stream_key

__all__ = ["Sampler", "ScenarioResult", "run_resolved", "run_scenario", "stream_key"]
