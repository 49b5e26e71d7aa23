"""Monte Carlo engine: sample parameters, evaluate drivers (vectorized over draws), and
collect per-symbol and index-level predictions in a :class:`ScenarioResult`."""

from scenarios.engine.result import ScenarioResult
from scenarios.engine.run import run_scenario
from scenarios.engine.sampling import Sampler, stream_key

__all__ = ["Sampler", "ScenarioResult", "run_scenario", "stream_key"]
