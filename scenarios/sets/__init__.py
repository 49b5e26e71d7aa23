"""Scenario sets (``kind: set``): probability-weighted mixtures of scenario files.

* :mod:`scenarios.sets.model`: the set file (schema, located errors, component loading);
* :mod:`scenarios.sets.mixture`: the numbers (draw assignment, mixture statistics, Monte Carlo
  standard errors), pure numpy;
* :mod:`scenarios.sets.run`: run a set (components through the engine, then the mixture);
* :mod:`scenarios.sets.backtest`: score the mixture and its components;
* :mod:`scenarios.sets.views`: Black-Litterman views (PyPortfolioOpt's input form).
"""

from scenarios.sets.model import ScenarioSet, is_set_file, load_set

__all__ = ["ScenarioSet", "is_set_file", "load_set"]
