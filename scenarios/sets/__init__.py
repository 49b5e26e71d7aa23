"""Scenario sets (``kind: set``): probability-weighted mixtures of scenario files.

* :mod:`scenarios.sets.model`: the set file (schema, located errors, component loading);
* :mod:`scenarios.sets.peek`: is a file a set file (no pydantic model loaded);
* :mod:`scenarios.sets.mixture`: the numbers (draw assignment, mixture statistics, Monte Carlo
  standard errors), pure numpy;
* :mod:`scenarios.sets.run`: run a set (components through the engine, then the mixture);
* :mod:`scenarios.sets.backtest`: score the mixture and its components;
* :mod:`scenarios.sets.views`: Black-Litterman views (PyPortfolioOpt's input form).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from valuation._lazy import lazy_names

if TYPE_CHECKING:  # loaded on first use (module ``__getattr__``): ``is_set_file`` needs no pydantic model
    from scenarios.sets.model import ScenarioSet, is_set_file, load_set

__all__ = ["ScenarioSet", "is_set_file", "load_set"]

#: public name -> the module that defines it
_NAMES = {"ScenarioSet": "scenarios.sets.model", "load_set": "scenarios.sets.model",
          "is_set_file": "scenarios.sets.peek"}


__getattr__, __dir__ = lazy_names(__name__, globals(), _NAMES, listed=__all__)
